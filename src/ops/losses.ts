import { ConfigError, DataError, ShapeError, fmt } from '../errors.js';
import { needsGrad, record } from '../autograd/tape.js';
import { allocData, allocDataUninit, type DType, type TypedArray } from '../tensor/dtype.js';
import { shapesEqual, type Shape } from '../tensor/shape.js';
import { assertSameDtype, Tensor } from '../tensor/tensor.js';
import { abs, neg, softplus, square } from './unary.js';
import { add, mul, sub, where } from './elementwise.js';
import { compositeVjp, constantOf } from './internal/graph-vjp.js';
import { mean, sum } from './reduce.js';
import { broadcastTo } from './shape-ops.js';
import { logSoftmax } from './softmax.js';
import { lossKernelsFor } from '../kernels/select.js';

/**
 * −Σ_k a_ik·lp_ik per row, reduced: the class losses as recorded ops for their createGraph VJPs
 * (a is the constant target distribution: one-hot, weighted, smoothed; zero rows are ignored).
 */
function classLossFromLogProbs(
  lp: Tensor,
  a: TypedArray,
  reduction: Reduction,
  totalWeight: number,
): Tensor {
  const perRow = neg(sum(mul(lp, constantOf(a, lp.shape)), 1));
  if (reduction === 'none') return perRow;
  const total = sum(perRow);
  return reduction === 'mean' ? mul(total, 1 / totalWeight) : total;
}

/** How a loss combines its per-element values: PyTorch's `reduction`. */
export type Reduction = 'mean' | 'sum' | 'none';

/** Class-index targets: one integer per row of the logits. */
export type ClassTargets = Int32Array | readonly number[] | Tensor;

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions {
  /** 'mean' (default: divided by the summed weight of the non-ignored targets), 'sum' or 'none'. */
  reduction?: Reduction;
  /** ε in [0, 1]: the target distribution is (1 − ε)·onehot + ε/C (default 0). */
  labelSmoothing?: number;
  /** Rows whose target equals this contribute nothing (default −100, as in PyTorch). */
  ignoreIndex?: number;
  /** Per-class weights `[C]` (constants: no gradient flows to them). */
  weight?: Tensor | null;
}

/** Options of {@link nllLoss}. */
export interface NllLossOptions {
  /** 'mean' (default: divided by the summed weight of the non-ignored targets), 'sum' or 'none'. */
  reduction?: Reduction;
  /** Rows whose target equals this contribute nothing (default −100). */
  ignoreIndex?: number;
  /** Per-class weights `[C]` (constants). */
  weight?: Tensor | null;
}

/** Options of the elementwise losses. */
export interface ReductionOptions {
  /** 'mean' (default: over all elements), 'sum' or 'none' (same shape as the input). */
  reduction?: Reduction;
}

/** Options of {@link bceWithLogits}. */
export interface BceWithLogitsOptions extends ReductionOptions {
  /** Weight p of the positive term, broadcast against the input from the right (e.g. `[C]`). */
  posWeight?: Tensor | null;
}

/** Options of {@link huber}. */
export interface HuberOptions extends ReductionOptions {
  /** Threshold δ > 0 between the quadratic and the linear regime (default 1). */
  delta?: number;
}

function checkReduction(op: string, r: unknown): Reduction {
  if (r === undefined) return 'mean';
  if (r !== 'mean' && r !== 'sum' && r !== 'none') {
    throw new ConfigError(`${op}: reduction must be 'mean', 'sum' or 'none', got ${fmt(r)}`);
  }
  return r;
}

function scalarOrShaped(
  dtype: DType,
  data: TypedArray | null,
  value: number,
  shape: Shape,
): Tensor {
  if (data) return new Tensor(data, shape);
  const d = allocData(dtype, 1);
  d[0] = value;
  return new Tensor(d, []);
}

/**
 * Validates class targets for [N, C] scores: an integer per row, in [0, C) or equal to
 * `ignoreIndex`. Out-of-range labels are data errors (they would index outside the row).
 */
function readTargets(
  op: string,
  targets: ClassTargets,
  n: number,
  c: number,
  ignoreIndex: number,
): Int32Array {
  let values: ArrayLike<number>;
  if (targets instanceof Tensor) {
    if (targets.ndim !== 1 || targets.shape[0] !== n) {
      throw new ShapeError(
        `${op}: targets must be class indices of shape [${n}], got shape ${fmt(targets.shape)}`,
      );
    }
    values = targets.data;
  } else {
    if (targets.length !== n) {
      throw new ShapeError(
        `${op}: targets must hold ${n} class indices (one per row of the input), got ${targets.length}`,
      );
    }
    values = targets;
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (!Number.isInteger(v) || (v !== ignoreIndex && (v < 0 || v >= c))) {
      throw new DataError(
        `${op}: targets[${i}] = ${fmt(v)} is not a class index in [0, ${c - 1}] (nor ignoreIndex ${ignoreIndex})`,
      );
    }
    out[i] = v;
  }
  return out;
}

function checkScores(op: string, argName: string, x: Tensor): [number, number] {
  if (x.ndim !== 2) {
    throw new ShapeError(`${op}: ${argName} must be 2-D [N, C], got shape ${fmt(x.shape)}`);
  }
  return x.shape as [number, number];
}

function checkClassWeight(
  op: string,
  x: Tensor,
  weight: Tensor | null | undefined,
  c: number,
): TypedArray | null {
  if (!weight) return null;
  assertSameDtype(op, x, weight);
  if (weight.ndim !== 1 || weight.shape[0] !== c) {
    throw new ShapeError(
      `${op}: weight must have shape [${c}] (one per class), got ${fmt(weight.shape)}`,
    );
  }
  return weight.data;
}

/**
 * Softmax cross-entropy from logits, fused and max-subtracted (PyTorch's `F.cross_entropy` with
 * class-index targets).
 *
 * With log p = z − logsumexp(z) per row, ℓᵢ = (1 − ε)·w_{yᵢ}·(−log p_{yᵢ}) + (ε/C)·Σ_c w_c·(−log p_c)
 * (0 for ignored rows); 'mean' divides Σᵢ ℓᵢ by Σᵢ w_{yᵢ} over non-ignored rows (their count
 * without weights). VJP per row: ∂ℓ/∂z = p·Σ_c a_c − a with a the (weighted, smoothed) target
 * distribution — (softmax − onehot)/N in the plain mean case.
 *
 * @example
 * const loss = crossEntropy(logits, [3, 0, 1], { labelSmoothing: 0.1 }); // logits [3, C]
 * @see https://arxiv.org/abs/1512.00567 (label smoothing, Szegedy et al. 2016)
 */
export function crossEntropy(
  logits: Tensor,
  targets: ClassTargets,
  opts: CrossEntropyOptions = {},
): Tensor {
  const op = 'crossEntropy';
  const reduction = checkReduction(op, opts.reduction);
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1))
    throw new ConfigError(`${op}: labelSmoothing must be in [0, 1], got ${fmt(eps)}`);
  const ignoreIndex = opts.ignoreIndex ?? -100;
  if (!Number.isInteger(ignoreIndex))
    throw new ConfigError(`${op}: ignoreIndex must be an integer, got ${fmt(ignoreIndex)}`);
  const [n, c] = checkScores(op, 'logits', logits);
  const w = checkClassWeight(op, logits, opts.weight, c);
  const t = readTargets(op, targets, n, c, ignoreIndex);
  const z = logits.data;
  // The kernels of the loss (kernels/select.ts): native C for float32 when the addon is loaded,
  // else the JS reference; the same bits on every backend (kernels/js/cross-entropy.ts).
  const kern = lossKernelsFor();
  const lse = new Float64Array(n);
  const perRow = reduction === 'none' ? allocData(logits.dtype, n) : null;
  const sums = new Float64Array(2);
  kern.crossEntropyForward({
    z,
    targets: t,
    n,
    c,
    ignoreIndex,
    weight: w,
    labelSmoothing: eps,
    lse,
    perRow,
    sums,
  });
  const total = sums[0] as number;
  const totalWeight = sums[1] as number;
  const value = reduction === 'mean' ? total / totalWeight : total;
  const out = scalarOrShaped(logits.dtype, perRow, value, [n]);
  return record(
    op,
    out,
    [logits],
    (g, _s, cg) => {
      if (cg) {
        const a = allocData(logits.dtype, n * c);
        for (let i = 0; i < n; i++) {
          const y = t[i] as number;
          if (y === ignoreIndex) continue;
          const wy = w ? (w[y] as number) : 1;
          for (let k = 0; k < c; k++) a[i * c + k] = (eps / c) * (w ? (w[k] as number) : 1);
          a[i * c + y] = (a[i * c + y] as number) + (1 - eps) * wy;
        }
        return compositeVjp(g, [logits], () =>
          classLossFromLogProbs(logSoftmax(logits, 1), a, reduction, totalWeight),
        );
      }
      const gd = g.data;
      const dz = allocDataUninit(logits.dtype, n * c); // every row written (ignored rows: zeros)
      const g0 = gd[0] as number;
      kern.crossEntropyBackward({
        z,
        targets: t,
        n,
        c,
        ignoreIndex,
        weight: w,
        labelSmoothing: eps,
        lse,
        scale: reduction === 'mean' ? g0 / totalWeight : g0,
        g: reduction === 'none' ? gd : null,
        dz,
      });
      return [new Tensor(dz, logits.shape)];
    },
    true,
  );
}

/**
 * Negative log-likelihood of class indices given log-probabilities (PyTorch's `F.nll_loss`):
 * ℓᵢ = −w_{yᵢ}·logp[i, yᵢ] (0 for ignored rows); 'mean' divides by Σᵢ w_{yᵢ}.
 * VJP: ∂ℓ/∂logp[i, yᵢ] = −w_{yᵢ} (scaled by the reduction), 0 elsewhere.
 *
 * @example
 * const loss = nllLoss(logSoftmax(scores, 1), targets);
 */
export function nllLoss(
  logProbs: Tensor,
  targets: ClassTargets,
  opts: NllLossOptions = {},
): Tensor {
  const op = 'nllLoss';
  const reduction = checkReduction(op, opts.reduction);
  const ignoreIndex = opts.ignoreIndex ?? -100;
  if (!Number.isInteger(ignoreIndex))
    throw new ConfigError(`${op}: ignoreIndex must be an integer, got ${fmt(ignoreIndex)}`);
  const [n, c] = checkScores(op, 'logProbs', logProbs);
  const w = checkClassWeight(op, logProbs, opts.weight, c);
  const t = readTargets(op, targets, n, c, ignoreIndex);
  const lp = logProbs.data;
  const perRow = reduction === 'none' ? allocData(logProbs.dtype, n) : null;
  let total = 0;
  let totalWeight = 0;
  for (let i = 0; i < n; i++) {
    const y = t[i] as number;
    if (y === ignoreIndex) continue;
    const wy = w ? (w[y] as number) : 1;
    const li = -wy * (lp[i * c + y] as number);
    totalWeight += wy;
    total += li;
    if (perRow) perRow[i] = li;
  }
  const value = reduction === 'mean' ? total / totalWeight : total;
  const out = scalarOrShaped(logProbs.dtype, perRow, value, [n]);
  return record(
    op,
    out,
    [logProbs],
    (g, _s, cg) => {
      if (cg) {
        const a = allocData(logProbs.dtype, n * c);
        for (let i = 0; i < n; i++) {
          const y = t[i] as number;
          if (y !== ignoreIndex) a[i * c + y] = w ? (w[y] as number) : 1;
        }
        return compositeVjp(g, [logProbs], () =>
          classLossFromLogProbs(logProbs, a, reduction, totalWeight),
        );
      }
      const gd = g.data;
      const d = allocData(logProbs.dtype, n * c);
      const g0 = gd[0] as number;
      const scaleAll = reduction === 'mean' ? g0 / totalWeight : g0;
      for (let i = 0; i < n; i++) {
        const y = t[i] as number;
        if (y === ignoreIndex) continue;
        const s = reduction === 'none' ? (gd[i] as number) : scaleAll;
        d[i * c + y] = -s * (w ? (w[y] as number) : 1);
      }
      return [new Tensor(d, logProbs.shape)];
    },
    true,
  );
}

function checkPair(op: string, a: Tensor, aName: string, b: Tensor, bName: string): void {
  assertSameDtype(op, a, b);
  if (!shapesEqual(a.shape, b.shape)) {
    throw new ShapeError(
      `${op}: ${bName} must have the shape of ${aName} ${fmt(a.shape)}, got ${fmt(b.shape)}`,
    );
  }
}

/**
 * Shared driver of the elementwise losses: `elem(i, j, da, db)` returns the loss of element i and
 * writes ∂ℓ/∂a, ∂ℓ/∂b into `da`, `db` at j (= i when kept for the VJP, which scales them by the
 * reduction; 0, a scratch slot, when no gradient is needed).
 */
function elementwiseLoss(
  op: string,
  a: Tensor,
  b: Tensor,
  reduction: Reduction,
  elem: (i: number, j: number, da: TypedArray, db: TypedArray) => number,
  extra: {
    inputs: Tensor[];
    vjp: (scale: (i: number) => number) => (Tensor | null)[];
  } | null,
  composite: () => Tensor,
): Tensor {
  const size = a.size;
  // Derivative buffers only when a backward pass can happen (otherwise scratch of one element).
  const keep = needsGrad(a, b, ...(extra?.inputs ?? []));
  const da = allocData(a.dtype, keep ? size : 1);
  const db = allocData(a.dtype, keep ? size : 1);
  const perElem = reduction === 'none' ? allocData(a.dtype, size) : null;
  let total = 0;
  for (let i = 0; i < size; i++) {
    const l = elem(i, keep ? i : 0, da, db);
    total += l;
    if (perElem) perElem[i] = l;
  }
  const value = reduction === 'mean' ? total / size : total;
  const out = scalarOrShaped(a.dtype, perElem, value, a.shape);
  const inputs = [a, b, ...(extra?.inputs ?? [])];
  return record(
    op,
    out,
    inputs,
    (g, _s, cg) => {
      if (cg)
        return compositeVjp(g, inputs, () => {
          const l = composite();
          return reduction === 'none' ? l : reduction === 'mean' ? mean(l) : sum(l);
        });
      const gd = g.data;
      const g0 = gd[0] as number;
      const sAll = reduction === 'mean' ? g0 / size : g0;
      const scale =
        reduction === 'none' ? (i: number): number => gd[i] as number : (): number => sAll;
      const res: (Tensor | null)[] = [null, null];
      if (a.requiresGrad) {
        const d = allocData(a.dtype, size);
        for (let i = 0; i < size; i++) d[i] = (da[i] as number) * scale(i);
        res[0] = new Tensor(d, a.shape);
      }
      if (b.requiresGrad) {
        const d = allocData(a.dtype, size);
        for (let i = 0; i < size; i++) d[i] = (db[i] as number) * scale(i);
        res[1] = new Tensor(d, b.shape);
      }
      if (extra) res.push(...extra.vjp(scale));
      return res;
    },
    true,
  );
}

/**
 * Mean squared error (PyTorch's `F.mse_loss`): ℓᵢ = (predᵢ − targetᵢ)², reduced.
 * VJP: ∂ℓᵢ/∂pred = 2(pred − target) = −∂ℓᵢ/∂target.
 *
 * @example
 * const loss = mse(model.forward(x), y); // scalar mean over all elements
 */
export function mse(pred: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  const op = 'mse';
  const reduction = checkReduction(op, opts.reduction);
  checkPair(op, pred, 'pred', target, 'target');
  const p = pred.data;
  const t = target.data;
  return elementwiseLoss(
    op,
    pred,
    target,
    reduction,
    (i, j, da, db) => {
      const d = (p[i] as number) - (t[i] as number);
      da[j] = 2 * d;
      db[j] = -2 * d;
      return d * d;
    },
    null,
    () => square(sub(pred, target)),
  );
}

/**
 * Huber loss (PyTorch's `F.huber_loss`): with d = pred − target, ℓ = ½d² for |d| < δ and
 * δ(|d| − ½δ) otherwise. VJP: ∂ℓ/∂pred = clamp(d, −δ, δ) = −∂ℓ/∂target.
 *
 * @example
 * const loss = huber(pred, target, { delta: 1 });
 * @see https://doi.org/10.1214/aoms/1177703732 (Huber 1964)
 */
export function huber(pred: Tensor, target: Tensor, opts: HuberOptions = {}): Tensor {
  const op = 'huber';
  const reduction = checkReduction(op, opts.reduction);
  const delta = opts.delta ?? 1;
  if (!(delta > 0) || !Number.isFinite(delta))
    throw new ConfigError(`${op}: delta must be a finite number > 0, got ${fmt(delta)}`);
  checkPair(op, pred, 'pred', target, 'target');
  const p = pred.data;
  const t = target.data;
  return elementwiseLoss(
    op,
    pred,
    target,
    reduction,
    (i, j, da, db) => {
      const d = (p[i] as number) - (t[i] as number);
      const ad = Math.abs(d);
      const gd = d < -delta ? -delta : d > delta ? delta : d;
      da[j] = gd;
      db[j] = -gd;
      return ad < delta ? 0.5 * d * d : delta * (ad - 0.5 * delta);
    },
    null,
    () => {
      const d = sub(pred, target);
      const inside = constantOf(allocData(pred.dtype, pred.size), pred.shape);
      for (let i = 0; i < pred.size; i++)
        inside.data[i] = Math.abs((p[i] as number) - (t[i] as number)) < delta ? 1 : 0;
      return where(inside, mul(square(d), 0.5), mul(sub(abs(d), 0.5 * delta), delta));
    },
  );
}

/** For each element of `big`, the index of the element of `small` it meets under broadcasting. */
function broadcastIndex(op: string, argName: string, small: Shape, big: Shape): Int32Array {
  const nd = big.length;
  if (small.length > nd || small.some((d, k) => d !== 1 && d !== big[nd - small.length + k])) {
    throw new ShapeError(
      `${op}: ${argName} of shape ${fmt(small)} does not broadcast to the input shape ${fmt(big)}`,
    );
  }
  let size = 1;
  for (const d of big) size *= d;
  const idx = new Int32Array(size);
  // Strides of `small` aligned to the right of `big`, 0 on broadcast axes.
  const strides = new Array<number>(nd).fill(0);
  let acc = 1;
  for (let k = small.length - 1; k >= 0; k--) {
    const d = small[k] as number;
    strides[nd - small.length + k] = d === 1 ? 0 : acc;
    acc *= d;
  }
  const counter = new Array<number>(nd).fill(0);
  let cur = 0;
  for (let i = 0; i < size; i++) {
    idx[i] = cur;
    for (let k = nd - 1; k >= 0; k--) {
      counter[k] = (counter[k] as number) + 1;
      cur += strides[k] as number;
      if ((counter[k] as number) < (big[k] as number)) break;
      cur -= (strides[k] as number) * (big[k] as number);
      counter[k] = 0;
    }
  }
  return idx;
}

/**
 * Binary cross-entropy on logits (PyTorch's `F.binary_cross_entropy_with_logits`), in the
 * stable form ℓ = (1 − y)·x + (1 + (p − 1)·y)·softplus(−x), which for p = 1 is
 * max(x, 0) − x·y + log(1 + e^(−|x|)); softplus(−x) = max(−x, 0) + log1p(e^(−|x|)) never
 * overflows. VJP: ∂ℓ/∂x = (1 − y) − (1 + (p − 1)y)·σ(−x) (σ(x) − y for p = 1),
 * ∂ℓ/∂y = −x + (p − 1)·softplus(−x), ∂ℓ/∂p = y·softplus(−x).
 *
 * @example
 * const loss = bceWithLogits(scores, labels01, { posWeight: tensor([3]) });
 */
export function bceWithLogits(
  logits: Tensor,
  target: Tensor,
  opts: BceWithLogitsOptions = {},
): Tensor {
  const op = 'bceWithLogits';
  const reduction = checkReduction(op, opts.reduction);
  checkPair(op, logits, 'logits', target, 'target');
  const pw = opts.posWeight ?? null;
  let pwIdx: Int32Array | null = null;
  if (pw) {
    assertSameDtype(op, logits, pw);
    pwIdx = broadcastIndex(op, 'posWeight', pw.shape, logits.shape);
  }
  const x = logits.data;
  const y = target.data;
  const pwd = pw ? pw.data : null;
  const sp = pw ? new Float64Array(logits.size) : null; // softplus(−x), for ∂ℓ/∂p
  const extra = pw
    ? {
        inputs: [pw],
        vjp: (scale: (i: number) => number): (Tensor | null)[] => {
          if (!pw.requiresGrad || !sp || !pwIdx) return [null];
          const d = allocData(pw.dtype, pw.size);
          for (let i = 0; i < logits.size; i++) {
            const j = pwIdx[i] as number;
            d[j] = (d[j] as number) + scale(i) * (y[i] as number) * (sp[i] as number);
          }
          return [new Tensor(d, pw.shape)];
        },
      }
    : null;
  return elementwiseLoss(
    op,
    logits,
    target,
    reduction,
    (i, j, da, db) => {
      const xi = x[i] as number;
      const yi = y[i] as number;
      const e = Math.exp(-Math.abs(xi));
      const softplusNeg = Math.max(-xi, 0) + Math.log1p(e);
      // σ(−x) without overflow: e^(−|x|)/(1 + e^(−|x|)) for x ≥ 0, 1/(1 + e^(−|x|)) otherwise.
      const sigNeg = xi >= 0 ? e / (1 + e) : 1 / (1 + e);
      const p = pwd && pwIdx ? (pwd[pwIdx[i] as number] as number) : 1;
      const coef = 1 + (p - 1) * yi;
      if (sp) sp[i] = softplusNeg;
      da[j] = 1 - yi - coef * sigNeg;
      db[j] = -xi + (p - 1) * softplusNeg;
      return (1 - yi) * xi + coef * softplusNeg;
    },
    extra,
    () => {
      // (1 − y)·x + (1 + (p − 1)·y)·softplus(−x), softplus without its linear cut-off.
      const coef = pw ? add(mul(sub(broadcastTo(pw, logits.shape), 1), target), 1) : null;
      const sp = softplus(neg(logits), 1, Infinity);
      return add(mul(sub(1, target), logits), coef ? mul(coef, sp) : sp);
    },
  );
}
