import { noGrad } from '../autograd/index.js';
import { sparse } from '../init/sparse.js';
import { bceWithLogits, linear, sigmoid } from '../ops/index.js';
import { injectHyperparams, type InjectHyperparamsState } from '../optim/inject-hyperparams.js';
import { Optimizer } from '../optim/optimizer.js';
import { partition } from '../optim/partition.js';
import { sgd } from '../optim/sgd.js';
import type { TraceState } from '../optim/trace.js';
import type { NamedChainState } from '../optim/named-chain.js';
import type { GradientTransformation, Params } from '../optim/types.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { above, below, finish, holds, pause, roundTo, seedsOf } from './internal/outcome.js';
import { lineChart, type Row } from './internal/vega.js';
import type { Criterion, Experiment, ExperimentContext, ExperimentResult, Json } from './types.js';
import { runLoop, trainLoop } from '../train/loop.js';
import { terminateOnNonFinite } from '../train/terminate-on-non-finite.js';

// ---------------------------------------------------------------------------------------------
// (a) The quadratic f = ½ Σ λ_i x_i², λ = (1, 100), x_0 = (1, 1).

const LAMBDAS: readonly [number, number] = [1, 100];

/** Two scalar parameters x1, x2 whose gradients are λ_i·x_i (set before each step). */
function quadratic(x0: readonly [number, number]): {
  params: Params;
  setGrads: () => void;
  x: () => [number, number];
} {
  const mk = (v: number): Tensor => {
    const t = new Tensor(new Float64Array([v]), [1]);
    t.grad = new Tensor(new Float64Array(1), [1]);
    return t;
  };
  const x1 = mk(x0[0]);
  const x2 = mk(x0[1]);
  return {
    params: { x1, x2 },
    setGrads: () => {
      (x1.grad as Tensor).data[0] = LAMBDAS[0] * (x1.data[0] as number);
      (x2.grad as Tensor).data[0] = LAMBDAS[1] * (x2.data[0] as number);
    },
    x: () => [x1.data[0] as number, x2.data[0] as number],
  };
}

/**
 * Sutskever's NAG iterates θ_t on the quadratic, from the library's PyTorch-style Nesterov SGD:
 * PyTorch stores the look-ahead point p = θ + μv and the buffer b = −v/ε, so θ = p + εμ·b.
 * @example nagTrajectory(0.009, 0.95, 100)
 * @see Sutskever, Martens, Dahl & Hinton, ICML 2013, §2.1
 */
export function nagTrajectory(eps: number, mu: number, steps: number): [number, number][] {
  const q = quadratic([1, 1]);
  const opt = new Optimizer(q.params, sgd({ lr: eps, momentum: mu, nesterov: true }));
  const out: [number, number][] = [];
  for (const _ of trainLoop({ optimizer: opt, steps, next: () => null, gradients: q.setGrads })) {
    const b = ((opt.state as NamedChainState)[0] as TraceState).trace;
    const [p1, p2] = q.x();
    out.push([p1 + eps * mu * (b['x1']?.[0] as number), p2 + eps * mu * (b['x2']?.[0] as number)]);
  }
  return out;
}

/**
 * Classical momentum θ_t on the quadratic with one momentum per direction (parameter groups).
 * @example cmTrajectory(0.009, [0.95, 0.95], 100)
 */
export function cmTrajectory(
  eps: number,
  mus: readonly [number, number],
  steps: number,
): [number, number][] {
  const q = quadratic([1, 1]);
  const tx = partition(
    { d1: sgd({ lr: eps, momentum: mus[0] }), d2: sgd({ lr: eps, momentum: mus[1] }) },
    (n) => (n === 'x1' ? 'd1' : 'd2'),
  );
  const out: [number, number][] = [];
  runLoop({
    optimizer: new Optimizer(q.params, tx),
    steps,
    next: () => null,
    gradients: q.setGrads,
    callbacks: [{ onStep: () => void out.push(q.x()) }],
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// (b) The deep autoencoder 64-32-16-4-16-32-64.

/**
 * Layer sizes of the autoencoder.
 * @example AUTOENCODER_SIZES.length // 7
 * @see Sutskever, Martens, Dahl & Hinton, "On the importance of initialization and momentum in deep learning", ICML 2013
 */
export const AUTOENCODER_SIZES: readonly number[] = [64, 32, 16, 4, 16, 32, 64];
/** Index of the linear code layer's output (layer 3, the 4 units). */
const CODE_LAYER = 2;

/**
 * The data x = σ(zA), z ~ U[−1, 1]⁴, A ~ N(0, 2²) of shape 4×64.
 * @example const x = autoencoderData(new Rng(1000)); // 4096 × 64 values in (0, 1)
 * @see Sutskever, Martens, Dahl & Hinton, "On the importance of initialization and momentum in deep learning", ICML 2013, §3 (the synthetic variant of their autoencoder tasks)
 */
export function autoencoderData(rng: Rng, n = 4096): Float64Array {
  const A = new Float64Array(4 * 64);
  for (let i = 0; i < A.length; i++) A[i] = rng.normal(0, 2);
  const x = new Float64Array(n * 64);
  const z = new Float64Array(4);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 4; k++) z[k] = rng.uniform(-1, 1);
    for (let j = 0; j < 64; j++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += (z[k] as number) * (A[k * 64 + j] as number);
      x[i * 64 + j] = 1 / (1 + Math.exp(-s));
    }
  }
  return x;
}

/** Sparse-initialised weights (15 incoming N(0, 1) weights per unit) and zero biases. */
function autoencoderParams(rng: Rng): Params {
  const p: Params = {};
  for (let l = 0; l + 1 < AUTOENCODER_SIZES.length; l++) {
    const nIn = AUTOENCODER_SIZES[l] as number;
    const nOut = AUTOENCODER_SIZES[l + 1] as number;
    p[`w${l}`] = new Tensor(
      sparse([nOut, nIn], rng, { k: 15, dtype: 'float64' }),
      [nOut, nIn],
      true,
    );
    p[`b${l}`] = new Tensor(new Float64Array(nOut), [nOut], true);
  }
  return p;
}

/** The output logits: logistic hidden units, a linear 4-unit code, logistic outputs (as logits). */
function autoencoderLogits(p: Params, x: Tensor): Tensor {
  let h = x;
  const L = AUTOENCODER_SIZES.length - 1;
  for (let l = 0; l < L; l++) {
    const z = linear(h, p[`w${l}`] as Tensor, p[`b${l}`] as Tensor);
    h = l === L - 1 || l === CODE_LAYER ? z : sigmoid(z);
  }
  return h;
}

/**
 * Sutskever et al.'s momentum schedule μ_t = min(1 − 2^(−1 − log2(⌊t/250⌋ + 1)), μ_max), lowered to
 * at most `finalMu` in the last `finalSteps` updates.
 * @example momentumSchedule(0.99, 3000)(1000) // 0.9
 * @see Sutskever, Martens, Dahl & Hinton, ICML 2013, §3, eq. (5)
 */
export function momentumSchedule(
  muMax: number,
  updates: number,
  finalMu = 0.9,
  finalSteps = 200,
): (t: number) => number {
  return (t: number): number => {
    const mu = Math.min(1 - 2 ** (-1 - Math.log2(Math.floor(t / 250) + 1)), muMax);
    return t >= updates - finalSteps ? Math.min(mu, finalMu) : mu;
  };
}

/** Which optimizer an autoencoder run uses. */
export type AutoencoderMethod = 'sgd' | 'cm' | 'nag';

/** What one autoencoder run did. */
export interface AutoencoderRun {
  method: AutoencoderMethod;
  muMax: number;
  lr: number;
  seed: number;
  /** Squared reconstruction error Σ_j (x_j − x̂_j)², mean over the 4096 training points, averaged over the last 100 updates (every 10th). */
  finalError: number;
  /** The same error after the last update only. */
  lastError: number;
  /** (update, training error) along the run. */
  curve: { step: number; error: number }[];
}

/** Training error (squared, summed over outputs, mean over points) on the whole set. */
function reconstructionError(p: Params, data: Float64Array, n: number): number {
  return noGrad(() => {
    const xr = sigmoid(autoencoderLogits(p, new Tensor(data, [n, 64]))).data;
    let s = 0;
    for (let i = 0; i < n * 64; i++) s += ((xr[i] as number) - (data[i] as number)) ** 2;
    return s / n;
  });
}

/**
 * Trains the autoencoder with cross-entropy (summed over the 64 outputs, mean over the batch of
 * 32) and SGD, classical momentum or Nesterov momentum under the μ schedule.
 * @example trainAutoencoder(data, 0, { method: 'nag', muMax: 0.99, lr: 0.01, updates: 3000 })
 * @see Sutskever, Martens, Dahl & Hinton, "On the importance of initialization and momentum in deep learning", ICML 2013
 */
export function trainAutoencoder(
  data: Float64Array,
  seed: number,
  cfg: {
    method: AutoencoderMethod;
    muMax: number;
    lr: number;
    updates: number;
    evalEvery?: number;
  },
): AutoencoderRun {
  const n = data.length / 64;
  const rng = new Rng(seed);
  const p = autoencoderParams(rng.fork());
  const order = rng.fork();
  let tx: GradientTransformation<unknown>;
  if (cfg.method === 'sgd') tx = sgd({ lr: cfg.lr });
  else {
    const nesterov = cfg.method === 'nag';
    tx = injectHyperparams((h) => sgd({ lr: h.lr, momentum: h.momentum, nesterov }), {
      lr: cfg.lr,
      momentum: momentumSchedule(cfg.muMax, cfg.updates),
    });
  }
  const opt = new Optimizer(p, tx);
  // PyTorch's Nesterov keeps the look-ahead point p = θ + μv in the parameters; the iterate of
  // Sutskever et al.'s NAG is θ = p + lr·μ·b (b the momentum buffer), and that is what we score.
  const theta: Params = {};
  for (const [k, t] of Object.entries(p)) theta[k] = new Tensor(new Float64Array(t.size), t.shape);
  const scored = (): Params => {
    if (cfg.method !== 'nag') return p;
    const st = opt.state as InjectHyperparamsState<NamedChainState>;
    const mu = st.hyperparams['momentum'] as number;
    const buf = (st.inner[0] as TraceState).trace;
    for (const [k, t] of Object.entries(p)) {
      const b = buf[k];
      const out = (theta[k] as Tensor).data;
      for (let i = 0; i < t.size; i++)
        out[i] = (t.data[i] as number) + (b === undefined ? 0 : cfg.lr * mu * (b[i] as number));
    }
    return theta;
  };
  const B = 32;
  const xb = new Float64Array(B * 64);
  let perm = order.permutation(n);
  let pos = 0;
  const curve: AutoencoderRun['curve'] = [];
  const evalEvery = cfg.evalEvery ?? 100;
  let tailSum = 0;
  let tailCount = 0;
  const tailFrom = cfg.updates - 100;
  const end = runLoop({
    optimizer: opt,
    steps: cfg.updates,
    next: () => {
      if (pos + B > n) {
        perm = order.permutation(n);
        pos = 0;
      }
      for (let k = 0; k < B; k++)
        xb.set(
          data.subarray((perm[pos + k] as number) * 64, (perm[pos + k] as number) * 64 + 64),
          k * 64,
        );
      pos += B;
      return new Tensor(xb, [B, 64]);
    },
    // Sum over outputs, mean over the batch: the mean over all B·64 entries times 64.
    loss: (x) => bceWithLogits(autoencoderLogits(p, x), x, { reduction: 'sum' }).mul(1 / B),
    callbacks: [
      // A non-finite loss (sum/B is finite exactly when the sum is) ends the run as diverged.
      terminateOnNonFinite({ on: 'loss' }),
      {
        onStep({ step }, control) {
          if (control.stopped) return;
          const tail = step > tailFrom && step % 10 === 0;
          if (step % evalEvery === 0 || step === cfg.updates || tail) {
            const e = reconstructionError(scored(), data, n);
            if (step % evalEvery === 0 || step === cfg.updates) curve.push({ step, error: e });
            if (tail) {
              tailSum += e;
              tailCount++;
            }
          }
        },
      },
    ],
  });
  const diverged = end.stopReason !== null;
  const lastError = diverged ? NaN : reconstructionError(scored(), data, n);
  // SGD noise makes the error after one particular update a noisy measure (±50% over the last
  // few hundred updates at μ near 0.95): the mean over the last 100 updates is the reported one.
  const finalError = diverged || tailCount === 0 ? NaN : tailSum / tailCount;
  const clean = (v: number): number => (Number.isFinite(v) ? v : Infinity);
  return {
    method: cfg.method,
    muMax: cfg.muMax,
    lr: cfg.lr,
    seed,
    finalError: clean(finalError),
    lastError: clean(lastError),
    curve,
  };
}

/** Largest |a − b| over two trajectories. */
function maxDiff(a: readonly [number, number][], b: readonly [number, number][]): number {
  let m = 0;
  a.forEach(([u, v], t) => {
    const w = b[t] ?? [NaN, NaN];
    m = Math.max(m, Math.abs(u - w[0]), Math.abs(v - w[1]));
  });
  return Number.isNaN(m) ? Infinity : m;
}

const norm = (r: readonly [number, number][]): number =>
  Math.hypot(...(r[r.length - 1] ?? [NaN, NaN]));

/**
 * E6 — Nesterov vs classical momentum (Sutskever et al. 2013): on a quadratic NAG is classical
 * momentum with a smaller momentum in high-curvature directions; on a deep autoencoder NAG with
 * μ = 0.99 beats plain SGD by far and classical momentum.
 * @example const result = await momentum.run({ quick: true, seeds: [0] })
 * @see Sutskever, Martens, Dahl & Hinton, "On the importance of initialization and momentum in deep learning", ICML 2013
 */
export const momentum: Experiment = {
  name: 'momentum',
  id: 'E6',
  title: 'Nesterov momentum vs classical momentum',
  paper:
    'Sutskever, Martens, Dahl & Hinton, "On the importance of initialization and momentum in deep learning", ICML 2013',
  story:
    "Sutskever et al. showed that Nesterov's accelerated gradient (NAG) is classical momentum (CM) whose momentum in each " +
    'eigen-direction of a quadratic is reduced to μ(1 − ελ_i): it damps the oscillation of high-curvature directions that CM ' +
    'lets ring, and that with a momentum schedule rising to 0.99 and a sparse initialisation, plain first-order methods train ' +
    'deep autoencoders that were thought to need second-order methods. We check the equivalence to 1e-12 over 1000 steps on ' +
    "f = ½(x1² + 100 x2²), that NAG damps x2 (Σ|x2| over 100 steps below a tenth of CM's), and that at ε = 0.015 NAG " +
    'diverges where CM converges (so the two cannot be confused). Then we train a 64-32-16-4-16-32-64 logistic autoencoder ' +
    "(sparse init, 3000 updates of batch 32, the paper's μ schedule) with SGD, CM(0.99) and NAG(0.99), each at its best " +
    "learning rate of {0.1, 0.05, 0.01}: NAG reaches a training error below a quarter of SGD's and below CM's.",
  defaultSeeds: { full: [0, 1], quick: [0] },
  async run(ctx: ExperimentContext): Promise<ExperimentResult> {
    const t0 = performance.now();
    const seeds = seedsOf(momentum, ctx);
    const criteria: Criterion[] = [];
    const runs: Json[] = [];
    // (a)
    const eps = 0.009;
    const mu = 0.95;
    const nag = nagTrajectory(eps, mu, 1000);
    const equiv = cmTrajectory(
      eps,
      [mu * (1 - eps * LAMBDAS[0]), mu * (1 - eps * LAMBDAS[1])],
      1000,
    );
    const diff = maxDiff(nag, equiv);
    criteria.push(
      below(
        '(a) NAG vs CM with per-direction momentum μ(1 − ελ_i), max |Δθ| over 1000 steps',
        diff,
        1e-12,
        '≤ 1e-12',
      ),
    );
    const cm = cmTrajectory(eps, [mu, mu], 100);
    const nagSum = nag.slice(0, 100).reduce((s, [, x2]) => s + Math.abs(x2), 0);
    const cmSum = cm.reduce((s, [, x2]) => s + Math.abs(x2), 0);
    criteria.push(
      below(
        '(a) ε = 0.009, μ = 0.95: Σ|x2| over 100 steps, NAG / CM',
        nagSum / cmSum,
        0.1,
        '< 0.1 (calibrated 0.206/25.2)',
      ),
    );
    const nagDiv = norm(nagTrajectory(0.015, 0.95, 1000));
    const cmConv = norm(cmTrajectory(0.015, [0.95, 0.95], 1000));
    criteria.push(above('(a) ε = 0.015, μ = 0.95: NAG ‖θ_1000‖ (diverges)', nagDiv, 1e6));
    criteria.push(below('(a) ε = 0.015, μ = 0.95: CM ‖θ_1000‖ (converges)', cmConv, 1e-6));
    runs.push({
      part: 'a',
      maxDiff: diff,
      nagSumAbsX2: nagSum,
      cmSumAbsX2: cmSum,
      nagNormAt0015: roundTo(nagDiv),
      cmNormAt0015: cmConv,
    });
    const quadRows: Row[] = [];
    nag
      .slice(0, 100)
      .forEach(([, x2], t) => quadRows.push({ method: 'NAG', t: t + 1, x2: roundTo(x2, 5) }));
    cm.forEach(([, x2], t) => quadRows.push({ method: 'CM', t: t + 1, x2: roundTo(x2, 5) }));
    ctx.progress?.(0.02, 'momentum: quadratic done');
    await pause();

    // (b)
    const updates = ctx.quick ? 1000 : 3000;
    const lrs = ctx.quick ? [0.05] : [0.1, 0.05, 0.01];
    const methods: [AutoencoderMethod, number, string][] = [
      ['sgd', 0, 'SGD'],
      ['cm', 0.99, 'CM(0.99)'],
      ['nag', 0.99, 'NAG(0.99)'],
    ];
    const curveRows: Row[] = [];
    const total = seeds.length * methods.length * lrs.length;
    let done = 0;
    for (const seed of seeds) {
      const data = autoencoderData(new Rng(1000 + seed));
      const best: Record<string, AutoencoderRun> = {};
      for (const [method, muMax, label] of methods) {
        for (const lr of lrs) {
          const r = trainAutoencoder(data, seed, { method, muMax, lr, updates, evalEvery: 250 });
          runs.push({
            part: 'b',
            seed,
            method: label,
            lr,
            finalError: roundTo(r.finalError),
            lastError: roundTo(r.lastError),
            curve: r.curve.map((c) => ({ step: c.step, error: roundTo(c.error, 5) })),
          });
          const prev = best[label];
          if (prev === undefined || r.finalError < prev.finalError) best[label] = r;
          done++;
          ctx.progress?.(0.02 + (0.98 * done) / total, `momentum: autoencoder ${done}/${total}`);
          await pause();
        }
      }
      const s = (best['SGD'] as AutoencoderRun).finalError;
      const c = (best['CM(0.99)'] as AutoencoderRun).finalError;
      const v = (best['NAG(0.99)'] as AutoencoderRun).finalError;
      const note = ctx.quick
        ? ` (quick: ${updates} updates, lr 0.05 only)`
        : ` (best lr: SGD ${best['SGD']?.lr}, CM ${best['CM(0.99)']?.lr}, NAG ${best['NAG(0.99)']?.lr})`;
      criteria.push(
        holds(
          `(b) seed ${seed}: NAG(0.99) training error (mean over the last 100 updates) < SGD / 4${note}`,
          v < s / 4,
          '< SGD/4 (calibrated SGD 0.13–0.17, NAG 0.015–0.022)',
          `${roundTo(v, 4)} vs ${roundTo(s, 4)}`,
        ),
      );
      if (!ctx.quick)
        criteria.push(
          holds(
            `(b) seed ${seed}: NAG(0.99) < CM(0.99)`,
            v < c,
            '< CM (calibrated 0.025–0.030)',
            `${roundTo(v, 4)} vs ${roundTo(c, 4)}`,
          ),
        );
      for (const [label, r] of Object.entries(best)) {
        for (const pt of r.curve)
          curveRows.push({
            run: `${label} lr ${r.lr} (seed ${seed})`,
            step: pt.step,
            error: roundTo(pt.error, 5),
          });
      }
    }
    const charts = [
      lineChart(
        'quadratic-x2',
        'x2 on f = ½(x1² + 100x2²), ε = 0.009, μ = 0.95: NAG damps the stiff direction',
        quadRows,
        { field: 't', title: 'step' },
        { field: 'x2', title: 'x2' },
        'method',
      ),
      lineChart(
        'autoencoder',
        'Autoencoder training error (best lr per method)',
        curveRows,
        { field: 'step', title: 'update' },
        { field: 'error', title: 'squared reconstruction error', log: true },
        'run',
      ),
    ];
    ctx.progress?.(1, 'momentum: done');
    return finish(momentum, ctx, { t0, seeds, criteria, runs, charts });
  },
};
