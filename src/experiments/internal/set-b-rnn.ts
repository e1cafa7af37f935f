import { noGrad } from '../../autograd/index.js';
import { addition } from '../../data/addition.js';
import { temporalOrder } from '../../data/temporal-order.js';
import { normal } from '../../init/random.js';
import { orthogonal } from '../../init/orthogonal.js';
import { gradientHealth, type GradientHealth } from '../../monitor/gradient-health.js';
import type { Verdict } from '../../monitor/types.js';
import { crossEntropy, linear, mse, rnnTanh } from '../../ops/index.js';
import { Optimizer } from '../../optim/optimizer.js';
import type { GradientTransformation, Params } from '../../optim/types.js';
import { runLoop } from '../../train/loop.js';
import { windowedLoss } from './set-b-common.js';
import { Rng } from '../../tensor/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import {
  initTemporalOrderModel,
  temporalOrderLogits,
  type TemporalOrderSetup,
} from '../temporal-order.js';

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
      for (let k = 1; k < C; k++)
        if ((z[b * C + k] as number) > (z[b * C + best] as number)) best = k;
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
  const curve: RnnScheduleRun['curve'] = [];
  let spikes = 0;
  const losses = windowedLoss(Object.values(p), window);
  runLoop({
    optimizer: opt,
    steps: setup.updates,
    next: () => temporalOrder(setup.batchSize, setup.T, dataRng, { dtype: setup.dtype }),
    loss: (batch) =>
      crossEntropy(
        temporalOrderLogits(p, new Tensor(batch.x, batch.xShape)),
        batch.y as Int32Array,
      ),
    context: (s) => losses.context(s),
    callbacks: [
      {
        onStep({ step, events }) {
          if (events.spike === true) spikes++;
          if (step % setup.evalEvery === 0 || step === setup.updates)
            curve.push({ step, ...evaluate(p, testX, testY) });
        },
      },
    ],
  });
  const { batchLosses, nonFiniteSteps: nonFinite } = losses;
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

/** Settings of the addition-task RNN (E13's kind of exploding network). */
export interface AdditionSetup {
  /** Sequence length T (Pascanu's generator lengthens it by up to 10%). */
  T: number;
  hidden: number;
  /** Spectral radius of the initial W_hh (> 1: exploding gradients). */
  radius: number;
  /** Std of W_in and W_out. */
  inOutStd: number;
  batchSize: number;
  updates: number;
  evalEvery: number;
}

/**
 * A tanh RNN for the addition task: W_hh = radius · (random orthogonal), W_in and W_out
 * ~ N(0, inOutStd²), zero biases, float32; the prediction is W_out·h_T + b_out.
 */
function initAdditionModel(rng: Rng, s: AdditionSetup): Params {
  const H = s.hidden;
  // radius · (orthogonal): every eigenvalue has modulus `radius`, so ρ(W_hh) = radius exactly.
  const wHh = new Tensor(
    orthogonal([H, H], rng, { gain: s.radius, dtype: 'float32' }),
    [H, H],
    true,
  );
  return {
    wIh: new Tensor(normal([H, 2], rng, { std: s.inOutStd, dtype: 'float32' }), [H, 2], true),
    wHh,
    bH: new Tensor(new Float32Array(H), [H], true),
    wOut: new Tensor(normal([1, H], rng, { std: s.inOutStd, dtype: 'float32' }), [1, H], true),
    bOut: new Tensor(new Float32Array(1), [1], true),
  };
}

function additionPredict(p: Params, x: Tensor): Tensor {
  const { hLast } = rnnTanh(x, p['wIh'] as Tensor, p['wHh'] as Tensor, null, p['bH'] as Tensor);
  return linear(hLast, p['wOut'] as Tensor, p['bOut'] as Tensor);
}

/** What one addition-task run did (losses are mean squared errors). */
export interface AdditionRun {
  batchLosses: number[];
  nonFiniteSteps: number;
  spikeSteps: number;
  /** (update, test MSE) on 1000 fixed sequences. */
  curve: { step: number; loss: number }[];
  finalTestLoss: number;
  verdicts: Verdict[];
  ms: number;
}

/**
 * Trains the addition-task tanh RNN (MSE on the last step, fresh batches) with the
 * transformation `makeTx(health)` builds around the monitor, as {@link trainRnnWithSchedule}.
 * @example trainAdditionWithSchedule(0, setup, (h) => chain(h, sgd({ lr: 0.01 })))
 */
export function trainAdditionWithSchedule(
  seed: number,
  setup: AdditionSetup,
  lr: number,
  makeTx: (health: GradientHealth) => GradientTransformation<unknown>,
  window = 100,
): AdditionRun {
  const t0 = performance.now();
  const root = new Rng(seed);
  const p = initAdditionModel(root.fork(), setup);
  const dataRng = root.fork();
  const health = gradientHealth({ lr });
  const opt = new Optimizer(p, makeTx(health));
  const tb = addition(1000, setup.T, TEST_SEED, { dtype: 'float32', jitterLength: false });
  const testX = new Tensor(tb.x, tb.xShape);
  const testY = new Tensor(tb.y as Float32Array, [tb.yShape[0] as number, 1]);
  const curve: AdditionRun['curve'] = [];
  let spikes = 0;
  const losses = windowedLoss(Object.values(p), window);
  runLoop({
    optimizer: opt,
    steps: setup.updates,
    next: () =>
      addition(setup.batchSize, setup.T, dataRng, { dtype: 'float32', jitterLength: false }),
    loss: (b) =>
      mse(
        additionPredict(p, new Tensor(b.x, b.xShape)),
        new Tensor(b.y as Float32Array, [setup.batchSize, 1]),
      ),
    context: (s) => losses.context(s),
    callbacks: [
      {
        onStep({ step, events }) {
          if (events.spike === true) spikes++;
          if (step % setup.evalEvery === 0 || step === setup.updates) {
            const tl = noGrad(() => mse(additionPredict(p, testX), testY).item());
            curve.push({ step, loss: Number.isFinite(tl) ? tl : NaN });
          }
        },
      },
    ],
  });
  const { batchLosses, nonFiniteSteps: nonFinite } = losses;
  return {
    batchLosses,
    nonFiniteSteps: nonFinite,
    spikeSteps: spikes,
    curve,
    finalTestLoss: (curve[curve.length - 1] as { loss: number }).loss,
    verdicts: [...health.verdicts],
    ms: performance.now() - t0,
  };
}
