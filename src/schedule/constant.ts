import type { FieldSpecs } from '../optim/field-spec.js';
import { INT0, UNIT } from './fields.js';
import type { Schedule } from './types.js';
import { LR_SPEC, checkOptionKeys, numberOption } from './validate.js';

/** Options of {@link constant}. */
export interface ConstantOptions {
  /** The learning rate. */
  baseLr: number;
  /** Multiplier applied during the first `totalIters` steps, in [0, 1] (default 1). */
  factor?: number;
  /** Number of steps that use `baseLr · factor`, an integer >= 0 (default 0). */
  totalIters?: number;
}

/**
 * The options of schedule.constant with their types and ranges: the one declaration its factory
 * checks and the schedule registry (configs, the CLI, the playground) reads.
 */
export const CONSTANT_FIELDS = { factor: UNIT, totalIters: INT0 } as const satisfies FieldSpecs;

/**
 * A constant learning rate, optionally lowered by `factor` for the first `totalIters` steps
 * (PyTorch's ConstantLR): lr(t) = baseLr · factor for t < totalIters, baseLr afterwards.
 *
 * Step indexing (all PyTorch-derived schedules): `schedule(t)` is the lr PyTorch's scheduler
 * holds after `t` calls to `scheduler.step()` (its `last_epoch == t`), i.e. the lr of the
 * (t+1)-th optimizer update. Unlike ConstantLR (factor 1/3, total_iters 5) the defaults make a
 * plain constant.
 *
 * @example
 * const lr = constant({ baseLr: 0.1, factor: 0.5, totalIters: 3 }); // 0.05, 0.05, 0.05, 0.1, ...
 * @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.ConstantLR.html
 */
export function constant(options: ConstantOptions): Schedule {
  const fn = 'schedule.constant';
  checkOptionKeys(fn, options, ['baseLr', 'factor', 'totalIters']);
  const baseLr = numberOption(fn, 'baseLr', options.baseLr, LR_SPEC);
  const factor = numberOption(fn, 'factor', options.factor, CONSTANT_FIELDS.factor, 1);
  const totalIters = numberOption(
    fn,
    'totalIters',
    options.totalIters,
    CONSTANT_FIELDS.totalIters,
    0,
  );
  const low = baseLr * factor;
  return (step) => (step < totalIters ? low : baseLr);
}
