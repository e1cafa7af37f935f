import { namesOf } from '../optim/names.js';
import { resultWriter } from '../optim/result.js';
import { raiseEvent } from '../optim/step-context.js';
import type { GradientTransformation } from '../optim/types.js';
import { checkNumber } from '../optim/validate.js';

/** State of {@link byValue}: what the last step did, and totals. */
export interface ByValueState {
  /** Steps seen. */
  steps: number;
  /** Whether the last step clipped any element. */
  clipped: boolean;
  /** Elements clipped in the last step. */
  clippedCount: number;
  /** Largest |g| before the last step's clipping. */
  maxAbsBefore: number;
  /** Largest |g| after it. */
  maxAbsAfter: number;
  /** Steps in which something was clipped. */
  clipSteps: number;
}

/**
 * Element-wise clipping to [−c, c], as torch.nn.utils.clip_grad_value_ (Keras' clipvalue):
 *
 * gᵢ ← min(max(gᵢ, −c), c)
 *
 * Changes the direction of the gradient, unlike norm clipping. Sets ctx.events.clipped.
 * @example chain(clip.byValue(1), adam())
 * @see Mikolov, "Statistical Language Models Based on Neural Networks", PhD thesis, 2012.
 */
export function byValue(clipValue: number): GradientTransformation<ByValueState> {
  const c = checkNumber('byValue', 'clipValue', clipValue, undefined, { min: 0, allowInfinity: true });
  const out = resultWriter<ByValueState>();
  return {
    init: () => ({ steps: 0, clipped: false, clippedCount: 0, maxAbsBefore: 0, maxAbsAfter: 0, clipSteps: 0 }),
    update(updates, state, _params, ctx) {
      let count = 0;
      let before = 0;
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        const d = (updates[names[k] as string] as { data: Float32Array | Float64Array }).data;
        for (let i = 0; i < d.length; i++) {
          const x = d[i] as number;
          const a = Math.abs(x);
          if (a > before || a !== a) before = a;
          if (x > c) {
            d[i] = c;
            count++;
          } else if (x < -c) {
            d[i] = -c;
            count++;
          }
        }
      }
      state.steps = state.steps + 1;
      state.clippedCount = count;
      state.clipped = count > 0;
      state.maxAbsBefore = before;
      state.maxAbsAfter = before > c ? c : before;
      if (count > 0) {
        state.clipSteps = state.clipSteps + 1;
        raiseEvent(ctx, 'clipped');
      }
      return out(updates, state);
    },
  };
}
