import { ConfigError, fmt } from '../errors.js';
import type { JsonValue } from '../optim/serialize.js';
import type { Callback } from './callback.js';
import type { LoopCallback } from './loop.js';

/** Options of {@link terminateOnNonFinite}. */
export interface TerminateOnNonFiniteOptions {
  /** Stop after this many non-finite steps in a row (default 1: at the first). */
  after?: number;
  /**
   * What counts as non-finite: 'any' (default) a non-finite loss or gradients the optimizer
   * reported as non-finite; 'loss' only a non-finite loss.
   */
  on?: 'any' | 'loss';
}

/** What the divergence stop reads of a step (fit's StepInfo and the loop's LoopStep both have it). */
interface StepSeen {
  step: number;
  loss: number;
  nonFinite: boolean;
}

/**
 * Stops training at the first step whose loss is NaN or ±Infinity, or whose gradients the
 * optimizer reported as non-finite (Keras' TerminateOnNaN); with `after: n`, once n steps in a
 * row were non-finite (NaN weights stay NaN, so the rest of the budget would only repeat it).
 * The parameters are those after that step (a chain with `skipNonFinite` leaves them
 * unchanged). Works as a `fit` callback and as a {@link LoopCallback}; its run length is saved
 * in checkpoints.
 * @example fit(model, opt, train, { epochs: 10, callbacks: [terminateOnNonFinite()] })
 * @example runLoop({ ..., callbacks: [terminateOnNonFinite({ after: 20, on: 'loss' })] })
 */
export function terminateOnNonFinite(
  options: TerminateOnNonFiniteOptions = {},
): Callback & LoopCallback {
  const after = options.after ?? 1;
  if (!Number.isInteger(after) || after < 1)
    throw new ConfigError(
      `terminateOnNonFinite: option after = ${fmt(after)} is invalid; expected an integer >= 1`,
    );
  const on = options.on ?? 'any';
  if (on !== 'any' && on !== 'loss')
    throw new ConfigError(
      `terminateOnNonFinite: option on = ${fmt(on)} is invalid; expected 'any' or 'loss'`,
    );
  let run = 0;
  return {
    onStep(info: StepSeen, control: { stop(reason: string): void }) {
      const bad = on === 'loss' ? !Number.isFinite(info.loss) : info.nonFinite;
      if (!bad) {
        run = 0;
        return;
      }
      if (++run < after) return;
      const what = Number.isFinite(info.loss) ? 'non-finite gradients' : `loss ${info.loss}`;
      control.stop(
        after === 1
          ? `terminateOnNonFinite: ${what} at step ${info.step}`
          : `terminateOnNonFinite: ${after} non-finite steps in a row (${what} at step ${info.step})`,
      );
    },
    state(): JsonValue {
      return { run };
    },
    loadState(s: JsonValue) {
      const r = (s as { run?: unknown } | null)?.run;
      if (typeof r === 'number' && Number.isInteger(r) && r >= 0) run = r;
    },
  };
}
