import { ConfigError, fmt } from '../errors.js';
import { assertCoefficients, hornerWithDerivative } from './horner.js';

/** How a Newton iteration ended. */
export type NewtonStatus = 'converged' | 'zeroDerivative' | 'diverged' | 'cycle' | 'maxIter';

/** Options of {@link newton}. */
export interface NewtonOptions {
  /** Stop when |x_{k+1} − x_k| ≤ tol·max(1, |x_{k+1}|) (default 1e-12). */
  tol?: number;
  /** Maximum number of Newton steps (default 50). */
  maxIter?: number;
  /** The exact root, if known: errors and error ratios are measured against it. */
  root?: number;
  /** Call the run diverged once |x| exceeds this (default Infinity: rely on the growth test). */
  maxAbs?: number;
  /**
   * Call the run diverged after this many consecutive steps in which |x| grew and |f(x)| did
   * not shrink (default 4): Newton moving away while the residual gets no better.
   */
  divergeWindow?: number;
  /** Longest cycle looked for (default 8); a return to within tol of x_{k−p}, 2 ≤ p ≤ this. */
  maxPeriod?: number;
}

/** Everything a Newton run did, for plots and tables. */
export interface NewtonResult {
  /** How the run ended: converged, or the failure it diagnosed. */
  status: NewtonStatus;
  /** The last iterate (the root when converged). */
  x: number;
  /** x_0, x_1, …, x_n. */
  iterates: number[];
  /** f(x_k) for every iterate that was evaluated. */
  values: number[];
  /** |x_k − r| against `options.root`, or against the final iterate when converged; else []. */
  errors: number[];
  /** |e_{k+1}| / |e_k|² for consecutive non-zero errors: tends to |f''(r) / (2f'(r))| for a simple root. */
  errorRatios: number[];
  /** Number of Newton steps taken. */
  iterations: number;
  /** Cycle length when status is 'cycle'. */
  period?: number;
  /** One sentence saying what happened, for logs and the CLI. */
  message: string;
}

/** A function returning f(x) and f'(x) together, as autodiff's valueAndGrad does. */
export type ValueAndDerivative = (x: number) => readonly [number, number];

function positiveOption(
  name: string,
  value: number | undefined,
  dflt: number,
  integer: boolean,
): number {
  if (value === undefined) return dflt;
  const ok =
    typeof value === 'number' &&
    value > 0 &&
    (integer ? Number.isInteger(value) : !Number.isNaN(value));
  if (!ok)
    throw new ConfigError(
      `newton: ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${fmt(value)}`,
    );
  return value;
}

/**
 * Newton's method x_{k+1} = x_k − f(x_k)/f'(x_k) with the value and derivative from one callback
 * (an autodiff `valueAndGrad`, Horner, or a hand-written pair), recording the iterates and
 * classifying the outcome: 'converged', 'zeroDerivative' (f'(x_k) = 0 or the step overflows),
 * 'diverged' (non-finite values, |x| > maxAbs, or |x| growing while |f| does not shrink),
 * 'cycle' (x_{k+1} returns to an earlier x_{k+1−p}) or 'maxIter'. Near a simple root the error
 * ratios |e_{k+1}|/|e_k|² tend to |f''(r)/(2f'(r))|: quadratic convergence, the number of
 * correct digits doubling each step; at a root of multiplicity m convergence is only linear,
 * with |e_{k+1}|/|e_k| → (m−1)/m.
 * @example newtonFdf((x) => [x * x - 2, 2 * x], 1).x // 1.4142135623730951
 * @see Süli & Mayers, An Introduction to Numerical Analysis, 2003, §1.4
 */
export function newtonFdf(
  fdf: ValueAndDerivative,
  x0: number,
  options: NewtonOptions = {},
): NewtonResult {
  if (typeof x0 !== 'number' || !Number.isFinite(x0))
    throw new ConfigError(`newton: x0 must be a finite number, got ${fmt(x0)}`);
  const tol = positiveOption('tol', options.tol, 1e-12, false);
  const maxIter = positiveOption('maxIter', options.maxIter, 50, true);
  const maxAbs = positiveOption('maxAbs', options.maxAbs, Infinity, false);
  const divergeWindow = positiveOption('divergeWindow', options.divergeWindow, 4, true);
  const maxPeriod = positiveOption('maxPeriod', options.maxPeriod, 8, true);
  if (options.root !== undefined && !Number.isFinite(options.root)) {
    throw new ConfigError(`newton: root must be a finite number, got ${fmt(options.root)}`);
  }

  const iterates = [x0];
  const values: number[] = [];
  let x = x0;
  let growing = 0;
  let status: NewtonStatus = 'maxIter';
  let period: number | undefined;
  let message = `no convergence within maxIter = ${maxIter} steps`;
  let steps = 0;

  for (; steps < maxIter; steps++) {
    const [fx, dfx] = fdf(x);
    values.push(fx);
    if (!Number.isFinite(fx) || !Number.isFinite(dfx)) {
      status = 'diverged';
      message = `f or f' is not finite at x = ${x} (f = ${fmt(fx)}, f' = ${fmt(dfx)})`;
      break;
    }
    if (fx === 0) {
      status = 'converged';
      message = `f(x) = 0 exactly at x = ${x}`;
      break;
    }
    const step = fx / dfx;
    if (dfx === 0 || !Number.isFinite(step)) {
      status = 'zeroDerivative';
      message = `f'(x) = ${dfx} at x = ${x}: the Newton step is undefined`;
      break;
    }
    const xn = x - step;
    iterates.push(xn);
    const scale = Math.max(1, Math.abs(xn));
    if (Math.abs(xn - x) <= tol * scale) {
      steps++;
      values.push(fdf(xn)[0]);
      x = xn;
      status = 'converged';
      message = `converged to ${xn} after ${steps} steps`;
      break;
    }
    if (Math.abs(xn) > maxAbs) {
      steps++;
      x = xn;
      status = 'diverged';
      message = `|x| = ${Math.abs(xn)} exceeds maxAbs = ${maxAbs}`;
      break;
    }
    // Growth test: the previous value is known, the next one is computed on the next pass, so
    // compare |f| one step behind (values[k] vs values[k−1]) together with |x_k| vs |x_{k−1}|.
    const k = values.length - 1;
    if (k >= 1) {
      const grew =
        Math.abs(x) > Math.abs(iterates[k - 1] as number) &&
        Math.abs(fx) >= Math.abs(values[k - 1] as number);
      growing = grew ? growing + 1 : 0;
      if (growing >= divergeWindow) {
        steps++;
        x = xn;
        status = 'diverged';
        message = `|x| grew and |f(x)| did not shrink for ${divergeWindow} consecutive steps (x = ${xn})`;
        break;
      }
    }
    let found = 0;
    for (let p = 2; p <= maxPeriod && p < iterates.length; p++) {
      const prev = iterates[iterates.length - 1 - p] as number;
      if (Math.abs(xn - prev) <= tol * scale) {
        found = p;
        break;
      }
    }
    x = xn;
    if (found > 0) {
      steps++;
      status = 'cycle';
      period = found;
      message = `the iterates cycle with period ${found} (x = ${xn} again)`;
      break;
    }
  }

  const ref = options.root ?? (status === 'converged' ? x : undefined);
  const errors = ref === undefined ? [] : iterates.map((v) => Math.abs(v - ref));
  const errorRatios: number[] = [];
  for (let i = 0; i + 1 < errors.length; i++) {
    const e0 = errors[i] as number;
    const e1 = errors[i + 1] as number;
    if (e0 > 0 && e1 > 0) errorRatios.push(e1 / (e0 * e0));
  }
  const result: NewtonResult = {
    status,
    x,
    iterates,
    values,
    errors,
    errorRatios,
    iterations: steps,
    message,
  };
  if (period !== undefined) result.period = period;
  return result;
}

/**
 * Newton's method for f with a separate derivative callback f' — any callback: hand-written,
 * Horner's, or an autodiff gradient. See {@link newtonFdf} for the statuses and error ratios.
 * @example newton(Math.atan, (x) => 1 / (1 + x * x), 2).status // 'diverged'
 * @see Süli & Mayers, An Introduction to Numerical Analysis, 2003, §1.4
 */
export function newton(
  f: (x: number) => number,
  df: (x: number) => number,
  x0: number,
  options: NewtonOptions = {},
): NewtonResult {
  return newtonFdf((x) => [f(x), df(x)], x0, options);
}

/**
 * Newton's method for the polynomial c[0]·x^n + … + c[n] (highest degree first), with value and
 * derivative from one Horner pass.
 * @example newtonPolynomial([1, 0, -2], 1).x // √2
 * @see Süli & Mayers, An Introduction to Numerical Analysis, 2003, §1.4
 */
export function newtonPolynomial(
  coeffs: ArrayLike<number>,
  x0: number,
  options: NewtonOptions = {},
): NewtonResult {
  assertCoefficients('newtonPolynomial', coeffs);
  return newtonFdf((x) => hornerWithDerivative(coeffs, x), x0, options);
}
