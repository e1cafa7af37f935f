import { ConfigError, DataError, fmt } from '../errors.js';
import { deserializeState, serializeState, type JsonValue } from '../optim/serialize.js';
import type { StateDict } from '../nn/module.js';
import type { Callback, TrainingControl } from './callback.js';

/** Options of {@link earlyStopping}. */
export interface EarlyStoppingOptions {
  /**
   * The value watched: "val.loss" (default), "val.<metric>" (checked after each evaluation), or
   * "train.loss", "train.<metric>" (checked after each epoch).
   */
  monitor?: string;
  /** Consecutive checks without improvement that stop training (integer ≥ 1, default 3). */
  patience?: number;
  /** Smallest change that counts as an improvement (≥ 0, default 0). */
  minDelta?: number;
  /** 'min' (lower is better), 'max', or 'auto': 'max' for accuracy-like names, else 'min' (default). */
  mode?: 'min' | 'max' | 'auto';
  /** Reload the parameters and buffers of the best check when training ends (default false). */
  restoreBest?: boolean;
}

/** The state of an early-stopping callback (saved in checkpoints). */
interface EarlyStoppingState {
  best: number;
  bestStep: number;
  wait: number;
}

/**
 * Stops training when the monitored value has not improved for `patience` consecutive checks
 * (Keras' EarlyStopping; Prechelt's "stop when the generalization error stops decreasing").
 * Improvement in mode 'min' is value < best − minDelta, in mode 'max' value > best + minDelta; a
 * NaN value never improves.
 *
 * @example fit(model, opt, train, { epochs: 50, evalData: val, callbacks: [earlyStopping({ monitor: 'val.loss', patience: 3 })] })
 * @see L. Prechelt, "Early Stopping — But When?", Neural Networks: Tricks of the Trade, 1998.
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): Callback {
  const monitor = options.monitor ?? 'val.loss';
  if (typeof monitor !== 'string' || !/^(val|train)\.[^.]+$/.test(monitor)) {
    throw new ConfigError(
      `earlyStopping: monitor must be "val.<name>" or "train.<name>" (e.g. "val.loss"), got ${fmt(monitor)}`,
    );
  }
  const patience = options.patience ?? 3;
  if (!Number.isInteger(patience) || patience < 1) {
    throw new ConfigError(`earlyStopping: patience must be an integer >= 1, got ${fmt(patience)}`);
  }
  const minDelta = options.minDelta ?? 0;
  if (typeof minDelta !== 'number' || !(minDelta >= 0) || !Number.isFinite(minDelta)) {
    throw new ConfigError(
      `earlyStopping: minDelta must be a finite number >= 0, got ${fmt(minDelta)}`,
    );
  }
  const modeOpt = options.mode ?? 'auto';
  if (modeOpt !== 'min' && modeOpt !== 'max' && modeOpt !== 'auto') {
    throw new ConfigError(
      `earlyStopping: mode must be 'min', 'max' or 'auto', got ${fmt(modeOpt)}`,
    );
  }
  const mode =
    modeOpt === 'auto' ? (/acc|auc|f1|precision|recall/i.test(monitor) ? 'max' : 'min') : modeOpt;
  const restoreBest = options.restoreBest ?? false;
  const sign = mode === 'min' ? 1 : -1;
  let s: EarlyStoppingState = { best: sign * Infinity, bestStep: -1, wait: 0 };
  let bestWeights: StateDict | null = null;

  const check = (metrics: Record<string, number>, step: number, control: TrainingControl): void => {
    const value = metrics[monitor];
    if (value === undefined) {
      throw new ConfigError(
        `earlyStopping: monitor ${fmt(monitor)} is not among the reported values ${fmt(Object.keys(metrics))}`,
      );
    }
    const improved = mode === 'min' ? value < s.best - minDelta : value > s.best + minDelta;
    if (improved) {
      s = { best: value, bestStep: step, wait: 0 };
      if (restoreBest) bestWeights = control.model.stateDict();
      return;
    }
    s.wait++;
    if (s.wait >= patience) {
      control.stop(
        `earlyStopping: ${monitor} did not improve for ${s.wait} checks (best ${s.best} at step ${s.bestStep})`,
      );
    }
  };
  const onVal = monitor.startsWith('val.');
  return {
    ...(onVal
      ? { onEval: (info, control) => check(info.metrics, info.step, control) }
      : { onEpoch: (info, control) => check(info.metrics, info.step, control) }),
    onTrainEnd(_summary, control) {
      if (restoreBest && bestWeights !== null) control.model.loadStateDict(bestWeights);
    },
    state(): JsonValue {
      return serializeState({ ...s, bestWeights }) as JsonValue;
    },
    loadState(state: JsonValue): void {
      const v = deserializeState(state) as Partial<EarlyStoppingState> & {
        bestWeights?: StateDict | null;
      };
      if (
        typeof v?.best !== 'number' ||
        typeof v.wait !== 'number' ||
        typeof v.bestStep !== 'number'
      ) {
        throw new DataError(
          `earlyStopping: saved state ${fmt(state)} is not an early-stopping state`,
        );
      }
      s = { best: v.best, bestStep: v.bestStep, wait: v.wait };
      bestWeights = v.bestWeights ?? null;
    },
  };
}
