import { matmul, mul, square, sub, sum } from '../ops/index.js';
import { normal } from '../init/random.js';
import { orthogonal } from '../init/orthogonal.js';
import { Optimizer } from '../optim/optimizer.js';
import { sgd } from '../optim/sgd.js';
import type { Params } from '../optim/types.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { finish, holds, pause, roundTo, seedsOf } from './internal/outcome.js';
import { lineChart, type Row } from './internal/vega.js';
import type { Criterion, Experiment, ExperimentContext, ExperimentResult, Json } from './types.js';

/** Width of every layer. */
const N = 16;

/** How the D matrices start. */
export type SaxeInit = 'orthogonal' | 'gaussian';

/**
 * The target T = U·diag(linspace(3, 0.5, 16))·Vᵀ with random orthogonal U and V.
 * @example const t = saxeTarget(new Rng(0));
 */
export function saxeTarget(rng: Rng): Tensor {
  const u = orthogonal([N, N], rng, { dtype: 'float64' });
  const v = orthogonal([N, N], rng, { dtype: 'float64' });
  const t = new Float64Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < N; k++)
        s += (u[i * N + k] as number) * (3 - (2.5 * k) / (N - 1)) * (v[j * N + k] as number);
      t[i * N + j] = s;
    }
  }
  return new Tensor(t, [N, N]);
}

/** D square matrices, orthogonal or Gaussian with std 1/√16. */
function saxeWeights(rng: Rng, depth: number, init: SaxeInit): Params {
  const p: Params = {};
  for (let l = 0; l < depth; l++) {
    const data =
      init === 'orthogonal'
        ? orthogonal([N, N], rng, { dtype: 'float64' })
        : normal([N, N], rng, { std: 1 / Math.sqrt(N), dtype: 'float64' });
    p[`w${l}`] = new Tensor(data, [N, N], true);
  }
  return p;
}

/** ½‖T − W_D…W_1‖² (the inputs are the identity, so the network's output is the product). */
function saxeLoss(p: Params, depth: number, target: Tensor): Tensor {
  let prod = p['w0'] as Tensor;
  for (let l = 1; l < depth; l++) prod = matmul(p[`w${l}`] as Tensor, prod);
  return mul(sum(square(sub(target, prod))), 0.5);
}

/** What one deep-linear-network run did. */
export interface SaxeRun {
  depth: number;
  init: SaxeInit;
  c: number;
  /** Iterations until the loss fell below 1% of its initial value, or null if it never did. */
  iterations: number | null;
  /** Iterations until it fell below 2% of its initial value, or null. */
  iterations2: number | null;
  initialLoss: number;
  finalLoss: number;
  /** (iteration, loss / initial loss), thinned. */
  curve: { it: number; rel: number }[];
}

/**
 * Full-batch gradient descent (lr = c/D) on a deep linear network until the loss is below 1% of
 * its initial value or `maxIterations` pass (also noting when it passed 2%).
 * @example trainSaxe(target, 0, 8, 'orthogonal', 0.2, 3000).iterations
 * @see Saxe, McClelland & Ganguli, "Exact solutions to the nonlinear dynamics of learning in deep linear neural networks", ICLR 2014
 */
export function trainSaxe(
  target: Tensor,
  seed: number,
  depth: number,
  init: SaxeInit,
  c: number,
  maxIterations: number,
): SaxeRun {
  const p = saxeWeights(new Rng(seed), depth, init);
  const opt = new Optimizer(p, sgd({ lr: c / depth }));
  let initial = NaN;
  let last = NaN;
  let iterations: number | null = null;
  let iterations2: number | null = null;
  const curve: SaxeRun['curve'] = [];
  for (let it = 0; it <= maxIterations; it++) {
    opt.zeroGrad();
    const loss = saxeLoss(p, depth, target);
    last = loss.item();
    if (it === 0) initial = last;
    if (it % 10 === 0 || it < 10) curve.push({ it, rel: last / initial });
    if (iterations2 === null && last < 0.02 * initial) iterations2 = it;
    if (last < 0.01 * initial) {
      iterations = it;
      curve.push({ it, rel: last / initial });
      break;
    }
    if (!Number.isFinite(last) || it === maxIterations) break;
    loss.backward();
    opt.step();
  }
  return { depth, init, c, iterations, iterations2, initialLoss: initial, finalLoss: last, curve };
}

/**
 * E8 — orthogonal initialisation makes learning time independent of depth in deep linear
 * networks (Saxe et al. 2014); scaled Gaussian initialisation does not.
 * @example const result = await saxe.run({ quick: true, seeds: [0] })
 * @see Saxe, McClelland & Ganguli, "Exact solutions to the nonlinear dynamics of learning in deep linear neural networks", ICLR 2014
 */
export const saxe: Experiment = {
  name: 'saxe',
  id: 'E8',
  title: 'Orthogonal initialisation: depth-independent learning in deep linear networks',
  paper:
    'Saxe, McClelland & Ganguli, "Exact solutions to the nonlinear dynamics of learning in deep linear neural networks", ICLR 2014',
  story:
    'Saxe et al. solved the learning dynamics of deep linear networks and found that with orthogonal initial weights (all ' +
    'singular values 1, "dynamical isometry") the time to learn is independent of depth when the learning rate is scaled ' +
    'as 1/D, while random Gaussian weights — even scaled to preserve the norm on average — give products whose singular ' +
    'values spread exponentially with depth, and learning slows down dramatically. We fit a product of D 16×16 matrices ' +
    'to a target with singular values from 3 to 0.5 by full-batch gradient descent (lr = c/D, best c of {0.1, 0.2, 0.3}), ' +
    'stopping when the loss is below 1% of its initial value: orthogonal init converges in under 300 iterations at every ' +
    'depth from 4 to 32, Gaussian init (std 1/√16) fails within 3000 iterations from depth 16. Caveat from our runs: ' +
    'the loss of orthogonal runs flattens on a saddle plateau at about 1.0% of its initial value (one or two small target ' +
    'modes still near zero, ½(0.5² + 0.667²) ≈ 0.35 against initial losses of 34–42), so whether a run crosses the 1% line ' +
    'quickly is a knife-edge (seed 1 at D = 16 sits at 1.007% for thousands of iterations); we therefore also report the ' +
    'iterations to 2%, which every orthogonal run reaches in under 100 iterations at every depth.',
  defaultSeeds: { full: [0, 1, 2], quick: [0] },
  async run(ctx: ExperimentContext): Promise<ExperimentResult> {
    const t0 = performance.now();
    const seeds = seedsOf(saxe, ctx);
    const depths = ctx.quick ? [4, 8, 16] : [4, 8, 16, 32];
    const cs = [0.1, 0.2, 0.3];
    // Orthogonal runs only need to show convergence within 300 iterations; Gaussian ones get the
    // catalogue's full 3000 (quick mode: 300, and only where a criterion needs them, D ≥ 16).
    const orthCap = 300;
    const gaussCap = ctx.quick ? 300 : 3000;
    const criteria: Criterion[] = [];
    const runs: Json[] = [];
    const itRows: Row[] = [];
    const curveRows: Row[] = [];
    const jobs: [number, number, SaxeInit][] = [];
    // Gaussian runs that fail take the whole budget (3000 iterations × 3 values of c), so they run
    // on the first two seeds only; quick mode runs them only where a criterion needs them (D ≥ 16).
    const gaussSeeds = seeds.slice(0, 2);
    for (const seed of seeds) {
      for (const depth of depths) {
        jobs.push([seed, depth, 'orthogonal']);
        if (gaussSeeds.includes(seed) && (!ctx.quick || depth >= 16))
          jobs.push([seed, depth, 'gaussian']);
      }
    }
    const best: Record<string, SaxeRun[]> = {};
    const targets = new Map<number, Tensor>();
    let done = 0;
    for (const [seed, depth, init] of jobs) {
      let target = targets.get(seed);
      if (target === undefined) {
        target = saxeTarget(new Rng(10_000 + seed));
        targets.set(seed, target);
      }
      const cap = init === 'orthogonal' ? orthCap : gaussCap;
      let top: SaxeRun | null = null;
      let top2: number | null = null;
      for (const c of cs) {
        const r = trainSaxe(target, seed, depth, init, c, cap);
        runs.push({
          seed,
          depth,
          init,
          c,
          maxIterations: cap,
          iterationsTo1pct: r.iterations,
          iterationsTo2pct: r.iterations2,
          initialLoss: roundTo(r.initialLoss),
          finalLoss: roundTo(r.finalLoss),
          finalOverInitial: roundTo(r.finalLoss / r.initialLoss, 5),
        });
        if (top === null || (r.iterations ?? Infinity) < (top.iterations ?? Infinity)) top = r;
        if (r.iterations2 !== null && (top2 === null || r.iterations2 < top2)) top2 = r.iterations2;
        await pause();
      }
      // The best c for each threshold separately.
      const t: SaxeRun = { ...(top as SaxeRun), iterations2: top2 };
      (best[`${init}/${depth}`] ??= []).push(t);
      itRows.push({
        init,
        seed,
        depth,
        iterations: t.iterations ?? cap,
        converged: t.iterations !== null,
      });
      if (seed === seeds[0])
        for (const pt of t.curve)
          curveRows.push({
            run: `${init} D = ${depth} (c = ${t.c})`,
            it: pt.it,
            rel: roundTo(pt.rel, 5),
          });
      done++;
      ctx.progress?.(done / jobs.length, `saxe: ${done}/${jobs.length}`);
    }
    const fmtIt = (k: number, cap: number): number | string =>
      Number.isFinite(k) ? k : `> ${cap}`;
    for (const depth of depths) {
      const orth = best[`orthogonal/${depth}`] ?? [];
      const worst = Math.max(...orth.map((r) => r.iterations ?? Infinity));
      const perSeed = orth.map((r) => fmtIt(r.iterations ?? Infinity, orthCap)).join(', ');
      criteria.push(
        holds(
          `orthogonal, D = ${depth}: iterations to 1% of the initial loss (best c; seeds ${seeds.join(', ')})`,
          worst <= 300,
          '≤ 300 in every seed (calibrated ≤ 158)',
          perSeed,
        ),
      );
    }
    for (const depth of depths) {
      const orth = best[`orthogonal/${depth}`] ?? [];
      const worst = Math.max(...orth.map((r) => r.iterations2 ?? Infinity));
      criteria.push(
        holds(
          `orthogonal, D = ${depth}: iterations to 2% of the initial loss (our addition: below the saddle plateau at ≈ 1%)`,
          worst <= 300,
          '≤ 300 in every seed',
          orth.map((r) => fmtIt(r.iterations2 ?? Infinity, orthCap)).join(', '),
        ),
      );
    }
    for (const depth of depths.filter((d) => d >= 16)) {
      const g = best[`gaussian/${depth}`] ?? [];
      const fastest = Math.min(...g.map((r) => r.iterations ?? Infinity));
      const rels = g.map((r) => r.finalLoss / r.initialLoss).filter(Number.isFinite);
      const minRel = rels.length > 0 ? Math.min(...rels) : NaN;
      criteria.push(
        holds(
          `Gaussian (std 1/√16), D = ${depth}: no c and no seed (${gaussSeeds.join(', ')}) reaches 1% within ${gaussCap} iterations${ctx.quick ? ' (quick: 300; full 3000)' : ''}`,
          !Number.isFinite(fastest),
          'no convergence',
          Number.isFinite(fastest) ? fastest : `lowest loss/initial ${roundTo(minRel, 3)}`,
        ),
      );
    }
    const charts = [
      lineChart(
        'iterations-vs-depth',
        `Iterations to reach 1% of the initial loss (capped: orthogonal ${orthCap}, Gaussian ${gaussCap})`,
        itRows,
        { field: 'depth', title: 'depth D', log: true },
        { field: 'iterations', title: 'iterations', log: true },
        'init',
      ),
      lineChart(
        'loss-curves',
        `Loss / initial loss (best c, seed ${seeds[0]})`,
        curveRows,
        { field: 'it', title: 'iteration' },
        { field: 'rel', title: 'loss / initial', log: true },
        'run',
      ),
    ];
    ctx.progress?.(1, 'saxe: done');
    return finish(saxe, ctx, { t0, seeds, criteria, runs, charts });
  },
};
