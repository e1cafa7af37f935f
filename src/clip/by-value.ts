import type { FieldSpecs } from '../optim/field-spec.js';
import type { TypedArray } from '../tensor/dtype.js';
import { namesOf } from '../optim/names.js';
import { resultWriter } from '../optim/result.js';
import { raiseEvent } from '../optim/step-context.js';
import type { GradientTransformation } from '../optim/types.js';
import { checkNumber } from '../optim/validate.js';

/** k[0] ← max(k[0], max |x|) (NaN if any element is NaN); through k so nothing is boxed. */
function maxAbsInto(d: TypedArray, k: Float64Array): void {
  let m = k[0] as number;
  for (let i = 0; i < d.length; i++) {
    const a = Math.abs(d[i] as number);
    if (a > m || a !== a) m = a;
  }
  k[0] = m;
}

/** Clamps to [−c, c] in place; returns the number of elements changed. */
function clampLoop(d: TypedArray, c: number): number {
  let count = 0;
  for (let i = 0; i < d.length; i++) {
    const x = d[i] as number;
    if (x > c) {
      d[i] = c;
      count++;
    } else if (x < -c) {
      d[i] = -c;
      count++;
    }
  }
  return count;
}

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
 * The options of byValue with their types and ranges: the one declaration its factory checks
 * and the clip registry (configs, the CLI, the playground) reads.
 */
export const BY_VALUE_FIELDS = {
  clipValue: { type: 'number', min: 0, allowInfinity: true, required: true },
} as const satisfies FieldSpecs;

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
  const c = checkNumber('byValue', 'clipValue', clipValue, undefined, BY_VALUE_FIELDS.clipValue);
  const out = resultWriter<ByValueState>();
  const scratch = new Float64Array(1);
  return {
    init: () => ({
      steps: 0,
      clipped: false,
      clippedCount: 0,
      maxAbsBefore: 0,
      maxAbsAfter: 0,
      clipSteps: 0,
    }),
    update(updates, state, _params, ctx) {
      let count = 0;
      scratch[0] = 0;
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        const d = (updates[names[k] as string] as { data: Float32Array | Float64Array }).data;
        maxAbsInto(d, scratch);
        count += clampLoop(d, c);
      }
      state.steps = state.steps + 1;
      state.clippedCount = count;
      state.clipped = count > 0;
      const before = scratch[0] as number;
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
