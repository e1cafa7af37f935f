import { emptyChartNote, fieldInfo, wantsLogScale } from './fields.js';
import type { RunLogs } from './run-logs.js';
import {
  RUN_COLORS,
  svgHeatmap,
  svgLineChart,
  svgTimeline,
  type LineChartFrame,
  type SvgLine,
} from './svg-charts.js';

/**
 * The live view of one or several runs' logs (pure, DOM-free): every logged field as a chart
 * with the runs overlaid (one colour per run, the same in every chart), per-layer gradient-norm
 * heatmaps on one shared colour scale, and the verdicts side by side on one step axis. The
 * `gradscope serve` dashboard and the playground's run viewer both show this, so there is one
 * drawing implementation of run logs in the browser.
 */

/** One run to show. */
export interface ViewRun {
  /** Stable id (a served run's id, or the viewer's run name). */
  id: string;
  /** Display name. */
  name: string;
  /** Its logs, as read by the run-log parser (null when the run is gone). */
  logs: RunLogs | null;
}

/** One chart of a logged field. */
export interface ViewChart {
  /** The series name ('loss', 'val.accuracy', 'loss (monitor)'). */
  field: string;
  /** Human title and unit (from the field table). */
  title: string;
  unit: string;
  /** Logarithmic y axis (by the magnitude-span rule of the field table). */
  log: boolean;
  /** Points over all runs, and lines drawn. */
  points: number;
  runs: number;
  /** The SVG. */
  svg: string;
  /** Geometry and data, for pointer tooltips. */
  frame: LineChartFrame | null;
  lines: SvgLine[];
}

/** What {@link runView} returns. */
export interface RunView {
  /** One entry per run, in order, with its colour. */
  legend: { id: string; name: string; color: string; gone: boolean }[];
  /** Charts, loss first, then other losses, learning rate, accuracies, the rest by name. */
  charts: ViewChart[];
  /** One-line notes replacing charts (e.g. 'no non-finite values'). */
  notes: string[];
  /** Per-layer gradient-norm heatmaps, one per run and file. */
  heatmaps: { run: string; title: string; color: string; svg: string }[];
  /** The shared log10 colour scale of the heatmaps. */
  scale: { lo: number; hi: number } | null;
  /** Verdicts of every run side by side (null when no run is shown). */
  timeline: string | null;
  /** The verdict kinds present. */
  kinds: string[];
}

/** Sort rank of a series: the loss first, other losses, learning rate, accuracies, the rest. */
function rank(name: string): number {
  if (name === 'loss') return 0;
  if (/loss/i.test(name)) return 1;
  if (/^lr$|learning/i.test(name)) return 2;
  if (/acc/i.test(name)) return 3;
  return 4;
}

/**
 * Runs grouped out of one RunLogs holding several (the viewer's files of several folders): one
 * ViewRun per `run` name, in order of first appearance.
 * @example runView(splitRuns(logs))
 */
export function splitRuns(logs: RunLogs): ViewRun[] {
  const order: string[] = [];
  const seen = (r: string): void => {
    if (!order.includes(r)) order.push(r);
  };
  for (const s of logs.scalars) seen(s.run);
  for (const g of logs.gradNorms) seen(g.run);
  for (const v of logs.verdicts) seen(v.run);
  return order.map((run) => ({
    id: run,
    name: run,
    logs: {
      ...logs,
      scalars: logs.scalars.filter((s) => s.run === run),
      gradNorms: logs.gradNorms.filter((g) => g.run === run),
      layerStats: logs.layerStats.filter((r) => r.run === run),
      verdicts: logs.verdicts.filter((v) => v.run === run),
    },
  }));
}

/**
 * The view of `runs` (see the module comment). Colours follow the order of `runs`.
 * @example const v = runView([{ id: 'a', name: 'run-a', logs }]); v.charts[0].svg
 */
export function runView(runs: readonly ViewRun[]): RunView {
  const color = (i: number): string => RUN_COLORS[i % RUN_COLORS.length] as string;
  const legend = runs.map((r, i) => ({
    id: r.id,
    name: r.name,
    color: color(i),
    gone: r.logs === null,
  }));
  const groups = new Map<string, SvgLine[]>();
  let maxStep = 0;
  runs.forEach((r, i) => {
    if (r.logs === null) return;
    const many = new Set(r.logs.scalars.map((s) => s.run)).size > 1;
    for (const s of r.logs.scalars) {
      for (const x of s.steps) maxStep = Math.max(maxStep, x);
      let g = groups.get(s.name);
      if (!g) groups.set(s.name, (g = []));
      g.push({
        id: r.id,
        label: many ? `${r.name}/${s.run}` : r.name,
        color: color(i),
        steps: s.steps,
        values: s.values,
      });
    }
    for (const v of r.logs.verdicts) maxStep = Math.max(maxStep, v.step);
  });
  const charts: ViewChart[] = [];
  const notes: string[] = [];
  const names = [...groups.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  for (const field of names) {
    const lines = groups.get(field) as SvgLine[];
    const values = lines.map((l) => l.values);
    // Nothing to draw (all zero, never finite): one line of text (fields.ts says when).
    const note = emptyChartNote(field, values);
    if (note !== null) {
      if (!notes.includes(note)) notes.push(note);
      continue;
    }
    const info = fieldInfo(field);
    const log = wantsLogScale(field, values);
    const c = svgLineChart({ label: info.title, unit: info.unit, lines, log });
    charts.push({
      field,
      title: info.title,
      unit: info.unit,
      log,
      points: c.points,
      runs: lines.length,
      svg: c.svg,
      frame: c.frame,
      lines,
    });
  }
  // One colour scale for every heatmap: the same colour is the same norm in every run.
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of runs)
    for (const g of r.logs?.gradNorms ?? [])
      for (const l of g.layers)
        for (const v of l.values)
          if (v !== null && v > 0 && Number.isFinite(v)) {
            lo = Math.min(lo, Math.log10(v));
            hi = Math.max(hi, Math.log10(v));
          }
  const scale = Number.isFinite(lo) ? { lo, hi: hi > lo ? hi : lo + 1 } : null;
  const heatmaps: RunView['heatmaps'] = [];
  runs.forEach((r, i) => {
    for (const g of r.logs?.gradNorms ?? []) {
      if (scale === null || g.layers.length === 0 || g.steps.length === 0) continue;
      const title = `${fieldInfo('gradNorm').title} — ${r.name}${g.run !== r.id && g.run !== 'run' ? `/${g.run}` : ''} (${g.file.replace(/^.*[\\/]/, '')})`;
      heatmaps.push({
        run: r.id,
        title,
        color: color(i),
        svg: svgHeatmap({
          label: title,
          steps: g.steps,
          layers: g.layers,
          lo: scale.lo,
          hi: scale.hi,
        }),
      });
    }
  });
  const shown = runs.map((r, i) => ({ r, i })).filter(({ r }) => r.logs !== null);
  const timeline =
    shown.length > 0
      ? svgTimeline(
          shown.map(({ r, i }) => ({
            label: r.name,
            color: color(i),
            verdicts: (r.logs as RunLogs).verdicts,
          })),
          maxStep,
        )
      : null;
  const kinds = [
    ...new Set(shown.flatMap(({ r }) => (r.logs as RunLogs).verdicts.map((v) => v.kind))),
  ];
  return { legend, charts, notes, heatmaps, scale, timeline, kinds };
}
