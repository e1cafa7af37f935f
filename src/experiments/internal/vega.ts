import type { ChartSpec, Json } from '../types.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** A row of inline chart data. */
export type Row = { [key: string]: Json };

/** An axis: the data field, its title and whether it is on a log scale. */
export interface AxisSpec {
  field: string;
  title: string;
  log?: boolean;
  /** Fixed domain [lo, hi] (otherwise Vega-Lite's default). */
  domain?: [number, number];
}

function axis(
  a: AxisSpec,
  type: 'quantitative' | 'ordinal' | 'nominal' = 'quantitative',
): { [key: string]: Json } {
  const enc: { [key: string]: Json } = { field: a.field, type, title: a.title };
  const scale: { [key: string]: Json } = {};
  if (a.log === true) scale['type'] = 'log';
  if (a.domain !== undefined) scale['domain'] = [a.domain[0], a.domain[1]];
  if (a.log === true || a.domain !== undefined) scale['zero'] = false;
  if (Object.keys(scale).length > 0) enc['scale'] = scale;
  return enc;
}

/**
 * Line chart of `y` against `x`, one line per value of `series`.
 * @example lineChart('loss', 'Loss per update', rows, { field: 'step', title: 'update' }, { field: 'loss', title: 'loss', log: true }, 'run')
 */
export function lineChart(
  id: string,
  title: string,
  values: Row[],
  x: AxisSpec,
  y: AxisSpec,
  series?: string,
): ChartSpec {
  const encoding: { [key: string]: Json } = { x: axis(x), y: axis(y) };
  if (series !== undefined) encoding['color'] = { field: series, type: 'nominal', title: series };
  return {
    id,
    title,
    spec: {
      $schema: SCHEMA,
      title,
      width: 480,
      height: 300,
      data: { values },
      mark: { type: 'line', clip: true },
      encoding,
    },
  };
}

/**
 * Bar chart: one bar per `category`, grouped by `group` (side-by-side bars with xOffset).
 * @example barChart('ulp', 'ulp error', rows, 'case', { field: 'ulp', title: 'ulp', log: true }, 'solver')
 */
export function barChart(
  id: string,
  title: string,
  values: Row[],
  category: string,
  y: AxisSpec,
  group?: string,
): ChartSpec {
  const encoding: { [key: string]: Json } = {
    x: { field: category, type: 'nominal', title: category, sort: null },
    y: axis(y),
  };
  if (group !== undefined) {
    encoding['color'] = { field: group, type: 'nominal', title: group };
    encoding['xOffset'] = { field: group, type: 'nominal' };
  }
  return {
    id,
    title,
    spec: {
      $schema: SCHEMA,
      title,
      width: 480,
      height: 300,
      data: { values },
      mark: 'bar',
      encoding,
    },
  };
}

/** A regular grid of values z(x, y) for {@link heatmapWithPaths}. */
export interface Grid {
  xs: number[];
  ys: number[];
  /** z[j][i] = value at (xs[i], ys[j]). */
  z: number[][];
  /** Name of the value shown (legend title). */
  label: string;
}

/** A polyline drawn over the heatmap (a trajectory). */
export interface Path {
  /** Series name (colour). */
  series: string;
  /** Id of this path within its series (separate lines for separate trajectories). */
  id: string;
  points: [number, number][];
}

/**
 * A heatmap of z on a regular grid (rect marks with explicit cell edges, so the axes are
 * quantitative and the paths share them) with trajectories layered on top as lines, coloured by
 * series. Points outside the grid are clipped.
 * @example heatmapWithPaths('surface', 'E(w, b)', grid, { title: 'w' }, { title: 'b' }, paths)
 */
export function heatmapWithPaths(
  id: string,
  title: string,
  grid: Grid,
  xTitle: string,
  yTitle: string,
  paths: Path[],
  scheme = 'viridis',
): ChartSpec {
  const { xs, ys, z } = grid;
  const dx = xs.length > 1 ? ((xs[1] as number) - (xs[0] as number)) / 2 : 0.5;
  const dy = ys.length > 1 ? ((ys[1] as number) - (ys[0] as number)) / 2 : 0.5;
  const cells: Row[] = [];
  ys.forEach((y, j) => {
    xs.forEach((x, i) => {
      const v = z[j]?.[i] ?? NaN;
      const r = (u: number): number => Number(u.toPrecision(6));
      cells.push({
        x0: r(x - dx),
        x1: r(x + dx),
        y0: r(y - dy),
        y1: r(y + dy),
        z: Number.isFinite(v) ? Number(v.toPrecision(4)) : null,
      });
    });
  });
  const xDomain: [number, number] = [(xs[0] as number) - dx, (xs[xs.length - 1] as number) + dx];
  const yDomain: [number, number] = [(ys[0] as number) - dy, (ys[ys.length - 1] as number) + dy];
  const lines: Row[] = [];
  for (const p of paths) {
    p.points.forEach(([x, y], k) => {
      if (Number.isFinite(x) && Number.isFinite(y))
        lines.push({
          series: p.series,
          path: `${p.series}/${p.id}`,
          k,
          x: Number(x.toPrecision(5)),
          y: Number(y.toPrecision(5)),
        });
    });
  }
  const xScale = { domain: [xDomain[0], xDomain[1]], zero: false, nice: false };
  const yScale = { domain: [yDomain[0], yDomain[1]], zero: false, nice: false };
  return {
    id,
    title,
    spec: {
      $schema: SCHEMA,
      title,
      width: 420,
      height: 380,
      layer: [
        {
          data: { values: cells },
          mark: { type: 'rect' },
          encoding: {
            x: { field: 'x0', type: 'quantitative', title: xTitle, scale: xScale },
            x2: { field: 'x1' },
            y: { field: 'y0', type: 'quantitative', title: yTitle, scale: yScale },
            y2: { field: 'y1' },
            color: { field: 'z', type: 'quantitative', title: grid.label, scale: { scheme } },
          },
        },
        {
          data: { values: lines },
          mark: { type: 'line', clip: true, strokeWidth: 1.5, point: false },
          encoding: {
            x: { field: 'x', type: 'quantitative', scale: xScale },
            y: { field: 'y', type: 'quantitative', scale: yScale },
            detail: { field: 'path', type: 'nominal' },
            order: { field: 'k', type: 'quantitative' },
            stroke: {
              field: 'series',
              type: 'nominal',
              title: 'trajectory',
              scale: { scheme: 'set1' },
            },
          },
        },
      ],
      resolve: { scale: { color: 'independent' } },
    },
  };
}

/**
 * Keeps at most `max` points of a long sequence (evenly spaced, always the first and the last),
 * so charts stay small.
 * @example thin(trajectory, 200)
 */
export function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const out: T[] = [];
  const step = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * step)] as T);
  return out;
}

/**
 * Indices 0..n−1 thinned on a log scale (dense early, sparse late), for curves plotted against
 * a log axis or with early transients.
 * @example logIndices(30000, 200)
 */
export function logIndices(n: number, max: number): number[] {
  const set = new Set<number>([0, n - 1]);
  for (let i = 0; i < max; i++)
    set.add(Math.min(n - 1, Math.round(Math.exp((Math.log(n) * i) / (max - 1))) - 1));
  return [...set].filter((i) => i >= 0).sort((a, b) => a - b);
}
