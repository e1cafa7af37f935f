import type { FieldSpecs } from '../optim/field-spec.js';
import type { Schedule } from './types.js';
import { LR_SPEC, checkOptionKeys, numberOption } from './validate.js';

/** Options of {@link inverseSqrt}. */
export interface InverseSqrtOptions {
  /** α, the learning rate of the first update. */
  baseLr: number;
}

/**
 * The options of schedule.inverseSqrt with their types and ranges: the one declaration its factory
 * checks and the schedule registry (configs, the CLI, the playground) reads.
 */
export const INVERSE_SQRT_FIELDS = {} as const satisfies FieldSpecs;

/**
 * Inverse square-root decay: lr(t) = α / √(t + 1).
 *
 * Indexing: the Adam paper (§6.1, logistic regression) uses α_t = α / √t with its step counter
 * t = 1, 2, ...; gradscope's step is 0-based (the first update uses `schedule(0)`), so the paper's
 * t is our t + 1 and the first update uses α itself.
 *
 * @example
 * const lr = inverseSqrt({ baseLr: 0.1 }); // 0.1, 0.0707, 0.0577, 0.05, ...
 * @see Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, §6.1.
 */
export function inverseSqrt(options: InverseSqrtOptions): Schedule {
  const fn = 'schedule.inverseSqrt';
  checkOptionKeys(fn, options, ['baseLr']);
  const baseLr = numberOption(fn, 'baseLr', options.baseLr, LR_SPEC);
  return (t) => baseLr / Math.sqrt(t + 1);
}
