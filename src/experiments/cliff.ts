import { valueAndGrad } from '../autograd/index.js';
import { byGlobalNorm } from '../clip/by-global-norm.js';
import { add, mul, sigmoid, square, sub } from '../ops/index.js';
import { chain } from '../optim/chain.js';
import { Optimizer } from '../optim/optimizer.js';
import { sgd } from '../optim/sgd.js';
import type { GradientTransformation } from '../optim/types.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { above, below, finish, near, pause, roundTo, seedsOf } from './internal/outcome.js';
import { heatmapWithPaths, lineChart, thin, type Path, type Row } from './internal/vega.js';
import type { Criterion, Experiment, ExperimentContext, ExperimentResult, Json } from './types.js';
import { runLoop } from '../train/loop.js';

/**
 * Steps of the one-unit RNN.
 * @example cliffError(5, -2.7, CLIFF_STEPS)
 * @see Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural networks", ICML 2013
 */
export const CLIFF_STEPS = 50;
/** x_0. */
const X0 = 0.5;
/** Target of σ(x_50). */
const TARGET = 0.7;

function logistic(v: number): number {
  return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
}

/**
 * The error of Pascanu et al.'s one-unit RNN: x_t = w·σ(x_{t−1}) + b, x_0 = 0.5,
 * E = (σ(x_50) − 0.7)².
 * @example cliffError(5, -2.7) // ≈ 0.43 (on the high side of the wall)
 * @see Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural networks", ICML 2013, §2.3
 */
export function cliffError(w: number, b: number, steps = CLIFF_STEPS): number {
  let x = X0;
  for (let t = 0; t < steps; t++) x = w * logistic(x) + b;
  const e = logistic(x) - TARGET;
  return e * e;
}

/**
 * E and its gradient (∂E/∂w, ∂E/∂b) by back-propagation through time, written out for the one
 * unit: δ_50 = 2(σ(x_50) − 0.7)·σ′(x_50); ∂E/∂w = Σ_t δ_t·σ(x_{t−1}), ∂E/∂b = Σ_t δ_t;
 * δ_{t−1} = δ_t·w·σ′(x_{t−1}). `scratch` (length ≥ steps + 1) avoids allocation in loops.
 * @example cliffErrorAndGrad(5, -2.6) // [E, dE/dw, dE/db]
 * @see Pascanu, Mikolov & Bengio, ICML 2013, §2.3 (Figure 6)
 */
export function cliffErrorAndGrad(
  w: number,
  b: number,
  steps = CLIFF_STEPS,
  scratch: Float64Array = new Float64Array(steps + 1),
): [number, number, number] {
  // scratch[t] = σ(x_t): every quantity of the backward pass is a function of it.
  let x = X0;
  for (let t = 0; t < steps; t++) {
    const s = logistic(x);
    scratch[t] = s;
    x = w * s + b;
  }
  const sT = logistic(x);
  const e = sT - TARGET;
  let delta = 2 * e * sT * (1 - sT);
  let gw = 0;
  let gb = 0;
  for (let t = steps; t >= 1; t--) {
    const s = scratch[t - 1] as number;
    gw += delta * s;
    gb += delta;
    delta = delta * w * s * (1 - s);
  }
  return [e * e, gw, gb];
}

/**
 * The same E written with differentiable ops, so the hand-written BPTT can be checked against the
 * autograd engine: returns [E, ∂E/∂w, ∂E/∂b].
 * @example cliffErrorAutograd(5, -2.6)
 */
export function cliffErrorAutograd(
  w: number,
  b: number,
  steps = CLIFF_STEPS,
): [number, number, number] {
  const f = (wt: Tensor, bt: Tensor): Tensor => {
    let x = new Tensor(new Float64Array([X0]), [1]);
    for (let t = 0; t < steps; t++) x = add(mul(wt, sigmoid(x)), bt);
    return square(sub(sigmoid(x), TARGET));
  };
  const [v, [gw, gb]] = valueAndGrad(f)(
    new Tensor(new Float64Array([w]), [1]),
    new Tensor(new Float64Array([b]), [1]),
  );
  return [v.item(), (gw as Tensor).item(), (gb as Tensor).item()];
}

/**
 * Locates the wall along w = 5 by bisection on b ∈ [lo, hi]: the b where E crosses `level`
 * (E is high left of the wall, low right of it).
 * @example wallPosition() // ≈ −2.6123504
 */
export function wallPosition(w = 5, lo = -2.7, hi = -2.6, level = 0.2, iterations = 100): number {
  let a = lo;
  let c = hi;
  for (let k = 0; k < iterations && c - a > 0; k++) {
    const m = 0.5 * (a + c);
    if (m === a || m === c) break;
    if (cliffError(w, m) > level) a = m;
    else c = m;
  }
  return 0.5 * (a + c);
}

/** One gradient-descent run on (w, b). */
interface DescentRun {
  w0: number;
  b0: number;
  finalError: number;
  /** Whether E < 1e-4 at the end. */
  solved: boolean;
  /** Whether E < 1e-4 at some step. */
  everSolved: boolean;
  maxStep: number;
  /** Steps longer than 1. */
  longSteps: number;
  path: [number, number][];
}

const STEPS_KEPT_IN_PATH = 160;

function descend(
  tx: GradientTransformation<unknown>,
  w0: number,
  b0: number,
  updates: number,
  keepPath: boolean,
  scratch: Float64Array,
): DescentRun {
  const w = new Tensor(new Float64Array([w0]), [1]);
  const b = new Tensor(new Float64Array([b0]), [1]);
  const gW = new Tensor(new Float64Array(1), [1]);
  const gB = new Tensor(new Float64Array(1), [1]);
  w.grad = gW;
  b.grad = gB;
  let maxStep = 0;
  let longSteps = 0;
  let everSolved = false;
  const full: [number, number][] = keepPath ? [[w0, b0]] : [];
  runLoop({
    optimizer: new Optimizer({ w, b }, tx),
    steps: updates,
    // The "batch" is the point the step starts from.
    next: (): [number, number] => [w.data[0] as number, b.data[0] as number],
    gradients([wk, bk]) {
      const [ek, gw, gb] = cliffErrorAndGrad(wk, bk, CLIFF_STEPS, scratch);
      if (ek < 1e-4) everSolved = true;
      gW.data[0] = gw;
      gB.data[0] = gb;
      return undefined;
    },
    callbacks: [
      {
        onStep({ batch: [wk, bk] }) {
          const len = Math.hypot((w.data[0] as number) - wk, (b.data[0] as number) - bk);
          if (!(len <= maxStep)) maxStep = Number.isNaN(len) ? NaN : Math.max(maxStep, len);
          if (len > 1) longSteps++;
          if (keepPath) full.push([w.data[0] as number, b.data[0] as number]);
        },
      },
    ],
  });
  const e = cliffError(w.data[0] as number, b.data[0] as number);
  if (e < 1e-4) everSolved = true;
  return {
    w0,
    b0,
    finalError: e,
    solved: e < 1e-4,
    everSolved,
    maxStep,
    longSteps,
    path: keepPath ? thinPath(full) : [],
  };
}

/** Keeps the early part densely (where the jumps happen) and the rest sparsely. */
function thinPath(points: [number, number][]): [number, number][] {
  const early = points.slice(0, 60);
  return [...early, ...thin(points.slice(60), STEPS_KEPT_IN_PATH - 60)];
}

/**
 * E1 — the error cliff of a one-unit RNN (Pascanu, Mikolov & Bengio 2013, §2.3): gradient
 * descent with global-norm clipping crosses the wall with bounded steps; without clipping the
 * wall's huge gradient throws the parameters far away.
 * @example const result = await cliff.run({ quick: true, seeds: [0] }); result.pass
 * @see Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural networks", ICML 2013, §2.3
 */
export const cliff: Experiment = {
  name: 'cliff',
  id: 'E1',
  title: 'The error cliff of a one-unit RNN: clipping tames the wall',
  paper:
    'Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural networks", ICML 2013, §2.3',
  story:
    'Pascanu et al. show that a recurrent network x_t = w·σ(x_{t−1}) + b has an error surface with a wall: along w = 5 the ' +
    'error E = (σ(x_50) − 0.7)² jumps from ≈ 0.43 to ≈ 0 as b crosses a bifurcation, and the gradient on the wall is enormous, ' +
    'so a gradient step that hits it is catapulted far away and the optimisation is undone. Rescaling the gradient to a ' +
    'maximum norm keeps the step bounded while keeping its direction. We locate the wall by bisection, measure the gradient ' +
    'on it (by hand-written BPTT, checked against the autograd engine), and run gradient descent (lr 0.5, 3000 steps) from ' +
    'random starts with and without global-norm clipping at 1: clipped runs reach E < 1e-4 more often and never take a ' +
    'step longer than 0.5; unclipped runs take steps of thousands.',
  defaultSeeds: { full: [0], quick: [0] },
  async run(ctx: ExperimentContext): Promise<ExperimentResult> {
    const t0 = performance.now();
    const seeds = seedsOf(cliff, ctx);
    const startsPerSeed = ctx.quick ? 100 : 400;
    const updates = ctx.quick ? 1500 : 3000;
    const lr = 0.5;
    const criteria: Criterion[] = [];
    const scratch = new Float64Array(CLIFF_STEPS + 1);

    // The wall along w = 5.
    const bStar = wallPosition();
    criteria.push(near('wall b* along w = 5 (bisection on E = 0.2)', bStar, -2.6123504, 1e-6));
    // The wall is steep but not a discontinuity at 50 steps: the crossing of E = 0.3 and of
    // E = 0.02 bracket it (our calibration: 7.1e-5 apart).
    const width = wallPosition(5, -2.7, -2.6, 0.02) - wallPosition(5, -2.7, -2.6, 0.3);
    criteria.push(below('wall width: Δb between E = 0.3 and E = 0.02 along w = 5', width, 1e-4));
    criteria.push(above('E(w = 5, b = −2.7)', cliffError(5, -2.7), 0.3));
    criteria.push(below('E(w = 5, b = −2.6)', cliffError(5, -2.6), 0.02));
    let maxGrad = 0;
    for (let i = -200; i <= 200; i++) {
      const [, gw, gb] = cliffErrorAndGrad(5, bStar + i * 5e-8, CLIFF_STEPS, scratch);
      maxGrad = Math.max(maxGrad, Math.hypot(gw, gb));
    }
    criteria.push(above('max |∇E| within 1e-5 of b* (401 points)', maxGrad, 1e3));
    // Hand BPTT vs the autograd engine at a few points, including one on the wall.
    let maxRel = 0;
    for (const [w, b] of [
      [5, -2.7],
      [5, -2.6],
      [5, bStar],
      [1, 0],
      [8, -4],
      [-1.5, 1.2],
    ] as const) {
      const [, hw, hb] = cliffErrorAndGrad(w, b);
      const [, aw, ab] = cliffErrorAutograd(w, b);
      maxRel = Math.max(
        maxRel,
        Math.abs(hw - aw) / Math.max(1e-300, Math.abs(aw), Math.abs(hw)),
        Math.abs(hb - ab) / Math.max(1e-300, Math.abs(ab), Math.abs(hb)),
      );
    }
    criteria.push(below('hand-written BPTT vs autograd, max relative difference', maxRel, 1e-9));

    // Gradient descent from random starts, with and without clipping.
    const clipped: DescentRun[] = [];
    const unclipped: DescentRun[] = [];
    const total = seeds.length * startsPerSeed;
    let done = 0;
    const showPaths = 6;
    for (const seed of seeds) {
      const rng = new Rng(seed);
      for (let i = 0; i < startsPerSeed; i++) {
        const w0 = rng.uniform(-2, 10);
        const b0 = rng.uniform(-8, 2);
        const keep = clipped.length < showPaths;
        clipped.push(descend(chain(byGlobalNorm(1), sgd({ lr })), w0, b0, updates, keep, scratch));
        unclipped.push(descend(sgd({ lr }), w0, b0, updates, keep, scratch));
        done++;
        if (done % 20 === 0) {
          ctx.progress?.(done / total, `cliff: ${done}/${total} starts`);
          await pause();
        }
      }
    }
    const frac = (runs: DescentRun[]): number => runs.filter((r) => r.solved).length / runs.length;
    const fClip = frac(clipped);
    const fFree = frac(unclipped);
    const maxClipStep = Math.max(...clipped.map((r) => r.maxStep));
    const maxFreeStep = Math.max(...unclipped.map((r) => r.maxStep));
    const n = clipped.length;
    criteria.push(
      below(
        `clipped: longest step over ${n} runs × ${updates} updates`,
        maxClipStep,
        0.5 + 1e-12,
        '≤ 0.5',
      ),
    );
    if (ctx.quick) {
      criteria.push(
        above(
          `clipped: fraction of ${n} runs with final E < 1e-4 (quick: ${updates} updates; full ≥ 0.80)`,
          fClip,
          0.7,
          '≥ 0.7',
        ),
      );
      criteria.push(
        below(
          `unclipped: fraction with final E < 1e-4 (quick; full ≤ 0.75)`,
          fFree,
          fClip,
          '< clipped fraction',
        ),
      );
    } else {
      criteria.push(
        above(`clipped: fraction of ${n} runs with final E < 1e-4`, fClip, 0.8 - 1e-12, '≥ 0.80'),
      );
      criteria.push(
        below(
          `unclipped: fraction of ${n} runs with final E < 1e-4`,
          fFree,
          0.75 + 1e-12,
          '≤ 0.75',
        ),
      );
    }
    criteria.push(above('unclipped: longest step', maxFreeStep, 100));

    // The error surface with a few trajectories of both kinds.
    const xs = Array.from({ length: 49 }, (_, i) => -2 + (12 * i) / 48);
    const ys = Array.from({ length: 41 }, (_, j) => -8 + (10 * j) / 40);
    const z = ys.map((b) => xs.map((w) => cliffError(w, b)));
    const paths: Path[] = [];
    clipped
      .slice(0, showPaths)
      .forEach((r, i) => paths.push({ series: 'clipped (norm 1)', id: String(i), points: r.path }));
    unclipped
      .slice(0, showPaths)
      .forEach((r, i) => paths.push({ series: 'unclipped', id: String(i), points: r.path }));
    const wallRows: Row[] = [];
    for (let i = -100; i <= 100; i++) {
      const b = -2.7 + (0.1 * (i + 100)) / 200;
      wallRows.push({ b: roundTo(b, 8), E: roundTo(cliffError(5, b), 6) });
    }
    const charts = [
      heatmapWithPaths(
        'error-surface',
        'E(w, b) with gradient-descent trajectories (clipped vs unclipped)',
        { xs, ys, z, label: 'E' },
        'w',
        'b',
        paths,
      ),
      lineChart(
        'wall',
        'The wall along w = 5',
        wallRows,
        { field: 'b', title: 'b' },
        { field: 'E', title: 'E' },
      ),
    ];
    const record = (kind: string, r: DescentRun): Json => ({
      kind,
      w0: roundTo(r.w0),
      b0: roundTo(r.b0),
      finalError: roundTo(r.finalError),
      solved: r.solved,
      everSolved: r.everSolved,
      maxStep: roundTo(r.maxStep),
      longSteps: r.longSteps,
    });
    const runs: Json[] = [
      {
        summary: true,
        bStar,
        maxGradNearWall: roundTo(maxGrad),
        starts: n,
        updates,
        lr,
        clippedSolvedFraction: fClip,
        unclippedSolvedFraction: fFree,
        clippedEverSolvedFraction: clipped.filter((r) => r.everSolved).length / n,
        unclippedEverSolvedFraction: unclipped.filter((r) => r.everSolved).length / n,
        maxClippedStep: roundTo(maxClipStep),
        maxUnclippedStep: roundTo(maxFreeStep),
      },
      ...clipped.map((r) => record('clipped', r)),
      ...unclipped.map((r) => record('unclipped', r)),
    ];
    ctx.progress?.(1, 'cliff: done');
    return finish(cliff, ctx, { t0, seeds, criteria, runs, charts });
  },
};
