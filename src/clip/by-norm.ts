import type { FieldSpecs } from '../optim/field-spec.js';
import { scaleInPlaceAt } from '../optim/loops.js';
import { indexOfName, namesOf } from '../optim/names.js';
import { resultWriter } from '../optim/result.js';
import { raiseEvent } from '../optim/step-context.js';
import type { GradientTransformation, Params } from '../optim/types.js';
import { checkNumber } from '../optim/validate.js';
import { ShapeError, fmt } from '../errors.js';
import { vectorNormInto } from './norms.js';

/** State of {@link byNorm}: per tensor (in `names` order), the last step's norms. */
export interface ByNormState {
  /** Parameter names, the order of the per-tensor arrays. */
  names: string[];
  /** ‖g‖ before clipping. */
  normBefore: Float64Array;
  /** ‖g‖ after clipping. */
  normAfter: Float64Array;
  /** 1 where the tensor was clipped in the last step. */
  clipped: Uint8Array;
  /** Tensors clipped in the last step. */
  clippedCount: number;
  /** Steps seen. */
  steps: number;
  /** Steps in which some tensor was clipped. */
  clipSteps: number;
}

/**
 * The options of byNorm with their types and ranges: the one declaration its factory checks
 * and the clip registry (configs, the CLI, the playground) reads.
 */
export const BY_NORM_FIELDS = {
  maxNorm: { type: 'number', min: 0, allowInfinity: true, required: true },
} as const satisfies FieldSpecs;

/**
 * Per-tensor L2-norm clipping (Keras' clipnorm): each tensor whose norm exceeds c is rescaled to
 * norm c; the others are left bit-for-bit unchanged.
 *
 * g ← g·c/‖g‖ if ‖g‖ > c
 *
 * @example chain(clip.byNorm(1), sgd({ lr: 0.1 }))
 * @see Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural networks", ICML 2013.
 */
export function byNorm(maxNorm: number): GradientTransformation<ByNormState> {
  const c = checkNumber('byNorm', 'maxNorm', maxNorm, undefined, BY_NORM_FIELDS.maxNorm);
  const out = resultWriter<ByNormState>();
  const scratch = new Float64Array(1);
  return {
    init(params: Params) {
      const names = [...namesOf(params)];
      const n = names.length;
      return {
        names,
        normBefore: new Float64Array(n),
        normAfter: new Float64Array(n),
        clipped: new Uint8Array(n),
        clippedCount: 0,
        steps: 0,
        clipSteps: 0,
      };
    },
    update(updates, state, _params, ctx) {
      let count = 0;
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        const name = names[k] as string;
        const j = indexOfName(state.names, name);
        if (j < 0)
          throw new ShapeError(
            `byNorm: no state for parameter ${fmt(name)}; init() was called with other parameters`,
          );
        const d = (updates[name] as { data: Float32Array | Float64Array }).data;
        vectorNormInto(d, 2, 0, d.length, state.normBefore, j);
        const norm = state.normBefore[j] as number;
        if (norm > c) {
          scratch[0] = c / norm;
          scaleInPlaceAt(d, scratch, 0);
          state.normAfter[j] = c;
          state.clipped[j] = 1;
          count++;
        } else {
          state.normAfter[j] = norm;
          state.clipped[j] = 0;
        }
      }
      state.steps = state.steps + 1;
      state.clippedCount = count;
      if (count > 0) {
        state.clipSteps = state.clipSteps + 1;
        raiseEvent(ctx, 'clipped');
      }
      return out(updates, state);
    },
  };
}
