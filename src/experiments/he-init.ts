import { noGrad } from '../autograd/index.js';
import { DataLoader } from '../data/data-loader.js';
import {
  MIXTURE_PRESETS,
  gaussianMixture,
  type GaussianMixtureDataset,
} from '../data/gaussian-mixture.js';
import type { InitSpec } from '../init/initializer.js';
import { gradientHealth } from '../monitor/gradient-health.js';
import type { Verdict } from '../monitor/types.js';
import { ReLU } from '../nn/activations.js';
import { mlp } from '../nn/mlp.js';
import type { Sequential } from '../nn/sequential.js';
import { crossEntropy } from '../ops/index.js';
import { chain } from '../optim/chain.js';
import { Optimizer } from '../optim/optimizer.js';
import { sgd } from '../optim/sgd.js';
import { barChart, lineChart } from '../report/charts.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import {
  above,
  below,
  finish,
  holds,
  pause,
  roundTo,
  seedsOf,
  within,
} from './internal/outcome.js';
import { blockMeans, meanStd, tailMean, verdictRecords } from './internal/set-b-common.js';
import type {
  Criterion,
  Experiment,
  ExperimentContext,
  ExperimentResult,
  Json,
  VerdictRecord,
} from './types.js';
import { runLoop } from '../train/loop.js';

/** Settings of E4 (the catalogue's values in {@link HE_INIT_SETUP}). */
export interface HeInitSetup {
  /** ReLU hidden layers (He et al.'s deep model has 30 weight layers: 29 hidden + the classifier). */
  hidden: number;
  width: number;
  lr: number;
  momentum: number;
  batchSize: number;
  updates: number;
  /** The final loss is the mean batch loss of this many last updates. */
  tail: number;
}

/** E4 as catalogued: 29 ReLU layers of width 64, SGD momentum 0.9, lr 0.003, batch 32, 800 updates. */
export const HE_INIT_SETUP: Readonly<HeInitSetup> = Object.freeze({
  hidden: 29,
  width: 64,
  lr: 0.003,
  momentum: 0.9,
  batchSize: 32,
  updates: 800,
  tail: 100,
});

/** The two initializations compared. */
export type HeInitScheme = 'xavier' | 'he';

/**
 * Weight init of a scheme: "Xavier" in He et al.'s form N(0, 1/n_l) (n_l the fan-in; the same
 * as lecunNormal), which keeps Var constant only for linear units and halves it through every
 * ReLU; He's N(0, 2/n_l), which restores the factor 2 the ReLU removes.
 */
const INITS: Record<HeInitScheme, InitSpec> = {
  xavier: 'lecunNormal',
  he: { name: 'heNormal', nonlinearity: 'relu' },
};

/** What one E4 run did. */
export interface HeInitRun {
  scheme: HeInitScheme;
  seed: number;
  /** std(h_l)/std(x) at init for l = 1..hidden (h_l the l-th ReLU output), over the whole data set. */
  stdRatios: number[];
  /** Loss of every training batch. */
  losses: number[];
  /** Mean of the last `tail` batch losses. */
  finalLoss: number;
  verdicts: Verdict[];
  /** First-layer / last-layer gradient-norm ratio at the monitor's first check. */
  firstLastRatio: number;
}

/** The data, model and batch stream of one seed (both schemes of a seed see the same data and batches). */
function seedStreams(seed: number): {
  data: GaussianMixtureDataset;
  modelRng: Rng;
  loaderRng: Rng;
} {
  const root = new Rng(seed);
  const data = gaussianMixture(MIXTURE_PRESETS.heInit, root.fork());
  return { data, modelRng: root.fork(), loaderRng: root.fork() };
}

/**
 * Builds the network of E4: `hidden` ReLU layers of `width` units and a 10-way linear classifier,
 * all weights from the scheme's init, zero biases (as in He et al.).
 * @example const net = heInitModel('he', new Rng(0));
 */
export function heInitModel(
  scheme: HeInitScheme,
  rng: Rng,
  setup: HeInitSetup = HE_INIT_SETUP,
): Sequential {
  const dim = MIXTURE_PRESETS.heInit.dim;
  const classes = MIXTURE_PRESETS.heInit.numClasses;
  return mlp({
    sizes: [dim, ...Array<number>(setup.hidden).fill(setup.width), classes],
    activation: 'relu',
    init: INITS[scheme],
    biasInit: 'zeros',
    rng,
  });
}

/**
 * std(h_l)/std(x) for every ReLU output h_l of `net` on the inputs x (all rows, all units).
 * @example stdRatios(heInitModel('xavier', new Rng(0)), data.x, 32) // falls ≈ 1/√2 per layer
 */
export function stdRatios(net: Sequential, x: Float32Array | Float64Array, dim: number): number[] {
  const sx = meanStd(x).std;
  const out: number[] = [];
  const h = net.registerForwardHook(
    (m, _name, o) => {
      if (m instanceof ReLU && o instanceof Tensor) out.push(meanStd(o.data).std / sx);
    },
    { includeSelf: false },
  );
  try {
    noGrad(() => net.forward(new Tensor(x, [x.length / dim, dim])));
  } finally {
    h.remove();
  }
  return out;
}

/**
 * Trains one E4 network with SGD momentum behind the gradient-health monitor (attached to the
 * model, so its ReLU probes run too).
 * @example const run = trainHeInit('xavier', 0, { ...HE_INIT_SETUP, updates: 100 });
 * @see He, Zhang, Ren & Sun, "Delving Deep into Rectifiers", ICCV 2015, §2.2 and Figure 3
 */
export function trainHeInit(
  scheme: HeInitScheme,
  seed: number,
  setup: HeInitSetup = HE_INIT_SETUP,
): HeInitRun {
  const { data, modelRng, loaderRng } = seedStreams(seed);
  const dim = MIXTURE_PRESETS.heInit.dim;
  const net = heInitModel(scheme, modelRng, setup);
  const ratios = stdRatios(net, data.x as Float32Array, dim);
  const health = gradientHealth({ model: net, lr: setup.lr });
  let firstLastRatio = NaN;
  health.onStats((s) => {
    if (Number.isNaN(firstLastRatio)) {
      const g = s.stats.layerGradNorm;
      firstLastRatio = (g[0] as number) / (g[g.length - 1] as number);
    }
  });
  const opt = new Optimizer(net, chain(health, sgd({ lr: setup.lr, momentum: setup.momentum })));
  const loader = new DataLoader(data, {
    batchSize: setup.batchSize,
    seed: loaderRng,
    dropLast: true,
  });
  const losses: number[] = [];
  runLoop({
    optimizer: opt,
    steps: setup.updates,
    next: () => loader.nextBatch(),
    loss: (b) => crossEntropy(net.forward(b.x), b.y as Int32Array),
    callbacks: [{ onStep: ({ loss }) => void losses.push(loss) }],
  });
  health.detach();
  return {
    scheme,
    seed,
    stdRatios: ratios,
    losses,
    finalLoss: tailMean(losses, setup.tail),
    verdicts: [...health.verdicts],
    firstLastRatio,
  };
}

const LABEL: Record<HeInitScheme, string> = { xavier: 'Xavier N(0, 1/n)', he: 'He N(0, 2/n)' };

/**
 * E4 — He et al. 2015: a 30-layer ReLU network initialised with Xavier's variance stalls (its
 * signals shrink by √2 per layer), He's doubled variance trains.
 */
export const heInit: Experiment = {
  name: 'he-init',
  id: 'E4',
  title: '30-layer ReLU network: Xavier init stalls, He init trains',
  paper:
    'He, Zhang, Ren & Sun, "Delving Deep into Rectifiers: Surpassing Human-Level Performance on ImageNet Classification", ICCV 2015',
  story:
    'He et al. derive that a ReLU layer halves the variance of its input, so an initialization with n·Var[w] = 1 ' +
    '("Xavier", derived for linear units) shrinks the signal by √2 per layer and a 30-layer rectifier network starts ' +
    'with vanishing activations and gradients; with n·Var[w] = 2 the variance is preserved at every depth. In their ' +
    'Figure 3 the 30-layer model with Xavier init does not learn at all while theirs converges. We build 29 ReLU layers ' +
    'of width 64 and a 10-way softmax (zero biases) on a 10-class Gaussian mixture in 32 dimensions, measure ' +
    'std(h_l)/std(x) at init for both inits, and train each with SGD momentum 0.9, lr 0.003, batch 32 for 800 updates ' +
    '(2 seeds) behind the gradient-health monitor, which must call the Xavier runs `vanishing`.',
  defaultSeeds: { full: [0, 1], quick: [0] },
  async run(ctx: ExperimentContext): Promise<ExperimentResult> {
    const t0 = performance.now();
    const seeds = seedsOf(heInit, ctx);
    // Quick mode: same network and data, fewer updates (the loss gap is already wide at 250).
    const setup: HeInitSetup = {
      ...HE_INIT_SETUP,
      updates: ctx.quick ? 250 : HE_INIT_SETUP.updates,
      tail: ctx.quick ? 50 : HE_INIT_SETUP.tail,
    };
    const runs: HeInitRun[] = [];
    const total = seeds.length * 2;
    for (const seed of seeds) {
      for (const scheme of ['xavier', 'he'] as const) {
        runs.push(trainHeInit(scheme, seed, setup));
        ctx.progress?.(runs.length / total, `he-init: ${scheme} seed ${seed}`);
        await pause();
      }
    }
    const of = (s: HeInitScheme): HeInitRun[] => runs.filter((r) => r.scheme === s);
    const top = (r: HeInitRun): number => r.stdRatios[r.stdRatios.length - 1] as number;
    const xav = of('xavier');
    const he = of('he');
    const L = setup.hidden;
    const hasVanishing = (r: HeInitRun): boolean => r.verdicts.some((v) => v.kind === 'vanishing');
    const maxOf = (xs: number[]): number =>
      xs.reduce((a, b) => (Number.isNaN(b) ? NaN : Math.max(a, b)), -Infinity);
    const minOf = (xs: number[]): number =>
      xs.reduce((a, b) => (Number.isNaN(b) ? NaN : Math.min(a, b)), Infinity);
    const n = seeds.length;
    const criteria: Criterion[] = [
      below(
        `Xavier: std(h_${L})/std(x) at init (largest over ${n} seed(s))`,
        maxOf(xav.map(top)),
        1e-3,
      ),
      within(`He: std(h_${L})/std(x) at init (every seed: min)`, minOf(he.map(top)), 0.1, 10),
      within(`He: std(h_${L})/std(x) at init (every seed: max)`, maxOf(he.map(top)), 0.1, 10),
    ];
    if (ctx.quick) {
      // 250 updates: He has left the chance level (ln 10 = 2.303) far behind, Xavier has not moved.
      criteria.push(
        above(
          `Xavier: mean loss of the last ${setup.tail} of ${setup.updates} updates (every seed: min)`,
          minOf(xav.map((r) => r.finalLoss)),
          2.19,
        ),
      );
      criteria.push(
        below(
          `He: mean loss of the last ${setup.tail} of ${setup.updates} updates (every seed: max)`,
          maxOf(he.map((r) => r.finalLoss)),
          1.8,
        ),
      );
    } else {
      criteria.push(
        above(
          `Xavier: mean loss of the last ${setup.tail} updates (every seed: min)`,
          minOf(xav.map((r) => r.finalLoss)),
          2.19,
          '> 2.19 (calibrated 2.30)',
        ),
      );
      criteria.push(
        below(
          `He: mean loss of the last ${setup.tail} updates (every seed: max)`,
          maxOf(he.map((r) => r.finalLoss)),
          1.38,
          '< 1.38 (calibrated 0.21–1.20)',
        ),
      );
    }
    criteria.push(
      holds(
        'monitor calls every Xavier run `vanishing`',
        xav.every(hasVanishing),
        'true',
        `${xav.filter(hasVanishing).length}/${xav.length}`,
      ),
    );
    criteria.push(
      holds(
        'monitor raises no `vanishing` verdict on the He runs',
        !he.some(hasVanishing),
        'true',
        `${he.filter(hasVanishing).length}/${he.length} with vanishing`,
      ),
    );

    const ratioSeries = runs
      .filter((r) => r.seed === seeds[0])
      .map((r) => ({ name: LABEL[r.scheme], x: r.stdRatios.map((_, i) => i + 1), y: r.stdRatios }));
    const lossSeries = runs.map((r) => {
      const c = blockMeans(r.losses, 20);
      return {
        name: `${LABEL[r.scheme]}, seed ${r.seed}`,
        x: c.map((p) => p.step),
        y: c.map((p) => p.loss),
      };
    });
    const charts = [
      lineChart({
        id: 'std-ratio',
        title: `std(h_l)/std(x) per layer at init (seed ${seeds[0]})`,
        series: ratioSeries,
        xLabel: 'layer l',
        yLabel: 'std(h_l)/std(x)',
        logY: true,
      }),
      lineChart({
        id: 'loss',
        title: 'Training loss (mean of 20 batches)',
        series: lossSeries,
        xLabel: 'update',
        yLabel: 'cross-entropy',
      }),
      barChart({
        id: 'final-loss',
        title: `Mean loss of the last ${setup.tail} updates`,
        bars: runs.map((r) => ({
          label: `seed ${r.seed}`,
          value: r.finalLoss,
          group: LABEL[r.scheme],
        })),
        yLabel: 'cross-entropy',
      }),
    ];
    const verdicts: VerdictRecord[] = runs.flatMap((r) =>
      verdictRecords(`${r.scheme} seed ${r.seed}`, r.verdicts),
    );
    const records: Json[] = runs.map((r) => ({
      scheme: r.scheme,
      init: LABEL[r.scheme],
      seed: r.seed,
      updates: setup.updates,
      finalLoss: roundTo(r.finalLoss),
      topStdRatio: roundTo(top(r)),
      stdRatios: r.stdRatios.map((v) => roundTo(v, 4)),
      firstLastGradRatio: roundTo(r.firstLastRatio, 4),
      verdicts: r.verdicts.map((v) => `${v.kind}@${v.step}`),
      lossCurve: blockMeans(r.losses, 20).map((p) => ({ step: p.step, loss: roundTo(p.loss, 5) })),
    }));
    ctx.progress?.(1, 'he-init: done');
    return { ...finish(heInit, ctx, { t0, seeds, criteria, runs: records, charts }), verdicts };
  },
};
