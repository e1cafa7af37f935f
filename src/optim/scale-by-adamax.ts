import { bufferFor, buffersLike, type Buffers } from './buffers.js';
import { namesOf } from './names.js';
import { resultWriter } from './result.js';
import { checkAdamBetas } from './scale-by-adam.js';
import type { GradientTransformation } from './types.js';
import { checkKeys } from './validate.js';

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
export function scaleByAdamax(options: ScaleByAdamaxOptions = {}): GradientTransformation<ScaleByAdamaxState> {
  checkKeys('scaleByAdamax', options, ['b1', 'b2', 'eps']);
  const { b1, b2, eps } = checkAdamBetas('scaleByAdamax', options, { b1: 0.9, b2: 0.999, eps: 1e-8 });
  const out = resultWriter<ScaleByAdamaxState>();
  return {
    init: (params) => ({ count: 0, mu: buffersLike(params), nuInf: buffersLike(params) }),
    update(updates, state) {
      const t = state.count + 1;
      const bc1 = 1 - b1 ** t;
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        const name = names[k] as string;
        const u = (updates[name] as { data: Float32Array | Float64Array }).data;
        const n = u.length;
        const m = bufferFor('scaleByAdamax', state.mu, name, n);
        const e = bufferFor('scaleByAdamax', state.nuInf, name, n);
        for (let i = 0; i < n; i++) {
          const g = u[i] as number;
          m[i] = (m[i] as number) * b1 + (1 - b1) * g;
          e[i] = Math.max((e[i] as number) * b2, Math.abs(g) + eps);
          u[i] = (m[i] as number) / (e[i] as number) / bc1;
        }
      }
      state.count = t;
      return out(updates, state);
    },
  };
}
