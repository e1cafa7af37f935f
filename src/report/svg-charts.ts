/**
 * Small SVG charts as strings (pure, DOM-free, no dependencies): the one drawing code of the
 * live views of run logs, used by the `gradscope serve` dashboard and the playground's run
 * viewer (the static report draws with Vega from the same field table). Every text from a run
 * file is escaped, so nothing in a file becomes markup.
 */

/** Attributes that make the SVG look the same wherever it is inserted (no stylesheet needed). */
const SVG_ATTRS =
  'xmlns="http://www.w3.org/2000/svg" width="100%" fill="#444" style="height:auto;max-width:720px;font:11px system-ui,sans-serif;display:block"';

/** One colour per run, in selection order (the same run has the same colour in every chart). */
export const RUN_COLORS: readonly string[] = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#7f7f7f',
  '#bcbd22',
];

/** Colours of the verdict kinds in timelines. */
export const VERDICT_KIND_COLORS: Readonly<Record<string, string>> = {
  vanishing: '#6a3d9a',
  exploding: '#e31a1c',
  nonFinite: '#000000',
  saturated: '#ff7f00',
  deadUnits: '#b15928',
  plateau: '#1f78b4',
  saddle: '#33a02c',
  oscillation: '#fb9a99',
  lossSpike: '#a6cee3',
};

/**
 * Escapes text for SVG/HTML content and attributes.
 * @example esc('<b>') // '&lt;b&gt;'
 */
export function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * A number for an axis label or tooltip: 3 significant digits, exponent form below 1e-3 and from
 * 1e5, non-finite values by name.
 * @example fmtTick(0.000012) // '1.2e-5'
 */
export function fmtTick(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5)
    ? v.toExponential(1).replace('e+', 'e')
    : String(Number(v.toPrecision(3)));
}

/** One run's line in a line chart. */
export interface SvgLine {
  /** Run id (written as data-run on the path). */
  id: string;
  /** Legend label. */
  label: string;
  /** Stroke colour. */
  color: string;
  /** x values (steps). */
  steps: readonly number[];
  /** y values (non-finite ones, and ≤ 0 on a log axis, leave a gap). */
  values: readonly number[];
}

/** Geometry of a line chart, for mapping a pointer position back to a step (tooltips). */
export interface LineChartFrame {
  /** viewBox width and height. */
  width: number;
  height: number;
  /** Left and right plot margins in viewBox units. */
  left: number;
  right: number;
  /** The x range drawn. */
  xmin: number;
  xmax: number;
}

/** A line chart: the SVG and its geometry. */
export interface SvgLineChart {
  /** The SVG markup. */
  svg: string;
  /** Whether the y axis is logarithmic. */
  log: boolean;
  /** Number of points over all lines. */
  points: number;
  /** Geometry (null when nothing finite is drawn). */
  frame: LineChartFrame | null;
}

/**
 * A line chart of several runs' lines on one y axis (linear or log10), 5 ticks each way, the x
 * axis labelled "step", each line a path with a native tooltip (label, points, last value).
 * @example svgLineChart({ label: 'loss', unit: 'loss', lines, log: false }).svg
 */
export function svgLineChart(opts: {
  label: string;
  unit: string;
  lines: readonly SvgLine[];
  log: boolean;
  width?: number;
  height?: number;
}): SvgLineChart {
  const W = opts.width ?? 560;
  const H = opts.height ?? 240;
  const L = 62;
  const R = 22;
  const T = 10;
  const B = 34;
  const log = opts.log;
  let xmin = Infinity;
  let xmax = -Infinity;
  let ymin = Infinity;
  let ymax = -Infinity;
  let points = 0;
  for (const l of opts.lines)
    l.steps.forEach((s, i) => {
      const v = l.values[i] as number;
      points++;
      if (!Number.isFinite(v) || (log && v <= 0)) return;
      xmin = Math.min(xmin, s);
      xmax = Math.max(xmax, s);
      ymin = Math.min(ymin, v);
      ymax = Math.max(ymax, v);
    });
  if (!(xmax >= xmin))
    return {
      svg: `<p class="hint">no finite values yet</p>`,
      log,
      points,
      frame: null,
    };
  const ty = (v: number): number => (log ? Math.log10(v) : v);
  let y0 = ty(ymin);
  let y1 = ty(ymax);
  // A constant: a band of ±10 % around it (±0.5 around zero), not a range through zero.
  if (y1 === y0) {
    const pad = y0 === 0 ? 0.5 : Math.abs(y0) * 0.1;
    y0 -= pad;
    y1 += pad;
  }
  if (xmax === xmin) xmax = xmin + 1;
  const X = (s: number): number => L + ((s - xmin) / (xmax - xmin)) * (W - L - R);
  const Y = (v: number): number => T + (1 - (ty(v) - y0) / (y1 - y0)) * (H - T - B);
  const parts: string[] = [];
  for (let k = 0; k <= 4; k++) {
    const yv = y0 + ((y1 - y0) * k) / 4;
    const y = T + (1 - k / 4) * (H - T - B);
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y}" y2="${y}" stroke="#e8e8e8"/>`);
    parts.push(
      `<text x="${L - 4}" y="${y + 4}" text-anchor="end">${esc(fmtTick(log ? 10 ** yv : yv))}</text>`,
    );
  }
  for (let k = 0; k <= 4; k++) {
    const xv = xmin + ((xmax - xmin) * k) / 4;
    parts.push(
      `<text x="${X(xv).toFixed(1)}" y="${H - B + 16}" text-anchor="middle">${esc(fmtTick(Math.round(xv)))}</text>`,
    );
  }
  parts.push(
    `<text x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle" fill="#666">step${log ? ' · log₁₀ y axis' : ''}</text>`,
  );
  parts.push(
    `<text transform="translate(12 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle" fill="#666">${esc(opts.unit)}</text>`,
  );
  for (const l of opts.lines) {
    let d = '';
    let pen = false;
    l.steps.forEach((s, i) => {
      const v = l.values[i] as number;
      if (!Number.isFinite(v) || (log && v <= 0)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${X(s).toFixed(1)} ${Y(v).toFixed(1)}`;
      pen = true;
    });
    const last = l.values[l.values.length - 1] ?? NaN;
    parts.push(
      `<path d="${d}" fill="none" stroke="${esc(l.color)}" stroke-width="1.6" data-run="${esc(l.id)}"><title>${esc(`${l.label}: ${l.values.length} points, last ${fmtTick(last)}`)}</title></path>`,
    );
  }
  const aria = `${opts.label} against step${log ? ' (log scale)' : ''}`;
  return {
    svg: `<svg ${SVG_ATTRS} viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(aria)}">${parts.join('')}</svg>`,
    log,
    points,
    frame: { width: W, height: H, left: L, right: R, xmin, xmax },
  };
}

/**
 * A colour of the viridis-like ramp (dark blue → yellow) at t in [0, 1].
 * @example heatColor(0) // 'rgb(68,1,84)'
 */
export function heatColor(t: number): string {
  const stops = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ] as const;
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = stops[i] as readonly number[];
  const b = stops[i + 1] as readonly number[];
  return `rgb(${a.map((c, k) => Math.round(c + ((b[k] as number) - c) * f)).join(',')})`;
}

/** Most heatmap columns drawn (more steps are averaged, in log10, into this many). */
export const MAX_HEAT_COLUMNS = 240;

/**
 * A layers × steps heatmap of positive values on a log10 colour scale [lo, hi] given by the
 * caller (so several heatmaps share one scale); grey cells: not finite or not logged. Each cell
 * has a native tooltip (layer, step, value).
 * @example svgHeatmap({ label: 'run a', steps, layers, lo: -6, hi: 0 })
 */
export function svgHeatmap(opts: {
  label: string;
  steps: readonly number[];
  layers: readonly { name: string; values: readonly (number | null)[] }[];
  lo: number;
  hi: number;
  width?: number;
}): string {
  const W = opts.width ?? 560;
  const rowH = 14;
  const L = 90;
  const T = 4;
  const n = opts.steps.length;
  const per = Math.max(1, Math.ceil(n / MAX_HEAT_COLUMNS));
  const cols = Math.ceil(n / per);
  const H = T + opts.layers.length * rowH + 30;
  const cw = (W - L - 8) / Math.max(1, cols);
  const parts: string[] = [];
  opts.layers.forEach((layer, r) => {
    parts.push(
      `<text x="${L - 4}" y="${T + r * rowH + 11}" text-anchor="end">${esc(layer.name)}</text>`,
    );
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      let k = 0;
      let bad = false;
      for (let j = c * per; j < Math.min(n, (c + 1) * per); j++) {
        const v = layer.values[j];
        if (v === null || v === undefined) continue;
        if (!(v > 0) || !Number.isFinite(v)) bad = true;
        else {
          sum += Math.log10(v);
          k++;
        }
      }
      const ok = !bad && k > 0;
      const step = opts.steps[c * per] as number;
      const shown = ok ? fmtTick(10 ** (sum / k)) : bad ? 'not finite' : 'not logged';
      const fill = ok ? heatColor((sum / k - opts.lo) / (opts.hi - opts.lo)) : '#d0d0d0';
      parts.push(
        `<rect x="${(L + c * cw).toFixed(2)}" y="${T + r * rowH}" width="${(Math.max(cw, 0.5) + 0.3).toFixed(2)}" height="${rowH - 1}" fill="${fill}"><title>${esc(`layer ${layer.name}, step ${step}${per > 1 ? `–${opts.steps[Math.min(n, (c + 1) * per) - 1]}` : ''}: ${shown}`)}</title></rect>`,
      );
    }
  });
  const y = T + opts.layers.length * rowH + 14;
  parts.push(`<text x="${L}" y="${y}">step ${opts.steps[0] ?? ''}</text>`);
  parts.push(
    `<text x="${W - 8}" y="${y}" text-anchor="end">step ${opts.steps[n - 1] ?? ''}</text>`,
  );
  return `<svg ${SVG_ATTRS} viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(opts.label)}">${parts.join('')}</svg>`;
}

/** One row of a verdict timeline: a run and its verdicts. */
export interface TimelineRow {
  label: string;
  color: string;
  verdicts: readonly {
    kind: string;
    step: number;
    layers: readonly string[];
    message: string;
  }[];
}

/**
 * Verdicts over steps, one row per run side by side on one step axis, a mark per verdict coloured
 * by kind with a native tooltip (kind, step, layers, message).
 * @example svgTimeline(rows, 1500)
 */
export function svgTimeline(rows: readonly TimelineRow[], maxStep: number): string {
  const W = 1100;
  const rowH = 22;
  const L = 150;
  const parts: string[] = [];
  rows.forEach((row, r) => {
    const y = r * rowH + 4;
    parts.push(
      `<text x="${L - 6}" y="${y + 13}" text-anchor="end" fill="${esc(row.color)}">${esc(row.label)}</text>`,
    );
    parts.push(`<line x1="${L}" x2="${W - 8}" y1="${y + 9}" y2="${y + 9}" stroke="#e8e8e8"/>`);
    for (const v of row.verdicts) {
      const x = L + (Math.max(0, v.step) / Math.max(1, maxStep)) * (W - L - 8);
      const tip = `${v.kind} at step ${v.step}${v.layers.length ? ` (layers ${v.layers.join(', ')})` : ''}: ${v.message}`;
      parts.push(
        `<rect x="${(x - 3).toFixed(1)}" y="${y}" width="6" height="18" fill="${VERDICT_KIND_COLORS[v.kind] ?? '#444'}" data-kind="${esc(v.kind)}"><title>${esc(tip)}</title></rect>`,
      );
    }
  });
  const y = rows.length * rowH + 18;
  parts.push(`<text x="${L}" y="${y}">step 0</text>`);
  parts.push(`<text x="${W - 8}" y="${y}" text-anchor="end">step ${maxStep}</text>`);
  return `<svg ${SVG_ATTRS.replace('max-width:720px;', '')} viewBox="0 0 ${W} ${rows.length * rowH + 24}" role="img" aria-label="Verdicts over steps, one row per run">${parts.join('')}</svg>`;
}

/** What a pointer over a line chart reads: each line's point nearest to the step under it. */
export interface PointerReading {
  /** The step of the first line's nearest point (null: nothing under the pointer). */
  step: number | null;
  /** Its x in viewBox units (for a cursor line). */
  x: number | null;
  /** One row per line that has points. */
  rows: { label: string; color: string; step: number; value: number }[];
}

/**
 * The values under a pointer at viewBox x `vx` of a chart drawn by {@link svgLineChart}: each
 * line's point whose step is nearest. Self-contained (no outside names), so the served page can
 * include its source text and the viewer can import it: one tooltip rule for both.
 * @example pointsAt(chart.lines, chart.frame, 300).rows[0].value
 */
export function pointsAt(
  lines: readonly SvgLine[],
  frame: LineChartFrame,
  vx: number,
): PointerReading {
  const span = frame.width - frame.left - frame.right;
  const sx = frame.xmin + ((vx - frame.left) / span) * (frame.xmax - frame.xmin);
  const rows: PointerReading['rows'] = [];
  let step: number | null = null;
  for (const l of lines) {
    let best = -1;
    for (let i = 0; i < l.steps.length; i++)
      if (
        best < 0 ||
        Math.abs((l.steps[i] as number) - sx) < Math.abs((l.steps[best] as number) - sx)
      )
        best = i;
    if (best < 0) continue;
    const s = l.steps[best] as number;
    if (step === null) step = s;
    rows.push({ label: l.label, color: l.color, step: s, value: l.values[best] as number });
  }
  const x =
    step === null ? null : frame.left + ((step - frame.xmin) / (frame.xmax - frame.xmin)) * span;
  return { step, x, rows };
}
