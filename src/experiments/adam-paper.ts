import { noGrad } from '../autograd/index.js';
import { add, bceWithLogits, dropout, matmul } from '../ops/index.js';
import { adam } from '../optim/adam.js';
import { adamax } from '../optim/adamax.js';
import { Optimizer } from '../optim/optimizer.js';
import type { GradientTransformation } from '../optim/types.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { above, below, finish, pause, roundTo, seedsOf } from './internal/outcome.js';
import { barChart, lineChart, type Row } from './internal/vega.js';
import type { Criterion, Experiment, ExperimentContext, ExperimentResult, Json } from './types.js';
import { runLoop } from '../train/loop.js';

/**
 * θ_1..θ_T of one scalar parameter from θ_0 = 0 fed the given gradients through the Optimizer
 * facade.
 * @example scalarTrajectory(adam(), [1, -2, 3, 0.5, 0])
 */
export function scalarTrajectory(
  tx: GradientTransformation<unknown>,
  grads: ArrayLike<number>,
): number[] {
  const x = new Tensor(new Float64Array([0]), [1]);
  const g = new Tensor(new Float64Array(1), [1]);
  x.grad = g;
  const out: number[] = [];
  runLoop({
    optimizer: new Optimizer({ x }, tx),
    steps: grads.length,
    next: (step) => grads[step - 1] as number,
    gradients: (gi) => void (g.data[0] = gi),
    callbacks: [{ onStep: () => void out.push(x.data[0] as number) }],
  });
  return out;
}

/** Largest relative error of `got` against `want`. */
function maxRelError(got: readonly number[], want: readonly number[]): number {
  let m = 0;
  want.forEach((w, i) => {
    m = Math.max(m, Math.abs((got[i] ?? NaN) / w - 1));
  });
  return Number.isNaN(m) ? Infinity : m;
}

/** The sparse logistic-regression problem of E5(c). */
export interface SparseLogisticData {
  d: number;
  n: number;
  /** Active feature indices of each row (binary features). */
  rows: Int32Array[];
  /** Labels 0/1. */
  y: Float64Array;
  /** Teacher logit of each row (centred at its median). */
  logits: Float64Array;
}

/**
 * Binary features with frequencies 0.5/j^1.1 (j = 1..d, a long tail of rare features, as in the
 * bag-of-words problems of Kingma & Ba §6.1), a sparse teacher (30% of its weights non-zero,
 * N(0, 1)) whose logit is centred at its median, and labels y ~ Bernoulli(σ(logit)).
 * @example const data = sparseLogisticData(new Rng(0), 2000, 6000);
 */
export function sparseLogisticData(rng: Rng, d: number, n: number): SparseLogisticData {
  const freq = Float64Array.from({ length: d }, (_, j) => 0.5 / (j + 1) ** 1.1);
  const teacher = new Float64Array(d);
  for (let j = 0; j < d; j++) if (rng.float() < 0.3) teacher[j] = rng.normal();
  const active: number[][] = Array.from({ length: n }, () => []);
  // Each feature's active rows by geometric skips (Bernoulli(p) per row, without n·d draws).
  for (let j = 0; j < d; j++) {
    const lq = Math.log1p(-(freq[j] as number));
    for (
      let i = Math.floor(Math.log(1 - rng.float()) / lq);
      i < n;
      i += 1 + Math.floor(Math.log(1 - rng.float()) / lq)
    ) {
      (active[i] as number[]).push(j);
    }
  }
  const rows = active.map((a) => Int32Array.from(a));
  const logits = new Float64Array(n);
  rows.forEach((r, i) => {
    let z = 0;
    for (const j of r) z += teacher[j] as number;
    logits[i] = z;
  });
  const sorted = Float64Array.from(logits).sort();
  const median =
    n % 2 === 1
      ? (sorted[(n - 1) / 2] as number)
      : 0.5 * ((sorted[n / 2 - 1] as number) + (sorted[n / 2] as number));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    logits[i] = (logits[i] as number) - median;
    y[i] = rng.float() < 1 / (1 + Math.exp(-(logits[i] as number))) ? 1 : 0;
  }
  return { d, n, rows, y, logits };
}

/** Per-epoch results of one logistic-regression run. */
export interface LogisticRun {
  b2: number;
  debias: boolean;
  /** Mean minibatch loss (with the input dropout noise) in each epoch. */
  epochLoss: number[];
  /** Full-data loss (no dropout) after each epoch. */
  fullLoss: number[];
}

/**
 * Trains logistic regression (weights and bias from zero) with Adam on {@link SparseLogisticData},
 * 50% dropout on the inputs, batch 32, shuffled every epoch.
 * @example trainSparseLogistic(data, { lr: 0.1, b2: 0.9999, debias: false }, 10, new Rng(1))
 */
export function trainSparseLogistic(
  data: SparseLogisticData,
  cfg: { lr: number; b2: number; debias: boolean },
  epochs: number,
  rng: Rng,
  batchSize = 32,
): LogisticRun {
  const { d, n } = data;
  const w = new Tensor(new Float64Array(d), [d, 1], true);
  const b = new Tensor(new Float64Array(1), [1], true);
  const opt = new Optimizer({ w, b }, adam({ lr: cfg.lr, b2: cfg.b2, debias: cfg.debias }));
  const epochLoss: number[] = [];
  const fullLoss: number[] = [];
  const xb = new Float64Array(batchSize * d);
  const perEpoch = Math.floor(n / batchSize);
  for (let e = 0; e < epochs; e++) {
    const perm = rng.permutation(n);
    let sum = 0;
    let count = 0;
    const batch = (s: number): [Tensor, Tensor] => {
      xb.fill(0);
      const yb = new Float64Array(batchSize);
      let nnz = 0;
      for (let k = 0; k < batchSize; k++)
        nnz += (data.rows[perm[s + k] as number] as Int32Array).length;
      // Dropout on the active entries only: the zeros stay zero whatever their mask, so this is
      // 50% dropout on the whole input at a fraction of the random draws.
      const kept = dropout(new Tensor(new Float64Array(nnz).fill(1), [nnz]), 0.5, rng).data;
      let q = 0;
      for (let k = 0; k < batchSize; k++) {
        const i = perm[s + k] as number;
        for (const j of data.rows[i] as Int32Array) xb[k * d + j] = kept[q++] as number;
        yb[k] = data.y[i] as number;
      }
      return [new Tensor(xb, [batchSize, d]), new Tensor(yb, [batchSize, 1])];
    };
    runLoop({
      optimizer: opt,
      startStep: e * perEpoch,
      steps: (e + 1) * perEpoch,
      next: (step) => batch((step - 1 - e * perEpoch) * batchSize),
      loss: ([x, y]) => bceWithLogits(add(matmul(x, w), b), y),
      callbacks: [
        {
          onStep({ loss }) {
            sum += loss;
            count++;
          },
        },
      ],
    });
    epochLoss.push(sum / count);
    fullLoss.push(fullDataLoss(data, w.data as Float64Array, b.data[0] as number));
  }
  return { b2: cfg.b2, debias: cfg.debias, epochLoss, fullLoss };
}

/** Mean logistic loss over the whole training set, no dropout. */
function fullDataLoss(data: SparseLogisticData, w: Float64Array, b: number): number {
  return noGrad(() => {
    let s = 0;
    for (let i = 0; i < data.n; i++) {
      let z = b;
      for (const j of data.rows[i] as Int32Array) z += w[j] as number;
      const y = data.y[i] as number;
      // Stable log(1 + e^{−|z|}) + max(z, 0) − z·y.
      s += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
    }
    return s / data.n;
  });
}

const ADAM_EXPECTED = [
  -9.9999999e-4, -6.338964652793e-4, -9.771375439827e-4, -1.33284539074e-3, -1.633499632289e-3,
];
const ADAMAX_EXPECTED = [
  -2.0e-3, -1.421052631579e-3, -1.915517576228e-3, -2.363576374583e-3, -2.702560761227e-3,
];

/**
 * E5 — Adam (Kingma & Ba 2015): the update rule to 1e-12, the size of the first step with and
 * without bias correction, and why the correction matters with β2 close to 1 on sparse gradients.
 * @example const result = await adamPaper.run({ quick: true, seeds: [0] })
 * @see Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015
 */
export const adamPaper: Experiment = {
  name: 'adam',
  id: 'E5',
  title: "Adam's update rule and why its bias correction matters",
  paper: 'Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015',
  story:
    'Kingma and Ba define Adam by moving averages m and v of the gradient and its square, started at zero and divided by ' +
    '1 − β^t to remove the resulting bias. We check the update rule exactly (five steps of Adam and AdaMax from θ_0 = 0 ' +
    'against values computed by hand, to 1e-12), that the first step is α with the correction and α(1 − β1)/√(1 − β2) ' +
    'without it (3.16α at β2 = 0.999, 10α at 0.9999) and the strict bounds on a step (7.27α for Adam, 1.009α for AdaMax, ' +
    'reached by adversarial gradient sequences). Their §6.4 shows that without correction, β2 close to 1 (needed for sparse ' +
    'gradients) makes early steps far too large: on a sparse logistic regression (2000 binary features with a long tail, ' +
    "α = 0.1, β2 = 0.9999) the first epoch's loss is much higher without the correction, while at β2 = 0.99 it makes " +
    'almost no difference.',
  defaultSeeds: { full: [0, 1], quick: [0] },
  async run(ctx: ExperimentContext): Promise<ExperimentResult> {
    const t0 = performance.now();
    const seeds = seedsOf(adamPaper, ctx);
    const criteria: Criterion[] = [];
    const grads = [1, -2, 3, 0.5, 0];
    // (a) exactness.
    const ad = scalarTrajectory(adam(), grads);
    criteria.push(
      below(
        '(a) Adam θ_1..θ_5, max relative error vs hand-computed values',
        maxRelError(ad, ADAM_EXPECTED),
        1e-12,
        '≤ 1e-12',
      ),
    );
    const am = scalarTrajectory(adamax({ lr: 0.002, eps: 0 }), grads);
    criteria.push(
      below(
        '(a) AdaMax (α = 0.002) θ_1..θ_5, max relative error',
        maxRelError(am, ADAMAX_EXPECTED),
        1e-12,
        '≤ 1e-12',
      ),
    );
    // (b) first step with and without bias correction.
    const alpha = 1e-3;
    let corrDev = 0;
    const raw: Record<string, number> = {};
    for (const g0 of [1e-3, 1, -50]) {
      for (const b2 of [0.999, 0.9999]) {
        const [c] = scalarTrajectory(adam({ lr: alpha, b2, eps: 0 }), [g0]);
        const [u] = scalarTrajectory(adam({ lr: alpha, b2, eps: 0, debias: false }), [g0]);
        corrDev = Math.max(corrDev, Math.abs(Math.abs(c as number) / alpha - 1));
        raw[String(b2)] = Math.max(raw[String(b2)] ?? 0, Math.abs(u as number) / alpha);
      }
    }
    criteria.push(
      below(
        '(b) first step / α with bias correction, |ratio − 1| (g_1 ∈ {1e-3, 1, −50})',
        corrDev,
        1e-12,
        '≤ 1e-12 (ratio 1)',
      ),
    );
    criteria.push(
      below(
        '(b) first step / α without correction at β2 = 0.999, |ratio − 3.162278|',
        Math.abs((raw['0.999'] as number) - 0.1 / Math.sqrt(0.001)),
        1e-9,
        '3.162α',
      ),
    );
    criteria.push(
      below(
        '(b) first step / α without correction at β2 = 0.9999, |ratio − 10|',
        Math.abs((raw['0.9999'] as number) - 10),
        1e-9,
        '10α',
      ),
    );
    // The strict bounds, reached by g_s ∝ (β1/β2)^{T−s} (Adam) and g_s = β2^{−(T−s)} (AdaMax).
    const b1 = 0.9;
    const b2 = 0.999;
    const adamBound = (1 - b1) / Math.sqrt(1 - b2) / Math.sqrt(1 - (b1 * b1) / b2);
    const adamaxBound = (1 - b1) / (1 - b1 / b2);
    const T = 30_000;
    const worst = Array.from({ length: T }, (_, s) => (b1 / b2) ** (T - 1 - s));
    const a = scalarTrajectory(adam({ lr: 1 }), worst);
    const adamWorst = Math.abs((a[T - 1] as number) - (a[T - 2] as number));
    criteria.push(
      below(
        '(b) Adam: largest step / α on the adversarial sequence vs the bound 7.27 (relative)',
        Math.abs(adamWorst / adamBound - 1),
        1e-6,
        `${adamBound.toFixed(4)} ± 1e-6 rel.`,
      ),
    );
    const worstMax = Array.from({ length: 2000 }, (_, s) => b2 ** -(2000 - 1 - s));
    const m = scalarTrajectory(adamax({ lr: 1, eps: 0 }), worstMax);
    const adamaxWorst = Math.abs((m[1999] as number) - (m[1998] as number));
    criteria.push(
      below(
        '(b) AdaMax: largest step / α vs the bound 1.00909 (relative)',
        Math.abs(adamaxWorst / adamaxBound - 1),
        1e-9,
        `${adamaxBound.toFixed(5)} ± 1e-9 rel.`,
      ),
    );
    ctx.progress?.(0.1, 'adam: exactness checked');
    await pause();

    // (c) sparse logistic regression, with and without bias correction.
    const epochs = ctx.quick ? 1 : 10;
    const d = 2000;
    const n = ctx.quick ? 3000 : 6000;
    const runs: Json[] = [];
    const lossRows: Row[] = [];
    const barRows: Row[] = [];
    let k = 0;
    for (const seed of seeds) {
      const root = new Rng(seed);
      const data = sparseLogisticData(root, d, n);
      // Same shuffles and dropout masks for the four variants of a seed.
      const trainSeed = 1_000_003 * (seed + 1);
      const res: Record<string, LogisticRun> = {};
      for (const beta2 of [0.9999, 0.99]) {
        for (const debias of [true, false]) {
          const r = trainSparseLogistic(
            data,
            { lr: 0.1, b2: beta2, debias },
            epochs,
            new Rng(trainSeed),
          );
          res[`${beta2}/${debias}`] = r;
          const label = `β2 = ${beta2}, ${debias ? 'corrected' : 'uncorrected'}`;
          r.fullLoss.forEach((l, e) =>
            lossRows.push({ run: `${label} (seed ${seed})`, epoch: e + 1, loss: roundTo(l, 5) }),
          );
          barRows.push({
            setting: `β2 = ${beta2}`,
            variant: debias ? 'corrected' : 'uncorrected',
            seed,
            loss: roundTo(r.fullLoss[0] as number, 5),
          });
          runs.push({
            part: 'c',
            seed,
            b2: beta2,
            debias,
            epochLoss: r.epochLoss.map((v) => roundTo(v, 6)),
            fullLoss: r.fullLoss.map((v) => roundTo(v, 6)),
          });
          k++;
          ctx.progress?.(
            0.1 + (0.9 * k) / (4 * seeds.length),
            `adam: logistic regression ${k}/${4 * seeds.length}`,
          );
          await pause();
        }
      }
      const e1 = (key: string): number => (res[key] as LogisticRun).fullLoss[0] as number;
      const ratioHigh = e1('0.9999/false') / e1('0.9999/true');
      const ratioLow = e1('0.99/false') / e1('0.99/true');
      const sizeNote = ctx.quick ? ` (quick: N = ${n})` : '';
      criteria.push(
        above(
          `(c) seed ${seed}: training loss after epoch 1, uncorrected / corrected, β2 = 0.9999${sizeNote}`,
          ratioHigh,
          1.5,
          '≥ 1.5 (calibrated 1.33/0.61)',
        ),
      );
      criteria.push(
        below(
          `(c) seed ${seed}: |training loss after epoch 1, uncorrected / corrected − 1|, β2 = 0.99${sizeNote}`,
          Math.abs(ratioLow - 1),
          0.02,
          '≤ 0.02',
        ),
      );
      runs.push({
        part: 'c-summary',
        seed,
        epoch1: {
          corrected9999: e1('0.9999/true'),
          uncorrected9999: e1('0.9999/false'),
          corrected99: e1('0.99/true'),
          uncorrected99: e1('0.99/false'),
        },
        ratioHigh,
        ratioLow,
      });
    }
    runs.unshift(
      { part: 'a', adam: ad, adamax: am },
      {
        part: 'b',
        firstStepUncorrected: { '0.999': raw['0.999'] ?? null, '0.9999': raw['0.9999'] ?? null },
        adamWorstStep: adamWorst,
        adamBound,
        adamaxWorstStep: adamaxWorst,
        adamaxBound,
      },
    );
    const charts = [
      barChart(
        'epoch1-loss',
        'Training loss after epoch 1 (full training set, no dropout), with and without bias correction (α = 0.1)',
        barRows,
        'setting',
        { field: 'loss', title: 'training loss after epoch 1' },
        'variant',
      ),
    ];
    if (epochs > 1)
      charts.push(
        lineChart(
          'epoch-loss',
          'Training loss after each epoch',
          lossRows,
          { field: 'epoch', title: 'epoch' },
          { field: 'loss', title: 'training loss (full set)', log: true },
          'run',
        ),
      );
    ctx.progress?.(1, 'adam: done');
    return finish(adamPaper, ctx, { t0, seeds, criteria, runs, charts });
  },
};
