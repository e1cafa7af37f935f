import { encodeJsonNumber } from '../../json-encode.js';
import type {
  ChartSpec,
  Criterion,
  Experiment,
  ExperimentContext,
  ExperimentResult,
  Json,
} from '../types.js';

/**
 * A number made JSON-safe: finite numbers pass, NaN and ±Infinity become the strings "NaN",
 * "Infinity", "-Infinity" (JSON.stringify would silently turn them into null).
 * @example jsonNumber(Infinity) // 'Infinity'
 */
export function jsonNumber(x: number): number | string {
  return encodeJsonNumber(x);
}

/**
 * Rounds to `digits` significant digits for charts and run records (keeps the data small);
 * non-finite values become strings as in {@link jsonNumber}.
 * @example roundTo(Math.PI, 3) // 3.14
 */
export function roundTo(x: number, digits = 6): number | string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return 0;
  return Number(x.toPrecision(digits));
}

/**
 * Formats a measured number for a criterion's `measured` field: finite numbers unchanged,
 * non-finite ones as strings (a criterion must survive a JSON round trip).
 * @example measured(NaN) // 'NaN'
 */
export function measured(x: number): number | string {
  return jsonNumber(x);
}

/**
 * A criterion "x < bound" (strict). NaN never passes.
 * @example below('Adam regret', 0.05, 0.1) // { expected: '< 0.1', pass: true, ... }
 */
export function below(name: string, x: number, bound: number, expected = `< ${bound}`): Criterion {
  return { name, expected, measured: measured(x), pass: x < bound };
}

/**
 * A criterion "x > bound" (strict). NaN never passes.
 * @example above('Adam tail mean', 0.999, 0.99)
 */
export function above(name: string, x: number, bound: number, expected = `> ${bound}`): Criterion {
  return { name, expected, measured: measured(x), pass: x > bound };
}

/**
 * A criterion "lo ≤ x ≤ hi".
 * @example within('GD iterations', 691, 690, 692, '691 ± 1')
 */
export function within(
  name: string,
  x: number,
  lo: number,
  hi: number,
  expected = `in [${lo}, ${hi}]`,
): Criterion {
  return { name, expected, measured: measured(x), pass: x >= lo && x <= hi };
}

/**
 * A criterion "|x − target| ≤ tol".
 * @example near('wall b*', -2.61235041, -2.6123504, 1e-6)
 */
export function near(
  name: string,
  x: number,
  target: number,
  tol: number,
  expected = `${target} ± ${tol}`,
): Criterion {
  return { name, expected, measured: measured(x), pass: Math.abs(x - target) <= tol };
}

/**
 * A boolean criterion.
 * @example holds('NAG diverges', true, 'true')
 */
export function holds(
  name: string,
  ok: boolean,
  expected = 'true',
  measuredValue: number | string | boolean = ok,
): Criterion {
  return { name, expected, measured: measuredValue, pass: ok };
}

/** What {@link finish} assembles into a result. */
export interface Outcome {
  /** `performance.now()` when the run started. */
  t0: number;
  seeds: number[];
  criteria: Criterion[];
  runs: Json[];
  charts: ChartSpec[];
}

/**
 * Assembles the {@link ExperimentResult}: pass = every criterion passed (and there is at least
 * one); time from `t0`.
 * @example return finish(cliff, ctx, { t0, seeds, criteria, runs, charts });
 */
export function finish(exp: Experiment, ctx: ExperimentContext, o: Outcome): ExperimentResult {
  return {
    experiment: exp.name,
    title: exp.title,
    paper: exp.paper,
    mode: ctx.quick ? 'quick' : 'full',
    seeds: [...o.seeds],
    pass: o.criteria.length > 0 && o.criteria.every((c) => c.pass),
    criteria: o.criteria,
    runs: o.runs,
    charts: o.charts,
    verdicts: [],
    timeMs: performance.now() - o.t0,
  };
}

/**
 * The seeds of a run: the context's, or the experiment's defaults for the mode when none given.
 * @example const seeds = seedsOf(exp, ctx);
 */
export function seedsOf(exp: Experiment, ctx: ExperimentContext): number[] {
  return ctx.seeds.length > 0
    ? [...ctx.seeds]
    : ctx.quick
      ? [...exp.defaultSeeds.quick]
      : [...exp.defaultSeeds.full];
}

/**
 * Yields to the event loop (so progress callbacks and timers run during long experiments).
 * @example await pause();
 */
export function pause(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
