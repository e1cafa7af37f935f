import type { FieldSpecs } from '../optim/field-spec.js';
import { NONNEG, POS, req } from './fields.js';
import { ConfigError } from '../errors.js';
import type { Schedule } from './types.js';
import { LR_SPEC, checkOptionKeys, choiceOption, numberOption } from './validate.js';

/** Options of {@link cyclic} (PyTorch's CyclicLR, camelCase). */
export interface CyclicOptions {
  /** The lower bound of the cycle, >= 0. */
  baseLr: number;
  /** The upper bound of the cycle (its amplitude is scaled by the policy), >= 0. */
  maxLr: number;
  /** Steps of the increasing half, > 0 (default 2000). */
  stepSizeUp?: number;
  /** Steps of the decreasing half, >= 0 (default stepSizeUp). */
  stepSizeDown?: number;
  /** 'triangular' (constant amplitude), 'triangular2' (halved every cycle) or 'expRange'
   * (amplitude · gamma^t). Default 'triangular'. Not allowed together with `scaleFn`. */
  mode?: 'triangular' | 'triangular2' | 'expRange';
  /** Base of 'expRange', in (0, 1] (default 1). */
  gamma?: number;
  /** Custom amplitude policy, evaluated at the cycle number (1-based) or the step (see scaleMode). */
  scaleFn?: (x: number) => number;
  /** What `scaleFn` receives: 'cycle' or 'iterations' (default 'cycle'). Only with scaleFn. */
  scaleMode?: 'cycle' | 'iterations';
}

/**
 * The options of schedule.cyclic with their types and ranges: the one declaration its factory
 * checks and the schedule registry (configs, the CLI, the playground) reads.
 */
export const CYCLIC_FIELDS = {
  maxLr: req(NONNEG),
  stepSizeUp: POS,
  stepSizeDown: NONNEG,
  mode: { type: 'enum', values: ['triangular', 'triangular2', 'expRange'] },
  gamma: { type: 'number', min: 0, max: 1, minExclusive: true },
} as const satisfies FieldSpecs;

/**
 * Cyclical learning rates (PyTorch's CyclicLR). With L = stepSizeUp + stepSizeDown,
 * cycle = ⌊1 + t / L⌋, x = 1 + t / L − cycle, f = x / r if x <= r else (x − 1) / (r − 1),
 * r = stepSizeUp / L: lr(t) = baseLr + (maxLr − baseLr) · f · scale, where scale is 1
 * (triangular), 1 / 2^(cycle − 1) (triangular2) or gamma^t (expRange).
 *
 * `schedule(t)` is the lr PyTorch holds after `t` calls to `scheduler.step()` (baseLr at t = 0,
 * maxLr·scale at t = stepSizeUp).
 *
 * @example
 * const lr = cyclic({ baseLr: 1e-3, maxLr: 6e-3, stepSizeUp: 2000, mode: 'triangular2' });
 * @see Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017.
 */
export function cyclic(options: CyclicOptions): Schedule {
  const fn = 'schedule.cyclic';
  checkOptionKeys(fn, options, [
    'baseLr',
    'maxLr',
    'stepSizeUp',
    'stepSizeDown',
    'mode',
    'gamma',
    'scaleFn',
    'scaleMode',
  ]);
  const baseLr = numberOption(fn, 'baseLr', options.baseLr, LR_SPEC);
  const maxLr = numberOption(fn, 'maxLr', options.maxLr, CYCLIC_FIELDS.maxLr);
  const up = numberOption(fn, 'stepSizeUp', options.stepSizeUp, CYCLIC_FIELDS.stepSizeUp, 2000);
  const down = numberOption(
    fn,
    'stepSizeDown',
    options.stepSizeDown,
    CYCLIC_FIELDS.stepSizeDown,
    up,
  );
  const gamma = numberOption(fn, 'gamma', options.gamma, CYCLIC_FIELDS.gamma, 1);
  const totalSize = up + down;
  const stepRatio = up / totalSize;

  let scaleFn: (x: number) => number;
  let byCycle: boolean;
  if (options.scaleFn !== undefined) {
    if (typeof options.scaleFn !== 'function') {
      throw new ConfigError(
        `${fn}: option scaleFn must be a function (x) => number, got ${typeof options.scaleFn}`,
      );
    }
    if (options.mode !== undefined) {
      throw new ConfigError(
        `${fn}: options mode and scaleFn exclude each other (scaleFn replaces mode), got mode ${JSON.stringify(options.mode)}`,
      );
    }
    scaleFn = options.scaleFn;
    byCycle =
      choiceOption(fn, 'scaleMode', options.scaleMode, ['cycle', 'iterations'], 'cycle') ===
      'cycle';
  } else {
    if (options.scaleMode !== undefined) {
      throw new ConfigError(
        `${fn}: option scaleMode only applies with scaleFn (mode fixes it), got ${JSON.stringify(options.scaleMode)}`,
      );
    }
    const mode = choiceOption(fn, 'mode', options.mode, CYCLIC_FIELDS.mode.values, 'triangular');
    if (mode === 'triangular') {
      scaleFn = () => 1;
      byCycle = true;
    } else if (mode === 'triangular2') {
      scaleFn = (c) => 1 / 2 ** (c - 1);
      byCycle = true;
    } else {
      scaleFn = (t) => gamma ** t;
      byCycle = false;
    }
  }
  return (t) => {
    const cycle = Math.floor(1 + t / totalSize);
    const x = 1 + t / totalSize - cycle;
    const f = x <= stepRatio ? x / stepRatio : (x - 1) / (stepRatio - 1);
    const baseHeight = (maxLr - baseLr) * f;
    return baseLr + baseHeight * scaleFn(byCycle ? cycle : t);
  };
}
