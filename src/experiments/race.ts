import { valueAndGrad } from '../autograd/index.js';
import { add, cos, mul, pow, square, sub } from '../ops/index.js';
import { adam } from '../optim/adam.js';
import { Optimizer } from '../optim/optimizer.js';
import { sgd } from '../optim/sgd.js';
import type { GradientTransformation } from '../optim/types.js';
import { Tensor } from '../tensor/tensor.js';
import { below, finish, holds, pause, roundTo, seedsOf } from './internal/outcome.js';
import { heatmapWithPaths, lineChart, thin, type Path, type Row } from './internal/vega.js';
import type { Criterion, Experiment, ExperimentContext, ExperimentResult, Json } from './types.js';
import { runLoop } from '../train/loop.js';

/** A 2-D test function written with differentiable ops, with its plotting box and minimum. */
export interface TestFunction {
  name: string;
  /** f(x, y) on 1-element tensors. */
  f: (x: Tensor, y: Tensor) => Tensor;
  start: [number, number];
  /** The minimum value (for log-scale plots), or null when unbounded below. */
  fMin: number | null;
  box: { x: [number, number]; y: [number, number] };
}

/**
 * Rosenbrock's banana (1 − x)² + 100(y − x²)², minimum 0 at (1, 1), from (−1.2, 1).
 * @see Rosenbrock, "An automatic method for finding the greatest or least value of a function", 1960
 * @example ROSENBROCK.f(tensor([1], { dtype: "float64" }), tensor([1], { dtype: "float64" })).item() // 0
 */
export const ROSENBROCK: TestFunction = {
  name: 'rosenbrock',
  f: (x, y) => add(square(sub(1, x)), mul(100, square(sub(y, square(x))))),
  start: [-1.2, 1],
  fMin: 0,
  box: { x: [-2, 2], y: [-1, 3] },
};

/**
 * Beale's function (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)², minimum 0 at (3, 0.5), from (1, 1.5).
 * @see Beale, "On an iterative method for finding a local minimum of a function of more than one variable", 1958
 * @example BEALE.f(x, y) // x, y 1-element tensors
 */
export const BEALE: TestFunction = {
  name: 'beale',
  f: (x, y) =>
    add(
      add(square(add(sub(1.5, x), mul(x, y))), square(add(sub(2.25, x), mul(x, square(y))))),
      square(add(sub(2.625, x), mul(x, pow(y, 3)))),
    ),
  start: [1, 1.5],
  fMin: 0,
  box: { x: [-0.5, 4], y: [-1, 2] },
};

/**
 * The saddle x² − y² from (1, 1e-6): the gradient in y starts at 2e-6.
 * @example race(SADDLE, "Adam", adam({ lr: 1e-2 }), 3000, [-1])
 * @see Dauphin et al., "Identifying and attacking the saddle point problem in high-dimensional non-convex optimization", NeurIPS 2014
 */
export const SADDLE: TestFunction = {
  name: 'saddle',
  f: (x, y) => sub(square(x), square(y)),
  start: [1, 1e-6],
  fMin: null,
  box: { x: [-1.5, 1.5], y: [-1.5, 1.5] },
};

/**
 * Rastrigin's function 20 + Σ (x_i² − 10 cos 2πx_i), global minimum 0 at the origin among a
 * lattice of local minima, from (2.5, 2.5).
 * @see Rastrigin, "Systems of extremal control", 1974
 * @example race(RASTRIGIN, "GD", sgd({ lr: 1e-3 }), 3000)
 */
export const RASTRIGIN: TestFunction = {
  name: 'rastrigin',
  f: (x, y) =>
    add(
      add(20, sub(square(x), mul(10, cos(mul(2 * Math.PI, x))))),
      sub(square(y), mul(10, cos(mul(2 * Math.PI, y)))),
    ),
  start: [2.5, 2.5],
  fMin: 0,
  box: { x: [-3, 3], y: [-3, 3] },
};

/** One optimizer's race on a test function. */
export interface RaceRun {
  fn: string;
  optimizer: string;
  steps: number;
  finalF: number;
  /** First step after which f < threshold, per threshold (null if never). */
  firstBelow: Record<string, number | null>;
  /** (x, y) along the run (thinned). */
  path: [number, number][];
  /** (step, f) along the run (thinned). */
  curve: [number, number][];
}

/**
 * Runs an optimizer on a test function with gradients from autodiff, recording when f first
 * drops below each threshold.
 * @example race(ROSENBROCK, 'adam', adam({ lr: 1e-2 }), 5000, [1e-8])
 */
export function race(
  fn: TestFunction,
  label: string,
  tx: GradientTransformation<unknown>,
  steps: number,
  thresholds: readonly number[] = [],
  stopWhen?: (f: number) => boolean,
): RaceRun {
  const x = new Tensor(new Float64Array([fn.start[0]]), [1]);
  const y = new Tensor(new Float64Array([fn.start[1]]), [1]);
  x.grad = new Tensor(new Float64Array(1), [1]);
  y.grad = new Tensor(new Float64Array(1), [1]);
  const opt = new Optimizer({ x, y }, tx);
  const vg = valueAndGrad(fn.f);
  const firstBelow: Record<string, number | null> = {};
  for (const t of thresholds) firstBelow[String(t)] = null;
  const path: [number, number][] = [[fn.start[0], fn.start[1]]];
  const curve: [number, number][] = [];
  const gX = x.grad;
  const gY = y.grad;
  let f = NaN;
  // Measure f at x_k first, then step: the (steps + 1)-th measurement ends the run.
  const { steps: k } = runLoop({
    optimizer: opt,
    steps: steps + 1,
    next: () => null,
    gradients() {
      const [v, [gx, gy]] = vg(x, y);
      f = v.item();
      gX.data[0] = (gx as Tensor).data[0] as number;
      gY.data[0] = (gy as Tensor).data[0] as number;
    },
    callbacks: [
      {
        beforeStep({ step }, control) {
          const k = step - 1;
          curve.push([k, f]);
          for (const t of thresholds)
            if (firstBelow[String(t)] === null && f < t) firstBelow[String(t)] = k;
          if (k === steps || !Number.isFinite(f) || stopWhen?.(f) === true) control.stop('done');
        },
        onStep: () => void path.push([x.data[0] as number, y.data[0] as number]),
      },
    ],
  });
  return {
    fn: fn.name,
    optimizer: label,
    steps: k,
    finalF: f,
    firstBelow,
    path: thin(path, 200),
    curve: thin(curve, 300),
  };
}

/** The surface of a test function on a grid for the contour chart (log10(f − fMin + 1e-3) when bounded). */
function surface(
  fn: TestFunction,
  nx = 40,
  ny = 40,
): { xs: number[]; ys: number[]; z: number[][]; label: string } {
  const xs = Array.from(
    { length: nx },
    (_, i) => fn.box.x[0] + ((fn.box.x[1] - fn.box.x[0]) * i) / (nx - 1),
  );
  const ys = Array.from(
    { length: ny },
    (_, j) => fn.box.y[0] + ((fn.box.y[1] - fn.box.y[0]) * j) / (ny - 1),
  );
  const z = ys.map((y) =>
    xs.map((x) => {
      const v = fn
        .f(new Tensor(new Float64Array([x]), [1]), new Tensor(new Float64Array([y]), [1]))
        .item();
      return fn.fMin === null ? v : Math.log10(v - fn.fMin + 1e-3);
    }),
  );
  return { xs, ys, z, label: fn.fMin === null ? 'f' : 'log10(f − f* + 1e-3)' };
}

/**
 * E10 — optimizers racing on classic test functions (Rosenbrock, Beale, a saddle, Rastrigin): the
 * basis of the playground.
 * @example const result = await raceExperiment.run({ quick: true, seeds: [0] })
 * @see Kingma & Ba, ICLR 2015 (Adam); Sutskever et al., ICML 2013 (momentum)
 */
export const raceExperiment: Experiment = {
  name: 'race',
  id: 'E10',
  title: 'Optimizers racing on test functions',
  paper: 'Rosenbrock 1960; Beale 1958; Rastrigin 1974 — classic optimisation test functions',
  story:
    "The classic 2-D test functions show in one picture what each optimizer does: on Rosenbrock's curved valley plain " +
    "gradient descent crawls along the floor, momentum (classical or Nesterov) moves along it much faster, and Adam's " +
    'per-coordinate normalisation lets a larger step through; on a saddle x² − y² started 1e-6 off the ridge, gradient ' +
    "descent waits for the tiny gradient to grow geometrically while Adam's normalised step escapes at once. We check the " +
    'Rosenbrock race (GD lr 1e-3 reaches f < 1e-7 within 20,000 steps; CM and NAG at lr 5e-4, μ 0.9 and Adam at lr 1e-2 ' +
    'reach f < 1e-8 within 5,000), the saddle escape, and report Beale and Rastrigin, with gradients from autodiff.',
  defaultSeeds: { full: [0], quick: [0] },
  async run(ctx: ExperimentContext): Promise<ExperimentResult> {
    const t0 = performance.now();
    const seeds = seedsOf(raceExperiment, ctx);
    const criteria: Criterion[] = [];
    const all: RaceRun[] = [];
    const q = ctx.quick;
    // Rosenbrock, exactly as the catalogue states (quick mode shortens only GD's run).
    const gdSteps = q ? 5_000 : 20_000;
    const momSteps = 5_000;
    // Each run stops once its criterion is decided (the trajectory is at the minimum by then).
    const rGd = race(
      ROSENBROCK,
      'GD lr 1e-3',
      sgd({ lr: 1e-3 }),
      gdSteps,
      [1e-7, 1e-8],
      (f) => f < 1e-7,
    );
    const rCm = race(
      ROSENBROCK,
      'CM lr 5e-4 μ 0.9',
      sgd({ lr: 5e-4, momentum: 0.9 }),
      momSteps,
      [1e-7, 1e-8],
      (f) => f < 1e-8,
    );
    const rNag = race(
      ROSENBROCK,
      'NAG lr 5e-4 μ 0.9',
      sgd({ lr: 5e-4, momentum: 0.9, nesterov: true }),
      momSteps,
      [1e-7, 1e-8],
      (f) => f < 1e-8,
    );
    const rAdam = race(
      ROSENBROCK,
      'Adam lr 1e-2',
      adam({ lr: 1e-2 }),
      momSteps,
      [1e-7, 1e-8],
      (f) => f < 1e-8,
    );
    all.push(rGd, rCm, rNag, rAdam);
    const at = (r: RaceRun, t: number): number => r.firstBelow[String(t)] ?? Infinity;
    const stepCrit = (name: string, r: RaceRun, t: number, budget: number): Criterion => {
      const k = at(r, t);
      return holds(
        name,
        k <= budget,
        `≤ ${budget} steps`,
        Number.isFinite(k) ? k : `never (f = ${roundTo(r.finalF, 3)})`,
      );
    };
    if (q)
      criteria.push(
        below(
          'Rosenbrock: GD (lr 1e-3) f after 5000 steps (quick; full: f < 1e-7 within 20,000)',
          rGd.finalF,
          1e-2,
        ),
      );
    else
      criteria.push(
        stepCrit('Rosenbrock: GD (lr 1e-3) first step with f < 1e-7', rGd, 1e-7, gdSteps),
      );
    criteria.push(
      stepCrit(
        'Rosenbrock: classical momentum (lr 5e-4, μ 0.9) first step with f < 1e-8',
        rCm,
        1e-8,
        momSteps,
      ),
    );
    criteria.push(
      stepCrit(
        'Rosenbrock: Nesterov momentum (lr 5e-4, μ 0.9) first step with f < 1e-8',
        rNag,
        1e-8,
        momSteps,
      ),
    );
    criteria.push(
      stepCrit('Rosenbrock: Adam (lr 1e-2) first step with f < 1e-8', rAdam, 1e-8, momSteps),
    );
    ctx.progress?.(0.5, 'race: Rosenbrock done');
    await pause();

    // Saddle: escape = first step with f < −1 (|y| has grown past ~1), same lr 1e-2 for all.
    const escaped = (f: number): boolean => f < -1;
    const saddleSteps = 3000;
    const sGd = race(SADDLE, 'GD lr 1e-2', sgd({ lr: 1e-2 }), saddleSteps, [-1], escaped);
    const sCm = race(
      SADDLE,
      'CM lr 1e-2 μ 0.9',
      sgd({ lr: 1e-2, momentum: 0.9 }),
      saddleSteps,
      [-1],
      escaped,
    );
    const sAdam = race(SADDLE, 'Adam lr 1e-2', adam({ lr: 1e-2 }), saddleSteps, [-1], escaped);
    all.push(sGd, sCm, sAdam);
    const eGd = at(sGd, -1);
    const eAdam = at(sAdam, -1);
    // GD: y_k = (1 + 2·lr)^k·1e-6, so |y| > 1 needs k > ln(1e6)/ln(1.02) ≈ 698 steps; Adam's
    // normalised step moves y by ≈ lr per step from the start: ≈ 100 steps.
    criteria.push(
      holds(
        'saddle x² − y² from (1, 1e-6), lr 1e-2: Adam escape step (first f < −1) × 4 < GD escape step',
        eAdam * 4 < eGd,
        'Adam < GD/4',
        `${Number.isFinite(eAdam) ? eAdam : 'never'} vs ${Number.isFinite(eGd) ? eGd : 'never'}`,
      ),
    );

    // Beale and Rastrigin: reported, with sanity checks.
    const bealeSteps = q ? 1500 : 10_000;
    const bGd = race(BEALE, 'GD lr 1e-3', sgd({ lr: 1e-3 }), bealeSteps, [1e-3, 1e-6]);
    const bCm = race(
      BEALE,
      'CM lr 1e-3 μ 0.9',
      sgd({ lr: 1e-3, momentum: 0.9 }),
      bealeSteps,
      [1e-3, 1e-6],
    );
    const bAdam = race(BEALE, 'Adam lr 1e-2', adam({ lr: 1e-2 }), bealeSteps, [1e-3, 1e-6]);
    all.push(bGd, bCm, bAdam);
    const f0Beale = BEALE.f(
      new Tensor(new Float64Array([1]), [1]),
      new Tensor(new Float64Array([1.5]), [1]),
    ).item();
    const bestBeale = Math.min(bGd.finalF, bCm.finalF, bAdam.finalF);
    criteria.push(
      below(
        `Beale from (1, 1.5): best final f over GD, CM, Adam (${bealeSteps} steps; f(start) = ${roundTo(f0Beale, 4)})`,
        bestBeale,
        1e-3,
      ),
    );
    const rastSteps = q ? 300 : 3000;
    const qGd = race(RASTRIGIN, 'GD lr 1e-3', sgd({ lr: 1e-3 }), rastSteps);
    const qCm = race(RASTRIGIN, 'CM lr 1e-3 μ 0.9', sgd({ lr: 1e-3, momentum: 0.9 }), rastSteps);
    const qAdam = race(RASTRIGIN, 'Adam lr 1e-2', adam({ lr: 1e-2 }), rastSteps);
    all.push(qGd, qCm, qAdam);
    const f0Rast = RASTRIGIN.f(
      new Tensor(new Float64Array([2.5]), [1]),
      new Tensor(new Float64Array([2.5]), [1]),
    ).item();
    const rastOk = [qGd, qCm, qAdam].every((r) => Number.isFinite(r.finalF) && r.finalF < f0Rast);
    criteria.push(
      holds(
        `Rastrigin from (2.5, 2.5): every optimizer ends finite and below f(start) = ${roundTo(f0Rast, 4)} (sanity; local minima expected)`,
        rastOk,
        'true',
        [qGd, qCm, qAdam].map((r) => roundTo(r.finalF, 4)).join(', '),
      ),
    );

    const charts = [];
    for (const fn of [ROSENBROCK, BEALE, SADDLE, RASTRIGIN]) {
      const paths: Path[] = all
        .filter((r) => r.fn === fn.name)
        .map((r) => ({ series: r.optimizer, id: '0', points: r.path }));
      charts.push(
        heatmapWithPaths(
          `contour-${fn.name}`,
          `${fn.name}: trajectories`,
          surface(fn),
          'x',
          'y',
          paths,
        ),
      );
    }
    const rows: Row[] = [];
    for (const r of all.filter((r) => r.fn === 'rosenbrock'))
      for (const [k, f] of r.curve)
        if (f > 0) rows.push({ optimizer: r.optimizer, step: k, f: roundTo(f, 5) });
    charts.push(
      lineChart(
        'rosenbrock-f',
        'Rosenbrock: f along the run',
        rows,
        { field: 'step', title: 'step' },
        { field: 'f', title: 'f', log: true },
        'optimizer',
      ),
    );
    const runs: Json[] = all.map((r) => ({
      fn: r.fn,
      optimizer: r.optimizer,
      steps: r.steps,
      finalF: roundTo(r.finalF, 8),
      firstBelow: r.firstBelow,
    }));
    ctx.progress?.(1, 'race: done');
    return finish(raceExperiment, ctx, { t0, seeds, criteria, runs, charts });
  },
};
