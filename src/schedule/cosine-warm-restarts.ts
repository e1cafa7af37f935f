import type { FieldSpecs } from '../optim/field-spec.js';
import { INT1, NONNEG, req } from './fields.js';
import type { Schedule } from './types.js';
import { LR_SPEC, checkOptionKeys, numberOption } from './validate.js';

/** Options of {@link cosineWarmRestarts}. */
export interface CosineWarmRestartsOptions {
  /** The learning rate at the start of every period. */
  baseLr: number;
  /** Length of the first period in steps, an integer >= 1. */
  t0: number;
  /** Growth factor of the period after each restart, an integer >= 1 (default 1). */
  tMult?: number;
  /** The minimum learning rate, >= 0 (default 0). */
  etaMin?: number;
}

/**
 * The options of schedule.cosineWarmRestarts with their types and ranges: the one declaration its factory
 * checks and the schedule registry (configs, the CLI, the playground) reads.
 */
export const COSINE_WARM_RESTARTS_FIELDS = {
  t0: req(INT1),
  tMult: INT1,
  etaMin: NONNEG,
} as const satisfies FieldSpecs;

/**
 * Cosine annealing with warm restarts (SGDR, PyTorch's CosineAnnealingWarmRestarts):
 * lr(t) = etaMin + (baseLr − etaMin) · (1 + cos(π T_cur / T_i)) / 2, where the i-th period lasts
 * T_i = t0 · tMult^i steps and T_cur counts steps since the last restart.
 *
 * `schedule(t)` is the lr PyTorch holds after `t` calls to `scheduler.step()`; restarts happen
 * at t = t0, t0 + t0·tMult, ... . T_cur and T_i are integers, so this equals PyTorch's per-step
 * bookkeeping exactly.
 *
 * @example
 * const lr = cosineWarmRestarts({ baseLr: 0.1, t0: 10, tMult: 2 }); // restarts at 10, 30, 70, ...
 * @see Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017.
 */
export function cosineWarmRestarts(options: CosineWarmRestartsOptions): Schedule {
  const fn = 'schedule.cosineWarmRestarts';
  checkOptionKeys(fn, options, ['baseLr', 't0', 'tMult', 'etaMin']);
  const baseLr = numberOption(fn, 'baseLr', options.baseLr, LR_SPEC);
  const t0 = numberOption(fn, 't0', options.t0, COSINE_WARM_RESTARTS_FIELDS.t0);
  const tMult = numberOption(fn, 'tMult', options.tMult, COSINE_WARM_RESTARTS_FIELDS.tMult, 1);
  const etaMin = numberOption(fn, 'etaMin', options.etaMin, COSINE_WARM_RESTARTS_FIELDS.etaMin, 0);
  return (t) => {
    let tCur = t;
    let tI = t0;
    if (tMult === 1) {
      tCur = t % t0;
    } else {
      // Periods grow geometrically, so this loop runs O(log t) times.
      while (tCur >= tI) {
        tCur -= tI;
        tI *= tMult;
      }
    }
    return etaMin + ((baseLr - etaMin) * (1 + Math.cos((Math.PI * tCur) / tI))) / 2;
  };
}
