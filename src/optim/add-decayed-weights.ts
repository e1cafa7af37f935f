import { addScaledInPlace } from './loops.js';
import { namesOf } from './names.js';
import { paramFor } from './buffers.js';
import { resultWriter } from './result.js';
import type { GradientTransformation, Params } from './types.js';
import { checkNumber } from './validate.js';

/** State of {@link addDecayedWeights}: none. */
export type AddDecayedWeightsState = Record<string, never>;

/**
 * Adds the parameters scaled by the weight decay to the updates: u ← u + λ·p.
 *
 * Placed before a preconditioner (Adam, RMSprop, SGD) it is L2 regularisation, PyTorch's
 * `weight_decay` (the gradient of λ/2‖p‖²); placed after the preconditioner and before
 * {@link scaleByLearningRate} it is decoupled weight decay (AdamW: p ← p − lr·λ·p − lr·û).
 * Wrap it in `masked` to exempt biases and normalisation scales.
 *
 * @example chain(scaleByAdam(), addDecayedWeights(1e-2), scaleByLearningRate(1e-3)) // AdamW
 * @see Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019.
 */
export function addDecayedWeights(
  weightDecay: number,
): GradientTransformation<AddDecayedWeightsState> {
  const wd = checkNumber('addDecayedWeights', 'weightDecay', weightDecay, undefined, { min: 0 });
  const out = resultWriter<AddDecayedWeightsState>();
  return {
    init: () => ({}),
    update(updates, state, params: Params) {
      if (wd === 0) return out(updates, state);
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        const name = names[k] as string;
        const u = (updates[name] as { data: Float32Array | Float64Array }).data;
        const p = paramFor('addDecayedWeights', params, name, u.length).data;
        addScaledInPlace(u, wd, p);
      }
      return out(updates, state);
    },
  };
}
