import type { FieldSpecs } from '../optim/field-spec.js';
import { INT1, UNIT } from './fields.js';
import type { Schedule } from './types.js';
import { LR_SPEC, checkOptionKeys, numberOption } from './validate.js';

/** Options of {@link linear}. */
export interface LinearOptions {
  /** The learning rate the factors multiply. */
  baseLr: number;
  /** Factor at t = 0, in (0, 1] (default 1/3, as in PyTorch). */
  startFactor?: number;
  /** Factor from t = totalIters on, in [0, 1] (default 1). */
  endFactor?: number;
  /** Steps of the linear ramp, an integer >= 1 (default 5). */
  totalIters?: number;
}

/**
 * The options of schedule.linear with their types and ranges: the one declaration its factory
 * checks and the schedule registry (configs, the CLI, the playground) reads.
 */
export const LINEAR_FIELDS = {
  startFactor: { type: 'number', min: 0, max: 1, minExclusive: true },
  endFactor: UNIT,
  totalIters: INT1,
} as const satisfies FieldSpecs;

/**
 * Linear ramp of a multiplicative factor (PyTorch's LinearLR), a linear warmup with the
 * defaults: lr(t) = baseLr · (s + (e − s) · min(t, T) / T), s = startFactor, e = endFactor,
 * T = totalIters.
 *
 * `schedule(t)` is the lr PyTorch holds after `t` calls to `scheduler.step()`: baseLr · s at
 * t = 0, baseLr · e from t = T on.
 *
 * @example
 * const warmup = linear({ baseLr: 0.1, startFactor: 0.01, totalIters: 100 }); // 0.001 -> 0.1
 * @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.LinearLR.html
 */
export function linear(options: LinearOptions): Schedule {
  const fn = 'schedule.linear';
  checkOptionKeys(fn, options, ['baseLr', 'startFactor', 'endFactor', 'totalIters']);
  const baseLr = numberOption(fn, 'baseLr', options.baseLr, LR_SPEC);
  const s = numberOption(fn, 'startFactor', options.startFactor, LINEAR_FIELDS.startFactor, 1 / 3);
  const e = numberOption(fn, 'endFactor', options.endFactor, LINEAR_FIELDS.endFactor, 1);
  const total = numberOption(fn, 'totalIters', options.totalIters, LINEAR_FIELDS.totalIters, 5);
  return (t) => baseLr * (s + ((e - s) * Math.min(total, t)) / total);
}
