import { ConfigError, fmt } from '../errors.js';
import type { ScalarOrSchedule, Schedule } from './types.js';
import { numberOption } from './validate.js';

function asSchedule(fn: string, name: string, s: unknown): Schedule {
  if (typeof s === 'function') return s as Schedule;
  if (typeof s === 'number' && Number.isFinite(s)) return () => s;
  throw new ConfigError(
    `${fn}: ${name} must be a schedule (step) => number or a finite number, got ${fmt(s)}`,
  );
}

/**
 * Joins schedules at step boundaries (Optax's join_schedules): with boundaries b₀ <= b₁ <= ...,
 * lr(t) = s₀(t) for t < b₀ and s_{k+1}(t − b_k) for b_k <= t < b_{k+1}: each schedule after the
 * first restarts its own step count at its boundary, so "warmup, then anything" composes.
 *
 * Unlike PyTorch's SequentialLR (which re-steps the next scheduler with an epoch argument),
 * the join is a pure function of the step.
 *
 * @example
 * const lr = joinSchedules(
 *   [linear({ baseLr: 0.1, startFactor: 0.01, totalIters: 100 }), cosine({ baseLr: 0.1, tMax: 900 })],
 *   [100],
 * );
 * @see https://optax.readthedocs.io/en/latest/api/optimizer_schedules.html#optax.join_schedules
 */
export function joinSchedules(
  schedules: readonly ScalarOrSchedule[],
  boundaries: readonly number[],
): Schedule {
  const fn = 'schedule.joinSchedules';
  if (!Array.isArray(schedules) || schedules.length === 0) {
    throw new ConfigError(`${fn}: schedules must be a non-empty array, got ${fmt(schedules)}`);
  }
  if (!Array.isArray(boundaries) || boundaries.length !== schedules.length - 1) {
    throw new ConfigError(
      `${fn}: boundaries must be an array of ${schedules.length - 1} step(s) (one fewer than schedules), got ${fmt(boundaries)}`,
    );
  }
  const ss = schedules.map((s, i) => asSchedule(fn, `schedules[${i}]`, s));
  const bs: number[] = [];
  for (let i = 0; i < boundaries.length; i++) {
    const b = numberOption(fn, `boundaries[${i}]`, boundaries[i], { integer: true, min: 0 });
    const prev = bs[i - 1];
    if (prev !== undefined && b < prev) {
      throw new ConfigError(`${fn}: boundaries must be non-decreasing, got ${fmt(boundaries)}`);
    }
    bs.push(b);
  }
  const first = ss[0] as Schedule;
  return (t) => {
    let k = 0;
    while (k < bs.length && t >= (bs[k] as number)) k++;
    return k === 0 ? first(t) : (ss[k] as Schedule)(t - (bs[k - 1] as number));
  };
}

/** One segment of a {@link sequence}. */
export interface SequenceSegment {
  /** The schedule of this segment (its step restarts at 0), or a constant. */
  schedule: ScalarOrSchedule;
  /** Length in steps, an integer >= 1. Required for all but the last segment; when the last
   * one has it, its final value is held afterwards. */
  steps?: number;
}

/**
 * Schedules one after another, given by durations instead of boundaries: segment k runs for
 * `steps` steps with its own step count from 0 (joinSchedules with cumulative boundaries).
 *
 * @example
 * const lr = sequence([
 *   { schedule: linear({ baseLr: 0.1, startFactor: 0.01, totalIters: 100 }), steps: 100 },
 *   { schedule: cosine({ baseLr: 0.1, tMax: 900 }), steps: 900 },
 * ]); // holds cosine's value at its step 899 from t = 1000 on
 * @see https://optax.readthedocs.io/en/latest/api/optimizer_schedules.html#optax.join_schedules
 */
export function sequence(segments: readonly SequenceSegment[]): Schedule {
  const fn = 'schedule.sequence';
  if (!Array.isArray(segments) || segments.length === 0) {
    throw new ConfigError(`${fn}: segments must be a non-empty array, got ${fmt(segments)}`);
  }
  const schedules: Schedule[] = [];
  const boundaries: number[] = [];
  let at = 0;
  segments.forEach((seg, i) => {
    if (typeof seg !== 'object' || seg === null) {
      throw new ConfigError(`${fn}: segments[${i}] must be { schedule, steps }, got ${fmt(seg)}`);
    }
    for (const key of Object.keys(seg)) {
      if (key !== 'schedule' && key !== 'steps') {
        throw new ConfigError(
          `${fn}: segments[${i}] has unknown option ${fmt(key)}; allowed: "schedule", "steps"`,
        );
      }
    }
    const s = asSchedule(fn, `segments[${i}].schedule`, seg.schedule);
    const last = i === segments.length - 1;
    if (last && seg.steps === undefined) {
      schedules.push(s);
      return;
    }
    const n = numberOption(fn, `segments[${i}].steps`, seg.steps, { integer: true, min: 1 });
    schedules.push(s);
    at += n;
    boundaries.push(at);
    if (last) {
      const hold = s(n - 1);
      schedules.push(() => hold);
    }
  });
  return joinSchedules(schedules, boundaries);
}
