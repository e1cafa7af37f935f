import { ConfigError, DtypeError, ShapeError, fmt } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import { shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import './backward.js';
import { enableGrad, noGrad } from './grad-mode.js';
import { record } from './tape.js';

/** A differentiable function of tensors returning a tensor. */
export type TensorFn = (...inputs: Tensor[]) => Tensor;

/** Fresh leaves sharing the inputs' data, so `f` can be differentiated without touching them. */
function leaves(inputs: readonly Tensor[], argnums: readonly number[]): Tensor[] {
  return inputs.map((x, i) => {
    const t = new Tensor(x.data, x.shape, argnums.includes(i));
    t.name = x.name;
    return t;
  });
}

function resolveArgnums(argnums: number | readonly number[] | undefined, n: number): number[] {
  const list =
    argnums === undefined
      ? Array.from({ length: n }, (_, i) => i)
      : typeof argnums === 'number'
        ? [argnums]
        : [...argnums];
  for (const a of list)
    if (!Number.isInteger(a) || a < 0 || a >= n)
      throw new ConfigError(`argnums: ${fmt(a)} is not an input index in [0, ${n - 1}]`);
  return list;
}

/**
 * JAX-style `value_and_grad`: returns a function computing f(inputs) (a scalar) and the gradients
 * with respect to the inputs listed in `argnums` (all by default), without touching the inputs'
 * own `.grad`.
 * @example const [loss, [gw]] = valueAndGrad((w) => sum(mul(w, w)))(w) // gw = 2w
 */
export function valueAndGrad(
  f: TensorFn,
  opts: { argnums?: number | readonly number[] } = {},
): (...inputs: Tensor[]) => [Tensor, Tensor[]] {
  return (...inputs: Tensor[]) => {
    const argnums = resolveArgnums(opts.argnums, inputs.length);
    const xs = leaves(inputs, argnums);
    const y = enableGrad(() => f(...xs));
    if (y.size !== 1)
      throw new ShapeError(`valueAndGrad(): f must return a scalar, got shape ${fmt(y.shape)}`);
    if (y.requiresGrad) y.backward();
    const grads = argnums.map((i) => {
      const x = xs[i] as Tensor;
      return (
        x.grad ??
        new Tensor(new (x.dtype === 'float32' ? Float32Array : Float64Array)(x.size), x.shape)
      );
    });
    return [y.detach(), grads];
  };
}

/** JAX-style `grad`: the gradients of scalar f with respect to the inputs in `argnums`. */
export function grad(
  f: TensorFn,
  opts: { argnums?: number | readonly number[] } = {},
): (...inputs: Tensor[]) => Tensor[] {
  const vg = valueAndGrad(f, opts);
  return (...inputs: Tensor[]) => vg(...inputs)[1];
}

/**
 * Hessian-vector product H(x)·v of scalar f, by central differences of exact (autodiff)
 * gradients: Hv ≈ (∇f(x + εv) − ∇f(x − εv)) / (2ε), with ε = ε₀·max(1, ‖x‖∞)/‖v‖∞.
 *
 * Why not double backward: the VJPs run on raw kernels for speed and are not themselves taped.
 * Accuracy: truncation error O(ε²·‖∇³f‖) plus rounding O(u·‖∇f‖/ε) (u the unit roundoff), so the
 * default ε₀ = u^(1/3) (≈ 6e-6 in float64) gives about 2/3 of the digits (~1e-10 relative in
 * float64, exact for quadratics up to rounding); use float64 inputs for curvature work.
 * @example hvp((p) => sum(mul(p, p)), x, v) // 2v
 */
export function hvp(f: TensorFn, x: Tensor, v: Tensor, opts: { eps?: number } = {}): Tensor {
  if (!shapesEqual(x.shape, v.shape))
    throw new ShapeError(`hvp(): v has shape ${fmt(v.shape)} but x has shape ${fmt(x.shape)}`);
  if (x.dtype !== v.dtype) throw new DtypeError(`hvp(): x is ${x.dtype} but v is ${v.dtype}`);
  const u = x.dtype === 'float64' ? 2 ** -53 : 2 ** -24;
  const eps0 = opts.eps ?? Math.cbrt(u);
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

/** Options of {@link gradcheck}. */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Seed of the random cotangent used for non-scalar outputs (default 0). */
  seed?: number;
}

/** The outcome of {@link gradcheck}: pass/fail and the worst element. */
export interface GradcheckResult {
  pass: boolean;
  maxAbsErr: number;
  maxRelErr: number;
  /** The element with the largest violation of |a − n| ≤ atol + rtol·|n|. */
  worst: { input: number; index: number; analytic: number; numeric: number } | null;
}

/**
 * Compares autodiff gradients with central finite differences in float64, PyTorch-gradcheck style:
 * for a random cotangent u, checks ∂⟨u, f(x)⟩/∂x_ij (VJP) against
 * (⟨u, f(x + εe_ij)⟩ − ⟨u, f(x − εe_ij)⟩)/(2ε) for every element of every input that requires
 * grad (all inputs when none is marked), and reports the worst element.
 * @example gradcheck((a, b) => matmul(a, b), [a64, b64]).pass
 */
export function gradcheck(
  f: TensorFn,
  inputs: readonly Tensor[],
  opts: GradcheckOptions = {},
): GradcheckResult {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  inputs.forEach((x, i) => {
    if (x.dtype !== 'float64')
      throw new DtypeError(
        `gradcheck(): input ${i} is ${x.dtype}; finite differences need float64 inputs`,
      );
  });
  const marked = inputs.map((x) => x.requiresGrad);
  const which = marked.some(Boolean) ? marked : inputs.map(() => true);
  const argnums = which.flatMap((w, i) => (w ? [i] : []));
  const work = inputs.map((x) => new Tensor(x.data.slice(), x.shape));
  const y0 = noGrad(() => f(...work));
  const rng = new Rng(opts.seed ?? 0);
  const u = new Tensor(new Float64Array(y0.size), y0.shape);
  rng.fillNormal(u.data);
  const dot = (y: Tensor): number => {
    let s = 0;
    for (let i = 0; i < y.size; i++) s += (y.data[i] as number) * (u.data[i] as number);
    return s;
  };
  const analytic = grad(
    (...xs: Tensor[]) => {
      const y = f(...xs);
      const uu = new Tensor(u.data, y.shape);
      // ⟨u, y⟩ as a taped scalar: reuse y's own VJP by seeding backward with u.
      return scalarDot(y, uu);
    },
    { argnums },
  )(...work);
  let maxAbs = 0;
  let maxRel = 0;
  let worstViolation = -Infinity;
  let worst: GradcheckResult['worst'] = null;
  let pass = true;
  argnums.forEach((inputIdx, j) => {
    const x = work[inputIdx] as Tensor;
    const ga = (analytic[j] as Tensor).data;
    for (let e = 0; e < x.size; e++) {
      const orig = x.data[e] as number;
      x.data[e] = orig + eps;
      const fp = dot(noGrad(() => f(...work)));
      x.data[e] = orig - eps;
      const fm = dot(noGrad(() => f(...work)));
      x.data[e] = orig;
      const num = (fp - fm) / (2 * eps);
      const an = ga[e] as number;
      const abs = Math.abs(an - num);
      const rel = abs / Math.max(Math.abs(num), 1e-300);
      maxAbs = Math.max(maxAbs, abs);
      if (abs > atol) maxRel = Math.max(maxRel, rel);
      const violation = abs - (atol + rtol * Math.abs(num));
      if (!(violation <= 0)) pass = false;
      if (violation > worstViolation || Number.isNaN(violation)) {
        worstViolation = Number.isNaN(violation) ? Infinity : violation;
        worst = { input: inputIdx, index: e, analytic: an, numeric: num };
      }
    }
  });
  return { pass, maxAbsErr: maxAbs, maxRelErr: maxRel, worst };
}

/** ⟨y, u⟩ as a recorded scalar whose VJP seeds y with u (u is a constant). */
function scalarDot(y: Tensor, u: Tensor): Tensor {
  const out = new Tensor(new Float64Array(1), []);
  let s = 0;
  for (let i = 0; i < y.size; i++) s += (y.data[i] as number) * (u.data[i] as number);
  out.data[0] = s;
  return record('dot', out, [y], (g) => {
    const gy = new Tensor(new Float64Array(y.size), y.shape);
    const gv = g.data[0] as number;
    for (let i = 0; i < y.size; i++) gy.data[i] = gv * (u.data[i] as number);
    return [gy];
  });
}
