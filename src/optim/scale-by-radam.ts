import type { TypedArray } from '../tensor/dtype.js';
import { bufferFor, buffersLike, type Buffers } from './buffers.js';
import { namesOf } from './names.js';
import { resultWriter } from './result.js';
import { checkAdamBetas } from './scale-by-adam.js';
import type { GradientTransformation } from './types.js';
import { checkKeys } from './validate.js';

// Per-step scalars reach the loop through a Float64Array: a double passed to a call V8 does not
// inline is boxed (an allocation per call, per tensor, per step).
/** RAdam's moments and u ← m̂·r·√bc2/(√v + ε) (rectified) or m̂;  k = [b1, b2, bc1, √bc2, ε, r]. */
function radamLoop(
  u: TypedArray,
  m: TypedArray,
  v: TypedArray,
  rectified: boolean,
  k: Float64Array,
): void {
  const b1 = k[0] as number;
  const b2 = k[1] as number;
  const bc1 = k[2] as number;
  const bc2Sqrt = k[3] as number;
  const eps = k[4] as number;
  const rect = k[5] as number;
  for (let i = 0; i < u.length; i++) {
    const g = u[i] as number;
    m[i] = (m[i] as number) * b1 + (1 - b1) * g;
    v[i] = (v[i] as number) * b2 + (1 - b2) * g * g;
    const mHat = (m[i] as number) / bc1;
    u[i] = rectified ? mHat * (bc2Sqrt / (Math.sqrt(v[i] as number) + eps)) * rect : mHat;
  }
}

/** Options of {@link scaleByRadam}. */
export interface ScaleByRadamOptions {
  /** β1 in [0, 1). Default 0.9. */
  b1?: number;
  /** β2 in [0, 1). Default 0.999. */
  b2?: number;
  /** ε ≥ 0. Default 1e-8. */
  eps?: number;
}

/** State of {@link scaleByRadam}. */
export interface ScaleByRadamState {
  /** Updates made so far. */
  count: number;
  /** First moments m. */
  mu: Buffers;
  /** Second moments v. */
  nu: Buffers;
}

/**
 * Rectified Adam (Liu et al. 2020) as in PyTorch 1.13: with ρ_∞ = 2/(1 − β2) − 1 and
 * ρ_t = ρ_∞ − 2t·β2^t/(1 − β2^t), the adaptive step is used only once the variance of the
 * adaptive rate is tractable (ρ_t > 5), otherwise un-preconditioned momentum:
 *
 * m̂ = m/(1 − β1^t);  u ← m̂·r_t·√(1 − β2^t)/(√v + ε) if ρ_t > 5, else u ← m̂,
 * r_t = √((ρ_t − 4)(ρ_t − 2)ρ_∞ / ((ρ_∞ − 4)(ρ_∞ − 2)ρ_t))
 *
 * @example chain(scaleByRadam(), scaleByLearningRate(1e-3))
 * @see Liu et al., "On the Variance of the Adaptive Learning Rate and Beyond", ICLR 2020.
 */
export function scaleByRadam(
  options: ScaleByRadamOptions = {},
): GradientTransformation<ScaleByRadamState> {
  checkKeys('scaleByRadam', options, ['b1', 'b2', 'eps']);
  const { b1, b2, eps } = checkAdamBetas('scaleByRadam', options, {
    b1: 0.9,
    b2: 0.999,
    eps: 1e-8,
  });
  const out = resultWriter<ScaleByRadamState>();
  const coef = new Float64Array(6);
  const rhoInf = 2 / (1 - b2) - 1;
  return {
    init: (params) => ({ count: 0, mu: buffersLike(params), nu: buffersLike(params) }),
    update(updates, state) {
      const t = state.count + 1;
      const bc1 = 1 - b1 ** t;
      const bc2 = 1 - b2 ** t;
      const rhoT = rhoInf - (2 * t * b2 ** t) / bc2;
      const rectified = rhoT > 5;
      const rect = rectified
        ? Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT))
        : 0;
      const bc2Sqrt = Math.sqrt(bc2);
      coef[0] = b1;
      coef[1] = b2;
      coef[2] = bc1;
      coef[3] = bc2Sqrt;
      coef[4] = eps;
      coef[5] = rect;
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        const name = names[k] as string;
        const u = (updates[name] as { data: Float32Array | Float64Array }).data;
        const n = u.length;
        const m = bufferFor('scaleByRadam', state.mu, name, n);
        const v = bufferFor('scaleByRadam', state.nu, name, n);
        radamLoop(u, m, v, rectified, coef);
      }
      state.count = t;
      return out(updates, state);
    },
  };
}
