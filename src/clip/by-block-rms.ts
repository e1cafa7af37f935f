import type { FieldSpecs } from '../optim/field-spec.js';
import { ShapeError, fmt } from '../errors.js';
import type { TypedArray } from '../tensor/dtype.js';
import { indexOfName, namesOf } from '../optim/names.js';
import { resultWriter } from '../optim/result.js';
import { raiseEvent } from '../optim/step-context.js';
import type { GradientTransformation, Params } from '../optim/types.js';
import { checkNumber } from '../optim/validate.js';
import { vectorNormInto } from './norms.js';

/** d ← d / k[0] (Optax divides by the clipping denominator; read from k so it is not boxed). */
function divideInPlace(d: TypedArray, k: Float64Array): void {
  const c = k[0] as number;
  for (let i = 0; i < d.length; i++) d[i] = (d[i] as number) / c;
}

/** State of {@link byBlockRms}: per tensor (in `names` order), the last step's RMS. */
export interface ByBlockRmsState {
  /** Parameter names, the order of the per-tensor arrays. */
  names: string[];
  /** RMS √(mean g²) before clipping. */
  rmsBefore: Float64Array;
  /** RMS after clipping (min(rms, threshold)). */
  rmsAfter: Float64Array;
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
 * The options of byBlockRms with their types and ranges: the one declaration its factory checks
 * and the clip registry (configs, the CLI, the playground) reads.
 */
export const BY_BLOCK_RMS_FIELDS = {
  threshold: { type: 'number', min: 0, minExclusive: true, allowInfinity: true, required: true },
} as const satisfies FieldSpecs;

/**
 * Per-tensor (block) RMS clipping, as Optax's clip_by_block_rms: a size-independent threshold,
 *
 * g ← g / max(1, rms(g)/c),  rms(g) = √(mean g²)
 *
 * @example chain(clip.byBlockRms(1e-3), adam())
 * @see Optax `clip_by_block_rms`; Shazeer & Stern, "Adafactor", ICML 2018 (update clipping by RMS).
 */
export function byBlockRms(threshold: number): GradientTransformation<ByBlockRmsState> {
  const c = checkNumber(
    'byBlockRms',
    'threshold',
    threshold,
    undefined,
    BY_BLOCK_RMS_FIELDS.threshold,
  );
  const out = resultWriter<ByBlockRmsState>();
  const scratch = new Float64Array(1);
  return {
    init(params: Params) {
      const names = [...namesOf(params)];
      const n = names.length;
      return {
        names,
        rmsBefore: new Float64Array(n),
        rmsAfter: new Float64Array(n),
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
            `byBlockRms: no state for parameter ${fmt(name)}; init() was called with other parameters`,
          );
        const d = (updates[name] as { data: Float32Array | Float64Array }).data;
        vectorNormInto(d, 2, 0, d.length, state.rmsBefore, j);
        const rms = d.length === 0 ? 0 : (state.rmsBefore[j] as number) / Math.sqrt(d.length);
        state.rmsBefore[j] = rms;
        if (rms > c) {
          scratch[0] = rms / c;
          divideInPlace(d, scratch);
          state.rmsAfter[j] = c;
          state.clipped[j] = 1;
          count++;
        } else {
          state.clipped[j] = 0;
          state.rmsAfter[j] = rms;
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
