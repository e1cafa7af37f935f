import type { GradientHealth } from '../../monitor/gradient-health.js';
import type { Verdict } from '../../monitor/types.js';
import { heatmap } from '../../report/charts.js';
import type { ChartSpec, ExperimentResult, VerdictRecord } from '../types.js';

/**
 * Shared pieces of the flagship experiments (E12, E13): verdict records, the per-layer
 * gradient-norm heatmap, and the one-line story the demo prints.
 */

/** Run sizes of the flagship experiments: 'quick' (tests, seconds), 'demo' (`gradscope demo`), 'full' (the catalogue's criteria). */
export type FlagshipSize = 'quick' | 'demo' | 'full';

/** Callbacks for a live view while a flagship experiment trains (the demo's terminal view). */
export interface FlagshipHooks {
  /** Called every `every` updates and after the last one, with the run's monitor. */
  onMonitor?: (health: GradientHealth, run: string, step: number, steps: number) => void;
  /** Updates between onMonitor calls (default 10). */
  every?: number;
  /** Called when the monitor emits a verdict (started verdicts only). */
  onVerdict?: (verdict: Verdict, run: string) => void;
  /** Called after each run with a one-line outcome ("test accuracy 0.91, no verdict"). */
  onRunEnd?: (run: string, line: string, role: 'baseline' | 'remedy' | 'control') => void;
}

/** What the demo's summary table shows for a flagship experiment. */
export interface FlagshipSummary {
  /** Verdicts the baseline raised, e.g. "vanishing at step 9 (layers 0, 2, 4, …)". */
  verdicts: string[];
  /** Remedies that passed their criteria, with their key number ("tanh + Xavier 0.91"). */
  fixedBy: string[];
  /** Remedies that did not pass. */
  notFixed: string[];
}

/** A flagship run's result with the summary the demo prints. */
export interface FlagshipOutcome {
  result: ExperimentResult;
  summary: FlagshipSummary;
}

/**
 * A monitor verdict as a result record: the remedies as their one-line texts.
 * @example verdictRecord('sigmoid (seed 0)', verdict)
 */
export function verdictRecord(run: string, v: Verdict): VerdictRecord {
  return {
    run,
    kind: v.kind,
    step: v.step,
    layers: [...v.layers],
    severity: v.severity,
    message: v.message,
    remedies: v.remedies.map((r) => r.text),
  };
}

/**
 * "vanishing at step 9 (layers 0, 2, 4, …)": a verdict in a few words.
 * @example describeVerdict(v, 3)
 */
export function describeVerdict(v: Verdict, maxLayers = 3): string {
  const layers =
    v.layers.length === 0
      ? ''
      : ` (layer${v.layers.length === 1 ? '' : 's'} ${v.layers.slice(0, maxLayers).join(', ')}${v.layers.length > maxLayers ? ', …' : ''})`;
  return `${v.kind} at step ${v.step}${layers}`;
}

/**
 * The per-layer gradient-norm heatmap of one run: rows are layers from the input side down,
 * columns the monitor's stored checks, colour log10 ‖g‖ (non-finite cells in their own colour).
 * @example gradientHeatmap('heatmap-baseline', 'sigmoid + standard init', run.checkedSteps, run.layers)
 */
export function gradientHeatmap(
  id: string,
  title: string,
  steps: readonly number[],
  layers: readonly { name: string; gradNorm: readonly number[] }[],
): ChartSpec {
  const n = Math.min(steps.length, ...layers.map((l) => l.gradNorm.length));
  // The monitor's series can hold a step twice only if it was reset; keep strictly ascending columns.
  const keep: number[] = [];
  for (let j = 0; j < n; j++)
    if (
      keep.length === 0 ||
      (steps[j] as number) > (steps[keep[keep.length - 1] as number] as number)
    )
      keep.push(j);
  return heatmap({
    id,
    title,
    rows: layers.map((l) => l.name),
    columns: keep.map((j) => steps[j] as number),
    values: layers.map((l) => keep.map((j) => l.gradNorm[j] as number)),
    xLabel: 'update',
    yLabel: 'layer (input side at the top)',
    colorLabel: 'log10 ‖g‖',
    maxColumns: 60,
  });
}

/**
 * Every `k`-th point of a series (and the last), for compact run records.
 * @example thin([1, 2, 3, 4, 5], 2) // [1, 3, 5]
 */
export function thin(xs: ArrayLike<number>, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < xs.length; i += k) out.push(xs[i] as number);
  if (xs.length > 0 && (xs.length - 1) % k !== 0) out.push(xs[xs.length - 1] as number);
  return out;
}

/**
 * Running mean over a window (the first points average what is there), for readable loss curves.
 * @example smooth([1, 3, 5], 2) // [1, 2, 4]
 */
export function smooth(xs: ArrayLike<number>, window: number): number[] {
  const out: number[] = [];
  let sum = 0;
  let count = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as number;
    sum += x;
    count++;
    if (i >= window) {
      sum -= xs[i - window] as number;
      count--;
    }
    out.push(sum / count);
  }
  return out;
}
