import { adam } from '../optim/adam.js';
import { Optimizer } from '../optim/optimizer.js';
import { sgd } from '../optim/sgd.js';
import type { GradientTransformation } from '../optim/types.js';
import { Tensor } from '../tensor/tensor.js';
import { above, below, finish, pause, roundTo, seedsOf } from './internal/outcome.js';
import { lineChart, logIndices, type Row } from './internal/vega.js';
import type { Criterion, Experiment, ExperimentContext, ExperimentResult, Json } from './types.js';
import { runLoop } from '../train/loop.js';

/** What one online run did. */
export interface OnlineRun {
  /** x_T after the last (projected) step. */
  xT: number;
  /** Average regret R_T/T with R_T = Σ_t f_t(x_t) − min_{x ∈ [−1, 1]} Σ_t f_t(x). */
  avgRegret: number;
  /** Mean of x_t over the last `tail` steps. */
  tailMean: number;
  /** x_t for every t (x_1 first). */
  xs: Float64Array;
}

/**
 * Online convex optimisation on [−1, 1] with linear losses f_t(x) = c_t·x, x_1 = 1: the gradient
 * c_t goes through the optimizer (via the Optimizer facade) and x is projected back onto [−1, 1]
 * after each step. Since min_x Σ c_t·x = −|Σ c_t|, R_T = Σ c_t·x_t + |Σ c_t|.
 * @example onlineRun(adam({ lr: (s) => 0.1 / Math.sqrt(s + 1), b1: 0, b2: 0.1 }), 30_000, (t) => (t % 3 === 1 ? 3 : -1))
 * @see Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond", ICLR 2018, §3
 */
export function onlineRun(
  tx: GradientTransformation<unknown>,
  T: number,
  c: (t: number) => number,
  tail = 300,
): OnlineRun {
  const x = new Tensor(new Float64Array([1]), [1]);
  x.grad = new Tensor(new Float64Array(1), [1]);
  const opt = new Optimizer({ x }, tx);
  const xs = new Float64Array(T);
  let loss = 0;
  let sum = 0;
  let tailSum = 0;
  const g = x.grad;
  runLoop({
    optimizer: opt,
    steps: T,
    next: (t) => t,
    // f_t(x) = c_t·x: its gradient c_t, by hand; the regret is scored at x_t, before the step.
    gradients(t) {
      const ct = c(t);
      const xt = x.data[0] as number;
      xs[t - 1] = xt;
      loss += ct * xt;
      sum += ct;
      if (t > T - tail) tailSum += xt;
      g.data[0] = ct;
      return undefined;
    },
    // Projection onto the feasible set [-1, 1].
    callbacks: [
      { onStep: () => void (x.data[0] = Math.min(1, Math.max(-1, x.data[0] as number))) },
    ],
  });
  return {
    xT: x.data[0] as number,
    avgRegret: (loss + Math.abs(sum)) / T,
    tailMean: tailSum / Math.min(tail, T),
    xs,
  };
}

/** c_t of the first problem: 3 when t mod 3 = 1, else −1 (optimum x = −1). */
const first = (t: number): number => (t % 3 === 1 ? 3 : -1);
/** c_t of §5's stochastic-looking variant: 1010 once every 101 steps, else −10. */
const second = (t: number): number => (t % 101 === 1 ? 1010 : -10);

/**
 * E3 — Adam's non-convergence (Reddi, Kale & Kumar 2018): on a one-dimensional online problem
 * Adam converges to the worst point, AMSGrad and SGD to the best.
 * @example const result = await amsgrad.run({ quick: true, seeds: [0] })
 * @see Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond", ICLR 2018
 */
export const amsgrad: Experiment = {
  name: 'amsgrad',
  id: 'E3',
  title: 'Adam does not converge on a simple online problem; AMSGrad does',
  paper: 'Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond", ICLR 2018',
  story:
    'Reddi et al. show that Adam can fail on a convex problem: with linear losses f_t(x) = 3x once every three steps and ' +
    '−x otherwise, on x ∈ [−1, 1], the optimum is x = −1, but Adam (β1 = 0, β2 = 0.1) forgets the rare large gradient ' +
    'so fast that its normalised steps push x to +1, where the average regret stays at 2/3. AMSGrad, which keeps the ' +
    'maximum of the second-moment estimates, and plain SGD (step 0.1/√t) converge to −1 with vanishing average regret. ' +
    "We run the three optimizers from x_1 = 1 for 30,000 steps, and the paper's §5 variant (1010x once every 101 steps, " +
    'else −10x; β = (0.9, 0.99), α_t = 0.5/√t, their uncorrected Algorithms 1 and 2) for 100,000 steps.',
  defaultSeeds: { full: [0], quick: [0] },
  async run(ctx: ExperimentContext): Promise<ExperimentResult> {
    const t0 = performance.now();
    const seeds = seedsOf(amsgrad, ctx);
    // Deterministic problem: the seed is not used; the run is the same for every seed.
    const T1 = 30_000;
    // Under a second in total, so quick mode runs the full problem too.
    const T2 = 100_000;
    const lr1 = (s: number): number => 0.1 / Math.sqrt(s + 1);
    const lr2 = (s: number): number => 0.5 / Math.sqrt(s + 1);
    const a = onlineRun(adam({ lr: lr1, b1: 0, b2: 0.1 }), T1, first);
    const ams = onlineRun(adam({ lr: lr1, b1: 0, b2: 0.1, amsgrad: true }), T1, first);
    const gd = onlineRun(sgd({ lr: lr1 }), T1, first);
    ctx.progress?.(0.4, 'amsgrad: first problem done');
    await pause();
    // The paper's Algorithms 1–2 have no bias correction (PyTorch's bias-corrected AMSGrad also
    // heads to −1, more slowly).
    const a2 = onlineRun(adam({ lr: lr2, b1: 0.9, b2: 0.99, debias: false }), T2, second);
    const ams2 = onlineRun(
      adam({ lr: lr2, b1: 0.9, b2: 0.99, amsgrad: true, debias: false }),
      T2,
      second,
    );
    const criteria: Criterion[] = [
      above('Adam: mean x over the last 300 steps', a.tailMean, 0.99),
      above('Adam: average regret R_T/T', a.avgRegret, 0.5, '> 0.5 (theory 2/3)'),
      below('AMSGrad: x_T', ams.xT, -0.99),
      below('AMSGrad: average regret R_T/T', ams.avgRegret, 0.1),
      below('SGD (α_t = 0.1/√t): x_T', gd.xT, -0.99),
      below('SGD: average regret R_T/T', gd.avgRegret, 0.1),
      above(`§5 variant, Adam (no bias correction): x_T (T = ${T2})`, a2.xT, 0.95),
      below(`§5 variant, AMSGrad (no bias correction): x_T (T = ${T2})`, ams2.xT, -0.9),
    ];
    const rows = (runs: [string, OnlineRun][], T: number): Row[] => {
      const out: Row[] = [];
      const idx = logIndices(T, 250);
      for (const [name, r] of runs)
        for (const i of idx)
          out.push({ optimizer: name, t: i + 1, x: roundTo(r.xs[i] as number, 5) });
      return out;
    };
    const charts = [
      lineChart(
        'x-first',
        'x_t on f_t = 3x (t mod 3 = 1) else −x: Adam goes to the worst point',
        rows(
          [
            ['Adam', a],
            ['AMSGrad', ams],
            ['SGD', gd],
          ],
          T1,
        ),
        { field: 't', title: 't', log: true },
        { field: 'x', title: 'x_t', domain: [-1, 1] },
        'optimizer',
      ),
      lineChart(
        'x-second',
        '§5 variant: f_t = 1010x every 101 steps else −10x',
        rows(
          [
            ['Adam', a2],
            ['AMSGrad', ams2],
          ],
          T2,
        ),
        { field: 't', title: 't', log: true },
        { field: 'x', title: 'x_t', domain: [-1, 1] },
        'optimizer',
      ),
    ];
    const rec = (problem: string, optimizer: string, T: number, r: OnlineRun): Json => ({
      problem,
      optimizer,
      T,
      xT: r.xT,
      avgRegret: r.avgRegret,
      tailMean: r.tailMean,
    });
    const runs: Json[] = [
      rec('3x every 3rd step else -x', 'adam(b1=0,b2=0.1)', T1, a),
      rec('3x every 3rd step else -x', 'amsgrad(b1=0,b2=0.1)', T1, ams),
      rec('3x every 3rd step else -x', 'sgd', T1, gd),
      rec('1010x every 101st step else -10x', 'adam(0.9,0.99,no debias)', T2, a2),
      rec('1010x every 101st step else -10x', 'amsgrad(0.9,0.99,no debias)', T2, ams2),
    ];
    ctx.progress?.(1, 'amsgrad: done');
    return finish(amsgrad, ctx, { t0, seeds, criteria, runs, charts });
  },
};
