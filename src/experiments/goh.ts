import { Optimizer } from '../optim/optimizer.js';
import type { NamedChainState } from '../optim/named-chain.js';
import { sgd } from '../optim/sgd.js';
import type { TraceState } from '../optim/trace.js';
import type { GradientTransformation } from '../optim/types.js';
import { Tensor } from '../tensor/tensor.js';
import { above, below, finish, holds, roundTo, seedsOf, within } from './internal/outcome.js';
import { lineChart, type Row } from './internal/vega.js';
import type { Criterion, Experiment, ExperimentContext, ExperimentResult, Json } from './types.js';
import { runLoop, trainLoop } from '../train/loop.js';

const LAMBDAS: readonly [number, number] = [1, 100];
const KAPPA = LAMBDAS[1] / LAMBDAS[0];

/** The quadratic ½(λ1 x1² + λ2 x2²) as two 1-element parameters with gradients set by hand. */
function quadratic(): { x1: Tensor; x2: Tensor; setGrads: () => void; error: () => number } {
  const mk = (): Tensor => {
    const t = new Tensor(new Float64Array([1]), [1]);
    t.grad = new Tensor(new Float64Array(1), [1]);
    return t;
  };
  const x1 = mk();
  const x2 = mk();
  return {
    x1,
    x2,
    setGrads: () => {
      (x1.grad as Tensor).data[0] = LAMBDAS[0] * (x1.data[0] as number);
      (x2.grad as Tensor).data[0] = LAMBDAS[1] * (x2.data[0] as number);
    },
    error: () => Math.hypot(x1.data[0] as number, x2.data[0] as number),
  };
}

/**
 * ‖x_k‖ for k = 0..steps of an optimizer on the quadratic from the error (1, 1) (the minimum is 0).
 * @example errorCurve(sgd({ lr: 2 / 101 }), 1000)
 */
export function errorCurve(tx: GradientTransformation<unknown>, steps: number): number[] {
  const q = quadratic();
  const out = [q.error()];
  runLoop({
    optimizer: new Optimizer({ x1: q.x1, x2: q.x2 }, tx),
    steps,
    next: () => null,
    gradients: () => q.setGrads(),
    callbacks: [{ onStep: () => void out.push(q.error()) }],
  });
  return out;
}

/** First k with ‖x_k‖ ≤ factor·‖x_0‖, or Infinity. */
function iterationsToShrink(curve: readonly number[], factor: number): number {
  const e0 = curve[0] as number;
  const k = curve.findIndex((e) => e <= factor * e0);
  return k < 0 ? Infinity : k;
}

/**
 * Spectral radius of a 2×2 matrix from its trace and determinant. A discriminant within its own
 * rounding of 0 is the double root of critical damping (Goh's optimal β puts both extreme
 * directions there); its modulus is then √det.
 * @example spectralRadius2(-0.4, -0.45) // 0.9: diag(0.5, −0.9) has trace −0.4, determinant −0.45
 * @see Goh, "Why Momentum Really Works", Distill, 2017
 */
export function spectralRadius2(tr: number, det: number): number {
  const disc = tr * tr - 4 * det;
  if (disc <= 8 * Number.EPSILON * tr * tr) return Math.sqrt(Math.abs(det));
  const r = Math.sqrt(disc);
  return Math.max(Math.abs((tr + r) / 2), Math.abs((tr - r) / 2));
}

/**
 * Goh's iteration matrix of momentum in an eigen-direction λ: (z, w) ← (βz + λw, w − α(βz + λw)),
 * i.e. R = [[β, λ], [−αβ, 1 − αλ]], with z the momentum buffer (PyTorch's b) and w the error.
 */
function gohMatrix(alpha: number, beta: number, lam: number): [[number, number], [number, number]] {
  return [
    [beta, lam],
    [-alpha * beta, 1 - alpha * lam],
  ];
}

/**
 * The one-step map of the library's momentum SGD in each direction, fitted from four consecutive
 * (buffer, error) states: [s2 s3] = M·[s1 s2]. The map is linear, so this recovers M to rounding.
 */
function fittedIterationMatrices(alpha: number, beta: number): [number, number][][] {
  const q = quadratic();
  const opt = new Optimizer({ x1: q.x1, x2: q.x2 }, sgd({ lr: alpha, momentum: beta }));
  const states: { z: [number, number]; w: [number, number] }[] = [];
  for (const _ of trainLoop({
    optimizer: opt,
    steps: 4,
    next: () => null,
    gradients: () => q.setGrads(),
  })) {
    const b = ((opt.state as NamedChainState)[0] as TraceState).trace;
    states.push({
      z: [b['x1']?.[0] as number, b['x2']?.[0] as number],
      w: [q.x1.data[0] as number, q.x2.data[0] as number],
    });
  }
  return [0, 1].map((i) => {
    const s1 = [states[1]?.z[i] as number, states[1]?.w[i] as number] as const;
    const s2 = [states[2]?.z[i] as number, states[2]?.w[i] as number] as const;
    const s3 = [states[3]?.z[i] as number, states[3]?.w[i] as number] as const;
    // M = [s2 s3]·[s1 s2]^{-1}.
    const det = s1[0] * s2[1] - s2[0] * s1[1];
    const inv = [
      [s2[1] / det, -s2[0] / det],
      [-s1[1] / det, s1[0] / det],
    ];
    const rows = [
      [s2[0], s3[0]],
      [s2[1], s3[1]],
    ];
    return rows.map(
      (r) =>
        [0, 1].map(
          (c) =>
            (r[0] as number) * (inv[0]?.[c] as number) + (r[1] as number) * (inv[1]?.[c] as number),
        ) as [number, number],
    );
  });
}

/**
 * E9 — Goh's "Why Momentum Really Works": on a quadratic with condition number 100, optimal
 * momentum needs about √κ times fewer iterations than optimal gradient descent, and its rate is the
 * spectral radius of a 2×2 iteration matrix.
 * @example const result = await goh.run({ quick: true, seeds: [0] })
 * @see Goh, "Why Momentum Really Works", Distill, 2017
 */
export const goh: Experiment = {
  name: 'goh',
  id: 'E9',
  title: 'Why momentum really works: rates on a quadratic',
  paper: 'Goh, "Why Momentum Really Works", Distill, 2017',
  story:
    'Goh analyses gradient descent and momentum on a convex quadratic eigen-direction by eigen-direction: gradient descent ' +
    'with the optimal step α* = 2/(λ1 + λn) converges at rate (κ − 1)/(κ + 1), while momentum, whose per-direction ' +
    'iteration is a 2×2 matrix, reaches (√κ − 1)/(√κ + 1) with α* = (2/(√λ1 + √λn))² and β* = ((√λn − √λ1)/(√λn + √λ1))², ' +
    "and converges exactly when 0 < αλ < 2 + 2β. We run the library's SGD (with PyTorch momentum) on λ = (1, 100) from " +
    'the error (1, 1): gradient descent needs 691 ± 1 iterations to shrink the error by 1e-6, momentum 69–100; we recover ' +
    "the iteration matrix from the optimizer's own states, check its spectral radius against both rates to 1e-12, and " +
    'step just inside and just outside the stability boundary.',
  defaultSeeds: { full: [0], quick: [0] },
  async run(ctx: ExperimentContext): Promise<ExperimentResult> {
    const t0 = performance.now();
    const seeds = seedsOf(goh, ctx);
    const criteria: Criterion[] = [];
    const [l1, ln] = LAMBDAS;
    const gdAlpha = 2 / (l1 + ln);
    const mAlpha = (2 / (Math.sqrt(l1) + Math.sqrt(ln))) ** 2;
    const mBeta = ((Math.sqrt(ln) - Math.sqrt(l1)) / (Math.sqrt(ln) + Math.sqrt(l1))) ** 2;
    const gdRate = (KAPPA - 1) / (KAPPA + 1);
    const mRate = (Math.sqrt(KAPPA) - 1) / (Math.sqrt(KAPPA) + 1);
    const steps = 1000;
    const gd = errorCurve(sgd({ lr: gdAlpha }), steps);
    const mom = errorCurve(sgd({ lr: mAlpha, momentum: mBeta }), steps);
    const kGd = iterationsToShrink(gd, 1e-6);
    const kMom = iterationsToShrink(mom, 1e-6);
    criteria.push(
      within(
        'GD at α* = 2/(λ1 + λn): iterations to shrink the error by 1e-6',
        kGd,
        690,
        692,
        '691 ± 1',
      ),
    );
    criteria.push(
      within(
        'momentum at α*, β*: iterations to shrink the error by 1e-6',
        kMom,
        69,
        100,
        'in [69, 100]',
      ),
    );
    // GD: every direction contracts by |1 − αλ| = (κ − 1)/(κ + 1) exactly, so ‖x_{k+1}‖/‖x_k‖ is the rate.
    let gdStepDev = 0;
    for (let k = 0; k < 50; k++)
      gdStepDev = Math.max(gdStepDev, Math.abs((gd[k + 1] as number) / (gd[k] as number) - gdRate));
    criteria.push(
      below(
        'GD: measured contraction per step vs (κ − 1)/(κ + 1), max |Δ| over 50 steps',
        gdStepDev,
        1e-12,
        '≤ 1e-12',
      ),
    );
    // Momentum: the optimizer's one-step map is Goh's R, and ρ(R) = (√κ − 1)/(√κ + 1) in every direction.
    const fitted = fittedIterationMatrices(mAlpha, mBeta);
    let fitDev = 0;
    fitted.forEach((m, i) => {
      const r = gohMatrix(mAlpha, mBeta, LAMBDAS[i] as number);
      for (let a = 0; a < 2; a++)
        for (let b = 0; b < 2; b++)
          fitDev = Math.max(
            fitDev,
            Math.abs((m[a]?.[b] as number) - (r[a]?.[b] as number)) /
              Math.max(1, LAMBDAS[i] as number),
          );
    });
    criteria.push(
      below(
        "the optimizer's iteration matrix vs Goh's R = [[β, λ], [−αβ, 1 − αλ]] (max relative |Δ|)",
        fitDev,
        1e-9,
        '≤ 1e-9',
      ),
    );
    let rateDev = 0;
    const lams = Array.from({ length: 100 }, (_, i) => l1 + ((ln - l1) * i) / 99);
    for (const lam of lams) {
      const [[a, b], [c, d]] = gohMatrix(mAlpha, mBeta, lam);
      rateDev = Math.max(rateDev, Math.abs(spectralRadius2(a + d, a * d - b * c) - mRate));
    }
    criteria.push(below('ρ(R) over λ ∈ [1, 100] vs (√κ − 1)/(√κ + 1)', rateDev, 1e-12, '≤ 1e-12'));
    let gdRateDev = 0;
    for (const lam of [l1, ln])
      gdRateDev = Math.max(gdRateDev, Math.abs(Math.abs(1 - gdAlpha * lam) - gdRate));
    criteria.push(below('GD: max_i |1 − α*λ_i| vs (κ − 1)/(κ + 1)', gdRateDev, 1e-12, '≤ 1e-12'));
    // The stability boundary αλ_max = 2 + 2β.
    const beta = 0.5;
    const edge: Record<string, number> = {};
    for (const [name, factor] of [
      ['below', 1 - 1e-3],
      ['above', 1 + 1e-3],
    ] as const) {
      const alpha = ((2 + 2 * beta) / ln) * factor;
      const e = errorCurve(sgd({ lr: alpha, momentum: beta }), 5000);
      edge[name] = e[e.length - 1] as number;
    }
    criteria.push(
      below(
        'β = 0.5, αλ_max = (2 + 2β)(1 − 1e-3): error after 5000 steps (converges)',
        edge['below'] as number,
        1e-2,
      ),
    );
    criteria.push(
      above(
        'β = 0.5, αλ_max = (2 + 2β)(1 + 1e-3): error after 5000 steps (diverges)',
        edge['above'] as number,
        1e6,
      ),
    );
    criteria.push(
      holds(
        "momentum needs fewer than a fifth of GD's iterations",
        kMom * 5 < kGd,
        'true',
        `${kMom} vs ${kGd}`,
      ),
    );

    const rows: Row[] = [];
    const addCurve = (name: string, c: number[]): void => {
      c.slice(0, 800).forEach((e, k) => {
        if (k % 4 === 0 && e > 0) rows.push({ method: name, k, error: roundTo(e, 5) });
      });
    };
    addCurve(`GD α* = ${roundTo(gdAlpha, 4)}`, gd);
    addCurve(`momentum α* = ${roundTo(mAlpha, 4)}, β* = ${roundTo(mBeta, 4)}`, mom);
    const charts = [
      lineChart(
        'error',
        'Error ‖x_k − x*‖ on λ = (1, 100): gradient descent vs optimal momentum',
        rows,
        { field: 'k', title: 'iteration' },
        { field: 'error', title: 'error', log: true },
        'method',
      ),
    ];
    const runs: Json[] = [
      { method: 'gd', alpha: gdAlpha, iterationsTo1e6: kGd, rate: gdRate },
      {
        method: 'momentum',
        alpha: mAlpha,
        beta: mBeta,
        iterationsTo1e6: kMom,
        rate: mRate,
        fittedMatrices: fitted.map((m) => m.map((r) => [...r])),
      },
      {
        method: 'stability edge',
        beta,
        errorBelow: roundTo(edge['below'] as number),
        errorAbove: roundTo(edge['above'] as number),
      },
    ];
    return finish(goh, ctx, { t0, seeds, criteria, runs, charts });
  },
};
