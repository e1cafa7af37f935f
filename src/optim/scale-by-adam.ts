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

/** @internal Validates b1, b2, eps with PyTorch's ranges. */
export function checkAdamBetas(owner: string, o: { b1?: unknown; b2?: unknown; eps?: unknown }, defaults: AdamBetas): AdamBetas {
  return {
    b1: checkNumber(owner, 'b1', o.b1, defaults.b1, { min: 0, max: 1, maxExclusive: true }),
    b2: checkNumber(owner, 'b2', o.b2, defaults.b2, { min: 0, max: 1, maxExclusive: true }),
    eps: checkNumber(owner, 'eps', o.eps, defaults.eps, { min: 0 }),
  };
}

/**
 * Adam's preconditioning (Kingma & Ba, Algorithm 1), with bias correction computed as PyTorch
 * does (ε added to √v / √(1 − β2^t), outside the root):
 *
 * m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  u ← (m / (1 − β1^t)) / (√v / √(1 − β2^t) + ε)
 *
 * With amsgrad, v is replaced by v_max ← max(v_max, v) in the denominator. Follow with
 * {@link scaleByLearningRate}; `adam` fuses the whole step into one loop.
 *
 * @example chain(scaleByAdam({ b2: 0.99 }), scaleByLearningRate(1e-3))
 * @see Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.
 * @see Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond", ICLR 2018 (AMSGrad).
 */
export function scaleByAdam(options: ScaleByAdamOptions = {}): GradientTransformation<ScaleByAdamState> {
  checkKeys('scaleByAdam', options, ['b1', 'b2', 'eps', 'amsgrad', 'debias']);
  const { b1, b2, eps } = checkAdamBetas('scaleByAdam', options, { b1: 0.9, b2: 0.999, eps: 1e-8 });
  const amsgrad = checkBoolean('scaleByAdam', 'amsgrad', options.amsgrad, false);
  const debias = checkBoolean('scaleByAdam', 'debias', options.debias, true);
  const out = resultWriter<ScaleByAdamState>();
  return {
    init: (params) => ({ count: 0, mu: buffersLike(params), nu: buffersLike(params), nuMax: amsgrad ? buffersLike(params) : null }),
    update(updates, state) {
      const t = state.count + 1;
      const bc1 = debias ? 1 - b1 ** t : 1;
      const bc2Sqrt = debias ? Math.sqrt(1 - b2 ** t) : 1;
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        const name = names[k] as string;
        const u = (updates[name] as { data: Float32Array | Float64Array }).data;
        const n = u.length;
        const m = bufferFor('scaleByAdam', state.mu, name, n);
        const v = bufferFor('scaleByAdam', state.nu, name, n);
        if (state.nuMax !== null) {
          const vm = bufferFor('scaleByAdam', state.nuMax, name, n);
          for (let i = 0; i < n; i++) {
            const g = u[i] as number;
            m[i] = (m[i] as number) * b1 + (1 - b1) * g;
            v[i] = (v[i] as number) * b2 + (1 - b2) * g * g;
            vm[i] = Math.max(vm[i] as number, v[i] as number);
            u[i] = (m[i] as number) / bc1 / (Math.sqrt(vm[i] as number) / bc2Sqrt + eps);
          }
        } else {
          for (let i = 0; i < n; i++) {
            const g = u[i] as number;
            m[i] = (m[i] as number) * b1 + (1 - b1) * g;
            v[i] = (v[i] as number) * b2 + (1 - b2) * g * g;
            u[i] = (m[i] as number) / bc1 / (Math.sqrt(v[i] as number) / bc2Sqrt + eps);
          }
        }
      }
      state.count = t;
      return out(updates, state);
    },
  };
}
