import type { FieldSpecs } from '../optim/field-spec.js';
import { INT1, NONNEG } from './fields.js';
import type { Schedule } from './types.js';
import { LR_SPEC, checkOptionKeys, numberOption } from './validate.js';

/** Options of {@link cosine}. */
export interface CosineOptions {
  /** The initial (maximum) learning rate. */
  baseLr: number;
  /** Half-period in steps, an integer >= 1: the lr reaches etaMin at t = tMax. */
  tMax: number;
  /** The minimum learning rate, >= 0 (default 0). */
  etaMin?: number;
}

/**
 * The options of schedule.cosine with their types and ranges: the one declaration its factory
 * checks and the schedule registry (configs, the CLI, the playground) reads.
 */
export const COSINE_FIELDS = { tMax: INT1, etaMin: NONNEG } as const satisfies FieldSpecs;

/**
 * Cosine annealing (PyTorch's CosineAnnealingLR, closed form):
 * lr(t) = etaMin + (baseLr − etaMin) · (1 + cos(π t / tMax)) / 2.
 *
 * `schedule(t)` is the lr PyTorch holds after `t` calls to `scheduler.step()`: baseLr at t = 0,
 * etaMin at t = tMax. Past tMax the lr rises again with period 2·tMax, exactly as PyTorch's
 * recursive form does (use {@link warmupCosine} or {@link joinSchedules} to hold the minimum).
 *
 * @example
 * const lr = cosine({ baseLr: 0.1, tMax: 100, etaMin: 1e-4 });
 * @see Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017.
 */
export function cosine(options: CosineOptions): Schedule {
  const fn = 'schedule.cosine';
  checkOptionKeys(fn, options, ['baseLr', 'tMax', 'etaMin']);
  const baseLr = numberOption(fn, 'baseLr', options.baseLr, LR_SPEC);
  const tMax = numberOption(fn, 'tMax', options.tMax, COSINE_FIELDS.tMax);
  const etaMin = numberOption(fn, 'etaMin', options.etaMin, COSINE_FIELDS.etaMin, 0);
  return (t) => etaMin + ((baseLr - etaMin) * (1 + Math.cos((Math.PI * t) / tMax))) / 2;
}
