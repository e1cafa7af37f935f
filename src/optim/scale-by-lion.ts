import type { TypedArray } from '../tensor/dtype.js';
import { bufferFor, buffersLike, type Buffers } from './buffers.js';
import { namesOf } from './names.js';
import { resultWriter } from './result.js';
import type { GradientTransformation } from './types.js';
import { checkKeys, checkNumber } from './validate.js';

/** u ← sign(β1m + (1 − β1)g);  m ← β2m + (1 − β2)g. */
function lionLoop(u: TypedArray, m: TypedArray, b1: number, b2: number): void {
  for (let i = 0; i < u.length; i++) {
    const g = u[i] as number;
    const mi = m[i] as number;
    u[i] = Math.sign(b1 * mi + (1 - b1) * g);
    m[i] = b2 * mi + (1 - b2) * g;
  }
}

/** Options of {@link scaleByLion}. */
export interface ScaleByLionOptions {
  /** β1 in [0, 1): interpolation for the update direction. Default 0.9. */
  b1?: number;
  /** β2 in [0, 1): decay of the momentum. Default 0.99. */
  b2?: number;
}

/** State of {@link scaleByLion}. */
export interface ScaleByLionState {
  /** Momenta m. */
  mu: Buffers;
}

/**
 * Lion's sign update (Chen et al. 2023, "EvoLved Sign Momentum"):
 *
 * c = β1·m + (1 − β1)·g;  u ← sign(c);  m ← β2·m + (1 − β2)·g
 *
 * Every coordinate moves by exactly ±lr (0 where c = 0), so Lion wants a 3–10× smaller lr than
 * AdamW and a correspondingly larger weight decay.
 *
 * @example chain(scaleByLion(), addDecayedWeights(0.1), scaleByLearningRate(1e-4))
 * @see Chen et al., "Symbolic Discovery of Optimization Algorithms", NeurIPS 2023.
 */
export function scaleByLion(
  options: ScaleByLionOptions = {},
): GradientTransformation<ScaleByLionState> {
  checkKeys('scaleByLion', options, ['b1', 'b2']);
  const b1 = checkNumber('scaleByLion', 'b1', options.b1, 0.9, {
    min: 0,
    max: 1,
    maxExclusive: true,
  });
  const b2 = checkNumber('scaleByLion', 'b2', options.b2, 0.99, {
    min: 0,
    max: 1,
    maxExclusive: true,
  });
  const out = resultWriter<ScaleByLionState>();
  return {
    init: (params) => ({ mu: buffersLike(params) }),
    update(updates, state) {
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        const name = names[k] as string;
        const u = (updates[name] as { data: Float32Array | Float64Array }).data;
        const n = u.length;
        const m = bufferFor('scaleByLion', state.mu, name, n);
        lionLoop(u, m, b1, b2);
      }
      return out(updates, state);
    },
  };
}
