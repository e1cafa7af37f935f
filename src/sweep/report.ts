import type { ChartSpec, Json } from '../experiments/types.js';
import {
  heatmap,
  lineChart,
  VEGA_LITE_SCHEMA,
  VERDICT_COLORS,
  type Series,
} from '../report/charts.js';
import {
  formatValue,
  type ReportBadge,
  type ReportDocument,
  type ReportSection,
} from '../report/html.js';
import { metricNames, type SweepRecord } from './record.js';
import type { ResolvedAxis, SweepValue } from './spec.js';

/** What the sweep report shows. */
export interface SweepReportInput {
  /** The sweep's name. */
  name: string;
  /** Its description (the subtitle). */
  description?: string;
  /** The axes with their values. */
  axes: readonly Pick<ResolvedAxis, 'path' | 'kind' | 'values'>[];
  /** The finished points. */
  records: readonly SweepRecord[];
  /** Points in the sweep (records may be fewer while it runs). */
  total: number;
  /** The main metric (default val.accuracy when present, else train.loss). */
  metric?: string;
  /** Training-loss curves of the points, by point index (from their metrics.jsonl). */
  curves?: ReadonlyMap<number, Series>;
  /** Footer: when (the caller's clock). */
  generatedAt?: string;
  /** Footer: the command and the directory. */
  source?: string;
}

const KIND_WORDS: Readonly<Record<ResolvedAxis['kind'], string>> = {
  values: 'grid values',
  logUniform: 'log-uniform draws',
  uniform: 'uniform draws',
  seeds: 'seeds',
};

function label(v: SweepValue): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? formatValue(v) : JSON.stringify(v);
}

function isSeedAxis(a: Pick<ResolvedAxis, 'path' | 'kind'>): boolean {
  return a.kind === 'seeds' || a.path === 'train.seed';
}

/** Mean of the finite values; NaN when any is non-finite (a diverged run shows as non-finite). */
function meanOf(vs: readonly (number | null)[]): number | null {
  if (vs.length === 0) return null;
  let s = 0;
  for (const v of vs) {
    if (v === null || !Number.isFinite(v)) return Number.NaN;
    s += v;
  }
  return s / vs.length;
}

/** Sorted values of an axis (numbers ascending; other values in the file's order). */
function ordered(a: Pick<ResolvedAxis, 'values'>): SweepValue[] {
  return a.values.every((v) => typeof v === 'number')
    ? [...a.values].sort((x, y) => (x as number) - (y as number))
    : [...a.values];
}

function key(v: SweepValue): string {
  return JSON.stringify(v);
}

/** The most frequent first verdict of a cell's points ('none' without verdicts). */
function modeVerdict(rs: readonly SweepRecord[]): string {
  const n = new Map<string, number>();
  for (const r of rs) {
    const k = r.firstVerdict ?? 'none';
    n.set(k, (n.get(k) ?? 0) + 1);
  }
  let best = 'none';
  let bestN = -1;
  for (const [k, c] of n)
    if (c > bestN) {
      best = k;
      bestN = c;
    }
  return best;
}

/** A categorical map of the first verdict over two axes, in the verdict colours. */
function verdictMap(
  x: Pick<ResolvedAxis, 'path' | 'values'>,
  y: Pick<ResolvedAxis, 'path' | 'values'>,
  cells: { x: string; y: string; kind: string; step: number | null }[],
): ChartSpec {
  const kinds = [...new Set(cells.map((c) => c.kind))].sort();
  const spec: { [k: string]: Json } = {
    $schema: VEGA_LITE_SCHEMA,
    description: `First monitor verdict over ${x.path} × ${y.path}`,
    width: 360,
    height: Math.min(420, Math.max(160, y.values.length * 24)),
    data: { values: cells.map((c) => ({ ...c, step: c.step ?? 'none' })) },
    mark: { type: 'rect' },
    encoding: {
      x: { field: 'x', type: 'nominal', title: x.path, sort: ordered(x).map(label) },
      y: { field: 'y', type: 'nominal', title: y.path, sort: ordered(y).map(label) },
      color: {
        field: 'kind',
        type: 'nominal',
        title: 'first verdict',
        scale: { domain: kinds, range: kinds.map((k) => VERDICT_COLORS[k] ?? '#dddddd') },
      },
      tooltip: [{ field: 'kind' }, { field: 'step', title: 'first verdict step' }],
    },
  };
  return { id: 'verdict-map', title: `First monitor verdict (${x.path} × ${y.path})`, spec };
}

/**
 * The report document of a sweep: status counts, the main metric as a heatmap over the first
 * two swept axes (seeds and further axes averaged; a diverged run makes its cell non-finite) or
 * as a curve over the one swept axis, the map of the monitor's first verdict, the points'
 * training-loss curves and the table of every point. Pure.
 * @example const html = await renderReport(sweepReportDocument({ name, axes, records, total }));
 */
export function sweepReportDocument(r: SweepReportInput): ReportDocument {
  const records = [...r.records].sort((a, b) => a.index - b.index);
  const metrics = metricNames(records);
  const metric = r.metric ?? (metrics.includes('val.accuracy') ? 'val.accuracy' : 'train.loss');
  const count = (s: string): number => records.filter((x) => x.status === s).length;
  const badges: ReportBadge[] = [
    {
      label: `${records.length}/${r.total} points`,
      tone: records.length === r.total ? 'pass' : 'warn',
    },
  ];
  if (count('diverged') > 0) badges.push({ label: `${count('diverged')} diverged`, tone: 'fail' });
  if (count('error') > 0) badges.push({ label: `${count('error')} errors`, tone: 'fail' });
  const withVerdicts = records.filter((x) => x.verdictCount > 0).length;
  if (withVerdicts > 0) badges.push({ label: `${withVerdicts} with verdicts`, tone: 'warn' });

  const swept = r.axes.filter((a) => !isSeedAxis(a) && a.values.length > 1);
  const charts: ChartSpec[] = [];
  const texts: string[] = [];
  // A non-finite metric ("NaN", "Infinity") is NaN here: its cell shows as non-finite.
  const metricOf = (x: SweepRecord): number | null => {
    const v = x.status === 'error' ? undefined : x.metrics[metric];
    return v === undefined ? null : typeof v === 'number' ? v : Number.NaN;
  };
  const log = metric.endsWith('loss');
  if (swept.length >= 2) {
    const [ax, ay] = swept as [ResolvedAxis, ResolvedAxis];
    const xs = ordered(ax);
    const ys = ordered(ay);
    const values = ys.map((yv) =>
      xs.map((xv) =>
        meanOf(
          records
            .filter(
              (x) =>
                key(x.values[ax.path] as SweepValue) === key(xv) &&
                key(x.values[ay.path] as SweepValue) === key(yv),
            )
            .map(metricOf),
        ),
      ),
    );
    charts.push(
      heatmap({
        id: 'metric-heatmap',
        title: `${metric} over ${ax.path} × ${ay.path}`,
        rows: ys.map(label),
        columns: xs.map((_, i) => i),
        columnLabels: xs.map(label),
        values,
        log10: log,
        xLabel: ax.path,
        yLabel: ay.path,
        colorLabel: log ? `log10 ${metric}` : metric,
      }),
    );
    const cells: { x: string; y: string; kind: string; step: number | null }[] = [];
    for (const yv of ys)
      for (const xv of xs) {
        const rs = records.filter(
          (x) =>
            key(x.values[ax.path] as SweepValue) === key(xv) &&
            key(x.values[ay.path] as SweepValue) === key(yv),
        );
        if (rs.length === 0) continue;
        const kind = modeVerdict(rs);
        const steps = rs
          .filter((x) => x.firstVerdict === kind)
          .map((x) => x.firstVerdictStep ?? Infinity);
        const step = Math.min(...steps);
        cells.push({ x: label(xv), y: label(yv), kind, step: Number.isFinite(step) ? step : null });
      }
    charts.push(verdictMap(ax, ay, cells));
    if (swept.length > 2 || r.axes.some(isSeedAxis))
      texts.push(
        `Each cell is the mean over ${r.axes
          .filter((a) => a !== ax && a !== ay)
          .map((a) => a.path)
          .join(
            ', ',
          )}; the verdict map shows the most frequent first verdict of the cell's points.`,
      );
  } else if (swept.length === 1) {
    const ax = swept[0] as ResolvedAxis;
    const numeric = ax.values.every((v) => typeof v === 'number');
    const xs = ordered(ax);
    const groups = new Map<string, SweepRecord[]>();
    for (const x of records) {
      const rest = Object.entries(x.values)
        .filter(([p]) => p !== ax.path)
        .map(([p, v]) => `${p}=${label(v)}`)
        .join(', ');
      groups.set(rest, [...(groups.get(rest) ?? []), x]);
    }
    const series: Series[] = [...groups].map(([name, rs]) => {
      const pts = xs
        .map((xv, i) => {
          const hit = rs.find((x) => key(x.values[ax.path] as SweepValue) === key(xv));
          return { x: numeric ? (xv as number) : i, y: hit ? metricOf(hit) : null };
        })
        .filter((p): p is { x: number; y: number } => p.y !== null);
      return { name: name || metric, x: pts.map((p) => p.x), y: pts.map((p) => p.y) };
    });
    const positive = numeric && xs.every((v) => (v as number) > 0);
    const spread = positive ? (xs[xs.length - 1] as number) / (xs[0] as number) : 0;
    charts.push(
      lineChart({
        id: 'metric-curve',
        title: `${metric} against ${ax.path}`,
        series,
        xLabel: numeric ? ax.path : `${ax.path} (index: ${xs.map(label).join(', ')})`,
        yLabel: metric,
        logX: spread >= 100,
        logY: log,
        points: true,
      }),
    );
  }
  if (r.curves !== undefined && r.curves.size > 0) {
    charts.push(
      lineChart({
        id: 'loss-curves',
        title: 'Training loss of every point',
        series: [...r.curves.values()],
        xLabel: 'step',
        yLabel: 'train loss',
        logY: true,
        points: false,
      }),
    );
  }
  const sections: ReportSection[] = [
    {
      id: 'map',
      title: swept.length >= 2 ? 'Maps' : 'Curves',
      text: [
        `${r.axes.map((a) => `\`${a.path}\` (${a.values.length} ${KIND_WORDS[a.kind]})`).join(' × ')} = ${r.total} points; main metric \`${metric}\`.`,
        r.curves !== undefined && r.curves.size > 0
          ? 'The training-loss curves are named by the point numbers of the table below.'
          : '',
        ...texts,
      ]
        .filter((t) => t !== '')
        .join('\n\n'),
      charts,
    },
    {
      id: 'points',
      title: 'Points',
      table: {
        columns: [
          '#',
          ...r.axes.map((a) => a.path),
          'status',
          'steps',
          ...metrics,
          'verdicts (first step)',
          'run',
        ],
        rows: records.map((x) => [
          x.index,
          ...r.axes.map((a) => label(x.values[a.path] as SweepValue)),
          x.status,
          x.steps,
          ...metrics.map((m) => (x.metrics[m] === undefined ? '' : formatValue(x.metrics[m]))),
          Object.entries(x.verdicts)
            .map(([k, s]) => `${k} (${s})`)
            .join(', ') ||
            (x.error ?? '—'),
          x.runDir.replace(/^.*[\\/](runs[\\/])/, '$1'),
        ]),
      },
    },
  ];
  return {
    title: `gradscope sweep: ${r.name}`,
    ...(r.description !== undefined ? { subtitle: r.description } : {}),
    badges,
    sections,
    ...(r.generatedAt !== undefined ? { generatedAt: r.generatedAt } : {}),
    ...(r.source !== undefined ? { footer: r.source } : {}),
  };
}
