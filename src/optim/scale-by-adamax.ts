import type { TypedArray } from '../tensor/dtype.js';
import { bufferFor, buffersLike, type Buffers } from './buffers.js';
import { namesOf } from './names.js';
import { resultWriter } from './result.js';
import { checkAdamBetas } from './scale-by-adam.js';
import type { GradientTransformation } from './types.js';
import { checkKeys } from './validate.js';

// Per-step scalars reach the loop through a Float64Array: a double passed to a call V8 does not
// inline is boxed (an allocation per call, per tensor, per step).
/** m ← β1m + (1 − β1)g;  e ← max(β2e, |g| + ε);  u ← (m/e)/bc1;  k = [b1, b2, ε, bc1]. */
function adamaxLoop(u: TypedArray, m: TypedArray, e: TypedArray, k: Float64Array): void {
  const b1 = k[0] as number;
  const b2 = k[1] as number;
  const eps = k[2] as number;
  const bc1 = k[3] as number;
  for (let i = 0; i < u.length; i++) {
    const g = u[i] as number;
    m[i] = (m[i] as number) * b1 + (1 - b1) * g;
    e[i] = Math.max((e[i] as number) * b2, Math.abs(g) + eps);
    u[i] = (m[i] as number) / (e[i] as number) / bc1;
  }
}

/** Options of {@link scaleByAdamax}. */
export interface ScaleByAdamaxOptions {
  /** β1 in [0, 1). Default 0.9. */
  b1?: number;
  /** β2 in [0, 1). Default 0.999. */
  b2?: number;
  /** ε ≥ 0, added to |g| inside the maximum (PyTorch's placement; the paper has none). Default 1e-8. */
  eps?: number;
}

/** State of {@link scaleByAdamax}. */
export interface ScaleByAdamaxState {
  /** Updates made so far. */
  count: number;
  /** First moments m. */
  mu: Buffers;
  /** Exponentially weighted infinity norms u. */
  nuInf: Buffers;
}

/**
 * AdaMax (Kingma & Ba §7.1), the infinity-norm variant of Adam, as PyTorch computes it:
 *
 * m ← β1·m + (1 − β1)·g;  u_∞ ← max(β2·u_∞, |g| + ε);  u ← (m / u_∞) / (1 − β1^t)
 *
 * @example chain(scaleByAdamax(), scaleByLearningRate(2e-3))
 * @see Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, §7.1.
 */
export function scaleByAdamax(
  options: ScaleByAdamaxOptions = {},
): GradientTransformation<ScaleByAdamaxState> {
  checkKeys('scaleByAdamax', options, ['b1', 'b2', 'eps']);
  const { b1, b2, eps } = checkAdamBetas('scaleByAdamax', options, {
    b1: 0.9,
    b2: 0.999,
    eps: 1e-8,
  });
  const out = resultWriter<ScaleByAdamaxState>();
  const coef = new Float64Array(4);
  return {
    init: (params) => ({ count: 0, mu: buffersLike(params), nuInf: buffersLike(params) }),
    update(updates, state) {
      const t = state.count + 1;
      coef[0] = b1;
      coef[1] = b2;
      coef[2] = eps;
      coef[3] = 1 - b1 ** t;
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        const name = names[k] as string;
        const u = (updates[name] as { data: Float32Array | Float64Array }).data;
        const n = u.length;
        const m = bufferFor('scaleByAdamax', state.mu, name, n);
        const e = bufferFor('scaleByAdamax', state.nuInf, name, n);
        adamaxLoop(u, m, e, coef);
      }
      state.count = t;
      return out(updates, state);
    },
  };
}
