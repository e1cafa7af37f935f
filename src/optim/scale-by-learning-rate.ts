import type { Schedule, ScalarOrSchedule } from '../schedule/types.js';
import { scaleInPlaceAt } from './loops.js';
import { namesOf } from './names.js';
import { resultWriter } from './result.js';
import type { GradientTransformation } from './types.js';
import { checkBoolean, checkKeys, checkNumber, checkScalarOrSchedule } from './validate.js';

/** State of {@link scaleByLearningRate} / {@link scaleBySchedule}: the number of updates made. */
export interface CountState {
  /** Updates made so far; the schedule is evaluated at this count (0 for the first update). */
  count: number;
}

/** Options of {@link scaleByLearningRate}. */
export interface ScaleByLearningRateOptions {
  /** Multiply by −lr (descent, the default) rather than +lr. */
  flipSign?: boolean;
  /** Inverse-time decay ≥ 0 (PyTorch Adagrad's lr_decay): update t uses lr(t)/(1 + t·lrDecay). Default 0. */
  lrDecay?: number;
}

function scaleBy(
  schedule: Schedule,
  sign: number,
  isLr: boolean,
  lrDecay = 0,
): GradientTransformation<CountState> {
  // The decay is applied here rather than by wrapping the schedule: a number returned by a
  // non-inlined closure is boxed, and the step is meant to allocate nothing.
  const rate = (t: number): number =>
    lrDecay === 0 ? schedule(t) : schedule(t) / (1 + t * lrDecay);
  const out = resultWriter<CountState>();
  const coef = new Float64Array(1);
  return {
    init: () => ({ count: 0 }),
    update(updates, state) {
      const t = state.count;
      coef[0] = lrDecay === 0 ? sign * schedule(t) : (sign * schedule(t)) / (1 + t * lrDecay);
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        scaleInPlaceAt(
          (updates[names[k] as string] as { data: Float32Array | Float64Array }).data,
          coef,
          0,
        );
      }
      state.count = state.count + 1;
      return out(updates, state);
    },
    ...(isLr ? { currentLr: (state: CountState) => rate(state.count) } : {}),
  };
}

/**
 * Multiplies the updates by −lr(t) (t = number of previous updates, so the first update uses
 * lr(0)); the last link of every named optimizer. A number is a constant rate.
 *
 * u ← −lr(t)·u   (÷ (1 + t·lrDecay) with lrDecay)
 *
 * @example chain(scaleByAdam(), scaleByLearningRate(schedule.cosine({ ... })))
 */
export function scaleByLearningRate(
  lr: ScalarOrSchedule,
  options: ScaleByLearningRateOptions = {},
): GradientTransformation<CountState> {
  checkKeys('scaleByLearningRate', options, ['flipSign', 'lrDecay']);
  const schedule = checkScalarOrSchedule('scaleByLearningRate', 'lr', lr, undefined, { min: 0 });
  const flip = checkBoolean('scaleByLearningRate', 'flipSign', options.flipSign, true);
  const lrDecay = checkNumber('scaleByLearningRate', 'lrDecay', options.lrDecay, 0, { min: 0 });
  return scaleBy(schedule, flip ? -1 : 1, true, lrDecay);
}

/**
 * Multiplies the updates by a schedule's value η(t) without a sign flip: u ← η(t)·u (t = number
 * of previous updates), e.g. a warm-up multiplier on a clipping or decay term.
 * @example chain(addDecayedWeights(1e-4), scaleBySchedule((t) => Math.min(1, t / 100)))
 */
export function scaleBySchedule(schedule: ScalarOrSchedule): GradientTransformation<CountState> {
  const s = checkScalarOrSchedule('scaleBySchedule', 'schedule', schedule, undefined, {});
  return scaleBy(s, 1, false);
}
