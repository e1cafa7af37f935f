import { noGrad } from '../../autograd/index.js';
import { temporalOrder } from '../../data/temporal-order.js';
import { gradientHealth, type GradientHealth } from '../../monitor/gradient-health.js';
import type { Verdict } from '../../monitor/types.js';
import { crossEntropy } from '../../ops/index.js';
import { Optimizer } from '../../optim/optimizer.js';
import type { GradientTransformation, Params, StepContext } from '../../optim/types.js';
import { Rng } from '../../tensor/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { initTemporalOrderModel, temporalOrderLogits, type TemporalOrderSetup } from '../temporal-order.js';

/** Seed of the fixed test sequences of the lr-decay RNN runs (shared by all runs). */
const TEST_SEED = 15_000_001;

/** What one RNN training run with a learning-rate strategy did. */
export interface RnnScheduleRun {
  /** Mini-batch cross-entropy of every update (NaN where not finite). */
  batchLosses: number[];
  /** Updates whose loss or gradients were not finite. */
  nonFiniteSteps: number;
  /** Updates on which the monitor raised a `spike` event. */
  spikeSteps: number;
  /** (update, test error, test loss) on the fixed test sequences every `evalEvery` updates. */
  curve: { step: number; error: number; loss: number }[];
  finalTestError: number;
  finalTestLoss: number;
  /** Verdicts of the monitor. */
  verdicts: Verdict[];
  ms: number;
}

/** Error rate and mean cross-entropy on the fixed test set (no graph); NaN-safe. */
function evaluate(p: Params, x: Tensor, y: Int32Array): { error: number; loss: number } {
  return noGrad(() => {
    const logits = temporalOrderLogits(p, x);
    const loss = crossEntropy(logits, y).item();
    const z = logits.data;
    const C = logits.shape[1] as number;
    let wrong = 0;
    for (let b = 0; b < y.length; b++) {
      let best = 0;
      for (let k = 1; k < C; k++) if ((z[b * C + k] as number) > (z[b * C + best] as number)) best = k;
      if (best !== y[b] || !Number.isFinite(z[b * C] as number)) wrong++;
    }
    return { error: wrong / y.length, loss };
  });
}

/**
 * Trains E2's tanh RNN (temporal order, fresh batches every update) with the transformation
 * `makeTx(health)` builds around the given gradient-health monitor (which the caller places
 * first in its chain, so its `spike`/`nonFinite` events reach later links such as the
 * health-aware decay). `ctx.metrics.windowLoss` carries the mean batch loss of the last
 * `window` updates every `window` updates (for reduce-on-plateau). The seed fixes the initial
 * weights and the batch stream, so runs of a seed differ only in the transformation.
 * @example trainRnnWithSchedule(0, setup, (h) => chain(h, sgd({ lr: 0.1 })))
 */
export function trainRnnWithSchedule(
  seed: number,
  setup: TemporalOrderSetup,
  makeTx: (health: GradientHealth) => GradientTransformation<unknown>,
  window = 100,
  testSize = 1000,
): RnnScheduleRun {
  const t0 = performance.now();
  const root = new Rng(seed);
  const model = initTemporalOrderModel(root.fork(), setup);
  const dataRng = root.fork();
  const p = model.params;
  const health = gradientHealth({ lr: setup.lr });
  const opt = new Optimizer(p, makeTx(health));
  const tb = temporalOrder(testSize, setup.T, TEST_SEED, { dtype: setup.dtype });
  const testX = new Tensor(tb.x, tb.xShape);
  const testY = tb.y as Int32Array;
  const names = Object.keys(p);
  const batchLosses: number[] = [];
  const curve: RnnScheduleRun['curve'] = [];
  let nonFinite = 0;
  let spikes = 0;
  let windowSum = 0;
  let windowCount = 0;
  for (let step = 1; step <= setup.updates; step++) {
    const batch = temporalOrder(setup.batchSize, setup.T, dataRng, { dtype: setup.dtype });
    opt.zeroGrad();
    const loss = crossEntropy(temporalOrderLogits(p, new Tensor(batch.x, batch.xShape)), batch.y as Int32Array);
    loss.backward();
    const l = loss.item();
    let finite = Number.isFinite(l);
    for (const n of names) {
      if (!finite) break;
      const g = (p[n] as Tensor).grad;
      if (g === null) continue;
      for (let i = 0; i < g.data.length; i++) {
        if (!Number.isFinite(g.data[i] as number)) {
          finite = false;
          break;
        }
      }
    }
    if (!finite) nonFinite++;
    batchLosses.push(finite ? l : NaN);
    // A diverged window reports +Infinity, which reduce-on-plateau reads as "no improvement".
    windowSum += finite ? l : Infinity;
    windowCount++;
    const ctx: StepContext = { loss: l };
    if (windowCount === window) {
      ctx.metrics = { windowLoss: windowSum / windowCount };
      windowSum = 0;
      windowCount = 0;
    }
    const ev = opt.step(ctx);
    if (ev.spike === true) spikes++;
    if (step % setup.evalEvery === 0 || step === setup.updates) curve.push({ step, ...evaluate(p, testX, testY) });
  }
  const end = curve[curve.length - 1] as { error: number; loss: number };
  return {
    batchLosses,
    nonFiniteSteps: nonFinite,
    spikeSteps: spikes,
    curve,
    finalTestError: end.error,
    finalTestLoss: end.loss,
    verdicts: [...health.verdicts],
    ms: performance.now() - t0,
  };
}
