import { ConfigError, ShapeError, fmt } from '../errors.js';
import { record } from '../autograd/tape.js';
import { allocData, type TypedArray } from '../tensor/dtype.js';
import { shapesEqual } from '../tensor/shape.js';
import { assertSameDtype, Tensor } from '../tensor/tensor.js';
import { add, div, mul, sub } from './elementwise.js';
import { compositeVjp } from './internal/graph-vjp.js';
import { pointwiseKernelsFor } from '../kernels/select.js';
import { mean } from './reduce.js';
import { sqrt, square } from './unary.js';

function checkEps(op: string, eps: number): void {
  if (!(eps >= 0) || !Number.isFinite(eps))
    throw new ConfigError(`${op}: eps must be a finite number >= 0, got ${fmt(eps)}`);
}

/**
 * Layer normalisation over the trailing axes `normalizedShape` (PyTorch's `F.layer_norm`):
 * y = (x − μ)/√(σ² + ε)·γ + β with μ, σ² the mean and biased variance of each group of
 * trailing elements. VJP: dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), dγ = Σ g·x̂, dβ = Σ g.
 *
 * @example
 * const y = layerNorm(x, 64, gamma, beta); // x [B, T, 64], gamma/beta [64]
 * @see https://arxiv.org/abs/1607.06450 (Ba, Kiros & Hinton 2016)
 */
export function layerNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  weight?: Tensor | null,
  bias?: Tensor | null,
  eps = 1e-5,
): Tensor {
  const op = 'layerNorm';
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  if (ns.length === 0 || !ns.every((d) => Number.isInteger(d) && d > 0)) {
    throw new ShapeError(
      `${op}: normalizedShape must be a positive integer or a non-empty list of them, got ${fmt(normalizedShape)}`,
    );
  }
  checkEps(op, eps);
  const w = weight ?? null;
  const b = bias ?? null;
  assertSameDtype(op, x, ...(w ? [w] : []), ...(b ? [b] : []));
  if (x.ndim < ns.length || !shapesEqual(x.shape.slice(x.ndim - ns.length), ns)) {
    throw new ShapeError(
      `${op}: x must end with the normalized shape ${fmt(ns)}, got shape ${fmt(x.shape)}`,
    );
  }
  if (w && !shapesEqual(w.shape, ns))
    throw new ShapeError(`${op}: weight must have shape ${fmt(ns)}, got ${fmt(w.shape)}`);
  if (b && !shapesEqual(b.shape, ns))
    throw new ShapeError(`${op}: bias must have shape ${fmt(ns)}, got ${fmt(b.shape)}`);
  let d = 1;
  for (const s of ns) d *= s;
  const rows = x.size / d;
  const xd = x.data;
  const wd = w ? w.data : null;
  const means = new Float64Array(rows);
  const rstds = new Float64Array(rows);
  const y = allocData(x.dtype, x.size);
  // One backend for the forward and the VJP (native AVX2 when the addon is loaded).
  const k = pointwiseKernelsFor(x.dtype, x.size);
  k.layerNormForward({
    x: xd,
    gamma: wd,
    beta: b ? b.data : null,
    rows,
    d,
    eps,
    rms: false,
    y,
    mean: means,
    rstd: rstds,
  });
  const out = new Tensor(y, x.shape);
  const inputs = [x, ...(w ? [w] : []), ...(b ? [b] : [])];
  return record(
    op,
    out,
    inputs,
    (g, sink, cg) => {
      if (cg)
        return compositeVjp(g, inputs, () => {
          // (x − μ)/√(σ² + ε)·γ + β over the normalized axes, as recorded ops.
          const axes = ns.map((_, i) => x.ndim - ns.length + i);
          const c = sub(x, mean(x, axes, true));
          const n = div(c, sqrt(add(mean(square(c), axes, true), eps)));
          const scaled = w ? mul(n, w) : n;
          return b ? add(scaled, b) : scaled;
        });
      // dγ and dβ go straight into a parameter's gradient buffer when it has one (then null).
      const dx = x.requiresGrad ? allocData(x.dtype, x.size) : null;
      // After zeroGrad() the buffer is a pending zero: written, not added into.
      const newW = w === null ? null : sink.bufferToWrite(w);
      const accW = w === null ? null : (newW ?? sink.buffer(w));
      const dw = w?.requiresGrad ? (accW ?? allocData(x.dtype, d)) : null;
      const newB = b === null ? null : sink.bufferToWrite(b);
      const accB = b === null ? null : (newB ?? sink.buffer(b));
      const db = b?.requiresGrad ? (accB ?? allocData(x.dtype, d)) : null;
      k.layerNormBackward({
        g: g.data,
        x: xd,
        gamma: wd,
        mean: means,
        rstd: rstds,
        rows,
        d,
        rms: false,
        dx,
        dGamma: dw,
        dGammaAccumulate: accW !== null && newW === null,
        dBeta: db,
        dBetaAccumulate: accB !== null && newB === null,
      });
      const res: (Tensor | null)[] = [dx ? new Tensor(dx, x.shape) : null];
      if (w) res.push(dw === null || accW !== null ? null : new Tensor(dw, w.shape));
      if (b) res.push(db === null || accB !== null ? null : new Tensor(db, b.shape));
      return res;
    },
    true,
  );
}

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  /** Batch statistics (true, the default) or running statistics (false). */
  training?: boolean;
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Running-statistics update weight in [0, 1]: r ← (1 − m)·r + m·batch (default 0.1). */
  momentum?: number;
  /** Running mean `[C]`, updated in place in training mode; required in eval mode. */
  runningMean?: Tensor | null;
  /** Running variance `[C]` (unbiased), updated in place in training mode; required in eval mode. */
  runningVar?: Tensor | null;
}

/**
 * Batch normalisation over every axis but the channel axis 1 (PyTorch's `F.batch_norm`), for
 * x `[N, C]`, `[N, C, L]` or `[N, C, H, W]`: y = (x − μ_c)/√(σ²_c + ε)·γ_c + β_c.
 *
 * Training mode normalises with the batch mean and biased variance, and (when given) updates
 * the running statistics in place: μ_r ← (1 − m)μ_r + m·μ, σ²_r ← (1 − m)σ²_r + m·σ²·M/(M − 1)
 * (unbiased, M = elements per channel), as PyTorch does. Eval mode uses the running statistics.
 * VJP (training): dx = rstd·(dx̂ − mean_c(dx̂) − x̂·mean_c(dx̂·x̂)); (eval): dx = g·γ·rstd;
 * dγ = Σ g·x̂, dβ = Σ g.
 *
 * @example
 * const y = batchNorm(x, gamma, beta, { training: true, runningMean, runningVar });
 * @see https://arxiv.org/abs/1502.03167 (Ioffe & Szegedy 2015)
 */
export function batchNorm(
  x: Tensor,
  weight?: Tensor | null,
  bias?: Tensor | null,
  opts: BatchNormOptions = {},
): Tensor {
  const op = 'batchNorm';
  const training = opts.training ?? true;
  const eps = opts.eps ?? 1e-5;
  const momentum = opts.momentum ?? 0.1;
  checkEps(op, eps);
  if (!(momentum >= 0 && momentum <= 1))
    throw new ConfigError(`${op}: momentum must be in [0, 1], got ${fmt(momentum)}`);
  if (x.ndim < 2)
    throw new ShapeError(
      `${op}: x must be [N, C, ...] with at least 2 axes, got shape ${fmt(x.shape)}`,
    );
  const w = weight ?? null;
  const b = bias ?? null;
  const rm = opts.runningMean ?? null;
  const rv = opts.runningVar ?? null;
  assertSameDtype(op, x, ...[w, b, rm, rv].filter((t): t is Tensor => t !== null));
  const n = x.shape[0] as number;
  const c = x.shape[1] as number;
  const sp = x.size / Math.max(1, n * c);
  const checkC = (t: Tensor | null, name: string): void => {
    if (t && (t.ndim !== 1 || t.shape[0] !== c))
      throw new ShapeError(
        `${op}: ${name} must have shape [${c}] (channels of x ${fmt(x.shape)}), got ${fmt(t.shape)}`,
      );
  };
  checkC(w, 'weight');
  checkC(b, 'bias');
  checkC(rm, 'runningMean');
  checkC(rv, 'runningVar');
  if ((rm === null) !== (rv === null)) {
    throw new ConfigError(
      `${op}: runningMean and runningVar must be given together (got only ${rm ? 'runningMean' : 'runningVar'})`,
    );
  }
  const m = n * sp;
  if (!training && (!rm || !rv))
    throw new ConfigError(`${op}: eval mode (training: false) needs runningMean and runningVar`);
  if (training && m <= 1) {
    throw new ShapeError(
      `${op}: training needs more than 1 value per channel, got x of shape ${fmt(x.shape)}`,
    );
  }
  const xd = x.data;
  const wd = w ? w.data : null;
  const bd = b ? b.data : null;
  const means = new Float64Array(c);
  const rstds = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    let mean: number;
    let varB: number;
    if (training) {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const o = (i * c + ch) * sp;
        for (let k = 0; k < sp; k++) s += xd[o + k] as number;
      }
      mean = s / m;
      let v = 0;
      for (let i = 0; i < n; i++) {
        const o = (i * c + ch) * sp;
        for (let k = 0; k < sp; k++) {
          const dv = (xd[o + k] as number) - mean;
          v += dv * dv;
        }
      }
      varB = v / m;
      if (rm && rv) {
        rm.data[ch] = (1 - momentum) * (rm.data[ch] as number) + momentum * mean;
        rv.data[ch] = (1 - momentum) * (rv.data[ch] as number) + momentum * (v / (m - 1));
      }
    } else {
      mean = (rm as Tensor).data[ch] as number;
      varB = (rv as Tensor).data[ch] as number;
    }
    means[ch] = mean;
    rstds[ch] = 1 / Math.sqrt(varB + eps);
  }
  const y = allocData(x.dtype, x.size);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const o = (i * c + ch) * sp;
      const mean = means[ch] as number;
      const rstd = rstds[ch] as number;
      const gam = wd ? (wd[ch] as number) : 1;
      const bet = bd ? (bd[ch] as number) : 0;
      for (let k = 0; k < sp; k++) y[o + k] = ((xd[o + k] as number) - mean) * rstd * gam + bet;
    }
  }
  const out = new Tensor(y, x.shape);
  const inputs = [x, ...(w ? [w] : []), ...(b ? [b] : [])];
  return record(op, out, inputs, (g) => {
    const gd = g.data;
    let dx: TypedArray | null = null;
    if (x.requiresGrad) {
      dx = allocData(x.dtype, x.size);
      for (let ch = 0; ch < c; ch++) {
        const gam = wd ? (wd[ch] as number) : 1;
        const rstd = rstds[ch] as number;
        if (training) {
          // The layer-norm rule (kernels/js/layer-norm.ts), with the channel's elements strided over N.
          const mean = means[ch] as number;
          let sumD = 0;
          let sumDX = 0;
          for (let i = 0; i < n; i++) {
            const o = (i * c + ch) * sp;
            for (let k = 0; k < sp; k++) {
              const d = (gd[o + k] as number) * gam;
              sumD += d;
              sumDX += d * ((xd[o + k] as number) - mean) * rstd;
            }
          }
          const mD = sumD / m;
          const mDX = sumDX / m;
          for (let i = 0; i < n; i++) {
            const o = (i * c + ch) * sp;
            for (let k = 0; k < sp; k++) {
              const xh = ((xd[o + k] as number) - mean) * rstd;
              dx[o + k] = rstd * ((gd[o + k] as number) * gam - mD - xh * mDX);
            }
          }
        } else {
          // Running statistics are constants: the map is affine in x.
          for (let i = 0; i < n; i++) {
            const o = (i * c + ch) * sp;
            for (let k = 0; k < sp; k++) dx[o + k] = (gd[o + k] as number) * gam * rstd;
          }
        }
      }
    }
    const dw = w?.requiresGrad ? allocData(x.dtype, c) : null;
    const db = b?.requiresGrad ? allocData(x.dtype, c) : null;
    if (dw || db) {
      for (let ch = 0; ch < c; ch++) {
        const mean = means[ch] as number;
        const rstd = rstds[ch] as number;
        let sw = 0;
        let sb = 0;
        for (let i = 0; i < n; i++) {
          const o = (i * c + ch) * sp;
          for (let k = 0; k < sp; k++) {
            const gv = gd[o + k] as number;
            sw += gv * ((xd[o + k] as number) - mean) * rstd;
            sb += gv;
          }
        }
        if (dw) dw[ch] = sw;
        if (db) db[ch] = sb;
      }
    }
    const res: (Tensor | null)[] = [dx ? new Tensor(dx, x.shape) : null];
    if (w) res.push(dw ? new Tensor(dw, w.shape) : null);
    if (b) res.push(db ? new Tensor(db, b.shape) : null);
    return res;
  });
}
