import type { TypedArray } from '../tensor/dtype.js';
import { scaleInPlaceAt } from './loops.js';
import { namesOf } from './names.js';
import { paramFor } from './buffers.js';
import { resultWriter } from './result.js';
import type { GradientTransformation, Params } from './types.js';
import { checkKeys, checkNumber } from './validate.js';

/** k[0] ← Σp², k[1] ← Σu² (in float64; results through k so that nothing is boxed). */
function sumsOfSquares(p: TypedArray, u: TypedArray, k: Float64Array): void {
  let pp = 0;
  let uu = 0;
  for (let i = 0; i < u.length; i++) {
    const pi = p[i] as number;
    const ui = u[i] as number;
    pp += pi * pi;
    uu += ui * ui;
  }
  k[0] = pp;
  k[1] = uu;
}

/** Options of {@link scaleByTrustRatio}. */
export interface ScaleByTrustRatioOptions {
  /** Lower bound applied to both norms (≥ 0). Default 0. */
  minNorm?: number;
  /** Multiplier of the ratio (> 0). Default 1. */
  trustCoefficient?: number;
  /** ε ≥ 0 added to the update norm. Default 0. */
  eps?: number;
}

/** State of {@link scaleByTrustRatio}: none. */
export type ScaleByTrustRatioState = Record<string, never>;

/**
 * Layer-wise trust ratio of LARS/LAMB: each tensor's update is rescaled so that its norm is
 * proportional to the parameter's norm,
 *
 * u ← u · c·max(‖p‖, n_min) / (max(‖u‖, n_min) + ε)   (× 1 when either norm is 0)
 *
 * @example chain(scaleByAdam({ eps: 1e-6 }), addDecayedWeights(0.01), scaleByTrustRatio(), scaleByLearningRate(1e-3))
 * @see You et al., "Large Batch Optimization for Deep Learning: Training BERT in 76 minutes", ICLR 2020.
 */
export function scaleByTrustRatio(
  options: ScaleByTrustRatioOptions = {},
): GradientTransformation<ScaleByTrustRatioState> {
  checkKeys('scaleByTrustRatio', options, ['minNorm', 'trustCoefficient', 'eps']);
  const minNorm = checkNumber('scaleByTrustRatio', 'minNorm', options.minNorm, 0, { min: 0 });
  const trust = checkNumber('scaleByTrustRatio', 'trustCoefficient', options.trustCoefficient, 1, {
    min: 0,
    minExclusive: true,
  });
  const eps = checkNumber('scaleByTrustRatio', 'eps', options.eps, 0, { min: 0 });
  const out = resultWriter<ScaleByTrustRatioState>();
  const scratch = new Float64Array(3);
  return {
    init: () => ({}),
    update(updates, state, params: Params) {
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        const name = names[k] as string;
        const u = (updates[name] as { data: Float32Array | Float64Array }).data;
        const n = u.length;
        const p = paramFor('scaleByTrustRatio', params, name, n).data;
        sumsOfSquares(p, u, scratch);
        const pn = Math.max(Math.sqrt(scratch[0] as number), minNorm);
        const un = Math.max(Math.sqrt(scratch[1] as number), minNorm);
        const ratio = pn === 0 || un === 0 ? 1 : (trust * pn) / (un + eps);
        scratch[2] = ratio;
        if (ratio !== 1) scaleInPlaceAt(u, scratch, 2);
      }
      return out(updates, state);
    },
  };
}
