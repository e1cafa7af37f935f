import type { GradientTransformation, Params, StepContext } from '../optim/types.js';
import { ConfigError, DataError, fmt } from '../errors.js';
import { ResultPair, scaleUpdatesInPlace } from './scale-updates.js';
import { LR_SPEC, checkOptionKeys, choiceOption, numberOption } from './validate.js';

/** Options of {@link reduceOnPlateau} (PyTorch's ReduceLROnPlateau, camelCase). */
export interface ReduceOnPlateauOptions {
  /** 'min': lower metric is better (a loss); 'max': higher is better (an accuracy). Default 'min'. */
  mode?: 'min' | 'max';
  /** Multiplier of the lr on a plateau, in [0, 1) (default 0.1). */
  factor?: number;
  /** Reports without improvement tolerated before reducing, an integer >= 0 (default 10). */
  patience?: number;
  /** Minimum improvement that counts, >= 0 (default 1e-4). */
  threshold?: number;
  /** 'rel': better than best · (1 ∓ threshold); 'abs': better than best ∓ threshold. Default 'rel'. */
  thresholdMode?: 'rel' | 'abs';
  /** Reports to wait after a reduction before counting bad ones again, an integer >= 0 (default 0). */
  cooldown?: number;
  /** Lower bound of the lr (in lr units, see baseLr), >= 0 (default 0). */
  minLr?: number;
  /** A reduction smaller than eps (in lr units) is not applied, >= 0 (default 1e-8). */
  eps?: number;
  /** The lr of the optimizer placed before this transformation, > 0 (default 1). minLr and eps are
   * in lr units as in PyTorch, i.e. the scale never goes below minLr / baseLr. With the default 1
   * they are in units of the scale. */
  baseLr?: number;
  /** Name of the metric in `ctx.metrics` to watch (e.g. 'valLoss'); default: `ctx.loss`. */
  metric?: string;
  /** What a step without the metric does: 'skip' (count nothing, keep the scale; metrics such
   * as a validation loss arrive once per epoch) or 'throw' a DataError. Default 'skip'. */
  onMissing?: 'skip' | 'throw';
}

/** State of {@link reduceOnPlateau}: plain numbers (best is ±Infinity before the first report). */
export interface ReduceOnPlateauState {
  /** Current multiplier of the updates (lr / baseLr), 1 at the start. */
  scale: number;
  /** Best metric so far (+Infinity in 'min' mode, −Infinity in 'max' mode before any report). */
  best: number;
  /** Consecutive reports without improvement (PyTorch's num_bad_epochs). */
  numBadEpochs: number;
  /** Reports left in the cooldown after a reduction (PyTorch's cooldown_counter). */
  cooldownCounter: number;
  /** Metrics reported so far (PyTorch's last_epoch). */
  numReports: number;
  /** Reductions applied so far. */
  numReductions: number;
}

/**
 * Scales the updates down by `factor` when a metric stops improving (PyTorch's
 * ReduceLROnPlateau). Per reported metric m: if m is better than best (mode/threshold), best ← m
 * and the bad count resets, else it grows; in cooldown the bad count is held at 0; when it exceeds
 * `patience`, lr ← max(lr · factor, minLr) (applied only if the drop exceeds eps) and the cooldown
 * starts. The updates are multiplied by scale = lr / baseLr.
 *
 * Placement: after the optimizer in a chain, where the updates already are −lr·direction, so
 * scaling them scales the effective lr (for Adam-like optimizers the direction is unchanged;
 * weight decay inside the optimizer is scaled too, as it is in PyTorch where lr multiplies it).
 *
 * Ordering: the update of step t uses the scale from the metrics reported with steps 0..t−1; the
 * metric passed with step t (ctx.loss of the batch of step t, or ctx.metrics[metric]) takes effect
 * from step t+1 on. This is PyTorch's `optimizer.step(); scheduler.step(loss)`.
 *
 * @example
 * const tx = optim.chain(optim.sgd({ lr: 0.1 }), reduceOnPlateau({ factor: 0.5, patience: 5, metric: 'valLoss' }));
 * // opt.step({ loss, metrics: { valLoss } }) at the end of each epoch
 * @see https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.ReduceLROnPlateau.html
 */
export function reduceOnPlateau(
  options: ReduceOnPlateauOptions = {},
): GradientTransformation<ReduceOnPlateauState> {
  const fn = 'schedule.reduceOnPlateau';
  checkOptionKeys(fn, options, [
    'mode',
    'factor',
    'patience',
    'threshold',
    'thresholdMode',
    'cooldown',
    'minLr',
    'eps',
    'baseLr',
    'metric',
    'onMissing',
  ]);
  const mode = choiceOption(fn, 'mode', options.mode, ['min', 'max'], 'min');
  const factor = numberOption(
    fn,
    'factor',
    options.factor,
    { min: 0, max: 1, maxExclusive: true },
    0.1,
  );
  const patience = numberOption(fn, 'patience', options.patience, { integer: true, min: 0 }, 10);
  const threshold = numberOption(fn, 'threshold', options.threshold, { min: 0 }, 1e-4);
  const thresholdMode = choiceOption(
    fn,
    'thresholdMode',
    options.thresholdMode,
    ['rel', 'abs'],
    'rel',
  );
  const cooldown = numberOption(fn, 'cooldown', options.cooldown, { integer: true, min: 0 }, 0);
  const minLr = numberOption(fn, 'minLr', options.minLr, LR_SPEC, 0);
  const eps = numberOption(fn, 'eps', options.eps, { min: 0 }, 1e-8);
  const baseLr = numberOption(fn, 'baseLr', options.baseLr, { min: 0, minExclusive: true }, 1);
  const metric = options.metric;
  if (metric !== undefined && (typeof metric !== 'string' || metric === '')) {
    throw new ConfigError(
      `${fn}: option metric must be a non-empty metric name, got ${fmt(metric)}`,
    );
  }
  const onMissing = choiceOption(fn, 'onMissing', options.onMissing, ['skip', 'throw'], 'skip');
  if (minLr > baseLr) {
    throw new ConfigError(`${fn}: option minLr must be <= baseLr (${baseLr}), got ${minLr}`);
  }
  const minScale = minLr / baseLr;

  const isBetter = (a: number, best: number): boolean => {
    if (mode === 'min')
      return thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    return thresholdMode === 'rel' ? a > best * (threshold + 1) : a > best + threshold;
  };

  const out = new ResultPair<ReduceOnPlateauState>();
  return {
    init(): ReduceOnPlateauState {
      return {
        scale: 1,
        best: mode === 'min' ? Infinity : -Infinity,
        numBadEpochs: 0,
        cooldownCounter: 0,
        numReports: 0,
        numReductions: 0,
      };
    },
    update(
      updates: Params,
      state: ReduceOnPlateauState,
      _params: Params,
      ctx?: StepContext,
    ): [Params, ReduceOnPlateauState] {
      // This step's update uses the scale earned by earlier reports (see the ordering note).
      scaleUpdatesInPlace(updates, state.scale);
      const m = metric === undefined ? ctx?.loss : ctx?.metrics?.[metric];
      if (m === undefined) {
        if (onMissing === 'throw') {
          throw new DataError(
            `${fn}: step context has no ${metric === undefined ? 'loss' : `metrics[${fmt(metric)}]`} (onMissing is "throw")`,
          );
        }
        return out.set(updates, state);
      }
      state.numReports += 1;
      if (isBetter(m, state.best)) {
        state.best = m;
        state.numBadEpochs = 0;
      } else {
        state.numBadEpochs += 1;
      }
      if (state.cooldownCounter > 0) {
        state.cooldownCounter -= 1;
        state.numBadEpochs = 0;
      }
      if (state.numBadEpochs > patience) {
        const next = Math.max(state.scale * factor, minScale);
        // PyTorch compares the drop in lr units: old_lr − new_lr > eps.
        if ((state.scale - next) * baseLr > eps) {
          state.scale = next;
          state.numReductions += 1;
        }
        state.cooldownCounter = cooldown;
        state.numBadEpochs = 0;
      }
      return out.set(updates, state);
    },
  };
}
