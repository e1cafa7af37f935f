import type { FieldSpecs } from '../optim/field-spec.js';
import { BOOL, NONNEG, POS, req } from './fields.js';
import type { Schedule } from './types.js';
import { LR_SPEC, booleanOption, checkOptionKeys, numberOption } from './validate.js';

/** Options of {@link inverseTime}. */
export interface InverseTimeOptions {
  /** The initial learning rate (the value at t = 0). */
  baseLr: number;
  /** Decay rate, >= 0. */
  decayRate: number;
  /** Steps per unit of decay, > 0 (default 1). */
  decaySteps?: number;
  /** Decay in whole units of `decaySteps` (⌊t / decaySteps⌋) instead of continuously (default false). */
  staircase?: boolean;
}

/**
 * The options of schedule.inverseTime with their types and ranges: the one declaration its factory
 * checks and the schedule registry (configs, the CLI, the playground) reads.
 */
export const INVERSE_TIME_FIELDS = {
  decayRate: req(NONNEG),
  decaySteps: POS,
  staircase: BOOL,
} as const satisfies FieldSpecs;

/**
 * Inverse-time decay: lr(t) = baseLr / (1 + decayRate · t / decaySteps) (with ⌊t / decaySteps⌋
 * when `staircase`), the classic γ₀ / (1 + γ₀λt) schedule of SGD with the step count starting at 0.
 *
 * @example
 * const lr = inverseTime({ baseLr: 0.1, decayRate: 0.5 }); // 0.1, 0.0667, 0.05, 0.04, ...
 * @see Bottou, "Stochastic Gradient Descent Tricks", 2012 (§5.2); TensorFlow's InverseTimeDecay.
 */
export function inverseTime(options: InverseTimeOptions): Schedule {
  const fn = 'schedule.inverseTime';
  checkOptionKeys(fn, options, ['baseLr', 'decayRate', 'decaySteps', 'staircase']);
  const baseLr = numberOption(fn, 'baseLr', options.baseLr, LR_SPEC);
  const decayRate = numberOption(fn, 'decayRate', options.decayRate, INVERSE_TIME_FIELDS.decayRate);
  const decaySteps = numberOption(
    fn,
    'decaySteps',
    options.decaySteps,
    INVERSE_TIME_FIELDS.decaySteps,
    1,
  );
  const staircase = booleanOption(fn, 'staircase', options.staircase, false);
  return (t) => {
    const p = staircase ? Math.floor(t / decaySteps) : t / decaySteps;
    return baseLr / (1 + decayRate * p);
  };
}
