import { ConfigError, ShapeError, fmt } from '../errors.js';
import type { ChartSpec, Json, VerdictRecord } from '../experiments/types.js';
import type { Schedule } from '../schedule/types.js';

/**
 * Chart builders: each returns a {@link ChartSpec} (a Vega-Lite spec with its data inline) that
 * the report renders to SVG. They are pure data builders, so experiments, the demo and the browser
 * can use them without loading Vega. Non-finite values are never plotted as numbers (JSON cannot
 * hold them and a log scale cannot place them): they are dropped from lines and drawn as a
 * separate "non-finite" colour in heatmaps.
 */

/** The Vega-Lite schema the builders write (the report renders with vega-lite 6). */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Default plot width in px (two charts side by side on a 1280 px screen). */
export const CHART_WIDTH = 420;
/** Default plot height in px. */
export const CHART_HEIGHT = 220;

/** Colours of the verdict kinds, fixed so that a kind has the same colour in every chart. */
export const VERDICT_COLORS: Readonly<Record<string, string>> = {
  vanishing: '#1f77b4',
  exploding: '#d62728',
  nonFinite: '#7f0000',
  saturated: '#ff7f0e',
  deadUnits: '#7f7f7f',
  plateau: '#9467bd',
  saddle: '#8c564b',
};

/** One series of a line chart: `y` against `x` (default: the index 0, 1, 2, ...). */
export interface Series {
  /** Legend name. */
  name: string;
  /** x values (default: the index 0, 1, 2, …). */
  x?: ArrayLike<number>;
  /** y values (non-finite ones leave a gap). */
  y: ArrayLike<number>;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  /** Chart id, unique in the report (names the SVG and its anchor). */
  id: string;
  /** Title above the chart. */
  title: string;
  /** The lines, drawn in order and coloured by name. */
  series: readonly Series[];
  /** x axis title. */
  xLabel?: string;
  /** y axis title. */
  yLabel?: string;
  /** Log scale on y (values ≤ 0 are dropped). */
  logY?: boolean;
  /** Log scale on x (values ≤ 0 are dropped). */
  logX?: boolean;
  /** Points at the data (default: when every series has ≤ 40 points). */
  points?: boolean;
  /** Line interpolation ('linear' or 'step-after' for piecewise-constant values such as a learning rate). */
  interpolate?: 'linear' | 'step-after' | 'monotone';
  /** Most points kept per series; longer series keep each bucket's min and max (spikes survive). */
  maxPoints?: number;
  /** Plot width in pixels (default: the report's standard size). */
  width?: number;
  /** Plot height in pixels (default: the report's standard size). */
  height?: number;
  /** Accessible description (defaults to the title and the series names). */
  description?: string;
}

function checkId(fn: string, id: unknown, title: unknown): void {
  if (typeof id !== 'string' || id.length === 0)
    throw new ConfigError(`${fn}: id must be a non-empty string, got ${fmt(id)}`);
  if (typeof title !== 'string')
    throw new ConfigError(`${fn}: title must be a string, got ${fmt(title)}`);
}

function checkSize(fn: string, name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v < 20 || v > 4000)
    throw new ConfigError(`${fn}: ${name} must be a number of pixels in [20, 4000], got ${fmt(v)}`);
  return v;
}

/**
 * Keeps at most `max` points (x ascending order preserved): each of max/2 buckets keeps its
 * minimum and maximum y, so spikes and dips are still visible after downsampling.
 */
function downsample(xs: number[], ys: number[], max: number): [number[], number[]] {
  if (xs.length <= max) return [xs, ys];
  const buckets = Math.max(1, Math.floor(max / 2));
  const size = xs.length / buckets;
  const ox: number[] = [];
  const oy: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor(b * size);
    const hi = Math.min(xs.length, Math.floor((b + 1) * size));
    if (hi <= lo) continue;
    let iMin = lo;
    let iMax = lo;
    for (let i = lo + 1; i < hi; i++) {
      if ((ys[i] as number) < (ys[iMin] as number)) iMin = i;
      if ((ys[i] as number) > (ys[iMax] as number)) iMax = i;
    }
    const first = Math.min(iMin, iMax);
    const second = Math.max(iMin, iMax);
    ox.push(xs[first] as number);
    oy.push(ys[first] as number);
    if (second !== first) {
      ox.push(xs[second] as number);
      oy.push(ys[second] as number);
    }
  }
  return [ox, oy];
}

/** Rounds for the inline data: 6 significant digits keep the chart exact to a pixel and the HTML small. */
function r6(v: number): number {
  return Number.isInteger(v) ? v : Number(v.toPrecision(6));
}

/**
 * A multi-series line chart (loss curves, metrics, norms), optionally on log axes.
 *
 * Each series is a line y(x) coloured by name; non-finite points (and non-positive ones on a log
 * axis) are dropped; series longer than `maxPoints` are reduced to each bucket's min and max.
 *
 * @example lineChart({ id: 'loss', title: 'Training loss', series: [{ name: 'Adam', y: losses }], logY: true })
 */
export function lineChart(opts: LineChartOptions): ChartSpec {
  checkId('lineChart', opts.id, opts.title);
  if (!Array.isArray(opts.series))
    throw new ConfigError(
      `lineChart: series must be an array of {name, x?, y}, got ${fmt(opts.series)}`,
    );
  const width = checkSize('lineChart', 'width', opts.width, CHART_WIDTH);
  const height = checkSize('lineChart', 'height', opts.height, CHART_HEIGHT);
  const maxPoints = opts.maxPoints ?? 1000;
  if (!Number.isInteger(maxPoints) || maxPoints < 2)
    throw new ConfigError(
      `lineChart: maxPoints must be an integer >= 2, got ${fmt(opts.maxPoints)}`,
    );
  const values: Json[] = [];
  const names: string[] = [];
  let longest = 0;
  for (const s of opts.series) {
    if (typeof s.name !== 'string')
      throw new ConfigError(`lineChart: series name must be a string, got ${fmt(s.name)}`);
    if (s.x !== undefined && s.x.length !== s.y.length) {
      throw new ShapeError(
        `lineChart: series '${s.name}' has ${s.x.length} x values and ${s.y.length} y values; expected the same length`,
      );
    }
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < s.y.length; i++) {
      const x = s.x === undefined ? i : (s.x[i] as number);
      const y = s.y[i] as number;
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      if ((opts.logY && y <= 0) || (opts.logX && x <= 0)) continue;
      xs.push(x);
      ys.push(y);
    }
    const [dx, dy] = downsample(xs, ys, maxPoints);
    longest = Math.max(longest, dx.length);
    if (!names.includes(s.name)) names.push(s.name);
    for (let i = 0; i < dx.length; i++)
      values.push({ series: s.name, x: r6(dx[i] as number), y: r6(dy[i] as number) });
  }
  const points = opts.points ?? longest <= 40;
  // Exponent labels only when the values span many decades: "0.3" reads better than "3e-1".
  let lo = Infinity;
  let hi = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (const v of values) {
    const y = (v as { y: number }).y;
    lo = Math.min(lo, Math.abs(y));
    hi = Math.max(hi, Math.abs(y));
    yMin = Math.min(yMin, y);
    yMax = Math.max(yMax, y);
  }
  const logFormat = hi / lo > 1e4 || hi >= 1e5 || lo < 1e-4 ? '~e' : '~g';
  // A constant series gets a zero-based axis: a zoomed-in axis around one value is all noise labels.
  const linearY = yMax > yMin ? { zero: false, nice: true } : { zero: true, nice: true };
  const spec: { [k: string]: Json } = {
    $schema: VEGA_LITE_SCHEMA,
    description: opts.description ?? `${opts.title}: ${names.join(', ')}`,
    width,
    height,
    data: { values },
    mark: {
      type: 'line',
      strokeWidth: 1.75,
      interpolate: opts.interpolate ?? 'linear',
      point: points ? { filled: true, size: 28 } : false,
      clip: true,
    },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: opts.xLabel ?? 'step',
        scale: opts.logX ? { type: 'log' } : { zero: false, nice: true },
      },
      y: {
        field: 'y',
        type: 'quantitative',
        title: opts.yLabel ?? '',
        scale: opts.logY ? { type: 'log' } : linearY,
        axis: opts.logY ? { format: logFormat } : {},
      },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { domain: names, scheme: 'tableau10' },
        legend:
          names.length > 1
            ? { orient: 'bottom', columns: Math.min(names.length, 4), symbolType: 'stroke' }
            : null,
      },
    },
  };
  return { id: opts.id, title: opts.title, spec };
}

/** Options of {@link heatmap}. */
export interface HeatmapOptions {
  /** Chart id, unique in the report (names the SVG and its anchor). */
  id: string;
  /** Title above the chart. */
  title: string;
  /** Row labels, top to bottom (e.g. layer names, input side first). */
  rows: readonly string[];
  /** Column positions on x, ascending (e.g. steps). */
  columns: ArrayLike<number>;
  /**
   * Labels of the columns (e.g. a sweep's grid values): x is then categorical, one equal-width
   * cell per column in the given order, and no columns are merged.
   */
  columnLabels?: readonly string[];
  /** values[row][column]; null = not measured (no cell drawn). */
  values: readonly ArrayLike<number | null>[];
  /** Colour by log10(value) (default true): gradient norms span orders of magnitude. */
  log10?: boolean;
  /** x axis title. */
  xLabel?: string;
  /** y axis title. */
  yLabel?: string;
  /** Colour legend title (default "log10 value" or "value"). */
  colorLabel?: string;
  /** Most columns drawn; more are averaged in buckets (of log10 values when log10). */
  maxColumns?: number;
  /** Vega colour scheme (default 'viridis'). */
  scheme?: string;
  /**
   * Fixed colour domain [lo, hi] (in log10 units when `log10`): give several heatmaps the same
   * one so that a colour means the same value in each (default: this chart's own range).
   */
  colorDomain?: readonly [number, number];
  /** Plot width in pixels (default: the report's standard size). */
  width?: number;
  /** Plot height in pixels (default: the report's standard size). */
  height?: number;
  /** Accessible description (default: the title and what is drawn). */
  description?: string;
}

/**
 * A heatmap of rows × columns, e.g. layers × steps of log10 gradient norm: the picture of
 * vanishing (early rows dark) and exploding (late columns bright) gradients.
 *
 * Cell colour = log10(v) (or v); cells with v = 0 (log scale) and non-finite cells are drawn in
 * their own colours, labelled "zero" and "non-finite", instead of disappearing.
 *
 * @example heatmap({ id: 'grad-norms', title: 'Gradient norm per layer', rows: ['0', '2'], columns: [0, 10], values: [[1e-6, 1e-7], [0.1, 0.2]] })
 */
export function heatmap(opts: HeatmapOptions): ChartSpec {
  checkId('heatmap', opts.id, opts.title);
  const nRows = opts.rows.length;
  const nCols = opts.columns.length;
  if (opts.values.length !== nRows)
    throw new ShapeError(
      `heatmap: values has ${opts.values.length} rows, expected ${nRows} (one per row label)`,
    );
  opts.values.forEach((row, i) => {
    if (row.length !== nCols)
      throw new ShapeError(
        `heatmap: values[${i}] has ${row.length} entries, expected ${nCols} (one per column)`,
      );
  });
  for (let j = 1; j < nCols; j++) {
    if (!((opts.columns[j] as number) > (opts.columns[j - 1] as number))) {
      throw new ConfigError(
        `heatmap: columns must be finite and strictly ascending, got ${fmt(opts.columns[j - 1])} then ${fmt(opts.columns[j])} at index ${j}`,
      );
    }
  }
  if (opts.columnLabels !== undefined && opts.columnLabels.length !== nCols)
    throw new ShapeError(
      `heatmap: columnLabels has ${opts.columnLabels.length} entries, expected ${nCols} (one per column)`,
    );
  const labels = opts.columnLabels;
  const log = opts.log10 ?? true;
  const maxColumns = labels !== undefined ? nCols : (opts.maxColumns ?? 240);
  if (!Number.isInteger(maxColumns) || maxColumns < 1)
    throw new ConfigError(
      `heatmap: maxColumns must be an integer >= 1, got ${fmt(opts.maxColumns)}`,
    );
  // Narrower than a line chart: the colour legend takes the rest of the row.
  const width = checkSize('heatmap', 'width', opts.width, CHART_WIDTH - 60);
  const height = checkSize(
    'heatmap',
    'height',
    opts.height,
    Math.min(420, Math.max(160, nRows * 24)),
  );
  // Column edges: a cell spans [col_j, col_{j+1}); the last one is as wide as the one before.
  const edge = (j: number): number => {
    if (j < nCols) return opts.columns[j] as number;
    const last = opts.columns[nCols - 1] as number;
    const prev = nCols >= 2 ? (opts.columns[nCols - 2] as number) : last - 1;
    return last + (last - prev);
  };
  const per = Math.max(1, Math.ceil(nCols / maxColumns));
  const cells: Json[] = [];
  const special: Json[] = [];
  for (let i = 0; i < nRows; i++) {
    const row = opts.values[i] as ArrayLike<number | null>;
    const label = opts.rows[i] as string;
    for (let j0 = 0; j0 < nCols; j0 += per) {
      const j1 = Math.min(nCols, j0 + per);
      let sum = 0;
      let n = 0;
      let nonFinite = 0;
      let zeros = 0;
      for (let j = j0; j < j1; j++) {
        const v = row[j];
        if (v === null || v === undefined) continue;
        if (!Number.isFinite(v)) nonFinite++;
        else if (log && v <= 0) zeros++;
        else {
          sum += log ? Math.log10(v) : v;
          n++;
        }
      }
      const x = labels !== undefined ? (labels[j0] as string) : r6(edge(j0));
      const x2 = labels !== undefined ? x : r6(edge(j1));
      // A bucket with any non-finite value is shown as non-finite: that is the event to see.
      if (nonFinite > 0) special.push({ row: label, x, x2, status: 'non-finite' });
      else if (n === 0 && zeros > 0) special.push({ row: label, x, x2, status: 'zero' });
      else if (n > 0) cells.push({ row: label, x, x2, v: r6(sum / n) });
    }
  }
  const y = {
    field: 'row',
    type: 'nominal',
    title: opts.yLabel ?? 'layer',
    sort: [...opts.rows],
    axis: { labelLimit: 220 },
  };
  const x: Json =
    labels !== undefined
      ? { field: 'x', type: 'nominal', title: opts.xLabel ?? 'step', sort: [...labels] }
      : {
          field: 'x',
          type: 'quantitative',
          title: opts.xLabel ?? 'step',
          scale: { zero: false, nice: false },
        };
  const x2: { [k: string]: Json } = labels !== undefined ? {} : { x2: { field: 'x2' } };
  const layers: Json[] = [
    {
      data: { values: cells },
      mark: { type: 'rect' },
      encoding: {
        x,
        ...x2,
        y,
        color: {
          field: 'v',
          type: 'quantitative',
          title: opts.colorLabel ?? (log ? 'log10 value' : 'value'),
          scale: {
            scheme: opts.scheme ?? 'viridis',
            ...(opts.colorDomain ? { domain: [...opts.colorDomain], clamp: true } : {}),
          },
          legend: { orient: 'right', gradientLength: Math.max(80, Math.min(height, 200)) },
        },
      },
    },
  ];
  if (special.length > 0) {
    layers.push({
      data: { values: special },
      mark: { type: 'rect' },
      encoding: {
        x,
        ...x2,
        y,
        color: {
          field: 'status',
          type: 'nominal',
          title: null,
          scale: { domain: ['zero', 'non-finite'], range: ['#000000', '#ff2d55'] },
          legend: { orient: 'right' },
        },
      },
    });
  }
  const spec: { [k: string]: Json } = {
    $schema: VEGA_LITE_SCHEMA,
    description:
      opts.description ??
      `${opts.title}: ${nRows} rows × ${nCols} columns${log ? ', colour = log10 value' : ''}`,
    width,
    height,
    layer: layers,
    resolve: { scale: { color: 'independent' } },
  };
  return { id: opts.id, title: opts.title, spec };
}

/** Options of {@link verdictTimeline}. */
export interface VerdictTimelineOptions {
  /** Chart id, unique in the report (names the SVG and its anchor). */
  id?: string;
  /** Title above the chart. */
  title?: string;
  /** The verdict records to draw: one mark each, one lane per run. */
  verdicts: readonly VerdictRecord[];
  /** x axis extent [0, steps] (default: the verdicts' range). */
  steps?: number;
  /** Plot width in pixels (default: the report's standard size). */
  width?: number;
  /** Accessible description (default: the title and what is drawn). */
  description?: string;
}

/**
 * The monitor's verdicts on a time line: one mark per verdict at its step, one lane per run (or
 * per kind with a single run), coloured by kind and shaped by severity.
 *
 * @example verdictTimeline({ verdicts: result.verdicts })
 */
export function verdictTimeline(opts: VerdictTimelineOptions): ChartSpec {
  const id = opts.id ?? 'verdicts';
  const title = opts.title ?? 'Monitor verdicts over steps';
  checkId('verdictTimeline', id, title);
  const width = checkSize('verdictTimeline', 'width', opts.width, CHART_WIDTH);
  const runs = [...new Set(opts.verdicts.map((v) => v.run))];
  const byRun = runs.length > 1;
  const lanes = [...new Set(opts.verdicts.map((v) => (byRun ? v.run : v.kind)))];
  if (opts.verdicts.length === 0) {
    const spec: { [k: string]: Json } = {
      $schema: VEGA_LITE_SCHEMA,
      description: `${title}: no verdicts`,
      width,
      height: 40,
      data: { values: [{ text: 'No verdicts: the monitor found nothing to report.' }] },
      mark: { type: 'text', fontSize: 13, color: '#59636e' },
      encoding: { text: { field: 'text', type: 'nominal' } },
    };
    return { id, title, spec };
  }
  const kinds = [...new Set(opts.verdicts.map((v) => v.kind))];
  const values: Json[] = opts.verdicts.map((v) => ({
    lane: byRun ? v.run : v.kind,
    step: v.step,
    kind: v.kind,
    severity: v.severity,
    run: v.run,
    layers: v.layers.join(', '),
    message: v.message,
  }));
  const x: { [k: string]: Json } = {
    field: 'step',
    type: 'quantitative',
    title: 'step',
    scale: { zero: true, nice: true },
  };
  if (opts.steps !== undefined) {
    if (!Number.isFinite(opts.steps) || opts.steps <= 0)
      throw new ConfigError(
        `verdictTimeline: steps must be a positive number, got ${fmt(opts.steps)}`,
      );
    x.scale = { domain: [0, opts.steps] };
  }
  const spec: { [k: string]: Json } = {
    $schema: VEGA_LITE_SCHEMA,
    description:
      opts.description ?? `${title}: ${opts.verdicts.length} verdicts (${kinds.join(', ')})`,
    width,
    height: Math.max(60, lanes.length * 32),
    data: { values },
    mark: {
      type: 'point',
      filled: true,
      size: 110,
      opacity: 0.9,
      stroke: '#ffffff',
      strokeWidth: 0.8,
    },
    encoding: {
      x,
      y: {
        field: 'lane',
        type: 'nominal',
        title: byRun ? 'run' : null,
        sort: lanes,
        axis: { labelLimit: 220 },
      },
      color: {
        field: 'kind',
        type: 'nominal',
        title: 'verdict',
        scale: {
          domain: kinds,
          range: kinds.map(
            (k, i) =>
              VERDICT_COLORS[k] ?? (['#17becf', '#bcbd22', '#e377c2', '#2ca02c'][i % 4] as string),
          ),
        },
        legend: { orient: 'bottom' },
      },
      shape: {
        field: 'severity',
        type: 'nominal',
        title: 'severity',
        legend: { orient: 'bottom' },
      },
      tooltip: [{ field: 'kind' }, { field: 'step' }, { field: 'layers' }, { field: 'message' }],
    },
  };
  return { id, title, spec };
}

/** Options of {@link lrScheduleChart}. */
export interface LrScheduleChartOptions {
  /** Chart id, unique in the report (names the SVG and its anchor). */
  id?: string;
  /** Title above the chart. */
  title?: string;
  /** One schedule, or several by name (drawn as separate series). */
  schedule: Schedule | Readonly<Record<string, Schedule>>;
  /** Steps 0 … steps−1 are drawn. */
  steps: number;
  /** Most sampled steps (default 400; every step when steps ≤ samples). */
  samples?: number;
  /** Log scale on y (values ≤ 0 are dropped). */
  logY?: boolean;
  /** Plot width in pixels (default: the report's standard size). */
  width?: number;
  /** Plot height in pixels (default: the report's standard size). */
  height?: number;
}

/**
 * The learning rate lr(step) for step = 0 … steps−1 of one or several schedules, drawn
 * piecewise-constant (each step uses one value).
 *
 * @example lrScheduleChart({ schedule: schedule.warmupCosine({ peak: 3e-3, warmup: 200, total: 5000 }), steps: 5000 })
 */
export function lrScheduleChart(opts: LrScheduleChartOptions): ChartSpec {
  if (!Number.isInteger(opts.steps) || opts.steps < 1)
    throw new ConfigError(`lrScheduleChart: steps must be an integer >= 1, got ${fmt(opts.steps)}`);
  const samples = opts.samples ?? 400;
  if (!Number.isInteger(samples) || samples < 2)
    throw new ConfigError(
      `lrScheduleChart: samples must be an integer >= 2, got ${fmt(opts.samples)}`,
    );
  const named: [string, Schedule][] =
    typeof opts.schedule === 'function' ? [['lr', opts.schedule]] : Object.entries(opts.schedule);
  if (named.length === 0)
    throw new ConfigError(
      'lrScheduleChart: schedule must be a function or a non-empty record of functions, got {}',
    );
  const stepsToDraw: number[] = [];
  if (opts.steps <= samples) for (let s = 0; s < opts.steps; s++) stepsToDraw.push(s);
  else {
    for (let k = 0; k < samples; k++)
      stepsToDraw.push(Math.round((k * (opts.steps - 1)) / (samples - 1)));
  }
  const series: Series[] = named.map(([name, f]) => {
    if (typeof f !== 'function')
      throw new ConfigError(
        `lrScheduleChart: schedule '${name}' must be a function (step) => lr, got ${fmt(f)}`,
      );
    return { name, x: stepsToDraw, y: stepsToDraw.map((s) => f(s)) };
  });
  return lineChart({
    id: opts.id ?? 'lr-schedule',
    title: opts.title ?? 'Learning-rate schedule',
    series,
    xLabel: 'step',
    yLabel: 'learning rate',
    logY: opts.logY ?? false,
    interpolate: 'step-after',
    points: false,
    maxPoints: Math.max(2, samples * 2),
    ...(opts.width !== undefined ? { width: opts.width } : {}),
    ...(opts.height !== undefined ? { height: opts.height } : {}),
  });
}

/** One bar of {@link barChart}. */
export interface Bar {
  /** Category on the x axis. */
  label: string;
  /** Bar height. */
  value: number;
  /** Bars of the same label and different groups stand side by side, coloured by group. */
  group?: string;
}

/** Options of {@link barChart}. */
export interface BarChartOptions {
  /** Chart id, unique in the report (names the SVG and its anchor). */
  id: string;
  /** Title above the chart. */
  title: string;
  /** The bars, in order. */
  bars: readonly Bar[];
  /** x axis title. */
  xLabel?: string;
  /** y axis title. */
  yLabel?: string;
  /** Log scale on y (values ≤ 0 are dropped). */
  logY?: boolean;
  /** Print each bar's value on it (default true). */
  labels?: boolean;
  /** d3 number format of the labels (default '.3~g'). */
  format?: string;
  /** Plot width in pixels (default: the report's standard size). */
  width?: number;
  /** Plot height in pixels (default: the report's standard size). */
  height?: number;
  /** Accessible description (default: the title and what is drawn). */
  description?: string;
}

/**
 * A bar chart (final accuracy per remedy, solved runs per method), optionally grouped.
 * Non-finite values are shown as a missing bar with the label "non-finite".
 *
 * @example barChart({ id: 'acc', title: 'Test accuracy', bars: [{ label: 'sigmoid', value: 0.11 }, { label: 'ReLU + He', value: 0.9 }] })
 */
export function barChart(opts: BarChartOptions): ChartSpec {
  checkId('barChart', opts.id, opts.title);
  const width = checkSize('barChart', 'width', opts.width, CHART_WIDTH);
  const height = checkSize('barChart', 'height', opts.height, CHART_HEIGHT);
  const labelsOrder: string[] = [];
  const groups: string[] = [];
  const values: Json[] = opts.bars.map((b) => {
    if (typeof b.label !== 'string')
      throw new ConfigError(`barChart: bar label must be a string, got ${fmt(b.label)}`);
    if (!labelsOrder.includes(b.label)) labelsOrder.push(b.label);
    if (b.group !== undefined && !groups.includes(b.group)) groups.push(b.group);
    const ok = Number.isFinite(b.value) && !(opts.logY && b.value <= 0);
    return {
      label: b.label,
      group: b.group ?? '',
      value: ok ? r6(b.value) : null,
      text: ok ? null : 'non-finite',
    };
  });
  const grouped = groups.length > 0;
  const x: { [k: string]: Json } = {
    field: 'label',
    type: 'nominal',
    title: opts.xLabel ?? null,
    sort: labelsOrder,
    axis: { labelAngle: labelsOrder.length > 6 ? -30 : 0, labelLimit: 180 },
  };
  const y: { [k: string]: Json } = {
    field: 'value',
    type: 'quantitative',
    title: opts.yLabel ?? '',
    scale: opts.logY ? { type: 'log' } : { zero: true, nice: true },
  };
  const color: Json = grouped
    ? {
        field: 'group',
        type: 'nominal',
        title: null,
        scale: { domain: groups, scheme: 'tableau10' },
        legend: { orient: 'bottom' },
      }
    : { value: '#4c78a8' };
  const enc: { [k: string]: Json } = { x, y, color };
  if (grouped) enc.xOffset = { field: 'group', type: 'nominal', sort: groups };
  // A bar grows from 0, which a log scale cannot place: Vega-Lite then draws no bar and no
  // ticks. On a log axis the bars grow from the power of ten at or below the smallest value.
  const logBase = opts.logY ? logBaseline(opts.bars) : null;
  if (logBase !== null) {
    enc.y2 = { datum: logBase };
    y.scale = { type: 'log', domainMin: logBase };
  }
  const layers: Json[] = [{ mark: { type: 'bar' }, encoding: enc }];
  if (opts.labels ?? true) {
    const t: { [k: string]: Json } = {
      x,
      y,
      text: { field: 'value', type: 'quantitative', format: opts.format ?? '.3~g' },
    };
    if (grouped) t.xOffset = { field: 'group', type: 'nominal', sort: groups };
    layers.push({ mark: { type: 'text', dy: -6, fontSize: 10, color: '#1f2328' }, encoding: t });
    const nf: { [k: string]: Json } = {
      x,
      text: { field: 'text', type: 'nominal' },
      y: { value: height - 8 },
    };
    if (grouped) nf.xOffset = { field: 'group', type: 'nominal', sort: groups };
    layers.push({
      transform: [{ filter: 'datum.text != null' }],
      mark: { type: 'text', fontSize: 10, color: '#cf222e' },
      encoding: nf,
    });
  }
  const spec: { [k: string]: Json } = {
    $schema: VEGA_LITE_SCHEMA,
    description: opts.description ?? `${opts.title}: ${labelsOrder.join(', ')}`,
    width,
    height,
    data: { values },
    layer: layers,
  };
  return { id: opts.id, title: opts.title, spec };
}

/** The power of ten at or below the smallest positive finite bar value (1 when there is none). */
function logBaseline(bars: readonly Bar[]): number {
  let min = Infinity;
  for (const b of bars) if (Number.isFinite(b.value) && b.value > 0 && b.value < min) min = b.value;
  return Number.isFinite(min) ? 10 ** Math.floor(Math.log10(min)) : 1;
}

/** What {@link gradNormHeatmap} reads: the shape of the monitor's `summary()` (structurally). */
export interface GradNormSeriesLike {
  /** Steps at which the norms were measured, ascending. */
  checkedSteps: ArrayLike<number>;
  /** Per layer, input side first: the gradient L2 norm at each checked step. */
  layers: readonly { name: string; gradNorm: ArrayLike<number> }[];
}

/**
 * The per-layer gradient-norm heatmap (layers × steps, colour = log10 ‖g‖) of a monitor
 * summary: vanishing gradients are dark rows at the input side, exploding ones bright columns.
 *
 * @example gradNormHeatmap(health.summary(), { id: 'sigmoid-grads', title: 'Sigmoid baseline: log10 ‖g‖ per layer' })
 */
export function gradNormHeatmap(
  summary: GradNormSeriesLike,
  opts: { id?: string; title?: string; width?: number; height?: number } = {},
): ChartSpec {
  return heatmap({
    id: opts.id ?? 'grad-norms',
    title: opts.title ?? 'Gradient L2 norm per layer (log10)',
    rows: summary.layers.map((l) => l.name),
    columns: summary.checkedSteps,
    values: summary.layers.map((l) => l.gradNorm),
    colorLabel: 'log10 ‖g‖',
    ...(opts.width !== undefined ? { width: opts.width } : {}),
    ...(opts.height !== undefined ? { height: opts.height } : {}),
  });
}
