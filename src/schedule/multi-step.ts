import type { FieldSpecs } from '../optim/field-spec.js';
import { POS } from './fields.js';
import { ConfigError, fmt } from '../errors.js';
import type { Schedule } from './types.js';
import { LR_SPEC, checkOptionKeys, numberOption } from './validate.js';

/** Options of {@link multiStep}. */
export interface MultiStepOptions {
  /** The initial learning rate. */
  baseLr: number;
  /** Steps at which the lr is multiplied by gamma: non-decreasing integers >= 0 (a repeated
   * milestone decays twice, as in PyTorch). */
  milestones: readonly number[];
  /** Multiplier per milestone, > 0 (default 0.1). */
  gamma?: number;
}

/**
 * The options of schedule.multiStep with their types and ranges: the one declaration its factory
 * checks and the schedule registry (configs, the CLI, the playground) reads.
 */
export const MULTI_STEP_FIELDS = {
  milestones: {
    type: 'numbers',
    item: { type: 'number', integer: true, min: 0 },
    required: true,
  },
  gamma: POS,
} as const satisfies FieldSpecs;

/**
 * Decay at milestones (PyTorch's MultiStepLR): lr(t) = baseLr · gamma^#{m ∈ milestones : m <= t}.
 *
 * `schedule(t)` is the lr PyTorch holds after `t` calls to `scheduler.step()`, so the decay at
 * milestone m first applies to update number m (0-based).
 *
 * @example
 * const lr = multiStep({ baseLr: 0.1, milestones: [30, 80], gamma: 0.1 }); // 0.1, then 0.01 at t = 30, 0.001 at t = 80
 * @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.MultiStepLR.html
 */
export function multiStep(options: MultiStepOptions): Schedule {
  const fn = 'schedule.multiStep';
  checkOptionKeys(fn, options, ['baseLr', 'milestones', 'gamma']);
  const baseLr = numberOption(fn, 'baseLr', options.baseLr, LR_SPEC);
  const gamma = numberOption(fn, 'gamma', options.gamma, MULTI_STEP_FIELDS.gamma, 0.1);
  const raw: unknown = options.milestones;
  if (!Array.isArray(raw)) {
    throw new ConfigError(
      `${fn}: option milestones must be an array of integers >= 0, got ${fmt(raw)}`,
    );
  }
  const milestones: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const m = numberOption(fn, `milestones[${i}]`, raw[i], { integer: true, min: 0 });
    const prev = milestones[i - 1];
    if (prev !== undefined && m < prev) {
      throw new ConfigError(`${fn}: option milestones must be non-decreasing, got ${fmt(raw)}`);
    }
    milestones.push(m);
  }
  return (t) => {
    let k = 0;
    while (k < milestones.length && (milestones[k] as number) <= t) k++;
    return baseLr * gamma ** k;
  };
}
