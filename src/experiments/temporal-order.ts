import { noGrad } from '../autograd/index.js';
import { byGlobalNorm } from '../clip/by-global-norm.js';
import { temporalOrder } from '../data/temporal-order.js';
import { normal } from '../init/random.js';
import { crossEntropy, linear, rnnTanh } from '../ops/index.js';
import { chain } from '../optim/chain.js';
import { Optimizer } from '../optim/optimizer.js';
import { sgd } from '../optim/sgd.js';
import type { GradientTransformation, Params } from '../optim/types.js';
import type { DType } from '../tensor/dtype.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { finish, holds, pause, roundTo, seedsOf } from './internal/outcome.js';
import { spectralRadius } from './internal/spectral-radius.js';
import { lineChart, type Row } from './internal/vega.js';
import type { Criterion, Experiment, ExperimentContext, ExperimentResult, Json } from './types.js';
import { runLoop } from '../train/loop.js';

/** Settings of one temporal-order training run (the catalogue's defaults in {@link TEMPORAL_ORDER_SETUP}). */
export interface TemporalOrderSetup {
  /** Sequence length T. */
  T: number;
  hidden: number;
  /** Spectral radius of the initial W_hh. */
  radius: number;
  /** Std of W_in and W_out. */
  inOutStd: number;
  lr: number;
  batchSize: number;
  updates: number;
  /** Global-norm clipping threshold, or null for none. */
  clip: number | null;
  /** Evaluate on the fixed test set every this many updates. */
  evalEvery: number;
  /** Test-set error rate below which a run counts as solved. */
  solvedBelow: number;
  dtype: DType;
}

/**
 * E2's setup (Pascanu et al. 2013 at laptop scale): T = 20, 32 tanh units, SGD lr 0.1, batch 20.
 * @example trainTemporalOrder(0, { ...TEMPORAL_ORDER_SETUP, clip: null })
 * @see Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural networks", ICML 2013
 */
export const TEMPORAL_ORDER_SETUP: Readonly<TemporalOrderSetup> = Object.freeze({
  T: 20,
  hidden: 32,
  radius: 1.1,
  inOutStd: 0.1,
  lr: 0.1,
  batchSize: 20,
  updates: 1500,
  clip: 1.0,
  evalEvery: 100,
  solvedBelow: 0.01,
  dtype: 'float32',
});

const SYMBOLS = 6;
const CLASSES = 4;
/** Seed of the fixed test sequences (shared by every run, so all runs face the same test). */
const TEST_SEED = 20_130_617;

/** The tanh RNN's parameters: h_t = tanh(W_in x_t + W_hh h_{t−1} + b_h), logits = W_out h_T + b_out. */
export interface TemporalOrderModel {
  params: Params;
  /** ρ(W_hh) as initialised. */
  radius: number;
}

/**
 * Initialises the RNN as in E2: W_hh Gaussian rescaled to the given spectral radius, W_in and
 * W_out ~ N(0, std²), zero biases.
 * @example const { params } = initTemporalOrderModel(new Rng(0), TEMPORAL_ORDER_SETUP);
 */
export function initTemporalOrderModel(rng: Rng, setup: TemporalOrderSetup): TemporalOrderModel {
  const H = setup.hidden;
  const g = normal([H, H], rng, { dtype: 'float64' });
  const rho = spectralRadius(g, H);
  const wHh = new Tensor(
    new (setup.dtype === 'float32' ? Float32Array : Float64Array)(H * H),
    [H, H],
    true,
  );
  for (let i = 0; i < H * H; i++) wHh.data[i] = ((g[i] as number) * setup.radius) / rho;
  const wIh = new Tensor(
    normal([H, SYMBOLS], rng, { std: setup.inOutStd, dtype: setup.dtype }),
    [H, SYMBOLS],
    true,
  );
  const wOut = new Tensor(
    normal([CLASSES, H], rng, { std: setup.inOutStd, dtype: setup.dtype }),
    [CLASSES, H],
    true,
  );
  const zeros = (n: number): Tensor =>
    new Tensor(new (setup.dtype === 'float32' ? Float32Array : Float64Array)(n), [n], true);
  return {
    params: { wIh, wHh, bH: zeros(H), wOut, bOut: zeros(CLASSES) },
    radius: spectralRadius(wHh.data, H),
  };
}

/**
 * Logits [B, 4] read from the last hidden state for inputs x [T, B, 6].
 * @example const logits = temporalOrderLogits(params, x);
 */
export function temporalOrderLogits(p: Params, x: Tensor): Tensor {
  const { hLast } = rnnTanh(x, p['wIh'] as Tensor, p['wHh'] as Tensor, null, p['bH'] as Tensor);
  return linear(hLast, p['wOut'] as Tensor, p['bOut'] as Tensor);
}

/** Error rate and mean cross-entropy on a batch (no graph). */
function evaluate(p: Params, x: Tensor, y: Int32Array): { error: number; loss: number } {
  return noGrad(() => {
    const logits = temporalOrderLogits(p, x);
    const loss = crossEntropy(logits, y).item();
    const z = logits.data;
    let wrong = 0;
    for (let b = 0; b < y.length; b++) {
      let best = 0;
      for (let k = 1; k < CLASSES; k++)
        if ((z[b * CLASSES + k] as number) > (z[b * CLASSES + best] as number)) best = k;
      if (best !== y[b]) wrong++;
    }
    return { error: wrong / y.length, loss };
  });
}

/** What one training run did. */
export interface TemporalOrderRun {
  seed: number;
  clip: number | null;
  /** Test error rate after the last update. */
  finalError: number;
  solved: boolean;
  /** First evaluation (update count) with error below the threshold, or null. */
  firstSolvedAt: number | null;
  /** Updates whose loss or gradient was not finite. */
  nonFiniteSteps: number;
  /** Largest global gradient norm seen (before clipping). */
  maxGradNorm: number;
  /** Updates whose gradient norm exceeded the clipping threshold (or 1 without clipping). */
  largeGradSteps: number;
  /** (update, test error, mean training loss over the last evalEvery updates). */
  curve: { step: number; error: number; trainLoss: number }[];
  radius: number;
  ms: number;
}

/**
 * Trains the tanh RNN on fresh temporal-order batches with plain SGD, with or without global-norm
 * clipping; the seed fixes the initial weights and the batch stream (the clipped and unclipped
 * runs of one seed see the same ones).
 * @example const run = trainTemporalOrder(0, { ...TEMPORAL_ORDER_SETUP, clip: null });
 * @see Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural networks", ICML 2013
 */
export function trainTemporalOrder(
  seed: number,
  setup: TemporalOrderSetup,
  test = testSet(setup),
): TemporalOrderRun {
  const t0 = performance.now();
  const root = new Rng(seed);
  const initRng = root.fork();
  const dataRng = root.fork();
  const model = initTemporalOrderModel(initRng, setup);
  const p = model.params;
  const tx: GradientTransformation<unknown> =
    setup.clip === null
      ? sgd({ lr: setup.lr })
      : chain(byGlobalNorm(setup.clip), sgd({ lr: setup.lr }));
  const opt = new Optimizer(p, tx);
  const names = Object.keys(p);
  const curve: TemporalOrderRun['curve'] = [];
  let nonFinite = 0;
  let maxGradNorm = 0;
  let largeGrad = 0;
  let lossSum = 0;
  let lossCount = 0;
  let firstSolvedAt: number | null = null;
  const threshold = setup.clip ?? 1;
  runLoop({
    optimizer: opt,
    steps: setup.updates,
    next: () => temporalOrder(setup.batchSize, setup.T, dataRng, { dtype: setup.dtype }),
    loss: (batch) =>
      crossEntropy(
        temporalOrderLogits(p, new Tensor(batch.x, batch.xShape)),
        batch.y as Int32Array,
      ),
    // The raw gradient norm, between backward and the (clipping) optimizer step.
    context({ loss: l }) {
      let sq = 0;
      for (const n of names) {
        const g = (p[n] as Tensor).grad;
        if (g === null) continue;
        for (let i = 0; i < g.data.length; i++) sq += (g.data[i] as number) ** 2;
      }
      const gn = Math.sqrt(sq);
      if (!Number.isFinite(l) || !Number.isFinite(gn)) nonFinite++;
      else {
        lossSum += l;
        lossCount++;
      }
      if (gn > maxGradNorm) maxGradNorm = gn;
      if (gn > threshold) largeGrad++;
      return undefined;
    },
    callbacks: [
      {
        onStep({ step }) {
          if (step % setup.evalEvery !== 0 && step !== setup.updates) return;
          const { error } = evaluate(p, test.x, test.y);
          curve.push({ step, error, trainLoss: lossCount > 0 ? lossSum / lossCount : NaN });
          lossSum = 0;
          lossCount = 0;
          if (firstSolvedAt === null && error < setup.solvedBelow) firstSolvedAt = step;
        },
      },
    ],
  });
  const finalError = (curve[curve.length - 1] as { error: number }).error;
  return {
    seed,
    clip: setup.clip,
    finalError,
    solved: finalError < setup.solvedBelow,
    firstSolvedAt,
    nonFiniteSteps: nonFinite,
    maxGradNorm,
    largeGradSteps: largeGrad,
    curve,
    radius: model.radius,
    ms: performance.now() - t0,
  };
}

/** The 1000 fixed test sequences. */
function testSet(setup: TemporalOrderSetup, n = 1000): { x: Tensor; y: Int32Array } {
  const b = temporalOrder(n, setup.T, TEST_SEED, { dtype: setup.dtype });
  return { x: new Tensor(b.x, b.xShape), y: b.y as Int32Array };
}

/**
 * E2 — clipping rescues a tanh RNN on the temporal order problem (Pascanu et al. 2013): with the
 * recurrent matrix at spectral radius 1.1, plain SGD without clipping is thrown off by exploding
 * gradients; global-norm clipping at 1 solves the task.
 * @example const result = await temporalOrderExperiment.run({ quick: false, seeds: [0, 1, 2, 3, 4, 5] })
 * @see Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural networks", ICML 2013
 */
export const temporalOrderExperiment: Experiment = {
  name: 'temporal-order',
  id: 'E2',
  title: 'Gradient clipping rescues a tanh RNN on the temporal order problem',
  paper:
    'Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural networks", ICML 2013',
  story:
    "Pascanu et al. trained plain tanh RNNs on Hochreiter & Schmidhuber's pathological long-term tasks and found that " +
    'rescaling the gradient when its norm exceeds a threshold (with a recurrent matrix initialised at spectral radius ' +
    'above one) turns failures into successes. We train a 32-unit tanh RNN (W_hh Gaussian rescaled to spectral radius 1.1) ' +
    'on the temporal order problem with T = 20 (their generator: two relevant symbols among distractors, 4 classes read ' +
    'from the last state) with plain SGD (lr 0.1, batch 20, fresh batches, 1500 updates), with and without global-norm ' +
    'clipping at 1.0, from the same initial weights and batches per seed. A run is solved when it misclassifies fewer than ' +
    '1% of 1000 fixed test sequences at the end. Clipping should solve at least 5 of 6 seeds, no clipping at most 3.',
  defaultSeeds: { full: [0, 1, 2, 3, 4, 5], quick: [0, 1] },
  async run(ctx: ExperimentContext): Promise<ExperimentResult> {
    const t0 = performance.now();
    const seeds = seedsOf(temporalOrderExperiment, ctx);
    const base: TemporalOrderSetup = {
      ...TEMPORAL_ORDER_SETUP,
      updates: ctx.quick ? 300 : TEMPORAL_ORDER_SETUP.updates,
      evalEvery: ctx.quick ? 50 : 100,
    };
    const test = testSet(base);
    const clipped: TemporalOrderRun[] = [];
    const free: TemporalOrderRun[] = [];
    const total = seeds.length * 2;
    for (const seed of seeds) {
      clipped.push(trainTemporalOrder(seed, { ...base, clip: 1.0 }, test));
      ctx.progress?.(
        (clipped.length + free.length) / total,
        `temporal-order: seed ${seed} clipped`,
      );
      await pause();
      free.push(trainTemporalOrder(seed, { ...base, clip: null }, test));
      ctx.progress?.(
        (clipped.length + free.length) / total,
        `temporal-order: seed ${seed} unclipped`,
      );
      await pause();
    }
    const nClip = clipped.filter((r) => r.solved).length;
    const nFree = free.filter((r) => r.solved).length;
    const n = seeds.length;
    const criteria: Criterion[] = [];
    const radiusErr = Math.max(...clipped.map((r) => Math.abs(r.radius - 1.1)));
    criteria.push(
      holds(
        'initial spectral radius of W_hh = 1.1 (max deviation over seeds)',
        radiusErr < 1e-5,
        '≤ 1e-5',
        roundTo(radiusErr, 3),
      ),
    );
    if (ctx.quick) {
      // 300 updates are enough for the easy seeds when clipped; the full criteria need 1500.
      const meanErr = (rs: TemporalOrderRun[]): number =>
        rs.reduce((s, r) => s + r.finalError, 0) / rs.length;
      criteria.push(
        holds(
          `quick (${base.updates} updates): clipped solves ≥ 1 of ${n} seeds, unclipped none`,
          nClip >= 1 && nFree === 0,
          '≥ 1 vs 0',
          `${nClip} vs ${nFree}`,
        ),
      );
      criteria.push(
        holds(
          `quick: mean test error clipped < unclipped − 0.2 (${n} seeds)`,
          meanErr(clipped) < meanErr(free) - 0.2,
          'clipped < unclipped − 0.2',
          `${roundTo(meanErr(clipped), 3)} vs ${roundTo(meanErr(free), 3)}`,
        ),
      );
    } else {
      const need = Math.ceil((5 / 6) * n);
      criteria.push(
        holds(
          `clipped (global norm 1.0): seeds solved (< 1% test errors after ${base.updates} updates)`,
          nClip >= need,
          `≥ ${need}/${n}`,
          `${nClip}/${n}`,
        ),
      );
      criteria.push(
        holds(
          'unclipped: seeds solved',
          nFree <= Math.floor(n / 2),
          `≤ ${Math.floor(n / 2)}/${n}`,
          `${nFree}/${n}`,
        ),
      );
      criteria.push(
        holds('difference clipped − unclipped', nClip - nFree >= 2, '≥ 2', nClip - nFree),
      );
    }
    const rows: Row[] = [];
    const lossRows: Row[] = [];
    for (const r of [...clipped, ...free]) {
      const series = `${r.clip === null ? 'unclipped' : 'clipped'} seed ${r.seed}`;
      for (const c of r.curve) {
        rows.push({
          run: series,
          kind: r.clip === null ? 'unclipped' : 'clipped',
          step: c.step,
          error: roundTo(c.error, 4),
        });
        if (Number.isFinite(c.trainLoss))
          lossRows.push({
            run: series,
            kind: r.clip === null ? 'unclipped' : 'clipped',
            step: c.step,
            loss: roundTo(c.trainLoss, 4),
          });
      }
    }
    const charts = [
      lineChart(
        'test-error',
        'Test error (1000 fixed sequences): clipped vs unclipped',
        rows,
        { field: 'step', title: 'update' },
        { field: 'error', title: 'error rate' },
        'run',
      ),
      lineChart(
        'train-loss',
        'Training loss (mean per evaluation window)',
        lossRows,
        { field: 'step', title: 'update' },
        { field: 'loss', title: 'cross-entropy' },
        'run',
      ),
    ];
    const runs: Json[] = [...clipped, ...free].map((r) => ({
      seed: r.seed,
      clip: r.clip,
      finalError: r.finalError,
      solved: r.solved,
      firstSolvedAt: r.firstSolvedAt,
      nonFiniteSteps: r.nonFiniteSteps,
      maxGradNorm: roundTo(r.maxGradNorm),
      largeGradSteps: r.largeGradSteps,
      radius: roundTo(r.radius, 8),
      ms: Math.round(r.ms),
      curve: r.curve.map((c) => ({
        step: c.step,
        error: c.error,
        trainLoss: roundTo(c.trainLoss, 5),
      })),
    }));
    ctx.progress?.(1, 'temporal-order: done');
    return finish(temporalOrderExperiment, ctx, { t0, seeds, criteria, runs, charts });
  },
};
