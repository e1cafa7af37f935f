import { valueAndGrad } from '../autograd/index.js';
import {
  naiveQuadraticRoots,
  newton,
  newtonFdf,
  newtonPolynomial,
  quadraticRoots,
  ulpDistance,
  type NewtonResult,
  type QuadraticRoots,
} from '../numeric/index.js';
import { parseExpression } from '../ops/index.js';
import { Tensor } from '../tensor/tensor.js';
import { below, finish, holds, near, roundTo, seedsOf } from './internal/outcome.js';
import { barChart, lineChart, type Row } from './internal/vega.js';
import type { Criterion, Experiment, ExperimentContext, ExperimentResult, Json } from './types.js';

/** One row of the catalogue's table: coefficients, exact roots (ascending) and the naive small root. */
interface RootCase {
  label: string;
  a: number;
  b: number;
  c: number;
  /** The exact roots of the (double) coefficients, rounded to double, ascending. */
  exact: [number, number];
  /** The naive formula's small root as the catalogue states it, when it is wrong. */
  naiveSmall?: number;
}

/** The catalogue's table (E14), plus a case where b² overflows. */
const CASES: readonly RootCase[] = [
  {
    label: '1, 1e8, 1',
    a: 1,
    b: 1e8,
    c: 1,
    exact: [-99999999.99999999, -1.0000000000000001e-8],
    naiveSmall: -7.450580596923828e-9,
  },
  {
    label: '1, −1e5, 1',
    a: 1,
    b: -1e5,
    c: 1,
    exact: [1.0000000001000001e-5, 99999.99999],
    naiveSmall: 1.0000003385357559e-5,
  },
  { label: '6, 5, −4', a: 6, b: 5, c: -4, exact: [-1.3333333333333333, 0.5] },
  {
    label: '1, −4, 3.9999999',
    a: 1,
    b: -4,
    c: 3.9999999,
    exact: [1.9996837722342419, 2.0003162277657581],
  },
  // x² − 1e200·x + 1: roots −b (exact) and 1/(−b) (one correctly rounded division; the relative
  // perturbation 1e-400 of the exact root is far below half an ulp). b² overflows to Infinity.
  { label: '1, −1e200, 1', a: 1, b: -1e200, c: 1, exact: [1 / 1e200, 1e200] },
];

function realRoots(r: QuadraticRoots): [number, number] {
  return r.kind === 'real' ? r.roots : [NaN, NaN];
}

/** The error of a Newton run as a chart series. */
function newtonRows(name: string, r: NewtonResult): Row[] {
  return r.errors.filter((e) => e > 0).map((e, k) => ({ run: name, k, error: roundTo(e, 4) }));
}

/**
 * E14 — the article's numerical section: roots of a quadratic without cancellation or overflow,
 * and Newton's method (quadratic convergence and its failure modes).
 * @example const result = await roots.run({ quick: true, seeds: [0] })
 * @see Forsythe, "How do you solve a quadratic equation?", Stanford TR CS-40, 1966
 */
export const roots: Experiment = {
  name: 'roots',
  id: 'E14',
  title: "Stable quadratic roots and Newton's method",
  paper:
    'Forsythe, "How do you solve a quadratic equation?", 1966; Press et al., Numerical Recipes §5.6; Higham, Accuracy and Stability of Numerical Algorithms §1.8',
  story:
    'The textbook formula (−b ± √(b² − 4ac))/2a subtracts nearly equal numbers when b² ≫ 4ac and loses the small root: for ' +
    'x² + 1e8·x + 1 it returns −7.45e-9 instead of −1e-8. The stable form computes q = −½(b + sgn(b)√(b² − 4ac)), which ' +
    'adds numbers of the same sign, and takes x1 = q/a, x2 = c/q; scaling the coefficients first keeps b² from overflowing. ' +
    "We check every root of the catalogue's table within 2 ulp of the exact roots, the naive formula's wrong small roots, " +
    "complex pairs and the linear case. Newton's method doubles its correct digits per step near a simple root (error ratios " +
    "|e_{k+1}|/|e_k|² tend to |f″/2f′|), with the derivative from Horner's rule or from autodiff, and fails in recognisable " +
    'ways: a zero derivative, divergence, cycles, and only linear convergence at a multiple root.',
  defaultSeeds: { full: [0], quick: [0] },
  run(ctx: ExperimentContext): Promise<ExperimentResult> {
    const t0 = performance.now();
    const seeds = seedsOf(roots, ctx);
    const criteria: Criterion[] = [];
    const runs: Json[] = [];
    const ulpRows: Row[] = [];
    for (const cs of CASES) {
      const stable = realRoots(quadraticRoots(cs.a, cs.b, cs.c));
      const naive = realRoots(naiveQuadraticRoots(cs.a, cs.b, cs.c));
      const ulpStable = stable.map((x, i) => ulpDistance(x, cs.exact[i] as number));
      const ulpNaive = naive.map((x, i) => ulpDistance(x, cs.exact[i] as number));
      const worst = Math.max(...ulpStable.map((u) => (Number.isNaN(u) ? Infinity : u)));
      criteria.push(
        holds(
          `stable roots of (${cs.label}): max ulp distance to the exact roots`,
          worst <= 2,
          '≤ 2 ulp',
          Number.isFinite(worst) ? worst : 'NaN',
        ),
      );
      if (cs.naiveSmall !== undefined) {
        const small = Math.abs(cs.exact[0]) < Math.abs(cs.exact[1]) ? 0 : 1;
        criteria.push(
          holds(
            `naive formula's small root of (${cs.label}) is the cancelled value`,
            naive[small] === cs.naiveSmall,
            String(cs.naiveSmall),
            naive[small] as number,
          ),
        );
      }
      runs.push({
        case: cs.label,
        exact: [...cs.exact],
        stable: [...stable].map((v) => (Number.isFinite(v) ? v : String(v))),
        naive: [...naive].map((v) => (Number.isFinite(v) ? v : String(v))),
        ulpStable,
        ulpNaive: ulpNaive.map((u) => (Number.isFinite(u) ? u : String(u))),
      });
      ['small', 'large'].forEach((which, j) => {
        const i = Math.abs(cs.exact[0]) <= Math.abs(cs.exact[1]) ? j : 1 - j;
        const u = (v: number): number => (Number.isFinite(v) ? Math.log10(1 + v) : 17);
        ulpRows.push({
          root: `${cs.label} (${which})`,
          solver: 'stable',
          log10ulp: roundTo(u(ulpStable[i] as number), 4),
        });
        ulpRows.push({
          root: `${cs.label} (${which})`,
          solver: 'naive',
          log10ulp: roundTo(u(ulpNaive[i] as number), 4),
        });
      });
    }
    const overflowNaive = realRoots(naiveQuadraticRoots(1, -1e200, 1));
    criteria.push(
      holds(
        'naive formula on (1, −1e200, 1): b² overflows, roots not finite',
        !overflowNaive.every(Number.isFinite),
        'non-finite',
        overflowNaive.map(String).join(', '),
      ),
    );
    const cx = quadraticRoots(1, 2, 5);
    const cxOk =
      cx.kind === 'complex' &&
      cx.roots[0].re === -1 &&
      cx.roots[1].re === -1 &&
      cx.roots[0].im === -2 &&
      cx.roots[1].im === 2;
    criteria.push(
      holds(
        'x² + 2x + 5: the complex pair −1 ∓ 2i',
        cxOk,
        '−1 − 2i, −1 + 2i',
        cx.kind === 'complex'
          ? cx.roots.map((z) => `${z.re}${z.im < 0 ? '−' : '+'}${Math.abs(z.im)}i`).join(', ')
          : cx.kind,
      ),
    );
    const lin = quadraticRoots(0, 2, -4);
    criteria.push(
      holds(
        'a = 0: 2x − 4 is linear with root 2',
        lin.kind === 'linear' && lin.roots[0] === 2,
        'linear, 2',
        `${lin.kind}${lin.kind === 'linear' ? `, ${lin.roots[0]}` : ''}`,
      ),
    );

    // Newton's method.
    const sqrt2 = newtonPolynomial([1, 0, -2], 1, { root: Math.SQRT2 });
    criteria.push(
      below(
        'Newton on x² − 2 from 1: |x − √2|',
        Math.abs(sqrt2.x - Math.SQRT2),
        2.3e-16,
        '≤ 1 ulp',
      ),
    );
    const lastRatio = sqrt2.errorRatios[sqrt2.errorRatios.length - 1] ?? NaN;
    criteria.push(
      near(
        'Newton on x² − 2: last error ratio |e_{k+1}|/|e_k|² vs f″/(2f′) = 1/(2√2)',
        lastRatio,
        1 / (2 * Math.SQRT2),
        1e-3,
      ),
    );
    // Autodiff derivative: Wallis's x³ − 2x − 5, root 2.0945514815423265...
    const f = parseExpression('x^3 - 2*x - 5');
    const vg = valueAndGrad(f);
    const fdf = (x: number): [number, number] => {
      const [v, [g]] = vg(new Tensor(new Float64Array([x]), [1]));
      return [v.item(), (g as Tensor).item()];
    };
    const wallisRoot = 2.0945514815423265;
    const wallis = newtonFdf(fdf, 2, { root: wallisRoot });
    criteria.push(
      holds(
        "Newton on x³ − 2x − 5 from 2, derivative by autodiff: converges to Wallis's root (ulp distance)",
        wallis.status === 'converged' && ulpDistance(wallis.x, wallisRoot) <= 1,
        'converged, ≤ 1 ulp',
        `${wallis.status}, ${ulpDistance(wallis.x, wallisRoot)} ulp`,
      ),
    );
    // Quadratic convergence: ratios measured while the errors are well above rounding.
    const target = (6 * wallisRoot) / (2 * (3 * wallisRoot * wallisRoot - 2));
    const clean = wallis.errorRatios.filter((_, k) => (wallis.errors[k] as number) > 1e-7);
    const lastClean = clean[clean.length - 1] ?? NaN;
    criteria.push(
      near(
        'autodiff Newton: error ratio |e_{k+1}|/|e_k|² (last with |e_k| > 1e-7) vs f″/(2f′) at the root',
        lastClean,
        target,
        0.02 * target,
        `${roundTo(target, 5)} ± 2%`,
      ),
    );
    const zero = newtonPolynomial([1, 0, -1], 0);
    criteria.push(
      holds(
        'failure: x² − 1 from 0 has f′ = 0',
        zero.status === 'zeroDerivative',
        'zeroDerivative',
        zero.status,
      ),
    );
    const atan = newton(Math.atan, (x) => 1 / (1 + x * x), 2);
    criteria.push(
      holds(
        'failure: atan(x) from 2 overshoots further every step',
        atan.status === 'diverged',
        'diverged',
        atan.status,
      ),
    );
    const cycle = newtonPolynomial([1, 0, -2, 2], 0);
    criteria.push(
      holds(
        'failure: x³ − 2x + 2 from 0 cycles 0 → 1 → 0',
        cycle.status === 'cycle' && cycle.period === 2,
        'cycle, period 2',
        `${cycle.status}${cycle.period !== undefined ? `, period ${cycle.period}` : ''}`,
      ),
    );
    const triple = newtonPolynomial([1, -3, 3, -1], 2, { root: 1, maxIter: 8 });
    const linRatio = (triple.errors[6] as number) / (triple.errors[5] as number);
    criteria.push(
      near(
        'triple root (x − 1)³ from 2: linear convergence, |e_{k+1}|/|e_k| = 2/3',
        linRatio,
        2 / 3,
        1e-6,
      ),
    );
    for (const [name, r] of [
      ['x² − 2 (Horner)', sqrt2],
      ['x³ − 2x − 5 (autodiff)', wallis],
      ['atan from 2', atan],
      ['cycle x³ − 2x + 2', cycle],
      ['(x − 1)³', triple],
    ] as const) {
      runs.push({
        newton: name,
        status: r.status,
        iterations: r.iterations,
        iterates: r.iterates.map((v) => (Number.isFinite(v) ? v : String(v))),
        errorRatios: r.errorRatios.map((v) => roundTo(v, 8)),
      });
    }
    const newtonSeries: Row[] = [
      ...newtonRows('x² − 2 from 1', sqrt2),
      ...newtonRows('x³ − 2x − 5 from 2 (autodiff)', wallis),
      ...newtonRows('(x − 1)³ from 2', triple),
    ];
    const charts = [
      barChart(
        'ulp',
        'ulp error of each root: naive formula vs stable (log10(1 + ulp))',
        ulpRows,
        'root',
        { field: 'log10ulp', title: 'log10(1 + ulp error)' },
        'solver',
      ),
      lineChart(
        'newton',
        "Newton's method: |x_k − r| (quadratic vs linear convergence)",
        newtonSeries,
        { field: 'k', title: 'iteration' },
        { field: 'error', title: '|x_k − r|', log: true },
        'run',
      ),
    ];
    return Promise.resolve(finish(roots, ctx, { t0, seeds, criteria, runs, charts }));
  },
};
