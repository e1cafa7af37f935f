import type { Schedule, ScalarOrSchedule } from '../schedule/types.js';
import { namesOf } from './names.js';
import { resultWriter } from './result.js';
import type { GradientTransformation } from './types.js';
import { checkBoolean, checkKeys, checkScalarOrSchedule } from './validate.js';

/** State of {@link scaleByLearningRate} / {@link scaleBySchedule}: the number of updates made. */
export interface CountState {
  /** Updates made so far; the schedule is evaluated at this count (0 for the first update). */
  count: number;
}

/** Options of {@link scaleByLearningRate}. */
export interface ScaleByLearningRateOptions {
  /** Multiply by −lr (descent, the default) rather than +lr. */
  flipSign?: boolean;
}

function scaleBy(schedule: Schedule, sign: number, isLr: boolean): GradientTransformation<CountState> {
  const out = resultWriter<CountState>();
  return {
    init: () => ({ count: 0 }),
    update(updates, state) {
      const factor = sign * schedule(state.count);
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        const d = (updates[names[k] as string] as { data: Float32Array | Float64Array }).data;
        for (let i = 0; i < d.length; i++) d[i] = factor * (d[i] as number);
      }
      state.count = state.count + 1;
      return out(updates, state);
    },
    ...(isLr ? { currentLr: (state: CountState) => schedule(state.count) } : {}),
  };
}

/**
 * Multiplies the updates by −lr(t) (t = number of previous updates, so the first update uses
 * lr(0)); the last link of every named optimizer. A number is a constant rate.
 *
 * u ← −lr(t)·u
 *
 * @example chain(scaleByAdam(), scaleByLearningRate(schedule.cosine({ ... })))
 */
export function scaleByLearningRate(lr: ScalarOrSchedule, options: ScaleByLearningRateOptions = {}): GradientTransformation<CountState> {
  checkKeys('scaleByLearningRate', options, ['flipSign']);
  const schedule = checkScalarOrSchedule('scaleByLearningRate', 'lr', lr, undefined, { min: 0 });
  const flip = checkBoolean('scaleByLearningRate', 'flipSign', options.flipSign, true);
  return scaleBy(schedule, flip ? -1 : 1, true);
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
