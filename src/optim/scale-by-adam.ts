import type { TypedArray } from '../tensor/dtype.js';
import { bufferFor, buffersLike, type Buffers } from './buffers.js';
import { namesOf } from './names.js';
import { resultWriter } from './result.js';
import type { GradientTransformation } from './types.js';
import { checkBoolean, checkKeys, checkNumber } from './validate.js';

/** Options of {@link scaleByAdam}. */
export interface ScaleByAdamOptions {
  /** β1, decay of the first moment, in [0, 1). Default 0.9. */
  b1?: number;
  /** β2, decay of the second moment, in [0, 1). Default 0.999. */
  b2?: number;
  /** ε added to √v̂ (outside the square root, as PyTorch). Default 1e-8. */
  eps?: number;
  /** AMSGrad: normalise by the running maximum of v (Reddi et al. 2018). Default false. */
  amsgrad?: boolean;
  /** Bias correction (Kingma & Ba's m̂, v̂). Default true; false reproduces the uncorrected variant. */
  debias?: boolean;
}

/** State of {@link scaleByAdam}. */
export interface ScaleByAdamState {
  /** Updates made so far (t − 1 during update t). */
  count: number;
  /** First moments m. */
  mu: Buffers;
  /** Second moments v. */
  nu: Buffers;
  /** Running maxima of v (AMSGrad), or null. */
  nuMax: Buffers | null;
}

/** Validated numbers shared by the Adam family. */
export interface AdamBetas {
  b1: number;
  b2: number;
  eps: number;
}

/**
 * @internal Validates b1, b2, eps with PyTorch's ranges.
 * @example const { b1, b2, eps } = checkAdamBetas('adamax', opts, { b1: 0.9, b2: 0.999, eps: 1e-8 });
 */
export function checkAdamBetas(
  owner: string,
  o: { b1?: unknown; b2?: unknown; eps?: unknown },
  defaults: AdamBetas,
): AdamBetas {
  return {
    b1: checkNumber(owner, 'b1', o.b1, defaults.b1, { min: 0, max: 1, maxExclusive: true }),
    b2: checkNumber(owner, 'b2', o.b2, defaults.b2, { min: 0, max: 1, maxExclusive: true }),
    eps: checkNumber(owner, 'eps', o.eps, defaults.eps, { min: 0 }),
  };
}

/**
 * @internal The bias-correction scalars of Adam's update number `t` (≥ 1), written into `out`:
 * out[0] = k = √(1 − β2^t)/(1 − β1^t) and out[1] = √(1 − β2^t) (both 1 without debias). The
 * update is then k·m/(√v + ε·out[1]), one division per element; scaleByAdam and fusedAdam both
 * use this (one expression, so adam() and chain(scaleByAdam(), scaleByLearningRate()) agree bit
 * for bit in float64).
 * @example adamScalars(0.9, 0.999, true, 1, out) // out = [√0.001/0.1, √0.001]
 */
export function adamScalars(
  b1: number,
  b2: number,
  debias: boolean,
  t: number,
  out: Float64Array,
): void {
  const bc2Sqrt = debias ? Math.sqrt(1 - b2 ** t) : 1;
  out[0] = debias ? bc2Sqrt / (1 - b1 ** t) : 1;
  out[1] = bc2Sqrt;
}

// Per-step scalars reach the loop through a Float64Array: a double passed to a call V8 does not
// inline is boxed (an allocation per call, per tensor, per step).
/** m, v (and v_max) updates and u ← k·m/(√v + ε√bc2) over one tensor; c = [b1, b2, k, ε√bc2]. */
function scaleByAdamLoop(
  u: TypedArray,
  m: TypedArray,
  v: TypedArray,
  vm: TypedArray | null,
  c: Float64Array,
): void {
  const b1 = c[0] as number;
  const b2 = c[1] as number;
  const k = c[2] as number;
  const epsS = c[3] as number;
  for (let i = 0; i < u.length; i++) {
    const g = u[i] as number;
    m[i] = (m[i] as number) * b1 + (1 - b1) * g;
    v[i] = (v[i] as number) * b2 + (1 - b2) * g * g;
    let d = v[i] as number;
    if (vm !== null) {
      d = Math.max(vm[i] as number, d);
      vm[i] = d;
    }
    u[i] = (k * (m[i] as number)) / (Math.sqrt(d) + epsS);
  }
}

/**
 * Adam's preconditioning (Kingma & Ba, Algorithm 1), with bias correction computed as PyTorch
 * does (ε added to √v / √(1 − β2^t), outside the root):
 *
 * m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  u ← (m / (1 − β1^t)) / (√v / √(1 − β2^t) + ε)
 *
 * computed as k·m/(√v + ε√(1 − β2^t)) with k = √(1 − β2^t)/(1 − β1^t) (one division; equal up to
 * rounding, see `adamScalars`).
 *
 * With amsgrad, v is replaced by v_max ← max(v_max, v) in the denominator. Follow with
 * {@link scaleByLearningRate}; `adam` fuses the whole step into one loop.
 *
 * @example chain(scaleByAdam({ b2: 0.99 }), scaleByLearningRate(1e-3))
 * @see Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.
 * @see Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond", ICLR 2018 (AMSGrad).
 */
export function scaleByAdam(
  options: ScaleByAdamOptions = {},
): GradientTransformation<ScaleByAdamState> {
  checkKeys('scaleByAdam', options, ['b1', 'b2', 'eps', 'amsgrad', 'debias']);
  const { b1, b2, eps } = checkAdamBetas('scaleByAdam', options, { b1: 0.9, b2: 0.999, eps: 1e-8 });
  const amsgrad = checkBoolean('scaleByAdam', 'amsgrad', options.amsgrad, false);
  const debias = checkBoolean('scaleByAdam', 'debias', options.debias, true);
  const out = resultWriter<ScaleByAdamState>();
  const coef = new Float64Array(4);
  const scalars = new Float64Array(2);
  return {
    init: (params) => ({
      count: 0,
      mu: buffersLike(params),
      nu: buffersLike(params),
      nuMax: amsgrad ? buffersLike(params) : null,
    }),
    update(updates, state) {
      const t = state.count + 1;
      adamScalars(b1, b2, debias, t, scalars);
      coef[0] = b1;
      coef[1] = b2;
      coef[2] = scalars[0] as number;
      coef[3] = eps * (scalars[1] as number);
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        const name = names[k] as string;
        const u = (updates[name] as { data: Float32Array | Float64Array }).data;
        const n = u.length;
        const m = bufferFor('scaleByAdam', state.mu, name, n);
        const v = bufferFor('scaleByAdam', state.nu, name, n);
        const vm = state.nuMax === null ? null : bufferFor('scaleByAdam', state.nuMax, name, n);
        scaleByAdamLoop(u, m, v, vm, coef);
      }
      state.count = t;
      return out(updates, state);
    },
  };
}
