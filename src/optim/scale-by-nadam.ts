import type { TypedArray } from '../tensor/dtype.js';
import { bufferFor, buffersLike, type Buffers } from './buffers.js';
import { namesOf } from './names.js';
import { resultWriter } from './result.js';
import { checkAdamBetas } from './scale-by-adam.js';
import type { GradientTransformation } from './types.js';
import { checkKeys, checkNumber } from './validate.js';

// Per-step scalars reach the loop through a Float64Array: a double passed to a call V8 does not
// inline is boxed (an allocation per call, per tensor, per step).
/** NAdam's moments and u ← cg·g/d + cm·m/d, d = √(v/bc2) + ε;  k = [b1, b2, bc2, ε, cg, cm]. */
function nadamLoop(u: TypedArray, m: TypedArray, v: TypedArray, k: Float64Array): void {
  const b1 = k[0] as number;
  const b2 = k[1] as number;
  const bc2 = k[2] as number;
  const eps = k[3] as number;
  const cg = k[4] as number;
  const cm = k[5] as number;
  for (let i = 0; i < u.length; i++) {
    const g = u[i] as number;
    m[i] = (m[i] as number) * b1 + (1 - b1) * g;
    v[i] = (v[i] as number) * b2 + (1 - b2) * g * g;
    const d = Math.sqrt((v[i] as number) / bc2) + eps;
    u[i] = cg * (g / d) + cm * ((m[i] as number) / d);
  }
}

/** Options of {@link scaleByNadam}. */
export interface ScaleByNadamOptions {
  /** β1 in [0, 1). Default 0.9. */
  b1?: number;
  /** β2 in [0, 1). Default 0.999. */
  b2?: number;
  /** ε ≥ 0. Default 1e-8. */
  eps?: number;
  /** ψ ≥ 0 of the momentum schedule μ_t = β1(1 − ½·0.96^{tψ}). Default 4e-3. */
  momentumDecay?: number;
}

/** State of {@link scaleByNadam}. */
export interface ScaleByNadamState {
  /** Updates made so far. */
  count: number;
  /** Π μ_i over the steps so far (PyTorch's mu_product), 1 initially. */
  muProduct: number;
  /** First moments m. */
  mu: Buffers;
  /** Second moments v. */
  nu: Buffers;
}

/**
 * NAdam (Dozat 2016) with PyTorch 1.13's momentum schedule and its mu_product formulas, kept
 * as they are for conformance: with μ_t = β1(1 − ½·0.96^{tψ}), P ← P·μ_t and
 * P' = P·μ_t·μ_{t+1} (μ_t enters P' twice in 1.13),
 *
 * m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  d = √(v / (1 − β2^t)) + ε;
 * u ← ((1 − μ_t)/(1 − P))·g/d + (μ_{t+1}/(1 − P'))·m/d
 *
 * @example chain(scaleByNadam(), scaleByLearningRate(2e-3))
 * @see Dozat, "Incorporating Nesterov Momentum into Adam", ICLR 2016 workshop.
 */
export function scaleByNadam(
  options: ScaleByNadamOptions = {},
): GradientTransformation<ScaleByNadamState> {
  checkKeys('scaleByNadam', options, ['b1', 'b2', 'eps', 'momentumDecay']);
  const { b1, b2, eps } = checkAdamBetas('scaleByNadam', options, {
    b1: 0.9,
    b2: 0.999,
    eps: 1e-8,
  });
  const psi = checkNumber('scaleByNadam', 'momentumDecay', options.momentumDecay, 4e-3, { min: 0 });
  const out = resultWriter<ScaleByNadamState>();
  const coef = new Float64Array(6);
  return {
    init: (params) => ({
      count: 0,
      muProduct: 1,
      mu: buffersLike(params),
      nu: buffersLike(params),
    }),
    update(updates, state) {
      const t = state.count + 1;
      const bc2 = 1 - b2 ** t;
      const muT = b1 * (1 - 0.5 * 0.96 ** (t * psi));
      const muNext = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi));
      const muProduct = state.muProduct * muT;
      const muProductNext = muProduct * muT * muNext;
      const cg = (1 - muT) / (1 - muProduct);
      const cm = muNext / (1 - muProductNext);
      coef[0] = b1;
      coef[1] = b2;
      coef[2] = bc2;
      coef[3] = eps;
      coef[4] = cg;
      coef[5] = cm;
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        const name = names[k] as string;
        const u = (updates[name] as { data: Float32Array | Float64Array }).data;
        const n = u.length;
        const m = bufferFor('scaleByNadam', state.mu, name, n);
        const v = bufferFor('scaleByNadam', state.nu, name, n);
        nadamLoop(u, m, v, coef);
      }
      state.muProduct = muProduct;
      state.count = t;
      return out(updates, state);
    },
  };
}
