import { hessianEigs } from '../autograd/hessian-eigs.js';
import { loadMnist } from '../data/mnist.js';
import { gradientHealth, type Verdict } from '../monitor/index.js';
import { mlp } from '../nn/mlp.js';
import type { Sequential } from '../nn/sequential.js';
import { mul, sub } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { chain } from '../optim/chain.js';
import { Optimizer } from '../optim/optimizer.js';
import { sgd } from '../optim/sgd.js';
import type { Params } from '../optim/types.js';
import { lineChart } from '../report/charts.js';
import { Tensor } from '../tensor/tensor.js';
import { verdictRecord } from './internal/flagship-common.js';
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
import type { Criterion, Experiment, ExperimentContext, ExperimentResult, Json } from './types.js';

// E16 — the Edge of Stability (Cohen, Kaur, Li, Kolter & Talwalkar, ICLR 2021). Full-batch
// gradient descent on a small tanh MLP (196-32-32-32-10, U(±1/√fanIn) weights, zero biases) with the square
// loss ½‖f(x) − y‖² (mean over the digits) on the first 500 training digits of the bundled MNIST,
// 2×2-average-pooled to 14×14 and centred. Calibrated first with PyTorch
// (examples/reference/torch_e16_eos.py, float64, torch.autograd.functional.hvp + Lanczos, the
// same digits and the same initial weights, dumped by examples/reference/dump-e16-setup.ts);
// the figures and the criteria fixed from them are in docs/EXPERIMENTS.md (E16).

/** The setup of E16 (full mode). */
export interface EosSetup {
  /** Training digits (the first n of the bundled split, class-balanced by construction). */
  samples: number;
  /** Hidden widths of the tanh MLP. */
  hidden: readonly number[];
  /** Step sizes η of the runs that reach the edge (largest first). */
  etas: readonly number[];
  /** The control: a step so small that 2/η stays out of reach within `steps`. */
  controlEta: number;
  /** Full-batch GD steps per run. */
  steps: number;
  /** λmax (Lanczos) every this many steps. */
  sharpnessEvery: number;
  /** Lanczos steps (HVPs) per λmax estimate. */
  lanczosIterations: number;
}

/** Full mode: three step sizes and the control, 1000 steps each, λmax every 25 steps. */
export const EOS_SETUP: Readonly<EosSetup> = Object.freeze({
  samples: 500,
  hidden: [32, 32, 32],
  etas: [0.4, 0.3, 0.25],
  controlEta: 0.02,
  steps: 1000,
  sharpnessEvery: 25,
  lanczosIterations: 20,
});

/** Quick mode (tests): the largest step and the control, long enough to reach the edge. */
export const EOS_QUICK: Readonly<EosSetup> = Object.freeze({
  ...EOS_SETUP,
  etas: [0.4],
  // the full run's oscillation verdict at η = 0.4 comes at step 410 (seed 0)
  steps: 500,
});

/** The pass bands, fixed from the PyTorch calibration before the gradscope runs. */
export const EOS_CRITERIA = Object.freeze({
  /** λmax at initialisation at most this × 2/η (so reaching 2/η needs sharpening). */
  initMax: 0.5,
  /** Mean λmax over the last fifth of the run, as a multiple of 2/η. */
  endBand: [0.9, 1.3] as const,
  /** The control's λmax stays below this × 2/η for the whole run. */
  controlMax: 0.5,
});

/** The data of E16: pooled, centred pixels and one-hot targets. */
export interface EosData {
  /** [n, 196] float64. */
  x: Tensor;
  /** [n, 10] float64 one-hot. */
  y: Tensor;
  /** Digit labels. */
  labels: Int32Array;
}

/**
 * The first `n` training digits of the bundled MNIST split, 2×2-average-pooled to 14×14
 * (196 features), each feature centred on its mean over the n digits (as Cohen et al. centre
 * CIFAR-10), with one-hot targets; float64.
 * @example const d = await eosData(500); d.x.shape // [500, 196]
 */
export async function eosData(n: number): Promise<EosData> {
  const { train } = await loadMnist({ dtype: 'float64' });
  if (!Number.isInteger(n) || n < 1 || n > train.length)
    throw new RangeError(
      `eosData: n = ${n} is invalid; expected an integer in [1, ${train.length}]`,
    );
  const src = train.x;
  const x = new Float64Array(n * 196);
  for (let r = 0; r < n; r++)
    for (let i = 0; i < 14; i++)
      for (let j = 0; j < 14; j++) {
        const a = r * 784 + 2 * i * 28 + 2 * j;
        x[r * 196 + i * 14 + j] =
          ((src[a] as number) +
            (src[a + 1] as number) +
            (src[a + 28] as number) +
            (src[a + 29] as number)) /
          4;
      }
  for (let c = 0; c < 196; c++) {
    let m = 0;
    for (let r = 0; r < n; r++) m += x[r * 196 + c] as number;
    m /= n;
    for (let r = 0; r < n; r++) x[r * 196 + c] = (x[r * 196 + c] as number) - m;
  }
  const labels = Int32Array.from(train.y.subarray(0, n));
  const y = new Float64Array(n * 10);
  for (let r = 0; r < n; r++) y[r * 10 + (labels[r] as number)] = 1;
  return { x: new Tensor(x, [n, 196]), y: new Tensor(y, [n, 10]), labels };
}

/**
 * The network of E16: a 196-h₁-…-10 tanh MLP with PyTorch's default weight init U(±1/√fanIn)
 * and zero biases, float64, seeded.
 * @example eosModel(EOS_SETUP, 0).namedParameters()['6.weight'].shape // [10, 32]
 */
export function eosModel(setup: Pick<EosSetup, 'hidden'>, seed: number): Sequential {
  return mlp({
    sizes: [196, ...setup.hidden, 10],
    activation: 'tanh',
    biasInit: 'zeros',
    dtype: 'float64',
    seed,
  });
}

/**
 * The training loss of E16: ½·Σ_k (f(x)_k − y_k)², averaged over the digits (Cohen et al.'s
 * square loss), built from elementary ops so that it can be differentiated twice.
 */
export function eosLoss(net: Sequential, data: EosData): Tensor {
  const d = sub(net.forward(data.x), data.y);
  return mul(sum(mul(d, d)), 0.5 / (data.x.shape[0] as number));
}

/**
 * λmax of the training-loss Hessian at the network's current parameters: Lanczos
 * (hessianEigs) with `iterations` HVPs from a seeded start vector.
 */
export function sharpness(net: Sequential, data: EosData, iterations: number, seed = 0): number {
  const params = net.namedParameters();
  const r = hessianEigs(() => eosLoss(net, data), params, {
    k: 1,
    which: 'largest',
    iterations,
    tol: 1e-3,
    seed,
  });
  return r.largest[0]?.value ?? NaN;
}

/** One GD run of E16. */
export interface EosRun {
  eta: number;
  seed: number;
  control: boolean;
  /** Loss before each step (index t = loss at θ_t), and at the end. */
  losses: Float64Array;
  /** Steps at which λmax was measured (0 = initialisation) and the values. */
  sharpSteps: number[];
  sharp: number[];
  /** Monitor verdicts (the monitored run only). */
  verdicts: Verdict[];
}

/**
 * Runs full-batch GD with step η for `steps` steps from the seeded init, measuring λmax every
 * `sharpnessEvery` steps; with `monitor`, the gradient-health monitor (with its curvature probe)
 * watches the run.
 */
export function eosRun(
  data: EosData,
  setup: EosSetup,
  eta: number,
  seed: number,
  opts: { control?: boolean; monitor?: boolean } = {},
): EosRun {
  const net = eosModel(setup, seed);
  const params: Params = net.namedParameters();
  const verdicts: Verdict[] = [];
  const lossOf = (): Tensor => eosLoss(net, data);
  const health =
    opts.monitor === true
      ? gradientHealth({
          model: net,
          lr: eta,
          direction: true,
          curvature: { loss: lossOf, every: 2 * setup.sharpnessEvery, iterations: 20, seed },
          onVerdict: (v) => {
            if (v.status === 'started') verdicts.push(v);
          },
        })
      : null;
  const opt = new Optimizer(
    params,
    health === null ? sgd({ lr: eta }) : chain(health, sgd({ lr: eta })),
  );
  const losses = new Float64Array(setup.steps + 1);
  const sharpSteps: number[] = [];
  const sharp: number[] = [];
  for (let t = 0; t <= setup.steps; t++) {
    if (t % setup.sharpnessEvery === 0 || t === setup.steps) {
      sharpSteps.push(t);
      sharp.push(sharpness(net, data, setup.lanczosIterations, seed));
    }
    opt.zeroGrad();
    const loss = lossOf();
    losses[t] = loss.item();
    if (t === setup.steps || !Number.isFinite(losses[t] as number)) break;
    loss.backward();
    opt.step({ loss: losses[t] as number });
  }
  health?.detach();
  return { eta, seed, control: opts.control === true, losses, sharpSteps, sharp, verdicts };
}

/** What the criteria read from one run. */
export interface EosSummary {
  /** λmax at initialisation over 2/η. */
  initRatio: number;
  /** Mean λmax over the last fifth of the measurements, over 2/η. */
  endRatio: number;
  /** Largest λmax over the run, over 2/η. */
  maxRatio: number;
  /** First measured step with λmax ≥ 2/η (−1 if never). */
  crossing: number;
  /** Steps after the crossing at which the loss went up. */
  increasesAfter: number;
  /** Loss at the crossing and at the end. */
  lossAtCrossing: number;
  finalLoss: number;
}

/** The numbers E16's criteria read from a run. */
export function summarize(r: EosRun): EosSummary {
  const edge = 2 / r.eta;
  const m = r.sharp.length;
  const tail = r.sharp.slice(m - Math.max(1, Math.round(m / 5)));
  const endMean = tail.reduce((a, b) => a + b, 0) / tail.length;
  const ci = r.sharp.findIndex((l) => l >= edge);
  const crossing = ci < 0 ? -1 : (r.sharpSteps[ci] as number);
  let increasesAfter = 0;
  if (crossing >= 0)
    for (let t = crossing + 1; t < r.losses.length; t++)
      if ((r.losses[t] as number) > (r.losses[t - 1] as number)) increasesAfter++;
  return {
    initRatio: (r.sharp[0] as number) / edge,
    endRatio: endMean / edge,
    maxRatio: Math.max(...r.sharp) / edge,
    crossing,
    increasesAfter,
    lossAtCrossing: crossing >= 0 ? (r.losses[crossing] as number) : NaN,
    finalLoss: r.losses[r.losses.length - 1] as number,
  };
}

/** True for an oscillation verdict that puts the oscillation down to the edge of stability. */
function oscillationNamesEdge(v: Verdict): boolean {
  return (
    v.kind === 'oscillation' &&
    v.message.includes('the edge of stability (Cohen') &&
    !v.message.includes('not the edge of stability')
  );
}

async function run(ctx: ExperimentContext): Promise<ExperimentResult> {
  const t0 = performance.now();
  const seeds = seedsOf(edgeOfStability, ctx);
  const setup = ctx.quick ? EOS_QUICK : EOS_SETUP;
  const data = await eosData(setup.samples);
  const criteria: Criterion[] = [];
  const runsJson: Json[] = [];
  const all: EosRun[] = [];
  const total = seeds.length * (setup.etas.length + 1);
  let done = 0;
  for (const seed of seeds) {
    for (const eta of [...setup.etas, setup.controlEta]) {
      const control = eta === setup.controlEta;
      const r = eosRun(data, setup, eta, seed, {
        control,
        monitor: eta === setup.etas[0] && seed === seeds[0],
      });
      all.push(r);
      const s = summarize(r);
      runsJson.push({
        seed,
        eta,
        control,
        edge: roundTo(2 / eta, 4),
        initRatio: roundTo(s.initRatio, 4),
        endRatio: roundTo(s.endRatio, 4),
        maxRatio: roundTo(s.maxRatio, 4),
        crossing: s.crossing,
        increasesAfter: s.increasesAfter,
        lossAtCrossing: roundTo(s.lossAtCrossing, 5),
        finalLoss: roundTo(s.finalLoss, 5),
        sharpness: r.sharp.map((l) => roundTo(l, 4)),
        sharpSteps: r.sharpSteps,
        verdicts: r.verdicts.map((v) => `${v.kind}@${v.step}`),
      });
      ctx.progress?.(++done / total, `η = ${eta}, seed ${seed}`);
      await pause();
    }
  }
  const [lo, hi] = EOS_CRITERIA.endBand;
  const edgeRuns = all.filter((r) => !r.control);
  const sums = edgeRuns.map((r) => ({ r, s: summarize(r) }));
  const worst = (f: (s: EosSummary) => number, max: boolean): number =>
    sums.reduce(
      (a, { s }) => (max ? Math.max(a, f(s)) : Math.min(a, f(s))),
      max ? -Infinity : Infinity,
    );
  criteria.push(
    below(
      `λmax(init) / (2/η), largest over η ∈ {${setup.etas.join(', ')}} and the seeds (sharpening is needed to reach the edge)`,
      worst((s) => s.initRatio, true),
      EOS_CRITERIA.initMax,
      `≤ ${EOS_CRITERIA.initMax}`,
    ),
  );
  for (const eta of setup.etas) {
    const rs = sums.filter((x) => x.r.eta === eta);
    const ends = rs.map((x) => x.s.endRatio);
    const minEnd = Math.min(...ends);
    const maxEnd = Math.max(...ends);
    criteria.push(
      within(
        `η = ${eta}: mean λmax over the last fifth of the run / (2/η = ${roundTo(2 / eta, 4)}), range over the seeds`,
        minEnd < lo ? minEnd : maxEnd,
        lo,
        hi,
        `in [${lo}, ${hi}] (measured ${roundTo(minEnd, 3)}–${roundTo(maxEnd, 3)})`,
      ),
    );
  }
  criteria.push(
    above(
      'loss increases after λmax first reaches 2/η (non-monotone descent), fewest over the edge runs',
      worst((s) => s.increasesAfter, false),
      0,
      '≥ 1 step with L(θ_{t+1}) > L(θ_t)',
    ),
    holds(
      'final loss below the loss at the crossing, in every edge run',
      sums.every(({ s }) => s.finalLoss < s.lossAtCrossing),
      'true',
      sums.map(({ s }) => `${roundTo(s.lossAtCrossing, 3)}→${roundTo(s.finalLoss, 3)}`).join(', '),
    ),
  );
  const controls = all.filter((r) => r.control).map((r) => summarize(r));
  const controlMax = Math.max(...controls.map((s) => s.maxRatio));
  criteria.push(
    below(
      `control η = ${setup.controlEta} (2/η = ${roundTo(2 / setup.controlEta, 4)}): largest λmax / (2/η) over the same ${setup.steps} steps (stays far from the edge, so the band above is not met without the effect)`,
      controlMax,
      EOS_CRITERIA.controlMax,
      `< ${EOS_CRITERIA.controlMax}`,
    ),
  );
  const monitored = all.find(
    (r) => r.verdicts.length > 0 || (r.eta === setup.etas[0] && r.seed === seeds[0]),
  );
  const osc = monitored?.verdicts.filter((v) => v.kind === 'oscillation') ?? [];
  criteria.push(
    holds(
      `the monitor's oscillation verdicts on the η = ${setup.etas[0]} run name sharpness ≈ 2/η (λmax·η/2 ≥ 0.8) as their evidence`,
      osc.length > 0 && osc.every(oscillationNamesEdge),
      'true',
      osc.length === 0
        ? 'no oscillation verdict'
        : osc
            .map((v) => {
              const e = (v as Extract<Verdict, { kind: 'oscillation' }>).evidence;
              return `step ${v.step}: λmax·η/2 = ${roundTo(e.edgeRatio, 3)} (probe at step ${e.sharpnessStep})`;
            })
            .join('; '),
    ),
  );

  const s0 = seeds[0] as number;
  const first = all.filter((r) => r.seed === s0);
  const charts = [
    ...first
      .filter((r) => !r.control)
      .map((r) =>
        lineChart({
          id: `sharpness-eta-${r.eta}`,
          title: `η = ${r.eta}: sharpness λmax (Lanczos) against 2/η = ${roundTo(2 / r.eta, 4)}, seed ${s0}`,
          series: [
            { name: 'λmax', x: r.sharpSteps, y: r.sharp },
            { name: '2/η', x: [0, setup.steps], y: [2 / r.eta, 2 / r.eta] },
          ],
          xLabel: 'step',
          yLabel: 'λmax',
        }),
      ),
    lineChart({
      id: 'sharpness-all',
      title: `λmax / (2/η) for every η (1 = the edge of stability), seed ${s0}`,
      series: first.map((r) => ({
        name: `η = ${r.eta}${r.control ? ' (control)' : ''}`,
        x: r.sharpSteps,
        y: r.sharp.map((l) => (l * r.eta) / 2),
      })),
      xLabel: 'step',
      yLabel: 'λmax·η/2',
    }),
    lineChart({
      id: 'loss',
      title: `Training loss (full batch), seed ${s0}`,
      series: first.map((r) => ({
        name: `η = ${r.eta}${r.control ? ' (control)' : ''}`,
        y: Array.from(r.losses),
      })),
      xLabel: 'step',
      yLabel: 'loss',
      logY: true,
      maxPoints: 1500,
    }),
  ];
  const res = finish(edgeOfStability, ctx, { t0, seeds, criteria, runs: runsJson, charts });
  res.verdicts = all.flatMap((r) =>
    r.verdicts.map((v) => verdictRecord(`eta${r.eta}-seed${r.seed}`, v)),
  );
  return res;
}

/** E16: the Edge of Stability (Cohen et al. 2021). */
export const edgeOfStability: Experiment = {
  name: 'edge-of-stability',
  id: 'E16',
  title: 'The Edge of Stability: full-batch GD drives the sharpness to 2/η',
  paper:
    'J. M. Cohen, S. Kaur, Y. Li, J. Z. Kolter, A. Talwalkar, "Gradient Descent on Neural Networks Typically Occurs at the Edge of Stability", ICLR 2021',
  story:
    'Cohen et al. observe that under full-batch gradient descent with step size η the sharpness — the largest eigenvalue λmax of the training-loss Hessian — first rises ("progressive sharpening") until it reaches 2/η, the largest value for which GD is stable on a quadratic, and then hovers just above 2/η while the loss keeps decreasing, non-monotonically, over long time scales. We train a 196-32-32-32-10 tanh MLP with the square loss on 500 MNIST digits (pooled to 14×14) by full-batch GD at three step sizes, tracking λmax by Lanczos on Hessian-vector products every 25 steps, and a control with a tiny step that stays far from its 2/η over the same steps. The gradient-health monitor watches the largest-η run: its oscillation verdict names sharpness ≈ 2/η as the evidence.',
  defaultSeeds: { full: [0, 1], quick: [0] },
  run,
};
