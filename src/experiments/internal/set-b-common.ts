import { noGrad } from '../../autograd/index.js';
import type { Verdict } from '../../monitor/types.js';
import type { Module } from '../../nn/module.js';
import { crossEntropy } from '../../ops/index.js';
import { Tensor } from '../../tensor/tensor.js';
import type { TypedArray } from '../../tensor/dtype.js';
import type { StepContext } from '../../optim/types.js';
import type { VerdictRecord } from '../types.js';
import { verdictRecord } from './flagship-common.js';

/**
 * Monitor verdicts as the JSON-safe records of an experiment result (remedies reduced to their
 * text, in rank order).
 * @example verdictRecords('xavier seed 0', health.verdicts)
 */
export function verdictRecords(run: string, verdicts: readonly Verdict[]): VerdictRecord[] {
  return verdicts.map((v) => verdictRecord(run, v));
}

/**
 * Mean of the last `n` entries (all of them when there are fewer); NaN for an empty list or when
 * any of them is not finite, so a diverged run never looks good.
 * @example tailMean([3, 2, 1], 2) // 1.5
 */
export function tailMean(xs: readonly number[], n: number): number {
  const k = Math.min(n, xs.length);
  if (k === 0) return NaN;
  let s = 0;
  for (let i = xs.length - k; i < xs.length; i++) s += xs[i] as number;
  return s / k;
}

/**
 * Population mean and standard deviation of an array (two passes, float64 accumulation).
 * @example meanStd(new Float64Array([1, 3])) // { mean: 2, std: 1 }
 */
export function meanStd(d: ArrayLike<number>): { mean: number; std: number } {
  const n = d.length;
  if (n === 0) return { mean: NaN, std: NaN };
  let s = 0;
  for (let i = 0; i < n; i++) s += d[i] as number;
  const mean = s / n;
  let q = 0;
  for (let i = 0; i < n; i++) q += ((d[i] as number) - mean) ** 2;
  return { mean, std: Math.sqrt(q / n) };
}

/**
 * Population variance of an array (float64 accumulation).
 * @example variance(new Float64Array([1, 3])) // 1
 */
export function variance(d: ArrayLike<number>): number {
  const { std } = meanStd(d);
  return std * std;
}

/**
 * Mean cross-entropy and accuracy of a classifier on a whole labelled set, in evaluation mode
 * (dropout off) and without a graph, in chunks of `chunk` rows.
 * @example const { loss, accuracy } = evaluateClassifier(net, test.x, test.y, 784);
 */
export function evaluateClassifier(
  model: Module,
  x: TypedArray,
  y: Int32Array,
  featureSize: number,
  chunk = 1000,
): { loss: number; accuracy: number } {
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(() => {
      const n = y.length;
      let loss = 0;
      let correct = 0;
      for (let start = 0; start < n; start += chunk) {
        const b = Math.min(chunk, n - start);
        const xb = new Tensor(x.subarray(start * featureSize, (start + b) * featureSize), [
          b,
          featureSize,
        ]);
        const yb = y.subarray(start, start + b);
        const logits = model.forward(xb);
        loss += crossEntropy(logits, yb).item() * b;
        const z = logits.data;
        const c = logits.shape[1] as number;
        for (let i = 0; i < b; i++) {
          let best = 0;
          for (let k = 1; k < c; k++)
            if ((z[i * c + k] as number) > (z[i * c + best] as number)) best = k;
          if (best === yb[i]) correct++;
        }
      }
      return { loss: loss / n, accuracy: correct / n };
    });
  } finally {
    model.train(wasTraining);
  }
}

/**
 * Smallest 1-based update count whose running mean loss over the last `window` updates is at or
 * below `target` (null if never): "steps to target" robust to single lucky batches.
 * @example stepsToTarget(losses, 0.5, 20)
 */
export function stepsToTarget(
  losses: readonly number[],
  target: number,
  window: number,
): number | null {
  let s = 0;
  for (let i = 0; i < losses.length; i++) {
    s += losses[i] as number;
    if (i >= window) s -= losses[i - window] as number;
    if (i + 1 >= window && Number.isFinite(s) && s / window <= target) return i + 1;
  }
  return null;
}

/**
 * A loss curve averaged over consecutive blocks of `block` updates (block means are what the
 * charts show: per-batch losses are too noisy to read).
 * @example blockMeans([4, 2, 3, 1], 2) // [{ step: 2, loss: 3 }, { step: 4, loss: 2 }]
 */
export function blockMeans(
  losses: readonly number[],
  block: number,
): { step: number; loss: number }[] {
  const out: { step: number; loss: number }[] = [];
  for (let start = 0; start < losses.length; start += block) {
    const end = Math.min(losses.length, start + block);
    let s = 0;
    for (let i = start; i < end; i++) s += losses[i] as number;
    out.push({ step: end, loss: s / (end - start) });
  }
  return out;
}

/** What {@link windowedLoss} tracks over a run. */
export interface WindowedLoss {
  /** Each step's batch loss, NaN on a step whose loss or gradients were not finite. */
  readonly batchLosses: number[];
  /** Steps whose loss or gradients were not finite. */
  readonly nonFiniteSteps: number;
  /**
   * The step context of a training-loop step (`trainLoop`'s `context`, called between backward
   * and the optimizer step): every `window` steps, `metrics.windowLoss` is the mean batch loss
   * of the last `window` steps for reduce-on-plateau (a non-finite step counts as +Infinity,
   * which it reads as "no improvement").
   */
  context(step: { loss: number }): StepContext;
}

/**
 * The set-B runs' loss bookkeeping: batch losses, non-finite steps (loss or any gradient of
 * `params`) and the windowed mean loss handed to the schedule.
 * @example const w = windowedLoss(params, 100); runLoop({ ..., context: (s) => w.context(s) })
 */
export function windowedLoss(params: readonly Tensor[], window: number): WindowedLoss {
  const batchLosses: number[] = [];
  let nonFinite = 0;
  let windowSum = 0;
  let windowCount = 0;
  const finiteGrads = (): boolean => {
    for (const p of params) {
      const g = p.grad;
      if (g === null) continue;
      for (let i = 0; i < g.data.length; i++)
        if (!Number.isFinite(g.data[i] as number)) return false;
    }
    return true;
  };
  return {
    batchLosses,
    get nonFiniteSteps() {
      return nonFinite;
    },
    context({ loss }) {
      const finite = Number.isFinite(loss) && finiteGrads();
      if (!finite) nonFinite++;
      batchLosses.push(finite ? loss : NaN);
      windowSum += finite ? loss : Infinity;
      windowCount++;
      const ctx: StepContext = {};
      if (windowCount === window) {
        ctx.metrics = { windowLoss: windowSum / windowCount };
        windowSum = 0;
        windowCount = 0;
      }
      return ctx;
    },
  };
}
