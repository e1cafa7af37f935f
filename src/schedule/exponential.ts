import type { FieldSpecs } from '../optim/field-spec.js';
import { POS, req } from './fields.js';
import type { Schedule } from './types.js';
import { LR_SPEC, checkOptionKeys, numberOption } from './validate.js';

/** Options of {@link exponential}. */
export interface ExponentialOptions {
  /** The initial learning rate. */
  baseLr: number;
  /** Multiplier per step, > 0 (< 1 decays; > 1 grows, as in an lr range test). */
  gamma: number;
}

/**
 * The options of schedule.exponential with their types and ranges: the one declaration its factory
 * checks and the schedule registry (configs, the CLI, the playground) reads.
 */
export const EXPONENTIAL_FIELDS = { gamma: req(POS) } as const satisfies FieldSpecs;

/**
 * Exponential decay (PyTorch's ExponentialLR): lr(t) = baseLr · gamma^t.
 *
 * `schedule(t)` is the lr PyTorch holds after `t` calls to `scheduler.step()`. PyTorch multiplies
 * recursively; the closed form agrees to a few ulps per step.
 *
 * @example
 * const lr = exponential({ baseLr: 0.1, gamma: 0.99 }); // 0.1, 0.099, 0.09801, ...
 * @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.ExponentialLR.html
 */
export function exponential(options: ExponentialOptions): Schedule {
  const fn = 'schedule.exponential';
  checkOptionKeys(fn, options, ['baseLr', 'gamma']);
  const baseLr = numberOption(fn, 'baseLr', options.baseLr, LR_SPEC);
  const gamma = numberOption(fn, 'gamma', options.gamma, EXPONENTIAL_FIELDS.gamma);
  return (t) => baseLr * gamma ** t;
}
