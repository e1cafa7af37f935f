import { encodeJson } from '../../json-encode.js';
import { grad } from '../../autograd/functional.js';
import {
  naiveQuadraticRoots,
  newtonFdf,
  newtonPolynomial,
  quadraticRoots,
  type NewtonResult,
  type QuadraticRoots,
} from '../../numeric/index.js';
import { parseExpression } from '../../ops/expression.js';
import { Tensor } from '../../tensor/tensor.js';
import { checkCount } from '../../train/budget.js';
import { budgetFromFlags, BUDGET_FLAGS } from '../budget-flags.js';
import { EXIT, numberFlag, UsageError, type CommandSpec, type Parsed } from '../args.js';

/** `gradscope roots` spec. */
export const rootsSpec: CommandSpec = {
  name: 'roots',
  summary: 'Roots of a·x² + b·x + c, computed stably (and the naive formula beside them).',
  usage: 'roots A B C [--json]',
  description:
    'Stable form: scale the coefficients by a power of two, q = −½(b + sgn(b)√(b² − 4ac)),\n' +
    'x1 = q/a, x2 = c/q (sgn(0) = +1). a = 0 is the linear case; complex roots come as pairs.\n' +
    'The naive (−b ± √(b² − 4ac))/2a is shown for contrast: it loses the small root to cancellation.',
  positionals: [
    { name: 'A', required: true, description: 'coefficient of x²' },
    { name: 'B', required: true, description: 'coefficient of x' },
    { name: 'C', required: true, description: 'constant term' },
  ],
  flags: { json: { type: 'boolean', default: false, description: 'print machine-readable JSON' } },
};

function fmtRoots(r: QuadraticRoots): string {
  switch (r.kind) {
    case 'real':
    case 'linear':
      return r.roots.map((x) => String(x)).join(', ');
    case 'complex':
      return r.roots.map((z) => `${z.re} ${z.im < 0 ? '-' : '+'} ${Math.abs(z.im)}i`).join(', ');
    case 'none':
      return 'no root (a = b = 0, c ≠ 0)';
    case 'all':
      return 'every x (a = b = c = 0)';
  }
}

/** Runs `gradscope roots`. */
export function rootsCommand(args: Parsed, out: (s: string) => void): number {
  const [a, b, c] = args.positionals.map(
    (v, i) => numberFlag('roots', ['A', 'B', 'C'][i] as string, v) as number,
  ) as [number, number, number];
  const stable = quadraticRoots(a, b, c);
  const naive = naiveQuadraticRoots(a, b, c);
  if (args.flags.json) out(encodeJson({ a, b, c, stable, naive }, 2));
  else {
    out(`${stable.kind} roots of ${a}·x² + ${b}·x + ${c}:`);
    out(`  stable: ${fmtRoots(stable)}`);
    out(`  naive:  ${fmtRoots(naive)}`);
  }
  return EXIT.ok;
}

/** `gradscope newton` spec. */
export const newtonSpec: CommandSpec = {
  name: 'newton',
  summary: "Newton's method on a polynomial or an expression (derivative by autodiff).",
  usage: 'newton <EXPR | POLY> --x0 X [--tol T] [--max-iter N] [--root R] [--json]',
  description:
    'EXPR is an expression in x, e.g. "x^3 - 2*x + 2" or "atan(x)"-style functions (sin cos exp log\n' +
    "sqrt tanh sigmoid abs); its derivative comes from gradscope's autodiff. POLY is a comma-separated\n" +
    'list of coefficients, highest degree first, e.g. "1,0,-2" for x² − 2 (Horner for f and f\').\n' +
    'Prints the iterates, the error ratios |e_{k+1}|/|e_k|² (constant for quadratic convergence) and\n' +
    'how the run ended: converged, zeroDerivative, diverged, cycle, maxIter (exit 1 unless converged).',
  positionals: [
    { name: 'EXPR|POLY', required: true, description: 'expression in x, or coefficients' },
  ],
  flags: {
    x0: { type: 'string', valueName: 'X', description: 'starting point (required)' },
    tol: { type: 'string', valueName: 'T', description: 'step tolerance', default: '1e-12' },
    'max-iter': {
      type: 'string',
      valueName: 'N',
      description: 'maximum iterations',
      default: '50',
    },
    root: { type: 'string', valueName: 'R', description: 'exact root, to measure errors against' },
    json: { type: 'boolean', default: false, description: 'print machine-readable JSON' },
    ...BUDGET_FLAGS,
  },
};

/** Runs `gradscope newton`. */
export function newtonCommand(args: Parsed, out: (s: string) => void): number {
  const src = args.positionals[0] as string;
  const x0 = numberFlag('newton', 'x0', args.flags.x0);
  if (x0 === undefined) throw new UsageError('newton: --x0 is required (the starting point)');
  const tol = numberFlag('newton', 'tol', args.flags.tol, { min: 0 }) as number;
  const maxIter = numberFlag('newton', 'max-iter', args.flags['max-iter'], {
    integer: true,
    min: 1,
  }) as number;
  // Each iterate is kept (x, f(x), error ratio): a bound before the loop, not after it.
  checkCount(
    '--max-iter',
    maxIter,
    { bytes: 24, seconds: 1e-7, unit: 'iteration' },
    budgetFromFlags('newton', args.flags),
  );
  const root = numberFlag('newton', 'root', args.flags.root);
  const opts = { tol, maxIter, ...(root !== undefined ? { root } : {}) };
  let res: NewtonResult;
  if (/^\s*-?[\d.eE+-]+(\s*,\s*-?[\d.eE+-]+)*\s*$/.test(src)) {
    const coeffs = src
      .split(',')
      .map((s, i) => numberFlag('newton', `POLY[${i}]`, s.trim()) as number);
    res = newtonPolynomial(coeffs, x0, opts);
  } else {
    const f = parseExpression(src);
    const df = grad((x: Tensor) => f(x));
    res = newtonFdf(
      (x) => {
        const t = new Tensor(new Float64Array([x]), []);
        return [f(t).item(), (df(t)[0] as Tensor).item()];
      },
      x0,
      opts,
    );
  }
  if (args.flags.json) out(encodeJson(res, 2));
  else {
    out(`${res.status}: ${res.message}`);
    out(' k  x_k                       f(x_k)                   |e_k+1|/|e_k|²');
    res.iterates.forEach((x, k) => {
      const ratio = k > 0 ? res.errorRatios[k - 1] : undefined;
      out(
        `${String(k).padStart(2)}  ${String(x).padEnd(24)}  ${String(res.values[k] ?? '').padEnd(23)}  ${ratio === undefined ? '' : ratio.toPrecision(6)}`,
      );
    });
  }
  return res.status === 'converged' ? EXIT.ok : EXIT.failed;
}
