import { hessianOperator } from '../autograd/hvp.js';
import { mlp } from '../nn/mlp.js';
import type { Sequential } from '../nn/sequential.js';
import { mul, sub } from '../ops/elementwise.js';
import { mean, sum } from '../ops/reduce.js';
import { newtonCg, type NewtonCgState } from '../optim/newton-cg.js';
import type { NewtonCurvatureMode } from '../optim/newton-cg-direction.js';
import { Optimizer } from '../optim/optimizer.js';
import { sgd } from '../optim/sgd.js';
import type { GradientTransformation, Params } from '../optim/types.js';
import { lineChart } from '../report/charts.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { above, below, finish, holds, pause, roundTo, seedsOf } from './internal/outcome.js';
import type { Criterion, Experiment, ExperimentContext, ExperimentResult, Json } from './types.js';

// E20 — Newton, for real: the article's Newton iteration on a saddle and on a small network.
// (a) f(x, y) = x² − c·y² (c = 1, and c = 0.01 for an ill-conditioned saddle): plain Newton
//     (H⁻¹g by CG, no damping) lands on the saddle (0, 0) in one step from anywhere; gradient
//     descent escapes along −y; saddle-free Newton (|H|⁻¹g, Dauphin et al. 2014) escapes at
//     the rate Newton would converge. Worked out exactly (the iterations are linear), so (a)
//     needs no calibration: from (1, y₀), GD with step η multiplies y by 1 + 2cη per step,
//     saddle-free Newton with step 1 doubles it, truncated Newton-CG (negative-curvature stop,
//     then −g) multiplies it by 1 + 2c.
// (b) A 1-16-16-1 tanh MLP fitting sin(3x) on 64 points of [−1, 1] (mean squared error,
//     float64): iterations to a loss target for GD at its best step size of a grid and for
//     saddle-free Newton-CG. Calibrated first with PyTorch (examples/reference/torch_newton.py,
//     float64, torch.autograd.functional.hvp, the same points and initial weights dumped by
//     examples/reference/dump-newton-setup.ts); figures and criteria in docs/EXPERIMENTS.md (E20).

/** The settings of E20. */
export interface NewtonSetup {
  /** (a) random starts of the one-step test, uniform in [−2, 2]². */
  starts: number;
  /** (a) y₀ of the escape runs (x₀ = 1). */
  y0: number;
  /** (a) escaped when |y| ≥ this. */
  escapeRadius: number;
  /** (a) GD's step sizes: a usual one and the best one for x² (η = 1/2 zeroes x in one step). */
  gdLrs: readonly number[];
  /** (a) the ill-conditioned saddle's c in x² − c·y². */
  illC: number;
  /** (a) most steps of an escape run. */
  escapeSteps: number;
  /** (b) layer widths, points, loss target. */
  sizes: readonly number[];
  points: number;
  target: number;
  /** (b) GD's learning-rate grid and step budget. */
  netGdLrs: readonly number[];
  netGdSteps: number;
  /** (b) Newton: damping λ, Krylov dimension (HVPs per step), step budget. */
  damping: number;
  krylov: number;
  netNewtonSteps: number;
}

/** Full mode. */
export const NEWTON_SETUP: Readonly<NewtonSetup> = Object.freeze({
  starts: 8,
  y0: 1e-3,
  escapeRadius: 1,
  gdLrs: [0.1, 0.5],
  illC: 0.01,
  escapeSteps: 2000,
  sizes: [1, 16, 16, 1],
  points: 64,
  target: 1e-3,
  netGdLrs: [0.03, 0.1, 0.3, 1],
  netGdSteps: 20000,
  damping: 1e-2,
  krylov: 20,
  netNewtonSteps: 200,
});

/** Quick mode (tests): the saddle, and the network part with a looser target. */
export const NEWTON_QUICK: Readonly<NewtonSetup> = Object.freeze({
  ...NEWTON_SETUP,
  target: 1e-2,
  netGdLrs: [0.3, 1],
  netGdSteps: 4000,
  netNewtonSteps: 60,
});

/** A named update rule of E20. */
type Method =
  | { kind: 'gd'; lr: number }
  | { kind: 'newton'; mode: NewtonCurvatureMode; damping: number; iterations: number };

function methodLabel(m: Method): string {
  if (m.kind === 'gd') return `GD, η = ${m.lr}`;
  const name =
    m.mode === 'newton'
      ? 'plain Newton'
      : m.mode === 'newtonCg'
        ? 'Newton-CG (truncated)'
        : 'saddle-free Newton';
  return m.damping > 0 ? `${name}, λ = ${m.damping}` : name;
}

function transformation(m: Method, loss: (p: Params) => Tensor): GradientTransformation<unknown> {
  return m.kind === 'gd'
    ? sgd({ lr: m.lr })
    : (newtonCg({
        hessian: (p) => hessianOperator(loss, p),
        mode: m.mode,
        damping: m.damping,
        iterations: m.iterations,
        tol: 1e-12,
      }) as GradientTransformation<unknown>);
}

/** f(w) = w₀² − c·w₁² as a loss of the parameter w = (x, y). */
function saddleLoss(c: number): (p: Params) => Tensor {
  const coef = new Tensor(Float64Array.of(1, -c), [2]);
  return (p) => {
    const w = p['w'] as Tensor;
    return sum(mul(mul(w, w), coef));
  };
}

/** Iterates of a method on the saddle x² − c·y² from (x₀, y₀), until |y| ≥ radius or `steps`. */
export function saddleRun(
  m: Method,
  c: number,
  start: readonly [number, number],
  steps: number,
  radius = Infinity,
): { path: [number, number][]; escapedAt: number } {
  const w = new Tensor(Float64Array.of(start[0], start[1]), [2], true);
  const params: Params = { w };
  const loss = saddleLoss(c);
  const opt = new Optimizer(params, transformation(m, loss));
  const path: [number, number][] = [[start[0], start[1]]];
  let escapedAt = -1;
  for (let t = 1; t <= steps; t++) {
    opt.zeroGrad();
    const l = loss(params);
    l.backward();
    opt.step({ loss: l.item() });
    const p: [number, number] = [w.data[0] as number, w.data[1] as number];
    path.push(p);
    if (Math.abs(p[1]) >= radius) {
      escapedAt = t;
      break;
    }
  }
  return { path, escapedAt };
}

/** The regression data of (b): x on a grid of [−1, 1], y = sin(3x), float64 [N, 1]. */
export function newtonData(points: number): { x: Tensor; y: Tensor } {
  const x = new Float64Array(points);
  const y = new Float64Array(points);
  for (let i = 0; i < points; i++) {
    x[i] = -1 + (2 * i) / (points - 1);
    y[i] = Math.sin(3 * (x[i] as number));
  }
  return { x: new Tensor(x, [points, 1]), y: new Tensor(y, [points, 1]) };
}

/** The network of (b): a tanh MLP with PyTorch's default init U(±1/√fanIn), float64. */
export function newtonModel(sizes: readonly number[], seed: number): Sequential {
  return mlp({ sizes, activation: 'tanh', dtype: 'float64', seed });
}

/** One run of (b). */
export interface NetRun {
  method: Method;
  seed: number;
  losses: number[];
  /** First iteration at which the loss is below the target (−1 if never). */
  hit: number;
  /** HVPs used (Newton). */
  hvps: number;
}

/** Trains (b)'s network with one method until the loss is below `target` or `steps` run out. */
export function netRun(setup: NewtonSetup, m: Method, seed: number, steps: number): NetRun {
  const net = newtonModel(setup.sizes, seed);
  const data = newtonData(setup.points);
  const loss = (): Tensor => {
    const d = sub(net.forward(data.x), data.y);
    return mean(mul(d, d));
  };
  const tx = transformation(m, loss);
  const opt = new Optimizer(net.namedParameters(), tx);
  const losses: number[] = [];
  let hit = -1;
  for (let t = 0; t <= steps; t++) {
    opt.zeroGrad();
    const l = loss();
    const v = l.item();
    losses.push(v);
    if (v < setup.target) {
      hit = t;
      break;
    }
    if (t === steps || !Number.isFinite(v)) break;
    l.backward();
    opt.step({ loss: v });
  }
  const st = m.kind === 'newton' ? (opt.state as unknown as NewtonCgState) : null;
  return { method: m, seed, losses, hit, hvps: st?.totalHvps ?? 0 };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function run(ctx: ExperimentContext): Promise<ExperimentResult> {
  const t0 = performance.now();
  const seeds = seedsOf(newton, ctx);
  const setup = ctx.quick ? NEWTON_QUICK : NEWTON_SETUP;
  const criteria: Criterion[] = [];
  const runs: Json[] = [];
  const plain: Method = { kind: 'newton', mode: 'newton', damping: 0, iterations: 10 };
  const trunc: Method = { kind: 'newton', mode: 'newtonCg', damping: 0, iterations: 10 };
  const sfn: Method = { kind: 'newton', mode: 'saddleFree', damping: 0, iterations: 10 };

  // (a) One Newton step from random starts.
  const rng = new Rng(seeds[0] ?? 0);
  let worst = 0;
  for (let i = 0; i < setup.starts; i++) {
    const s: [number, number] = [rng.uniform(-2, 2), rng.uniform(-2, 2)];
    const r = saddleRun(plain, 1, s, 1);
    const [x, y] = r.path[1] as [number, number];
    worst = Math.max(worst, Math.hypot(x, y));
  }
  const stay = saddleRun(plain, 1, [1, setup.y0], 50);
  const stayDist = Math.hypot(...(stay.path.at(-1) as [number, number]));
  criteria.push(
    below(
      `(a) plain Newton on x² − y²: distance to the saddle after one step, largest over ${setup.starts} random starts in [−2, 2]²`,
      worst,
      1e-12,
    ),
    below(
      '(a) plain Newton from (1, 1e-3): distance to the saddle after 50 steps (it stays)',
      stayDist,
      1e-12,
    ),
  );
  const escape = (m: Method, c: number): number =>
    saddleRun(m, c, [1, setup.y0], setup.escapeSteps, setup.escapeRadius).escapedAt;
  const methodsA: Method[] = [...setup.gdLrs.map((lr): Method => ({ kind: 'gd', lr })), trunc, sfn];
  const esc: Record<string, { c1: number; cIll: number }> = {};
  for (const m of methodsA) {
    const e = { c1: escape(m, 1), cIll: escape(m, setup.illC) };
    esc[methodLabel(m)] = e;
    runs.push({ part: 'a', method: methodLabel(m), escapeSteps: e.c1, escapeStepsIll: e.cIll });
  }
  const gd1 = esc[methodLabel({ kind: 'gd', lr: setup.gdLrs[0] as number })] as {
    c1: number;
    cIll: number;
  };
  const gdBest = esc[methodLabel({ kind: 'gd', lr: setup.gdLrs[1] as number })] as {
    c1: number;
    cIll: number;
  };
  const sf = esc[methodLabel(sfn)] as { c1: number; cIll: number };
  const tr = esc[methodLabel(trunc)] as { c1: number; cIll: number };
  criteria.push(
    holds(
      `(a) GD (η = ${setup.gdLrs[0]}) escapes x² − y² from (1, ${setup.y0}): steps to |y| ≥ ${setup.escapeRadius}`,
      gd1.c1 > 0,
      `escapes (theory ⌈ln 1000 / ln 1.2⌉ = 38)`,
      gd1.c1,
    ),
    holds(
      '(a) saddle-free Newton escapes x² − y² in at most half GD’s (η = 0.1) steps',
      sf.c1 > 0 && 2 * sf.c1 <= gd1.c1,
      `≤ ${Math.floor(gd1.c1 / 2)} (theory 10)`,
      sf.c1,
    ),
    holds(
      `(a) ill-conditioned x² − ${setup.illC}·y²: saddle-free Newton escapes in at most 1/10 of the steps of GD at its best step η = ${setup.gdLrs[1]}`,
      sf.cIll > 0 && 10 * sf.cIll <= (gdBest.cIll < 0 ? Infinity : gdBest.cIll),
      `≤ ${Math.floor((gdBest.cIll < 0 ? setup.escapeSteps : gdBest.cIll) / 10)} (theory 10 vs 695)`,
      sf.cIll,
    ),
    holds(
      '(a) truncated Newton-CG never climbs to the saddle: it escapes x² − y²',
      tr.c1 > 0,
      'escapes (theory 7 steps: ×2, then ×3 per step)',
      tr.c1,
    ),
  );
  ctx.progress?.(0.1, 'saddle');
  await pause();

  // (b) The regression network.
  const netRuns: NetRun[] = [];
  const total = seeds.length * (setup.netGdLrs.length + 2);
  let done = 0;
  for (const seed of seeds) {
    for (const lr of setup.netGdLrs) {
      netRuns.push(netRun(setup, { kind: 'gd', lr }, seed, setup.netGdSteps));
      ctx.progress?.(0.1 + (0.9 * ++done) / total, `GD η = ${lr}, seed ${seed}`);
      await pause();
    }
    for (const m of [
      { kind: 'newton', mode: 'saddleFree', damping: setup.damping, iterations: setup.krylov },
      { kind: 'newton', mode: 'newton', damping: 0, iterations: setup.krylov },
    ] as Method[]) {
      netRuns.push(netRun(setup, m, seed, setup.netNewtonSteps));
      ctx.progress?.(0.1 + (0.9 * ++done) / total, `${methodLabel(m)}, seed ${seed}`);
      await pause();
    }
  }
  for (const r of netRuns)
    runs.push({
      part: 'b',
      method: methodLabel(r.method),
      seed: r.seed,
      hit: r.hit,
      hvps: r.hvps,
      finalLoss: roundTo(r.losses.at(-1) as number, 5),
    });
  const bestGd = seeds.map((seed) => {
    const rs = netRuns.filter((r) => r.seed === seed && r.method.kind === 'gd' && r.hit >= 0);
    return rs.length === 0 ? Infinity : Math.min(...rs.map((r) => r.hit));
  });
  const sfRuns = netRuns.filter(
    (r) => r.method.kind === 'newton' && r.method.mode === 'saddleFree',
  );
  const plainRuns = netRuns.filter((r) => r.method.kind === 'newton' && r.method.mode === 'newton');
  const ratio = Math.max(
    ...sfRuns.map((r, i) => (r.hit < 0 ? Infinity : r.hit / (bestGd[i] as number))),
  );
  criteria.push(
    holds(
      `(b) GD at its best η of {${setup.netGdLrs.join(', ')}} reaches the target ${setup.target} within ${setup.netGdSteps} steps, every seed`,
      bestGd.every((h) => Number.isFinite(h)),
      'true',
      bestGd.map((h) => (Number.isFinite(h) ? h : 'never')).join(', '),
    ),
    below(
      `(b) saddle-free Newton-CG (λ = ${setup.damping}, ${setup.krylov} HVPs per step): its iterations to the target over GD's (best η), largest over the seeds`,
      ratio,
      0.1,
      '< 0.1',
    ),
    above(
      `(b) plain Newton (λ = 0, CG to the stationary point of the quadratic model): median over the seeds of its final loss after ${setup.netNewtonSteps} iterations (it is drawn to critical points that are not minima; 0.52 is the constant predictor's loss)`,
      median(plainRuns.map((r) => r.losses.at(-1) as number)),
      10 * setup.target,
      `> ${10 * setup.target} (10 × the target; per seed: ${plainRuns.map((r) => roundTo(r.losses.at(-1) as number, 3)).join(', ')})`,
    ),
    above(
      `(b) … and it costs more per iteration: HVPs per saddle-free step`,
      Math.min(...sfRuns.map((r) => r.hvps / Math.max(1, r.hit))),
      1,
      '> 1 (reported, the honest price)',
    ),
  );
  const s0 = seeds[0] as number;
  const charts = [
    lineChart({
      id: 'saddle-escape',
      title:
        'x² − y² from (1, 0.001): |y| per step (escape = |y| ≥ 1; plain Newton sits on the saddle, |y| = 0)',
      series: [
        ...methodsA.map((m) => {
          const p = saddleRun(m, 1, [1, setup.y0], 60, setup.escapeRadius).path;
          return { name: methodLabel(m), x: p.map((_, i) => i), y: p.map((q) => Math.abs(q[1])) };
        }),
      ],
      xLabel: 'step',
      yLabel: '|y|',
      logY: true,
    }),
    lineChart({
      id: 'net-loss',
      title: `Regression network: training loss per iteration, seed ${s0} (target ${setup.target})`,
      series: netRuns
        .filter((r) => r.seed === s0)
        .map((r) => ({ name: methodLabel(r.method), y: r.losses })),
      xLabel: 'iteration',
      yLabel: 'MSE',
      logX: true,
      logY: true,
      maxPoints: 1500,
    }),
  ];
  return finish(newton, ctx, { t0, seeds, criteria, runs, charts });
}

/** E20: Newton's method on a saddle and on a network, with and without saddle-free curvature. */
export const newton: Experiment = {
  name: 'newton',
  id: 'E20',
  title: 'Newton, for real: plain Newton is attracted to saddles, saddle-free Newton escapes',
  paper:
    'Y. Dauphin, R. Pascanu, C. Gulcehre, K. Cho, S. Ganguli, Y. Bengio, "Identifying and attacking the saddle point problem in high-dimensional non-convex optimization", NeurIPS 2014',
  story:
    'Newton’s iteration θ ← θ − H⁻¹g jumps to the stationary point of the local quadratic model — on a saddle, the saddle itself: on x² − y² it lands on (0, 0) in one step from anywhere and stays. Gradient descent escapes along the negative curvature, slowly when that curvature is small. Dauphin et al. replace H by |H| (the same eigenvectors, absolute eigenvalues): saddle-free Newton keeps Newton’s rescaling but moves downhill along negative curvature, so it escapes as fast as Newton converges. We run gradscope’s newtonCg optimizer (exact HVPs; CG or a Krylov |H|) against GD on x² − y², on the ill-conditioned x² − 0.01y², and on a small tanh regression network, counting iterations to a loss target (and the HVPs they cost).',
  defaultSeeds: { full: [0, 1, 2], quick: [0] },
  run,
};
