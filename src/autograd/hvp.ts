import { ConfigError, DtypeError, ShapeError, fmt } from '../errors.js';
import { shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { gradients } from './backward.js';
import { grad, type TensorFn, variableFor, zerosLike } from './functional.js';
import { enableGrad } from './grad-mode.js';
import { dotConst, tapedAdd } from './taped.js';

function checkVector(name: string, x: Tensor, v: Tensor): void {
  if (!shapesEqual(x.shape, v.shape))
    throw new ShapeError(`${name}(): v has shape ${fmt(v.shape)} but x has shape ${fmt(x.shape)}`);
  if (x.dtype !== v.dtype) throw new DtypeError(`${name}(): x is ${x.dtype} but v is ${v.dtype}`);
}

/**
 * Exact Hessian-vector product H(x)·v of a scalar f (Pearlmutter 1994), by reverse-over-reverse:
 * g = ∇f(x) computed with a recorded backward (`createGraph`), then Hv = ∇ₓ⟨g, v⟩ by a second
 * backward through that graph. Exact up to rounding (no step size), in float32 as in float64.
 *
 * Cost: one forward, one recorded backward (about 2–3 forward passes' work) and one backward
 * through the double graph: about 4–5× a gradient, vs 2 gradients for {@link fdHvp}. Memory: the
 * graph of f plus that of its backward. Every op of f needs a differentiable VJP (an op without
 * one throws, naming it; fall back to {@link fdHvp} there).
 * @example hvp((p) => sum(mul(mul(p, p), p)), x, v) // 6·x⊙v
 * @see B. A. Pearlmutter, "Fast Exact Multiplication by the Hessian", Neural Computation 6, 1994.
 */
export function hvp(f: TensorFn, x: Tensor, v: Tensor): Tensor {
  checkVector('hvp', x, v);
  const xl = variableFor(x, false);
  return enableGrad(() => {
    const y = f(xl);
    if (y.size !== 1)
      throw new ShapeError(`hvp(): f must return a scalar, got shape ${fmt(y.shape)}`);
    if (!y.requiresGrad) return zerosLike(x);
    const [g] = gradients(y, [xl], { createGraph: true }) as [Tensor];
    if (!g.requiresGrad) return zerosLike(x); // ∇f does not depend on x: H = 0
    const [hv] = gradients(dotConst(g, v), [xl]) as [Tensor];
    return new Tensor(hv.data, x.shape);
  });
}

/**
 * Hessian-vector product by central differences of exact gradients:
 * Hv ≈ (∇f(x + εv) − ∇f(x − εv)) / (2ε), with ε = ε₀·max(1, ‖x‖∞)/‖v‖∞. Kept for functions with
 * an op whose VJP is not differentiable yet (where {@link hvp} throws), and as the baseline of
 * the timing in bench/hvp-exact-vs-fd.ts.
 *
 * Accuracy: truncation error O(ε²·‖∇³f‖) plus rounding O(u·‖∇f‖/ε) (u the unit roundoff), so the
 * default ε₀ = u^(1/3) (≈ 6e-6 in float64) gives about 2/3 of the digits (~1e-10 relative in
 * float64, ~1e-3 in float32; exact for quadratics up to rounding). Cost: two gradients.
 * @example fdHvp((p) => sum(mul(p, p)), x, v) // ≈ 2v
 */
export function fdHvp(f: TensorFn, x: Tensor, v: Tensor, opts: { eps?: number } = {}): Tensor {
  checkVector('fdHvp', x, v);
  const u = x.dtype === 'float64' ? 2 ** -53 : 2 ** -24;
  const eps0 = opts.eps ?? Math.cbrt(u);
  if (!(eps0 > 0)) throw new ConfigError(`fdHvp(): eps = ${fmt(eps0)} is invalid; expected > 0`);
  let xmax = 1;
  let vmax = 0;
  for (let i = 0; i < x.size; i++) {
    xmax = Math.max(xmax, Math.abs(x.data[i] as number));
    vmax = Math.max(vmax, Math.abs(v.data[i] as number));
  }
  const out = new Tensor(x.data.slice().fill(0), x.shape);
  if (vmax === 0) return out;
  const h = (eps0 * xmax) / vmax;
  const g = grad(f);
  const xp = new Tensor(x.data.slice(), x.shape);
  const xm = new Tensor(x.data.slice(), x.shape);
  for (let i = 0; i < x.size; i++) {
    xp.data[i] = (x.data[i] as number) + h * (v.data[i] as number);
    xm.data[i] = (x.data[i] as number) - h * (v.data[i] as number);
  }
  const gp = (g(xp)[0] as Tensor).data;
  const gm = (g(xm)[0] as Tensor).data;
  for (let i = 0; i < x.size; i++) out.data[i] = ((gp[i] as number) - (gm[i] as number)) / (2 * h);
  return out;
}

/** Named parameters (structurally optim's `Params`): the variables a loss is differentiated by. */
export type ParamMap = Readonly<Record<string, Tensor>>;

/** A scalar loss of named parameters. It may read the tensors it is given or the same tensors by closure. */
export type ParamLoss = (params: ParamMap) => Tensor;

/** The Hessian of a loss at fixed parameters, as an operator on flat vectors (see {@link hessianOperator}). */
export interface HessianOperator {
  /** Number of scalar parameters n. */
  readonly n: number;
  /** The loss at the parameters. */
  readonly value: number;
  /** The gradient, flat in the parameters' key order. */
  readonly gradient: Float64Array;
  /** out ← H·v (flat, key order). */
  matvec(v: Float64Array, out: Float64Array): void;
  /** Hessian-vector products computed so far. */
  readonly hvps: number;
}

/**
 * The Hessian of `f` at the parameters' current values as a matrix-free operator for Lanczos,
 * Hutchinson and Newton-CG: one forward and one recorded backward up front (the graph of ∇f is
 * kept), then each `matvec` is one backward through it, ∇⟨∇f, v⟩ (Pearlmutter, exact). No
 * `.grad` is touched; parameters that are leaves are made to require grad while the operator is
 * built and restored afterwards. Do not change the parameters' data while using the operator.
 *
 * Cost per matvec: one backward through the double graph (about 2–3 gradients' work). Memory:
 * the graph of f and of its backward, kept while the operator is referenced.
 * @example const H = hessianOperator((p) => loss(p), params); H.matvec(v, out);
 */
export function hessianOperator(f: ParamLoss, params: ParamMap): HessianOperator {
  const names = Object.keys(params);
  const list = names.map((k) => params[k] as Tensor);
  if (list.length === 0)
    throw new ConfigError('hessianOperator(): params is empty; expected at least one tensor');
  const n = list.reduce((s, p) => s + p.size, 0);
  const flags = list.map((p) => p.requiresGrad);
  let gs: Tensor[];
  let value: number;
  try {
    for (const p of list) if (p.gradFn === null) p.requiresGrad = true;
    [gs, value] = enableGrad((): [Tensor[], number] => {
      const y = f(params);
      if (y.size !== 1)
        throw new ShapeError(
          `hessianOperator(): f must return a scalar, got shape ${fmt(y.shape)}`,
        );
      const v = y.data[0] as number;
      if (!y.requiresGrad) return [list.map(zerosLike), v];
      return [gradients(y, list, { createGraph: true }), v];
    });
  } finally {
    list.forEach((p, i) => {
      if (p.gradFn === null) p.requiresGrad = flags[i] as boolean;
    });
  }
  const gradient = new Float64Array(n);
  let off = 0;
  for (const g of gs) {
    for (let i = 0; i < g.size; i++) gradient[off + i] = g.data[i] as number;
    off += g.size;
  }
  const vs = list.map((p) => zerosLike(p));
  const live = gs.some((g) => g.requiresGrad);
  let count = 0;
  const op: HessianOperator = {
    n,
    value,
    gradient,
    get hvps() {
      return count;
    },
    matvec(v: Float64Array, out: Float64Array): void {
      if (v.length !== n || out.length !== n)
        throw new ShapeError(
          `hessianOperator.matvec(): v and out have lengths ${v.length} and ${out.length}; expected ${n}`,
        );
      count++;
      if (!live) {
        out.fill(0);
        return;
      }
      let o = 0;
      for (const t of vs) {
        for (let i = 0; i < t.size; i++) t.data[i] = v[o + i] as number;
        o += t.size;
      }
      const restore = list.map((p) => p.requiresGrad);
      try {
        for (const p of list) if (p.gradFn === null) p.requiresGrad = true;
        enableGrad(() => {
          let s: Tensor | null = null;
          for (let k = 0; k < gs.length; k++) {
            const g = gs[k] as Tensor;
            if (!g.requiresGrad) continue;
            const d = dotConst(g, vs[k] as Tensor);
            s = s === null ? d : tapedAdd(s, d);
          }
          const hv = gradients(s as Tensor, list, { retainGraph: true });
          let q = 0;
          for (const h of hv) {
            for (let i = 0; i < h.size; i++) out[q + i] = h.data[i] as number;
            q += h.size;
          }
        });
      } finally {
        list.forEach((p, i) => {
          if (p.gradFn === null) p.requiresGrad = restore[i] as boolean;
        });
      }
    },
  };
  return op;
}
