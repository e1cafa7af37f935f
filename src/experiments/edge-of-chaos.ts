import { DataLoader } from '../data/data-loader.js';
import { loadMnist, type MnistSplit } from '../data/mnist.js';
import { computeFans } from '../init/fan.js';
import { normal } from '../init/random.js';
import { gradientHealth } from '../monitor/gradient-health.js';
import type { Verdict } from '../monitor/types.js';
import { mlp } from '../nn/mlp.js';
import type { Sequential } from '../nn/sequential.js';
import { criticalSigmaW2, meanField, type MeanFieldState } from '../numeric/mean-field.js';
import { leastSquaresSlope } from '../numeric/least-squares.js';
import { crossEntropy } from '../ops/index.js';
import { chain } from '../optim/chain.js';
import { Optimizer } from '../optim/optimizer.js';
import { rmsprop } from '../optim/rmsprop.js';
import { Rng } from '../tensor/rng.js';
import { runLoop } from '../train/loop.js';
import { above, finish, holds, pause, roundTo, seedsOf } from './internal/outcome.js';
import { evaluateClassifier, tailMean, verdictRecords } from './internal/set-b-common.js';
import { heatmapWithPaths, lineChart, type Path, type Row } from './internal/vega.js';
import type {
  ChartSpec,
  Criterion,
  Experiment,
  ExperimentContext,
  ExperimentResult,
  Json,
  VerdictRecord,
} from './types.js';

/** Settings of E19 (the catalogue's values in {@link EDGE_OF_CHAOS_SETUP}). */
export interface EdgeOfChaosSetup {
  /** Bias variance σ_b² (Schoenholz et al.'s Figure 5 uses 0.05). */
  sigmaB2: number;
  /** The weight variances σ_w² swept (weights N(0, σ_w²/fan_in)), ascending. */
  sigmaW2s: number[];
  /** The depths swept (tanh hidden layers), ascending. */
  depths: number[];
  /** Width of every hidden layer. */
  width: number;
  /** RMSProp updates per point (PyTorch's defaults α = 0.99, ε = 1e-8). */
  steps: number;
  lr: number;
  batchSize: number;
  /** Trainability is the accuracy on this many training digits (the first ones) after the budget. */
  evalSize: number;
  /** A point is trainable when its accuracy (mean over seeds) is at least this (chance is 0.1). */
  trainable: number;
  /** The boundary agrees with 6ξ_c when they are within this factor of each other. */
  factor: number;
}

/**
 * E19 as catalogued: tanh MLPs of width 64, σ_b² = 0.05, σ_w² from 0.5 to 4 (11 values) ×
 * depth 5–100 (8 values), RMSProp lr 1e-4, batch 32, 400 updates on the bundled MNIST digits.
 */
export const EDGE_OF_CHAOS_SETUP: Readonly<EdgeOfChaosSetup> = Object.freeze({
  sigmaB2: 0.05,
  sigmaW2s: [0.5, 0.75, 1, 1.25, 1.5, 1.76, 2, 2.5, 3, 3.5, 4],
  depths: [5, 10, 15, 20, 30, 45, 70, 100],
  width: 64,
  steps: 400,
  lr: 1e-4,
  batchSize: 32,
  evalSize: 2000,
  trainable: 0.5,
  factor: 2,
});

/** Quick mode: one deep column in each phase and one at the critical point, two depths. */
export const EDGE_OF_CHAOS_QUICK: Readonly<EdgeOfChaosSetup> = Object.freeze({
  ...EDGE_OF_CHAOS_SETUP,
  sigmaW2s: [0.5, 1.76, 4],
  depths: [10, 30],
  steps: 250,
  evalSize: 1000,
});

/** What one (σ_w², depth, seed) point did. */
export interface EdgeOfChaosRun {
  sigmaW2: number;
  depth: number;
  seed: number;
  /** Accuracy on the first `evalSize` training digits after the budget (trainability). */
  accuracy: number;
  /** Mean batch loss of the last 50 updates (NaN if any was not finite). */
  finalLoss: number;
  /** ‖g‖ of the first Linear / ‖g‖ of the last Linear at the monitor's first check (update 1). */
  gradRatio0: number;
  verdicts: Verdict[];
  ms: number;
}

/**
 * The network of a point: `depth` tanh layers of `width` units and a 10-way linear read-out,
 * every weight N(0, σ_w²/fan_in) and every bias N(0, σ_b²) — the random networks of Poole et al.
 * 2016 and Schoenholz et al. 2017 (the read-out too, as in their experiments).
 * @example const net = edgeOfChaosModel(1.76, 20, EDGE_OF_CHAOS_SETUP, new Rng(0));
 */
export function edgeOfChaosModel(
  sigmaW2: number,
  depth: number,
  setup: Pick<EdgeOfChaosSetup, 'sigmaB2' | 'width'>,
  rng: Rng,
): Sequential {
  return mlp({
    sizes: [784, ...Array<number>(depth).fill(setup.width), 10],
    activation: 'tanh',
    init: (shape, r, dtype) =>
      normal(shape, r, { std: Math.sqrt(sigmaW2 / computeFans(shape).fanIn), dtype }),
    biasInit: { name: 'normal', std: Math.sqrt(setup.sigmaB2) },
    rng,
  });
}

/**
 * Trains one point with RMSProp behind the gradient-health monitor (attached to the model) and
 * measures its trainability: the accuracy on the first `evalSize` training digits after
 * `setup.steps` updates. The seed fixes the weights and the batch order.
 * @example const run = trainEdgeOfChaos(await loadMnist(), 1.76, 20, 0, EDGE_OF_CHAOS_QUICK);
 * @see Schoenholz, Gilmer, Ganguli & Sohl-Dickstein, "Deep Information Propagation", ICLR 2017, §6
 */
export function trainEdgeOfChaos(
  data: MnistSplit,
  sigmaW2: number,
  depth: number,
  seed: number,
  setup: EdgeOfChaosSetup = EDGE_OF_CHAOS_SETUP,
): EdgeOfChaosRun {
  const t0 = performance.now();
  const root = new Rng(seed);
  const net = edgeOfChaosModel(sigmaW2, depth, setup, root.fork());
  const health = gradientHealth({ model: net, lr: setup.lr });
  let gradRatio0 = NaN;
  health.onStats((s) => {
    if (Number.isNaN(gradRatio0)) {
      const g = s.stats.layerGradNorm;
      gradRatio0 = (g[0] as number) / (g[g.length - 1] as number);
    }
  });
  const opt = new Optimizer(net, chain(health, rmsprop({ lr: setup.lr })));
  const loader = new DataLoader(data.train, {
    batchSize: setup.batchSize,
    seed: root.fork(),
    dropLast: true,
  });
  const losses: number[] = [];
  runLoop({
    optimizer: opt,
    steps: setup.steps,
    next: () => loader.nextBatch(),
    loss: (b) => crossEntropy(net.forward(b.x), b.y as Int32Array),
    callbacks: [{ onStep: ({ loss }) => void losses.push(loss) }],
  });
  health.detach();
  const n = Math.min(setup.evalSize, data.train.length);
  const { accuracy } = evaluateClassifier(
    net,
    data.train.x.subarray(0, n * 784),
    (data.train.y as Int32Array).subarray(0, n),
    784,
  );
  return {
    sigmaW2,
    depth,
    seed,
    accuracy,
    finalLoss: tailMean(losses, 50),
    gradRatio0,
    verdicts: [...health.verdicts],
    ms: performance.now() - t0,
  };
}

/** The gradient verdicts the map shows, in the order they are looked for. */
const GRADIENT_KINDS = ['vanishing', 'exploding'] as const;

/**
 * Verdicts count for the map when raised within this many updates: the random network's verdict
 * (mean-field theory describes the network at initialization; `vanishing` needs 10 checks of
 * patience, the exploding ceiling fires at update 1), not the spikes RMSProp causes later in
 * training.
 */
export const VERDICT_WINDOW = 25;

/**
 * The gradient verdict of a point: the first `vanishing` or `exploding` verdict the monitor
 * raised within the first {@link VERDICT_WINDOW} updates, or 'none'.
 * @example gradientVerdict(run) // 'vanishing'
 */
export function gradientVerdict(run: Pick<EdgeOfChaosRun, 'verdicts'>): string {
  const v = run.verdicts.find(
    (x) => (GRADIENT_KINDS as readonly string[]).includes(x.kind) && x.step <= VERDICT_WINDOW,
  );
  return v?.kind ?? 'none';
}

/**
 * The measured trainable depth of a column: the deepest depth d of the grid such that every
 * depth ≤ d trains (accuracy ≥ threshold). 0 when the shallowest depth does not train; the
 * largest depth when every depth trains (the boundary is then beyond the grid).
 * @example trainableDepth([5, 10, 20], [0.9, 0.8, 0.1], 0.5) // 10
 */
export function trainableDepth(
  depths: readonly number[],
  accuracy: readonly number[],
  threshold: number,
): number {
  let d = 0;
  for (let i = 0; i < depths.length; i++) {
    if (!((accuracy[i] as number) >= threshold)) break;
    d = depths[i] as number;
  }
  return d;
}

/**
 * Whether a measured boundary agrees with a predicted depth D within a factor F: the boundary
 * lies between the deepest trainable grid depth d and the next grid depth (or d itself when d
 * is the grid's last), and that interval must meet [D/F, D·F].
 * @example agrees(20, 30, 22, 2) // true
 */
export function agrees(d: number, next: number, predicted: number, factor: number): boolean {
  return d <= predicted * factor && next >= predicted / factor;
}

/** One column of the sweep: the theory at its σ_w² and the measured boundary. */
interface Column {
  sigmaW2: number;
  theory: MeanFieldState;
  /** 6ξ_c. */
  predicted: number;
  /** Mean accuracy over seeds at each depth. */
  accuracy: number[];
  measured: number;
  /** The next grid depth after `measured` (the boundary lies in [measured, next)). */
  next: number;
  /** Whether 6ξ_c lies inside the grid's depth range, so the boundary can be compared. */
  comparable: boolean;
}

function columns(setup: EdgeOfChaosSetup, runs: readonly EdgeOfChaosRun[]): Column[] {
  const { depths } = setup;
  const first = depths[0] as number;
  const last = depths[depths.length - 1] as number;
  return setup.sigmaW2s.map((w) => {
    const theory = meanField(w, setup.sigmaB2, 'tanh');
    const accuracy = depths.map((d) => {
      const rs = runs.filter((r) => r.sigmaW2 === w && r.depth === d);
      return rs.reduce((s, r) => s + r.accuracy, 0) / rs.length;
    });
    const measured = trainableDepth(depths, accuracy, setup.trainable);
    const i = depths.indexOf(measured);
    const next = measured === 0 ? first : i === depths.length - 1 ? measured : depths[i + 1];
    const predicted = 6 * theory.xiC;
    return {
      sigmaW2: w,
      theory,
      predicted,
      accuracy,
      measured,
      next: next as number,
      comparable: predicted >= first && predicted <= last,
    };
  });
}

/** The most frequent entry ('none' for an empty list; ties to the first seen). */
function mode(xs: readonly string[]): string {
  const n = new Map<string, number>();
  for (const x of xs) n.set(x, (n.get(x) ?? 0) + 1);
  let best = 'none';
  let bestN = 0;
  for (const [k, c] of n)
    if (c > bestN) {
      best = k;
      bestN = c;
    }
  return best;
}

const VERDICT_COLORS: Record<string, string> = {
  vanishing: '#3b6fb6',
  exploding: '#d6452f',
  none: '#e6e6e6',
};

/** Heatmap of the gradient verdict over σ_w² × depth, the critical line drawn over it. */
function verdictMap(
  setup: EdgeOfChaosSetup,
  runs: readonly EdgeOfChaosRun[],
  critical: number,
): ChartSpec {
  const cells: Row[] = [];
  setup.sigmaW2s.forEach((w) =>
    setup.depths.forEach((d) => {
      const rs = runs.filter((r) => r.sigmaW2 === w && r.depth === d);
      cells.push({ sigmaW2: String(w), depth: d, verdict: mode(rs.map(gradientVerdict)) });
    }),
  );
  const kinds = ['vanishing', 'exploding', 'none'];
  return {
    id: 'verdict-map',
    title: 'The monitor’s gradient verdict (σ_w² × depth)',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: `Vanishing/exploding verdict in the first ${VERDICT_WINDOW} updates; critical σ_w² = ${critical.toFixed(3)}`,
      width: 420,
      height: 300,
      data: { values: cells },
      mark: { type: 'rect', stroke: 'white' },
      encoding: {
        x: {
          field: 'sigmaW2',
          type: 'ordinal',
          title: 'σ_w²',
          sort: setup.sigmaW2s.map(String),
        },
        y: {
          field: 'depth',
          type: 'ordinal',
          title: 'depth (tanh layers)',
          sort: [...setup.depths].reverse(),
        },
        color: {
          field: 'verdict',
          type: 'nominal',
          title: 'verdict',
          scale: { domain: kinds, range: kinds.map((k) => VERDICT_COLORS[k] as string) },
        },
        tooltip: [{ field: 'sigmaW2' }, { field: 'depth' }, { field: 'verdict' }],
      },
    },
  };
}

/**
 * E19 — Poole et al. 2016, Schoenholz et al. 2017: random tanh networks train only up to a depth
 * of about 6ξ_c, which diverges at the order–chaos boundary χ₁ = 1; gradients vanish on the
 * ordered side and explode on the chaotic one.
 */
export const edgeOfChaos: Experiment = {
  name: 'edge-of-chaos',
  id: 'E19',
  title: 'The edge of chaos: deep tanh networks train up to ≈ 6ξ_c, deepest at χ₁ = 1',
  paper:
    'Schoenholz, Gilmer, Ganguli & Sohl-Dickstein, "Deep Information Propagation", ICLR 2017; Poole, Lahiri, Raghu, Sohl-Dickstein & Ganguli, "Exponential expressivity in deep neural networks through transient chaos", NeurIPS 2016',
  story:
    'Mean-field theory of random networks (weights N(0, σ_w²/n), biases N(0, σ_b²)) has an ordered phase, where ' +
    'every input is mapped to the same point and gradients vanish, and a chaotic one, where nearby inputs decorrelate ' +
    'and gradients explode; the boundary is χ₁ = σ_w² E[φ′(h)²] = 1 (σ_w² ≈ 1.76 for tanh at σ_b² = 0.05). ' +
    'Correlations between inputs relax over a depth scale ξ_c that diverges at the boundary, and Schoenholz et al. ' +
    'find that networks train only up to a depth of about 6ξ_c. We compute q*, χ₁ and ξ_c by Gaussian quadrature, ' +
    'train tanh MLPs of width 64 on the bundled MNIST digits over a grid of σ_w² × depth (RMSProp, lr 1e-4, batch 32, ' +
    '400 updates), draw the accuracy as a heatmap with the 6ξ_c curve over it, and check that the measured trainable ' +
    'depth follows 6ξ_c within a factor 2, that the deepest trainable networks sit near χ₁ = 1, and that the ' +
    'gradient-health monitor calls deep ordered networks `vanishing` and deep chaotic ones `exploding`.',
  defaultSeeds: { full: [0], quick: [0] },
  async run(ctx: ExperimentContext): Promise<ExperimentResult> {
    const t0 = performance.now();
    const seeds = seedsOf(edgeOfChaos, ctx);
    const setup: EdgeOfChaosSetup = ctx.quick ? EDGE_OF_CHAOS_QUICK : EDGE_OF_CHAOS_SETUP;
    const data = await loadMnist();
    const runs: EdgeOfChaosRun[] = [];
    // Cost grows with depth: the progress fraction counts layers, not points.
    const total = seeds.length * setup.sigmaW2s.length * setup.depths.reduce((a, b) => a + b, 0);
    let done = 0;
    for (const seed of seeds)
      for (const depth of setup.depths)
        for (const w of setup.sigmaW2s) {
          runs.push(trainEdgeOfChaos(data, w, depth, seed, setup));
          done += depth;
          ctx.progress?.(done / total, `edge-of-chaos: σ_w² ${w}, depth ${depth}, seed ${seed}`);
          await pause();
        }
    ctx.progress?.(1, 'edge-of-chaos: done');
    return edgeOfChaosResult(setup, runs, ctx, t0);
  },
};

/**
 * The result of a finished sweep: criteria, charts (the trainability heatmap with the 6ξ_c curve,
 * the verdict map, the gradient ratio at init), the theory per column and one record per point.
 * @example const result = edgeOfChaosResult(EDGE_OF_CHAOS_SETUP, runs, { quick: false, seeds: [0] }, t0);
 */
export function edgeOfChaosResult(
  setup: EdgeOfChaosSetup,
  runs: readonly EdgeOfChaosRun[],
  ctx: ExperimentContext,
  t0: number,
): ExperimentResult {
  const seeds = [...new Set(runs.map((r) => r.seed))];
  const critical = criticalSigmaW2(setup.sigmaB2, 'tanh');
  const cols = columns(setup, runs);
  const criteria = edgeOfChaosCriteria(setup, runs, ctx.quick);
  const charts = chartsOf(setup, cols, runs, critical);
  const verdicts: VerdictRecord[] = runs.flatMap((r) =>
    verdictRecords(`σ_w² ${r.sigmaW2} depth ${r.depth} seed ${r.seed}`, r.verdicts),
  );
  const records: Json[] = [
    {
      theory: cols.map((c) => ({
        sigmaW2: c.sigmaW2,
        phase: c.theory.phase,
        qStar: roundTo(c.theory.qStar, 5),
        chi1: roundTo(c.theory.chi1, 5),
        cStar: roundTo(c.theory.cStar, 5),
        xiC: roundTo(c.theory.xiC, 4),
        sixXiC: roundTo(c.predicted, 4),
        trainableDepth: c.measured,
      })),
      criticalSigmaW2: roundTo(critical, 6),
    },
    ...runs.map((r) => ({
      sigmaW2: r.sigmaW2,
      depth: r.depth,
      seed: r.seed,
      accuracy: roundTo(r.accuracy, 4),
      finalLoss: roundTo(r.finalLoss, 4),
      gradRatio0: roundTo(r.gradRatio0, 4),
      gradientVerdict: gradientVerdict(r),
      verdicts: r.verdicts.map((v) => `${v.kind}@${v.step}`),
      seconds: roundTo(r.ms / 1000, 2),
    })),
  ];
  return {
    ...finish(edgeOfChaos, ctx, { t0, seeds, criteria, runs: records, charts }),
    verdicts,
  };
}
/**
 * The criteria of a finished sweep (quick mode: the three-column checks; full mode: agreement
 * with 6ξ_c and its control, the deepest trainable networks at criticality, the gradient ratio's
 * growth per layer against χ₁, and the monitor's verdicts on each side).
 * @example const criteria = edgeOfChaosCriteria(EDGE_OF_CHAOS_SETUP, runs, false);
 */
export function edgeOfChaosCriteria(
  setup: EdgeOfChaosSetup,
  runs: readonly EdgeOfChaosRun[],
  quick: boolean,
): Criterion[] {
  const cols = columns(setup, runs);
  return quick ? quickCriteria(setup, cols, runs) : fullCriteria(setup, cols, runs);
}

/** Cells of a phase that are deep enough for the monitor's rules, and their gradient verdicts. */
function phaseVerdicts(
  runs: readonly EdgeOfChaosRun[],
  pick: (r: EdgeOfChaosRun) => boolean,
): { n: number; vanishing: number; exploding: number } {
  const rs = runs.filter(pick);
  const kinds = rs.map(gradientVerdict);
  return {
    n: rs.length,
    vanishing: kinds.filter((k) => k === 'vanishing').length,
    exploding: kinds.filter((k) => k === 'exploding').length,
  };
}

function quickCriteria(
  setup: EdgeOfChaosSetup,
  cols: readonly Column[],
  runs: readonly EdgeOfChaosRun[],
): Criterion[] {
  const [ordered, critical, chaotic] = cols as [Column, Column, Column];
  const deep = setup.depths[setup.depths.length - 1] as number;
  const at = (c: Column, d: number): number => c.accuracy[setup.depths.indexOf(d)] as number;
  const ord = phaseVerdicts(runs, (r) => r.sigmaW2 === ordered.sigmaW2 && r.depth === deep);
  return [
    above(
      `σ_w² ${critical.sigmaW2} (χ₁ = ${critical.theory.chi1.toFixed(3)}): accuracy at depth ${deep}`,
      at(critical, deep),
      setup.trainable,
    ),
    holds(
      `depth ${deep} trains at the critical point but not in either phase (σ_w² ${ordered.sigmaW2}, ${chaotic.sigmaW2})`,
      at(ordered, deep) < setup.trainable && at(chaotic, deep) < setup.trainable,
      `both < ${setup.trainable}`,
      `${at(ordered, deep).toFixed(3)}, ${at(chaotic, deep).toFixed(3)}`,
    ),
    ...slopeCriteria(setup, [ordered, chaotic], runs, 0.3),
    holds(
      `monitor calls the depth-${deep} network at σ_w² ${ordered.sigmaW2} \`vanishing\``,
      ord.vanishing === ord.n && ord.n > 0,
      'every seed',
      `${ord.vanishing}/${ord.n}`,
    ),
  ];
}

/**
 * The slope of ln(‖g_first‖/‖g_last‖) at the first update against depth (least squares over the
 * depths ≥ 10 of a column, mean of the seeds' logs): backpropagation's mean-field theory says
 * each layer multiplies the squared gradient norm by χ₁, so the slope is ½ ln χ₁ (Schoenholz et
 * al. 2017, §5). NaN with fewer than two depths.
 * @example gradRatioSlope(runs, 4) // ≈ 0.147 (½ ln 1.342)
 */
export function gradRatioSlope(runs: readonly EdgeOfChaosRun[], sigmaW2: number): number {
  const pts = runs
    .filter((r) => r.sigmaW2 === sigmaW2 && r.depth >= 10 && r.gradRatio0 > 0)
    .map((r) => [r.depth, Math.log(r.gradRatio0)] as const);
  return leastSquaresSlope(
    pts.map((p) => p[0]),
    pts.map((p) => p[1]),
  );
}

/** Slope of ln gradient ratio per layer within `tol` (relative) of ½ ln χ₁ in each column. */
function slopeCriteria(
  _setup: EdgeOfChaosSetup,
  cols: readonly Column[],
  runs: readonly EdgeOfChaosRun[],
  tol: number,
): Criterion[] {
  return cols.map((c) => {
    const slope = gradRatioSlope(runs, c.sigmaW2);
    const theory = 0.5 * Math.log(c.theory.chi1);
    return holds(
      `σ_w² ${c.sigmaW2}: d ln(‖g_first‖/‖g_last‖)/d depth at init vs ½ ln χ₁ = ${theory.toFixed(4)}`,
      Math.abs(slope - theory) <= tol * Math.abs(theory),
      `within ${Math.round(tol * 100)} %`,
      roundTo(slope, 4),
    );
  });
}

/**
 * Spearman's rank correlation of two equally long lists (average ranks for ties).
 * @example spearman([1, 2, 3], [10, 30, 20]) // 0.5
 */
export function spearman(xs: readonly number[], ys: readonly number[]): number {
  const rank = (v: readonly number[]): number[] => {
    const idx = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
    const r = new Array<number>(v.length);
    for (let i = 0; i < idx.length;) {
      let j = i;
      while (
        j + 1 < idx.length &&
        (idx[j + 1] as readonly [number, number])[0] === (idx[i] as readonly [number, number])[0]
      )
        j++;
      for (let k = i; k <= j; k++) r[(idx[k] as readonly [number, number])[1]] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const rx = rank(xs);
  const ry = rank(ys);
  const n = xs.length;
  const m = (n - 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const a = (rx[i] as number) - m;
    const b = (ry[i] as number) - m;
    sxy += a * b;
    sxx += a * a;
    syy += b * b;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/**
 * The gradient ratio mean-field theory predicts for a point, up to a depth-independent factor:
 * ‖g_first‖/‖g_last‖ ≈ χ₁^{L/2}.
 */
function predictedRatio(c: Column, depth: number): number {
  return Math.exp(0.5 * depth * Math.log(c.theory.chi1));
}

/**
 * The monitor's verdicts against the theory: the cells where χ₁^{L/2} is below the monitor's own
 * vanishing floor (1e-3) should be called `vanishing`, those above 1e3 `exploding`, and the deep
 * cells near χ₁ = 1 (χ₁^{L/2} in [0.1, 10], depth ≥ 45) neither (the control: the same depths
 * without the effect).
 */
function verdictCriteria(cols: readonly Column[], runs: readonly EdgeOfChaosRun[]): Criterion[] {
  const cells = (pick: (c: Column, d: number) => boolean): EdgeOfChaosRun[] =>
    runs.filter((r) => {
      const c = cols.find((x) => x.sigmaW2 === r.sigmaW2);
      return c !== undefined && pick(c, r.depth);
    });
  const count = (rs: readonly EdgeOfChaosRun[], kind: string): number =>
    rs.filter((r) => gradientVerdict(r) === kind).length;
  const van = cells((c, d) => predictedRatio(c, d) < 1e-3);
  const exp = cells((c, d) => predictedRatio(c, d) > 1e3);
  const ctl = cells((c, d) => d >= 45 && predictedRatio(c, d) >= 0.1 && predictedRatio(c, d) <= 10);
  const where = (rs: readonly EdgeOfChaosRun[]): string =>
    rs.map((r) => `(${r.sigmaW2}, ${r.depth}): ${gradientVerdict(r)}`).join('; ');
  return [
    holds(
      'monitor: `vanishing` where χ₁^{L/2} < 1e-3 (ordered phase, deep)',
      count(van, 'vanishing') >= (2 / 3) * van.length &&
        count(van, 'exploding') === 0 &&
        van.length > 0,
      '≥ 2/3 of the cells vanishing, none exploding',
      `${count(van, 'vanishing')}/${van.length} vanishing, ${count(van, 'exploding')} exploding — ${where(van)}`,
    ),
    holds(
      'monitor: `exploding` where χ₁^{L/2} > 1e3 (chaotic phase, deep)',
      count(exp, 'exploding') >= exp.length / 2 && count(exp, 'vanishing') === 0 && exp.length > 0,
      '≥ 1/2 of the cells exploding, none vanishing',
      `${count(exp, 'exploding')}/${exp.length} exploding, ${count(exp, 'vanishing')} vanishing — ${where(exp)}`,
    ),
    holds(
      'control: no vanishing/exploding verdict near χ₁ = 1 at depth ≥ 45 (χ₁^{L/2} in [0.1, 10])',
      count(ctl, 'vanishing') + count(ctl, 'exploding') === 0 && ctl.length > 0,
      `0 of the cells`,
      `${count(ctl, 'vanishing') + count(ctl, 'exploding')}/${ctl.length} — ${where(ctl)}`,
    ),
  ];
}

function fullCriteria(
  setup: EdgeOfChaosSetup,
  cols: readonly Column[],
  runs: readonly EdgeOfChaosRun[],
): Criterion[] {
  const F = setup.factor;
  // The boundary's point estimate: the geometric middle of [deepest trainable, next grid depth).
  const mid = (c: Column): number => Math.sqrt(c.measured * c.next);
  const comparable = cols.filter((c) => c.comparable && c.measured > 0 && c.measured !== c.next);
  const agreeing = comparable.filter((c) => mid(c) <= F * c.predicted && mid(c) >= c.predicted / F);
  const need = Math.ceil(0.75 * comparable.length);
  const rhoTheory = spearman(
    cols.map((c) => c.measured),
    cols.map((c) => c.predicted),
  );
  const rhoScale = spearman(
    cols.map((c) => c.measured),
    cols.map((c) => c.sigmaW2),
  );
  const crit = criticalSigmaW2(setup.sigmaB2, 'tanh');
  const near = cols.filter((c) => Math.abs(c.sigmaW2 - crit) <= 0.3);
  const ordered = cols.filter((c) => c.sigmaW2 <= 1);
  const chaotic = cols.filter((c) => c.sigmaW2 >= 3);
  const best = (cs: readonly Column[]): number => Math.max(...cs.map((c) => c.measured));
  const steep = cols.filter((c) => Math.abs(0.5 * Math.log(c.theory.chi1)) >= 0.05);
  return [
    holds(
      `trainable depth within ×${F} of 6ξ_c (columns whose boundary and 6ξ_c are inside the grid)`,
      agreeing.length >= need,
      `≥ ${need} of ${comparable.length}`,
      `${agreeing.length} of ${comparable.length}: ${comparable.map((c) => `σ_w² ${c.sigmaW2}: ${mid(c).toFixed(0)} vs ${c.predicted.toFixed(0)}`).join(', ')}`,
    ),
    holds(
      'the boundary rises and falls with 6ξ_c: Spearman ρ(trainable depth, 6ξ_c) over all columns',
      rhoTheory >= 0.7,
      '≥ 0.7',
      roundTo(rhoTheory, 3),
    ),
    holds(
      'control: the init scale alone does not order the boundary: |ρ(trainable depth, σ_w²)|',
      Math.abs(rhoScale) < 0.5,
      '< 0.5',
      roundTo(rhoScale, 3),
    ),
    holds(
      `deepest trainable networks near χ₁ = 1 (|σ_w² − ${crit.toFixed(2)}| ≤ 0.3) beat both phases`,
      best(near) > best(ordered) && best(near) > best(chaotic),
      'near > ordered (σ_w² ≤ 1) and near > chaotic (σ_w² ≥ 3)',
      `${best(near)} vs ${best(ordered)} and ${best(chaotic)}`,
    ),
    ...slopeCriteria(setup, steep, runs, 0.3),
    ...verdictCriteria(cols, runs),
  ];
}

function chartsOf(
  setup: EdgeOfChaosSetup,
  cols: readonly Column[],
  runs: readonly EdgeOfChaosRun[],
  critical: number,
): ChartSpec[] {
  // The heatmap's cells are equal-width in the grid index; the theory curve is drawn on the same
  // index axes (σ_w² and depth mapped piecewise linearly onto their grid positions).
  const xs = setup.sigmaW2s.map((_, i) => i);
  const ys = setup.depths.map((_, j) => j);
  const depthIndex = (D: number): number => {
    const ds = setup.depths;
    if (D <= (ds[0] as number))
      return (D - (ds[0] as number)) / ((ds[1] as number) - (ds[0] as number));
    for (let j = 1; j < ds.length; j++)
      if (D <= (ds[j] as number))
        return j - 1 + (D - (ds[j - 1] as number)) / ((ds[j] as number) - (ds[j - 1] as number));
    return ds.length - 1 + 1;
  };
  const wIndex = (w: number): number => {
    const ws = setup.sigmaW2s;
    for (let i = 1; i < ws.length; i++)
      if (w <= (ws[i] as number))
        return i - 1 + (w - (ws[i - 1] as number)) / ((ws[i] as number) - (ws[i - 1] as number));
    return ws.length - 1;
  };
  const lo = setup.sigmaW2s[0] as number;
  const hi = setup.sigmaW2s[setup.sigmaW2s.length - 1] as number;
  const curve: [number, number][] = [];
  for (let k = 0; k <= 80; k++) {
    const w = lo + ((hi - lo) * k) / 80;
    const D = 6 * meanField(w, setup.sigmaB2, 'tanh').xiC;
    curve.push([wIndex(w), Math.min(depthIndex(D), setup.depths.length)]);
  }
  const measuredPath: [number, number][] = cols.map((c, i) => [
    i,
    c.measured === 0 ? -0.5 : depthIndex(c.measured),
  ]);
  const paths: Path[] = [
    { series: '6ξ_c (mean-field theory)', id: 'theory', points: curve },
    { series: 'measured trainable depth', id: 'measured', points: measuredPath },
    {
      series: `critical σ_w² = ${critical.toFixed(3)}`,
      id: 'critical',
      points: [
        [wIndex(critical), -0.5],
        [wIndex(critical), setup.depths.length - 0.5],
      ],
    },
  ];
  const heat = heatmapWithPaths(
    'trainability',
    `Accuracy after ${setup.steps} RMSProp updates (x: σ_w² ${setup.sigmaW2s.join(', ')}; y: depth ${setup.depths.join(', ')})`,
    { xs, ys, z: ys.map((j) => xs.map((i) => cols[i]?.accuracy[j] ?? NaN)), label: 'accuracy' },
    `σ_w² (grid index: ${setup.sigmaW2s.join(', ')})`,
    `depth (grid index: ${setup.depths.join(', ')})`,
    paths,
  );
  const ratioRows: Row[] = runs
    .filter((r) => r.seed === runs[0]?.seed)
    .map((r) => ({
      depth: r.depth,
      ratio: Number.isFinite(r.gradRatio0) ? r.gradRatio0 : null,
      sigmaW2: `σ_w² ${r.sigmaW2}`,
    }));
  return [heat, verdictMap(setup, runs, critical), ratioChart(setup, ratioRows)];
}

/** The gradient ratio against depth, one line per σ_w² in a sequential colour scale (11 lines). */
function ratioChart(setup: EdgeOfChaosSetup, rows: Row[]): ChartSpec {
  const c = lineChart(
    'grad-ratio',
    '‖g‖ first layer / last layer at the first update (theory: ∝ χ₁^{L/2})',
    rows,
    { field: 'depth', title: 'depth' },
    { field: 'ratio', title: '‖g_first‖ / ‖g_last‖', log: true },
    'sigmaW2',
  );
  const encoding = c.spec['encoding'];
  if (encoding !== null && typeof encoding === 'object' && !Array.isArray(encoding))
    encoding['color'] = {
      field: 'sigmaW2',
      type: 'ordinal',
      title: 'σ_w²',
      sort: setup.sigmaW2s.map((w) => `σ_w² ${w}`),
      scale: { scheme: 'turbo' },
    };
  return c;
}
