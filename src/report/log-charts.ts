import type { ChartSpec } from '../experiments/types.js';
import { heatmap, lineChart, verdictTimeline, type Series } from './charts.js';
import { chartTitle, emptyChartNote, fieldInfo, wantsLogScale } from './fields.js';
import type { RunLogs, ScalarSeries } from './run-logs.js';

const LR = /^(lr|learning[_-]?rate|learningRate)$/i;
const LOSS = /loss/i;
const ACC = /acc/i;

/** Log axis for a group by the field table's magnitude-span rule (fields.ts: wantsLogScale). */
function wantsLog(field: string, series: readonly ScalarSeries[]): boolean {
  return wantsLogScale(
    field,
    series.map((s) => s.values),
  );
}

function toSeries(group: readonly ScalarSeries[], manyRuns: boolean): Series[] {
  return group.map((s) => ({
    name: manyRuns ? `${s.run}: ${s.name}` : s.name,
    x: s.steps,
    y: s.values,
  }));
}

const titleOf = chartTitle;

/** log10 range of every per-layer norm of the logs (one colour scale for all heatmaps). */
function normDomain(logs: RunLogs): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const g of logs.gradNorms)
    for (const l of g.layers)
      for (const v of l.values)
        if (v !== null && v > 0 && Number.isFinite(v)) {
          lo = Math.min(lo, Math.log10(v));
          hi = Math.max(hi, Math.log10(v));
        }
  return hi > lo ? [lo, hi] : undefined;
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
  // Several runs: one chart per field, one line per run (in run order, so a run keeps its
  // colour from chart to chart); one run: its losses together, its accuracies together.
  const split = (group: ScalarSeries[]): ScalarSeries[][] => {
    if (!manyRuns) return group.length > 0 ? [group] : [];
    const m = new Map<string, ScalarSeries[]>();
    for (const s of group) m.set(s.name, [...(m.get(s.name) ?? []), s]);
    return [...m.values()];
  };
  for (const g of split(loss)) {
    const field = manyRuns ? (g[0] as ScalarSeries).name : '';
    const log = wantsLog(field || 'loss', g);
    charts.push(
      lineChart({
        id: `log-loss${field ? `-${field}` : ''}`,
        title: field
          ? titleOf(field, log)
          : `Loss (per logged step and evaluation) · loss${log ? ' · log scale' : ''}`,
        series: toSeries(g, manyRuns),
        yLabel: 'loss',
        logY: log,
      }),
    );
  }
  const nonFiniteLoss = loss.reduce(
    (n, s) => n + s.values.filter((v) => !Number.isFinite(v)).length,
    0,
  );
  if (nonFiniteLoss > 0)
    notes.push(
      `${nonFiniteLoss} logged loss value${nonFiniteLoss === 1 ? ' is' : 's are'} non-finite (NaN or ±Infinity) and not drawn.`,
    );
  for (const g of split(acc)) {
    const field = manyRuns ? (g[0] as ScalarSeries).name : '';
    charts.push(
      lineChart({
        id: `log-accuracy${field ? `-${field}` : ''}`,
        title: field ? titleOf(field, false) : 'Accuracy · fraction correct',
        series: toSeries(g, manyRuns),
        yLabel: 'fraction correct',
      }),
    );
  }
  if (lr.length > 0) {
    const log = wantsLog('lr', lr);
    charts.push(
      lineChart({
        id: 'log-lr',
        title: titleOf('lr', log),
        series: toSeries(lr, manyRuns),
        yLabel: fieldInfo('lr').unit,
        logY: log,
        interpolate: 'step-after',
        points: false,
      }),
    );
  }
  const byName = new Map<string, ScalarSeries[]>();
  for (const s of other) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  // Nothing to draw (a count that stayed zero, a field never finite) is one line of text.
  for (const [name, group] of byName) {
    const note = emptyChartNote(
      name,
      group.map((s) => s.values),
    );
    if (note !== null) {
      byName.delete(name);
      if (!notes.includes(note)) notes.push(note);
    }
  }
  let drawn = 0;
  for (const [name, group] of byName) {
    if (drawn >= MAX_OTHER) {
      notes.push(
        `Not drawn (more than ${MAX_OTHER} other series): ${[...byName.keys()].slice(MAX_OTHER).join(', ')}.`,
      );
      break;
    }
    const log = wantsLog(name, group);
    charts.push(
      lineChart({
        id: `log-${name}`,
        title: titleOf(name, log),
        series: toSeries(group, manyRuns),
        yLabel: fieldInfo(name).unit || name,
        logY: log,
      }),
    );
    drawn++;
  }
  // Several heatmaps (runs, files) share one colour scale: the same colour is the same norm.
  const domain = logs.gradNorms.length > 1 ? normDomain(logs) : undefined;
  logs.gradNorms.forEach((g, k) => {
    if (g.layers.length === 0 || g.steps.length === 0) return;
    charts.push(
      heatmap({
        // The run names the chart; a second file of the same run gets its position appended.
        id: `log-grad-norms-${g.run}${logs.gradNorms.slice(0, k).some((o) => o.run === g.run) ? `-${k}` : ''}`,
        title: `${fieldInfo('gradNorm').title}${logs.gradNorms.length > 1 ? ` — ${g.run}` : ''} · colour ${fieldInfo('gradNorm').unit}${logs.gradNorms.length > 1 ? ', one scale for every run' : ''}`,
        ...(domain ? { colorDomain: domain } : {}),
        rows: g.layers.map((l) => l.name),
        columns: g.steps,
        values: g.layers.map((l) => l.values),
        colorLabel: fieldInfo('gradNorm').unit,
        yLabel: 'parameter',
      }),
    );
  });
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
