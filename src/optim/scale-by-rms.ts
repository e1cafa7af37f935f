import type { TypedArray } from '../tensor/dtype.js';
import { bufferFor, buffersLike, type Buffers } from './buffers.js';
import { namesOf } from './names.js';
import { resultWriter } from './result.js';
import type { GradientTransformation } from './types.js';
import { checkBoolean, checkKeys, checkNumber } from './validate.js';

/** s ← αs + (1 − α)g² (and ḡ ← αḡ + (1 − α)g);  u ← g/(√(s − ḡ²) + ε). */
function rmsLoop(
  u: TypedArray,
  s: TypedArray,
  gm: TypedArray | null,
  alpha: number,
  eps: number,
): void {
  for (let i = 0; i < u.length; i++) {
    const g = u[i] as number;
    s[i] = (s[i] as number) * alpha + (1 - alpha) * g * g;
    if (gm !== null) {
      gm[i] = (gm[i] as number) * alpha + (1 - alpha) * g;
      const gmi = gm[i] as number;
      u[i] = g / (Math.sqrt((s[i] as number) - gmi * gmi) + eps);
    } else u[i] = g / (Math.sqrt(s[i] as number) + eps);
  }
}

/** Options of {@link scaleByRms}. */
export interface ScaleByRmsOptions {
  /** α, decay of the mean square, in [0, 1]. Default 0.99 (PyTorch's RMSprop). */
  alpha?: number;
  /** ε ≥ 0, added to the root (outside it, as PyTorch). Default 1e-8. */
  eps?: number;
  /** Divide by the standard deviation √(E[g²] − E[g]²) instead of the RMS (Graves 2013). */
  centered?: boolean;
}

/** State of {@link scaleByRms}. */
export interface ScaleByRmsState {
  /** Mean squares s. */
  nu: Buffers;
  /** Means of g (centered only), or null. */
  mu: Buffers | null;
}

/**
 * RMSprop's preconditioning (Tieleman & Hinton 2012), PyTorch's form:
 *
 * s ← α·s + (1 − α)·g²;  u ← g / (√s + ε)   (centered: ḡ ← α·ḡ + (1 − α)·g, u ← g/(√(s − ḡ²) + ε))
 *
 * @example chain(scaleByRms({ alpha: 0.9 }), trace({ decay: 0.9 }), scaleByLearningRate(1e-3))
 * @see Tieleman & Hinton, Lecture 6.5 "rmsprop", COURSERA: Neural Networks for Machine Learning, 2012.
 * @see Graves, "Generating Sequences With Recurrent Neural Networks", 2013 (centered).
 */
export function scaleByRms(
  options: ScaleByRmsOptions = {},
): GradientTransformation<ScaleByRmsState> {
  checkKeys('scaleByRms', options, ['alpha', 'eps', 'centered']);
  const alpha = checkNumber('scaleByRms', 'alpha', options.alpha, 0.99, { min: 0, max: 1 });
  const eps = checkNumber('scaleByRms', 'eps', options.eps, 1e-8, { min: 0 });
  const centered = checkBoolean('scaleByRms', 'centered', options.centered, false);
  const out = resultWriter<ScaleByRmsState>();
  return {
    init: (params) => ({ nu: buffersLike(params), mu: centered ? buffersLike(params) : null }),
    update(updates, state) {
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        const name = names[k] as string;
        const u = (updates[name] as { data: Float32Array | Float64Array }).data;
        const n = u.length;
        const s = bufferFor('scaleByRms', state.nu, name, n);
        const gm = state.mu === null ? null : bufferFor('scaleByRms', state.mu, name, n);
        rmsLoop(u, s, gm, alpha, eps);
      }
      return out(updates, state);
    },
  };
}
