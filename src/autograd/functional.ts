import { ConfigError, DtypeError, ShapeError, fmt } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { allocData } from '../tensor/dtype.js';
import { gradients } from './backward.js';
import { enableGrad, noGrad } from './grad-mode.js';
import { dotConst } from './taped.js';
import { record } from './tape.js';

/** A differentiable function of tensors returning a tensor. */
export type TensorFn = (...inputs: Tensor[]) => Tensor;

/**
 * The tensor to differentiate by for input x: a fresh leaf sharing x's data (x itself is not
 * touched), or, with `createGraph` when x is already on a graph (an outer transform's variable),
 * a recorded identity of x, so that the outer transform can differentiate through this one.
 */
export function variableFor(x: Tensor, createGraph: boolean): Tensor {
  if (createGraph && x.requiresGrad) {
    const t = record('identity', new Tensor(x.data, x.shape), [x], (g) => [g], true);
    t.name = x.name;
    return t;
  }
  const t = new Tensor(x.data, x.shape, true);
  t.name = x.name;
  return t;
}

/** The inputs as f sees them: variables at `argnums`, the others as given (detached unless createGraph). */
function leaves(
  inputs: readonly Tensor[],
  argnums: readonly number[],
  createGraph: boolean,
): Tensor[] {
  return inputs.map((x, i) => {
    if (argnums.includes(i)) return variableFor(x, createGraph);
    if (createGraph) return x;
    const t = new Tensor(x.data, x.shape, false);
    t.name = x.name;
    return t;
  });
}

/** Zeros of x's shape and dtype. */
export function zerosLike(x: Tensor): Tensor {
  return new Tensor(allocData(x.dtype, x.size), x.shape);
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

/** Options of {@link valueAndGrad} and {@link grad}. */
export interface GradOptions {
  /** The inputs to differentiate by: an index or a list (default all). */
  argnums?: number | readonly number[];
  /**
   * Record the backward pass so that the returned gradients (and value) can be differentiated
   * again — by an outer `grad`, `gradients` or `backward` (PyTorch's create_graph). Every op on
   * the path must have a differentiable VJP; one that has not throws, naming the op.
   */
  createGraph?: boolean;
}

/**
 * JAX-style `value_and_grad`: returns a function computing f(inputs) (a scalar) and the gradients
 * with respect to the inputs listed in `argnums` (all by default), without touching the inputs'
 * own `.grad`. With `createGraph`, the results stay on the graph and compose:
 * `grad((x) => sum(grad(f, { createGraph: true })(x)[0]))` differentiates a gradient.
 * @example const [loss, [gw]] = valueAndGrad((w) => sum(mul(w, w)))(w) // gw = 2w
 */
export function valueAndGrad(
  f: TensorFn,
  opts: GradOptions = {},
): (...inputs: Tensor[]) => [Tensor, Tensor[]] {
  const createGraph = opts.createGraph === true;
  return (...inputs: Tensor[]) => {
    const argnums = resolveArgnums(opts.argnums, inputs.length);
    const xs = leaves(inputs, argnums, createGraph);
    const y = enableGrad(() => f(...xs));
    if (y.size !== 1)
      throw new ShapeError(`valueAndGrad(): f must return a scalar, got shape ${fmt(y.shape)}`);
    const vars = argnums.map((i) => xs[i] as Tensor);
    const grads = y.requiresGrad
      ? gradients(y, vars, { createGraph })
      : vars.map((x) => zerosLike(x));
    return [createGraph ? y : y.detach(), grads];
  };
}

/** JAX-style `grad`: the gradients of scalar f with respect to the inputs in `argnums`. */
export function grad(f: TensorFn, opts: GradOptions = {}): (...inputs: Tensor[]) => Tensor[] {
  const vg = valueAndGrad(f, opts);
  return (...inputs: Tensor[]) => vg(...inputs)[1];
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

/** What {@link gradcheck} and `gradgradcheck` share before their finite differences. */
export interface CheckSetup {
  eps: number;
  atol: number;
  rtol: number;
  /** The inputs checked: those that require grad, or all when none is marked. */
  argnums: number[];
  /** Float64 copies of the inputs, perturbed in place by the checks. */
  work: Tensor[];
  /** The seeded generator, after drawing `u`. */
  rng: Rng;
  /** A random (seeded) cotangent of f's output. */
  u: Tensor;
}

/**
 * The common start of a finite-difference check (PyTorch gradcheck style): the tolerances, a
 * float64 check of every input (named by `who`), the inputs to vary, working copies, and a seeded
 * random cotangent u of f's output.
 */
export function checkSetup(
  who: string,
  f: TensorFn,
  inputs: readonly Tensor[],
  opts: GradcheckOptions,
): CheckSetup {
  inputs.forEach((x, i) => {
    if (x.dtype !== 'float64')
      throw new DtypeError(
        `${who}(): input ${i} is ${x.dtype}; finite differences need float64 inputs`,
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
  return {
    eps: opts.eps ?? 1e-6,
    atol: opts.atol ?? 1e-5,
    rtol: opts.rtol ?? 1e-3,
    argnums,
    work,
    rng,
    u,
  };
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
  const { eps, atol, rtol, argnums, work, u } = checkSetup('gradcheck', f, inputs, opts);
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
      return dotConst(y, uu);
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
