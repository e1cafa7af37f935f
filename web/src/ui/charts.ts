// Small canvas charts: line charts (linear or log y), a layer × step heatmap and labelled bars.
import { fmtNum } from './dom.js';
import { viridis, viridisCss } from './colors.js';

/** One line of a line chart. */
export interface Series {
  label: string;
  color: string;
  /** x values (default xFrom, xFrom + 1, …; see {@link LineChartOptions.xFrom}). */
  xs?: ArrayLike<number>;
  ys: ArrayLike<number>;
  /** Points to use (default ys.length). */
  n?: number;
  /** Dashed line. */
  dashed?: boolean;
  /** Opacity (default 1) and line width (default 1.6). */
  alpha?: number;
  width?: number;
}

/** Options of {@link drawLineChart}. */
export interface LineChartOptions {
  logY?: boolean;
  xLabel?: string;
  yLabel?: string;
  /** Fixed y range (otherwise from the data). */
  yMin?: number;
  yMax?: number;
  /** Show a legend. */
  legend?: boolean;
  /** Log scale only: values below this are drawn at it (keeps a 1e-30 from squashing the rest). */
  yFloor?: number;
  /**
   * x of the first point of a series without `xs` (default 0). Per-step series pass 1: the
   * first optimizer step is step 1, as in the monitor's verdicts, fit and the run logs.
   */
  xFrom?: number;
}

const FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const AXIS = '#555';
const GRID = '#e4e4e4';

/** "Nice" tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

/** Draws a multi-series line chart into the given box. */
export function drawLineChart(
  ctx: CanvasRenderingContext2D,
  w: number,
  hgt: number,
  series: readonly Series[],
  o: LineChartOptions = {},
): void {
  const left = 56;
  const right = 10;
  const x0 = o.xFrom ?? 0;
  ctx.font = FONT;
  // Legend entries flow into as many rows as the width needs.
  const legendPos: { x: number; row: number }[] = [];
  if (o.legend) {
    let lx = left;
    let row = 0;
    for (const s of series) {
      const wEntry = 24 + ctx.measureText(s.label).width;
      if (lx + wEntry > w - right && lx > left) {
        row++;
        lx = left;
      }
      legendPos.push({ x: lx, row });
      lx += wEntry;
    }
  }
  const legendRows = legendPos.length
    ? (legendPos[legendPos.length - 1] as { row: number }).row + 1
    : 0;
  const top = o.legend ? 8 + 14 * legendRows : 10;
  const bottom = o.xLabel ? 34 : 22;
  const pw = Math.max(10, w - left - right);
  const ph = Math.max(10, hgt - top - bottom);
  const floor = o.logY && o.yFloor !== undefined ? o.yFloor : 0;
  const tf = (y: number): number => (o.logY ? Math.log10(Math.max(y, floor)) : y);
  let xMin = Infinity;
  let xMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  for (const s of series) {
    const n = s.n ?? s.ys.length;
    for (let i = 0; i < n; i++) {
      const x = s.xs ? (s.xs[i] as number) : x0 + i;
      const y = s.ys[i] as number;
      if (!Number.isFinite(x)) continue;
      xMin = Math.min(xMin, x);
      xMax = Math.max(xMax, x);
      if (!Number.isFinite(y) || (o.logY && !(y > 0))) continue;
      const t = tf(y);
      yMin = Math.min(yMin, t);
      yMax = Math.max(yMax, t);
    }
  }
  if (o.yMin !== undefined) yMin = tf(o.yMin);
  if (o.yMax !== undefined) yMax = tf(o.yMax);
  if (!Number.isFinite(xMin)) {
    xMin = 0;
    xMax = 1;
  }
  if (xMax === xMin) xMax = xMin + 1;
  if (!Number.isFinite(yMin)) {
    yMin = 0;
    yMax = 1;
  }
  if (yMax - yMin < 1e-12) {
    // A constant series: centre it with a margin proportional to its value.
    const pad = Math.max(Math.abs(yMax) * 0.1, 1e-9);
    yMax += pad;
    yMin -= pad;
  }
  const X = (x: number): number => left + ((x - xMin) / (xMax - xMin)) * pw;
  const Y = (t: number): number => top + (1 - (t - yMin) / (yMax - yMin)) * ph;
  ctx.font = FONT;
  ctx.lineWidth = 1;
  // y grid and ticks
  // Less than a decade on a log axis: label round values of y itself (placed at their logs).
  const narrowLog = o.logY && yMax - yMin < 1;
  const yTicks = !o.logY
    ? niceTicks(yMin, yMax, Math.max(2, Math.floor(ph / 40)))
    : narrowLog
      ? niceTicks(10 ** yMin, 10 ** yMax, Math.max(2, Math.floor(ph / 40)))
          .filter((v) => v > 0)
          .map((v) => Math.log10(v))
      : logTicks(yMin, yMax);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of yTicks) {
    const py = Y(t);
    if (py < top - 1 || py > top + ph + 1) continue;
    ctx.strokeStyle = GRID;
    ctx.beginPath();
    ctx.moveTo(left, py);
    ctx.lineTo(left + pw, py);
    ctx.stroke();
    ctx.fillStyle = AXIS;
    ctx.fillText(
      !o.logY ? fmtNum(t, 3) : narrowLog ? fmtNum(10 ** t, 3) : `1e${Math.round(t)}`,
      left - 4,
      py,
    );
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of niceTicks(xMin, xMax, Math.max(2, Math.floor(pw / 80)))) {
    const px = X(t);
    ctx.strokeStyle = GRID;
    ctx.beginPath();
    ctx.moveTo(px, top);
    ctx.lineTo(px, top + ph);
    ctx.stroke();
    ctx.fillStyle = AXIS;
    // Keep the end labels inside the canvas.
    const label = fmtNum(t, 4);
    const half = ctx.measureText(label).width / 2;
    ctx.fillText(label, Math.min(w - half - 1, Math.max(half + 1, px)), top + ph + 4);
  }
  ctx.strokeStyle = AXIS;
  ctx.strokeRect(left + 0.5, top + 0.5, pw, ph);
  if (o.xLabel) {
    ctx.fillStyle = AXIS;
    ctx.fillText(o.xLabel, left + pw / 2, top + ph + 18);
  }
  if (o.yLabel) {
    ctx.save();
    ctx.translate(12, top + ph / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'middle';
    ctx.fillText(o.yLabel, 0, 0);
    ctx.restore();
  }
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, pw, ph);
  ctx.clip();
  for (const s of series) {
    const n = s.n ?? s.ys.length;
    ctx.strokeStyle = s.color;
    ctx.globalAlpha = s.alpha ?? 1;
    ctx.lineWidth = s.width ?? 1.6;
    ctx.setLineDash(s.dashed ? [5, 4] : []);
    ctx.beginPath();
    let pen = false;
    // Thin to about one point per pixel so long runs stay cheap to draw.
    const stride = Math.max(1, Math.floor(n / (pw * 2)));
    for (let i = 0; i < n; i = i === n - 1 ? n : Math.min(n - 1, i + stride)) {
      const x = s.xs ? (s.xs[i] as number) : x0 + i;
      const y = s.ys[i] as number;
      if (!Number.isFinite(y) || (o.logY && !(y > 0)) || !Number.isFinite(x)) {
        pen = false;
        continue;
      }
      const px = X(x);
      const py = Y(tf(y));
      if (pen) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
      pen = true;
    }
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
  ctx.restore();
  ctx.setLineDash([]);
  if (o.legend) {
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    series.forEach((s, i) => {
      const p = legendPos[i];
      if (!p) return;
      const y = 8 + 14 * p.row;
      ctx.fillStyle = s.color;
      ctx.globalAlpha = s.alpha ?? 1;
      ctx.fillRect(p.x, y - 2, 12, 4);
      ctx.globalAlpha = 1;
      ctx.fillStyle = '#222';
      ctx.fillText(s.label, p.x + 16, y);
    });
  }
}

function logTicks(lo: number, hi: number): number[] {
  const a = Math.floor(lo);
  const b = Math.ceil(hi);
  const stride = Math.max(1, Math.ceil((b - a) / 6));
  const out: number[] = [];
  for (let t = a; t <= b; t += stride) out.push(t);
  return out;
}

/** A heatmap: rows (labelled) × columns, values already mapped to [0, 1] (NaN: blank). */
export interface Heatmap {
  rows: readonly string[];
  cols: number;
  /** Row-major rows × cols, each in [0, 1] or NaN. */
  values: ArrayLike<number>;
  /** Colour-bar labels for 0 and 1. */
  lowLabel: string;
  highLabel: string;
  /** Column axis label and the x values of the first and last column. */
  xLabel: string;
  xFirst: number;
  xLast: number;
}

/** Draws a heatmap with row labels and a colour bar. */
export function drawHeatmap(
  ctx: CanvasRenderingContext2D,
  w: number,
  hgt: number,
  m: Heatmap,
): void {
  ctx.font = FONT;
  const labelW = Math.min(90, Math.max(30, ...m.rows.map((r) => ctx.measureText(r).width + 8)));
  const left = labelW;
  const right = 66;
  const top = 6;
  const bottom = 32;
  const pw = Math.max(10, w - left - right);
  const ph = Math.max(10, hgt - top - bottom);
  const R = m.rows.length;
  if (R === 0 || m.cols === 0) {
    ctx.fillStyle = AXIS;
    ctx.fillText('no data yet', left + 4, top + 14);
    return;
  }
  const img = ctx.createImageData(m.cols, R);
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < m.cols; c++) {
      const v = m.values[r * m.cols + c] as number;
      const k = 4 * (r * m.cols + c);
      if (!Number.isFinite(v)) {
        img.data[k + 3] = 0;
        continue;
      }
      const [cr, cg, cb] = viridis(v);
      img.data[k] = cr;
      img.data[k + 1] = cg;
      img.data[k + 2] = cb;
      img.data[k + 3] = 255;
    }
  }
  const off = document.createElement('canvas');
  off.width = m.cols;
  off.height = R;
  off.getContext('2d')?.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, left, top, pw, ph);
  ctx.strokeStyle = AXIS;
  ctx.strokeRect(left + 0.5, top + 0.5, pw, ph);
  ctx.fillStyle = '#222';
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const every = Math.max(1, Math.ceil((R * 12) / ph));
  m.rows.forEach((r, i) => {
    if (i % every === 0) ctx.fillText(r, left - 4, top + ((i + 0.5) / R) * ph);
  });
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  ctx.fillStyle = AXIS;
  ctx.textAlign = 'left';
  ctx.fillText(fmtNum(m.xFirst, 4), left, top + ph + 3);
  ctx.textAlign = 'right';
  ctx.fillText(fmtNum(m.xLast, 4), left + pw, top + ph + 3);
  ctx.textAlign = 'center';
  ctx.fillText(m.xLabel, left + pw / 2, top + ph + 16);
  // colour bar
  const bx = left + pw + 12;
  for (let i = 0; i < ph; i++) {
    ctx.fillStyle = viridisCss(1 - i / ph);
    ctx.fillRect(bx, top + i, 10, 1);
  }
  ctx.fillStyle = '#222';
  ctx.textAlign = 'left';
  ctx.font = '10px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  ctx.fillText(m.highLabel, bx + 13, top);
  ctx.textBaseline = 'bottom';
  ctx.fillText(m.lowLabel, bx + 13, top + ph);
}

/** A labelled horizontal bar in [0, 1]. */
export interface Bar {
  label: string;
  value: number;
  /** Text after the bar (default the percentage). */
  text?: string;
  color?: string;
}

/** Draws horizontal bars with labels. */
export function drawBars(
  ctx: CanvasRenderingContext2D,
  w: number,
  hgt: number,
  bars: readonly Bar[],
): void {
  ctx.font = FONT;
  if (bars.length === 0) {
    ctx.fillStyle = AXIS;
    ctx.fillText('no activation layers probed', 8, 16);
    return;
  }
  const labelW = Math.min(
    120,
    Math.max(30, ...bars.map((b) => ctx.measureText(b.label).width + 8)),
  );
  const textW = 118;
  const bw = Math.max(10, w - labelW - textW);
  const rowH = Math.min(22, hgt / bars.length);
  bars.forEach((b, i) => {
    const y = i * rowH;
    ctx.fillStyle = '#222';
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    ctx.fillText(b.label, labelW - 4, y + rowH / 2);
    ctx.fillStyle = '#eee';
    ctx.fillRect(labelW, y + 3, bw, rowH - 6);
    const v = Number.isFinite(b.value) ? Math.min(1, Math.max(0, b.value)) : 0;
    ctx.fillStyle = b.color ?? (v > 0.5 ? '#D55E00' : '#0072B2');
    ctx.fillRect(labelW, y + 3, bw * v, rowH - 6);
    ctx.fillStyle = '#222';
    ctx.textAlign = 'left';
    ctx.fillText(b.text ?? `${(v * 100).toFixed(1)}%`, labelW + bw + 4, y + rowH / 2);
  });
}
