import type { FieldSpecs } from '../optim/field-spec.js';
import { INT1, NONNEG } from './fields.js';
import type { Schedule } from './types.js';
import { LR_SPEC, checkOptionKeys, numberOption } from './validate.js';

/** Options of {@link polynomial}. */
export interface PolynomialOptions {
  /** The initial learning rate. */
  baseLr: number;
  /** Steps over which the lr decays, an integer >= 1. */
  totalIters: number;
  /** Exponent of the decay, >= 0 (default 1: linear). */
  power?: number;
  /** The lr reached at `totalIters` and held afterwards, >= 0 (default 0, as in PyTorch). */
  endLr?: number;
}

/**
 * The options of schedule.polynomial with their types and ranges: the one declaration its factory
 * checks and the schedule registry (configs, the CLI, the playground) reads.
 */
export const POLYNOMIAL_FIELDS = {
  totalIters: INT1,
  power: NONNEG,
  endLr: NONNEG,
} as const satisfies FieldSpecs;

/**
 * Polynomial decay (PyTorch's PolynomialLR, with Optax's end value):
 * lr(t) = (baseLr − endLr) · (1 − min(t, T) / T)^power + endLr, T = totalIters.
 *
 * `schedule(t)` is the lr PyTorch holds after `t` calls to `scheduler.step()`; it reaches endLr
 * at t = T.
 *
 * @example
 * const lr = polynomial({ baseLr: 0.1, totalIters: 100, power: 2 }); // 0.1 -> 0 at t = 100
 * @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.PolynomialLR.html
 */
export function polynomial(options: PolynomialOptions): Schedule {
  const fn = 'schedule.polynomial';
  checkOptionKeys(fn, options, ['baseLr', 'totalIters', 'power', 'endLr']);
  const baseLr = numberOption(fn, 'baseLr', options.baseLr, LR_SPEC);
  const totalIters = numberOption(
    fn,
    'totalIters',
    options.totalIters,
    POLYNOMIAL_FIELDS.totalIters,
  );
  const power = numberOption(fn, 'power', options.power, POLYNOMIAL_FIELDS.power, 1);
  const endLr = numberOption(fn, 'endLr', options.endLr, POLYNOMIAL_FIELDS.endLr, 0);
  return (t) => (baseLr - endLr) * (1 - Math.min(t, totalIters) / totalIters) ** power + endLr;
}
