import { scaleInPlace } from './loops.js';
import { namesOf } from './names.js';
import { resultWriter } from './result.js';
import type { GradientTransformation } from './types.js';
import { checkNumber } from './validate.js';

/** State of {@link scale}: none. */
export type ScaleState = Record<string, never>;

/**
 * Multiplies the updates by a constant: u ← c·u. `scale(-1)` flips the sign (PyTorch's
 * `maximize`, which negates the gradient before anything else).
 * @example chain(scale(-1), scaleByAdam(), scaleByLearningRate(1e-3)) // gradient ascent
 */
export function scale(factor: number): GradientTransformation<ScaleState> {
  const c = checkNumber('scale', 'factor', factor, undefined, {});
  const out = resultWriter<ScaleState>();
  return {
    init: () => ({}),
    update(updates, state) {
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        scaleInPlace(
          (updates[names[k] as string] as { data: Float32Array | Float64Array }).data,
          c,
        );
      }
      return out(updates, state);
    },
  };
}
