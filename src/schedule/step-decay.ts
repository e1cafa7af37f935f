import type { FieldSpecs } from '../optim/field-spec.js';
import { INT1, POS, req } from './fields.js';
import type { Schedule } from './types.js';
import { LR_SPEC, checkOptionKeys, numberOption } from './validate.js';

/** Options of {@link step}. */
export interface StepOptions {
  /** The initial learning rate. */
  baseLr: number;
  /** Steps between two decays, an integer >= 1. */
  stepSize: number;
  /** Multiplier per decay, > 0 (default 0.1). */
  gamma?: number;
}

/**
 * The options of schedule.step with their types and ranges: the one declaration its factory
 * checks and the schedule registry (configs, the CLI, the playground) reads.
 */
export const STEP_FIELDS = { stepSize: req(INT1), gamma: POS } as const satisfies FieldSpecs;

/**
 * Step decay (PyTorch's StepLR): lr(t) = baseLr · gamma^⌊t / stepSize⌋.
 *
 * `schedule(t)` is the lr PyTorch holds after `t` calls to `scheduler.step()`.
 *
 * @example
 * const lr = step({ baseLr: 0.1, stepSize: 30, gamma: 0.1 }); // 0.1 for t < 30, 0.01 for t < 60
 * @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.StepLR.html
 */
export function step(options: StepOptions): Schedule {
  const fn = 'schedule.step';
  checkOptionKeys(fn, options, ['baseLr', 'stepSize', 'gamma']);
  const baseLr = numberOption(fn, 'baseLr', options.baseLr, LR_SPEC);
  const stepSize = numberOption(fn, 'stepSize', options.stepSize, STEP_FIELDS.stepSize);
  const gamma = numberOption(fn, 'gamma', options.gamma, STEP_FIELDS.gamma, 0.1);
  return (t) => baseLr * gamma ** Math.floor(t / stepSize);
}
