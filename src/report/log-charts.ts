import type { ChartSpec } from '../experiments/types.js';
import { heatmap, lineChart, verdictTimeline, type Series } from './charts.js';
import type { RunLogs, ScalarSeries } from './run-logs.js';

const LR = /^(lr|learning[_-]?rate|learningRate)$/i;
const LOSS = /loss/i;
const ACC = /acc/i;

/** Log scale when every value is positive and they span more than 1.5 decades. */
function wantsLog(series: readonly ScalarSeries[]): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (const v of s.values) {
      if (!Number.isFinite(v)) continue;
      if (v <= 0) return false;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return hi > 0 && lo > 0 && hi / lo > 30;
}

function toSeries(group: readonly ScalarSeries[], manyRuns: boolean): Series[] {
  return group.map((s) => ({
    name: manyRuns ? `${s.run}: ${s.name}` : s.name,
    x: s.steps,
    y: s.values,
  }));
}

/** Most charts drawn for "other" scalars (one chart each); the rest are listed, not drawn. */
const MAX_OTHER = 6;

/**
 * Charts of what a run directory's logs hold: loss curves, accuracy-like metrics, the learning
 * rate as logged, other scalars (one chart each, at most six), a per-layer gradient-norm heatmap
 * (log10) per run, and the verdict timeline. Returns the charts and notes on what was left out.
 *
 * @example const { charts } = runLogCharts(logs);
 */
export function runLogCharts(logs: RunLogs): { charts: ChartSpec[]; notes: string[] } {
  const charts: ChartSpec[] = [];
  const notes: string[] = [];
  const manyRuns = new Set(logs.scalars.map((s) => s.run)).size > 1;
  const loss = logs.scalars.filter((s) => LOSS.test(s.name));
  const lr = logs.scalars.filter((s) => LR.test(s.name));
  const acc = logs.scalars.filter((s) => !LOSS.test(s.name) && ACC.test(s.name));
  const other = logs.scalars.filter(
    (s) => !LOSS.test(s.name) && !LR.test(s.name) && !ACC.test(s.name),
  );
  if (loss.length > 0) {
    const log = wantsLog(loss);
    charts.push(
      lineChart({
        id: 'log-loss',
        title: `Loss${log ? ' (log scale)' : ''}`,
        series: toSeries(loss, manyRuns),
        yLabel: 'loss',
        logY: log,
      }),
    );
    const nonFinite = loss.reduce(
      (n, s) => n + s.values.filter((v) => !Number.isFinite(v)).length,
      0,
    );
    if (nonFinite > 0)
      notes.push(
        `${nonFinite} logged loss value${nonFinite === 1 ? ' is' : 's are'} non-finite (NaN or ±Infinity) and not drawn.`,
      );
  }
  if (acc.length > 0)
    charts.push(
      lineChart({
        id: 'log-accuracy',
        title: 'Accuracy',
        series: toSeries(acc, manyRuns),
        yLabel: 'accuracy',
      }),
    );
  if (lr.length > 0) {
    const log = wantsLog(lr);
    charts.push(
      lineChart({
        id: 'log-lr',
        title: 'Learning rate (as logged)',
        series: toSeries(lr, manyRuns),
        yLabel: 'learning rate',
        logY: log,
        interpolate: 'step-after',
        points: false,
      }),
    );
  }
  const byName = new Map<string, ScalarSeries[]>();
  for (const s of other) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  let drawn = 0;
  for (const [name, group] of byName) {
    if (drawn >= MAX_OTHER) {
      notes.push(
        `Not drawn (more than ${MAX_OTHER} other series): ${[...byName.keys()].slice(MAX_OTHER).join(', ')}.`,
      );
      break;
    }
    const log = wantsLog(group);
    charts.push(
      lineChart({
        id: `log-${name}`,
        title: name,
        series: toSeries(group, manyRuns),
        yLabel: name,
        logY: log,
      }),
    );
    drawn++;
  }
  for (const g of logs.gradNorms) {
    if (g.layers.length === 0 || g.steps.length === 0) continue;
    charts.push(
      heatmap({
        id: `log-grad-norms-${g.run}`,
        title: `Gradient L2 norm per layer (log10)${logs.gradNorms.length > 1 ? `: ${g.run}` : ''}`,
        rows: g.layers.map((l) => l.name),
        columns: g.steps,
        values: g.layers.map((l) => l.values),
        colorLabel: 'log10 ‖g‖',
        yLabel: 'parameter',
      }),
    );
  }
  if (logs.verdicts.length > 0) {
    // The whole run on the time axis, so that "early" and "late" verdicts look it.
    let last = 0;
    for (const s of logs.scalars) for (const st of s.steps) last = Math.max(last, st);
    for (const g of logs.gradNorms) for (const st of g.steps) last = Math.max(last, st);
    for (const v of logs.verdicts) last = Math.max(last, v.step);
    charts.push(
      verdictTimeline({
        id: 'log-verdicts',
        title: 'Monitor verdicts (from the logs)',
        verdicts: logs.verdicts,
        ...(last > 0 ? { steps: last } : {}),
      }),
    );
  }
  return { charts, notes };
}
