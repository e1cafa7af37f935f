import type { FieldSpecs } from '../optim/field-spec.js';
import { BOOL, POS } from './fields.js';
import { ConfigError } from '../errors.js';
import type { Schedule } from './types.js';
import { booleanOption, checkOptionKeys, choiceOption, numberOption } from './validate.js';

/** Options of {@link oneCycle} (PyTorch's OneCycleLR, camelCase). */
export interface OneCycleOptions {
  /** The peak learning rate, > 0. */
  maxLr: number;
  /** Length of the cycle in steps, an integer >= 2. */
  totalSteps: number;
  /** Fraction of the cycle spent increasing the lr, in (0, 1) (default 0.3). */
  pctStart?: number;
  /** Annealing shape: 'cos' or 'linear' (default 'cos'). PyTorch's anneal_strategy. */
  anneal?: 'cos' | 'linear';
  /** initialLr = maxLr / divFactor, > 0 (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor, > 0 (default 1e4). */
  finalDivFactor?: number;
  /** Up, back down to initialLr, then to minLr (the paper's three phases) instead of up then
   * down to minLr (fastai's two phases, the default false). */
  threePhase?: boolean;
}

/**
 * The options of schedule.oneCycle with their types and ranges: the one declaration its factory
 * checks and the schedule registry (configs, the CLI, the playground) reads.
 */
export const ONE_CYCLE_FIELDS = {
  totalSteps: { type: 'number', integer: true, min: 2 },
  pctStart: { type: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true },
  anneal: { type: 'enum', values: ['cos', 'linear'] },
  divFactor: POS,
  finalDivFactor: POS,
  threePhase: BOOL,
} as const satisfies FieldSpecs;

/**
 * The 1cycle policy (PyTorch's OneCycleLR). With P = pctStart · totalSteps, the phases end at
 * steps P − 1 (initialLr → maxLr) and totalSteps − 1 (maxLr → minLr); with `threePhase`, at P − 1,
 * 2P − 2 (maxLr → initialLr) and totalSteps − 1 (initialLr → minLr). Within a phase from step a
 * to b, pct = (t − a) / (b − a) and lr = end + (start − end) · (1 + cos(π pct)) / 2 ('cos') or
 * start + (end − start) · pct ('linear').
 *
 * `schedule(t)` is the lr PyTorch holds after `t` calls to `scheduler.step()`: initialLr at t = 0,
 * maxLr at t = pctStart · totalSteps − 1 (when that is an integer), minLr at t = totalSteps − 1.
 * PyTorch raises past totalSteps; this holds minLr for t >= totalSteps.
 *
 * @example
 * const lr = oneCycle({ maxLr: 0.1, totalSteps: 1000 }); // 0.004 -> 0.1 at t = 299 -> 4e-7
 * @see Smith & Topin, "Super-Convergence: Very Fast Training of Neural Networks Using Large
 * Learning Rates", 2017.
 */
export function oneCycle(options: OneCycleOptions): Schedule {
  const fn = 'schedule.oneCycle';
  checkOptionKeys(fn, options, [
    'maxLr',
    'totalSteps',
    'pctStart',
    'anneal',
    'divFactor',
    'finalDivFactor',
    'threePhase',
  ]);
  const maxLr = numberOption(fn, 'maxLr', options.maxLr, { min: 0, minExclusive: true });
  const totalSteps = numberOption(
    fn,
    'totalSteps',
    options.totalSteps,
    ONE_CYCLE_FIELDS.totalSteps,
  );
  const pctStart = numberOption(fn, 'pctStart', options.pctStart, ONE_CYCLE_FIELDS.pctStart, 0.3);
  const anneal = choiceOption(fn, 'anneal', options.anneal, ONE_CYCLE_FIELDS.anneal.values, 'cos');
  const divFactor = numberOption(
    fn,
    'divFactor',
    options.divFactor,
    ONE_CYCLE_FIELDS.divFactor,
    25,
  );
  const finalDivFactor = numberOption(
    fn,
    'finalDivFactor',
    options.finalDivFactor,
    ONE_CYCLE_FIELDS.finalDivFactor,
    1e4,
  );
  const threePhase = booleanOption(fn, 'threePhase', options.threePhase, false);

  const initialLr = maxLr / divFactor;
  const minLr = initialLr / finalDivFactor;
  const p = pctStart * totalSteps;
  // Phase ends exactly as PyTorch computes them (float(pct_start * total_steps) - 1, ...).
  const ends = threePhase ? [p - 1, 2 * p - 2, totalSteps - 1] : [p - 1, totalSteps - 1];
  const starts = threePhase ? [initialLr, maxLr, initialLr] : [initialLr, maxLr];
  const targets = threePhase ? [maxLr, initialLr, minLr] : [maxLr, minLr];
  let prev = 0;
  for (const e of ends) {
    // An empty phase makes PyTorch divide by zero; reject it here, naming the option to change.
    if (!(e > prev)) {
      const lo = 1 / totalSteps;
      const hi = threePhase ? (totalSteps + 1) / (2 * totalSteps) : 1;
      throw new ConfigError(
        `${fn}: option pctStart must make every phase at least one step long, i.e. lie in (${lo}, ${hi}) for totalSteps = ${totalSteps}${threePhase ? ' with threePhase' : ''}, got ${pctStart}`,
      );
    }
    prev = e;
  }
  const annealFn =
    anneal === 'cos'
      ? (start: number, end: number, pct: number): number =>
          end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1)
      : (start: number, end: number, pct: number): number => (end - start) * pct + start;
  const last = ends.length - 1;
  return (t) => {
    if (t >= totalSteps - 1) return annealFn(starts[last] as number, minLr, 1);
    let startStep = 0;
    for (let i = 0; i < ends.length; i++) {
      const endStep = ends[i] as number;
      if (t <= endStep || i === last) {
        const pct = (t - startStep) / (endStep - startStep);
        return annealFn(starts[i] as number, targets[i] as number, pct);
      }
      startStep = endStep;
    }
    return minLr;
  };
}
