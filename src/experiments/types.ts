/**
 * The shape of a reproduction of a published result: what it checks (criteria with expected and
 * measured values), what it ran (JSON-safe run records) and what it shows (Vega-Lite charts).
 * `gradscope run <name> --json` prints an {@link ExperimentResult}; this file is its schema.
 */

/** A JSON value (what run records and chart data may hold). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One pass/fail criterion with the value the paper (or our calibration) expects and what we measured. */
export interface Criterion {
  /** What is checked, in words ("Adam's mean x over the last 300 steps"). */
  name: string;
  /** The expected value or range, as text ("> 0.99", "in [0.28, 0.38]", "691 ± 1"). */
  expected: string;
  /** What was measured (a number where possible). */
  measured: number | string | boolean;
  pass: boolean;
}

/**
 * A chart for the report: a Vega-Lite v5/v6 specification with its data inline (`data.values`),
 * rendered to SVG by the report. Keep the data small (thousands of points, not millions).
 */
export interface ChartSpec {
  /** Stable id within the experiment ("loss", "error-surface"). */
  id: string;
  title: string;
  /** The Vega-Lite spec (JSON). */
  spec: { [key: string]: Json };
}

/** A monitor verdict as recorded in results (kind, step, layers, severity, evidence, remedies). */
export interface VerdictRecord {
  run: string;
  kind: string;
  step: number;
  layers: string[];
  severity: string;
  message: string;
  remedies: string[];
}

/** The result of one experiment run; `--json` prints exactly this. */
export interface ExperimentResult {
  /** The experiment's name (`cliff`, `amsgrad`, ...). */
  experiment: string;
  title: string;
  /** The paper reproduced. */
  paper: string;
  /** 'quick' (seconds, used by tests) or 'full' (the catalogue's pass criteria). */
  mode: 'quick' | 'full';
  seeds: number[];
  /** True when every criterion passed. */
  pass: boolean;
  criteria: Criterion[];
  /** Per-run records (per seed/config), JSON-safe: final losses, curves, settings. */
  runs: Json[];
  charts: ChartSpec[];
  /** Monitor verdicts raised during the runs, if the experiment uses the monitor. */
  verdicts: VerdictRecord[];
  /** Wall time in milliseconds. */
  timeMs: number;
}

/** What a run is given. */
export interface ExperimentContext {
  quick: boolean;
  /** Seeds to run (the experiment's defaults unless the user chose). */
  seeds: number[];
  /** Progress reporting (fraction in [0, 1] and a short label), e.g. for a progress bar. */
  progress?: (fraction: number, label: string) => void;
}

/** One entry of the catalogue. */
export interface Experiment {
  /** CLI name: `gradscope run <name>`. */
  name: string;
  /** Catalogue id (E1 ... E15). */
  id: string;
  title: string;
  /** Citation of the paper reproduced. */
  paper: string;
  /** One paragraph: what the paper found and what we check. */
  story: string;
  /** Seeds used when the user gives none, in full and in quick mode. */
  defaultSeeds: { full: number[]; quick: number[] };
  /** Runs the experiment; must not touch the file system (the caller writes results). */
  run(ctx: ExperimentContext): Promise<ExperimentResult>;
}

/** Builds a criterion. */
export function criterion(
  name: string,
  expected: string,
  measured: number | string | boolean,
  pass: boolean,
): Criterion {
  return { name, expected, measured, pass };
}
