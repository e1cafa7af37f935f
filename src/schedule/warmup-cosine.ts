import type { FieldSpecs } from '../optim/field-spec.js';
import { INT0, INT1, NONNEG, POS, req } from './fields.js';
import type { Schedule } from './types.js';
import { LR_SPEC, checkOptionKeys, numberOption } from './validate.js';
import { joinSchedules } from './join.js';

/** Options of {@link warmupCosine}. */
export interface WarmupCosineOptions {
  /** The lr at t = 0, >= 0 (default 0). Optax's init_value. */
  init?: number;
  /** The lr reached at the end of the warmup. Optax's peak_value. */
  peak: number;
  /** Warmup steps, an integer >= 0. Optax's warmup_steps. */
  warmup: number;
  /** Total length including the warmup, an integer > warmup. Optax's decay_steps. */
  total: number;
  /** The lr from t = total on, >= 0 (default 0). Optax's end_value. */
  end?: number;
  /** Exponent applied to the cosine factor, > 0 (default 1). */
  exponent?: number;
}

/**
 * The options of schedule.warmupCosine with their types and ranges: the one declaration its factory
 * checks and the schedule registry (configs, the CLI, the playground) reads.
 */
export const WARMUP_COSINE_FIELDS = {
  init: NONNEG,
  warmup: req(INT0),
  total: INT1,
  end: NONNEG,
  exponent: POS,
} as const satisfies FieldSpecs;

/**
 * Linear warmup then cosine decay (Optax's warmup_cosine_decay_schedule):
 * lr(t) = init + (peak − init) · t / W for t < W; then with u = min(t − W, T − W) / (T − W),
 * lr(t) = peak · ((1 − α) · ((1 + cos(π u)) / 2)^exponent + α), α = end / peak
 * (W = warmup, T = total). Continuous at t = W (value peak) and equal to `end` from t = T on.
 *
 * @example
 * const lr = warmupCosine({ peak: 3e-3, warmup: 200, total: 5000 });
 * @see https://optax.readthedocs.io/en/latest/api/optimizer_schedules.html#optax.warmup_cosine_decay_schedule
 * @see Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017.
 */
export function warmupCosine(options: WarmupCosineOptions): Schedule {
  const fn = 'schedule.warmupCosine';
  checkOptionKeys(fn, options, ['init', 'peak', 'warmup', 'total', 'end', 'exponent']);
  const init = numberOption(fn, 'init', options.init, WARMUP_COSINE_FIELDS.init, 0);
  const peak = numberOption(fn, 'peak', options.peak, LR_SPEC);
  const warmup = numberOption(fn, 'warmup', options.warmup, WARMUP_COSINE_FIELDS.warmup);
  const total = numberOption(fn, 'total', options.total, { integer: true, min: warmup + 1 });
  const end = numberOption(fn, 'end', options.end, WARMUP_COSINE_FIELDS.end, 0);
  const exponent = numberOption(fn, 'exponent', options.exponent, WARMUP_COSINE_FIELDS.exponent, 1);
  const alpha = peak === 0 ? 0 : end / peak;
  const decaySteps = total - warmup;
  // Optax's linear_schedule: (init − peak) · (1 − t / W) + peak.
  const ramp: Schedule = (t) => (init - peak) * (1 - Math.min(t, warmup) / warmup) + peak;
  const decay: Schedule = (t) => {
    const c = 0.5 * (1 + Math.cos((Math.PI * Math.min(t, decaySteps)) / decaySteps));
    return peak * ((1 - alpha) * c ** exponent + alpha);
  };
  return warmup === 0 ? decay : joinSchedules([ramp, decay], [warmup]);
}
