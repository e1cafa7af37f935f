import type { TypedArray } from '../tensor/dtype.js';
import { bufferFor, buffersLike, type Buffers } from './buffers.js';
import { namesOf } from './names.js';
import { resultWriter } from './result.js';
import type { GradientTransformation } from './types.js';
import { checkKeys, checkNumber } from './validate.js';

/** G ← G + g²;  u ← g/(√G + ε). */
function rssLoop(u: TypedArray, s: TypedArray, eps: number): void {
  for (let i = 0; i < u.length; i++) {
    const g = u[i] as number;
    s[i] = (s[i] as number) + g * g;
    u[i] = g / (Math.sqrt(s[i] as number) + eps);
  }
}

/** Options of {@link scaleByRss}. */
export interface ScaleByRssOptions {
  /** Initial value of the accumulated squares (≥ 0). Default 0 (PyTorch's Adagrad). */
  initialAccumulatorValue?: number;
  /** ε ≥ 0 added to the root. Default 1e-10 (PyTorch's Adagrad). */
  eps?: number;
}

/** State of {@link scaleByRss}. */
export interface ScaleByRssState {
  /** Sums of squared gradients G. */
  sumOfSquares: Buffers;
}

/**
 * Adagrad's preconditioning by the root of the sum of squares (RSS) of all past gradients:
 *
 * G ← G + g²;  u ← g / (√G + ε)
 *
 * @example chain(scaleByRss(), scaleByLearningRate(1e-2))
 * @see Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and Stochastic Optimization", JMLR 2011.
 */
export function scaleByRss(
  options: ScaleByRssOptions = {},
): GradientTransformation<ScaleByRssState> {
  checkKeys('scaleByRss', options, ['initialAccumulatorValue', 'eps']);
  const init0 = checkNumber(
    'scaleByRss',
    'initialAccumulatorValue',
    options.initialAccumulatorValue,
    0,
    { min: 0 },
  );
  const eps = checkNumber('scaleByRss', 'eps', options.eps, 1e-10, { min: 0 });
  const out = resultWriter<ScaleByRssState>();
  return {
    init: (params) => ({ sumOfSquares: buffersLike(params, init0) }),
    update(updates, state) {
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        const name = names[k] as string;
        const u = (updates[name] as { data: Float32Array | Float64Array }).data;
        const n = u.length;
        const s = bufferFor('scaleByRss', state.sumOfSquares, name, n);
        rssLoop(u, s, eps);
      }
      return out(updates, state);
    },
  };
}
