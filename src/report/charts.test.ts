import { describe, expect, it } from 'vitest';
import { ConfigError, ShapeError } from '../errors.js';
import type { Json } from '../experiments/types.js';
import {
  barChart,
  gradNormHeatmap,
  heatmap,
  lineChart,
  lrScheduleChart,
  verdictTimeline,
} from './charts.js';

type Row = { [k: string]: Json };

function values(spec: { [k: string]: Json }): Row[] {
  const data = spec.data as { values: Row[] };
  return data.values;
}

function layerValues(spec: { [k: string]: Json }, i: number): Row[] {
  const layer = (spec.layer as Row[])[i] as Row;
  return (layer.data as { values: Row[] }).values;
}

describe('lineChart', () => {
  it('writes one row per finite point, per series, with the series name', () => {
    const c = lineChart({
      id: 'loss',
      title: 'Loss',
      series: [
        { name: 'a', y: [3, NaN, 1] },
        { name: 'b', x: [10, 20], y: [5, Infinity] },
      ],
    });
    expect(c.id).toBe('loss');
    expect(values(c.spec)).toEqual([
      { series: 'a', x: 0, y: 3 },
      { series: 'a', x: 2, y: 1 },
      { series: 'b', x: 10, y: 5 },
    ]);
    expect((c.spec.encoding as Row).color).toMatchObject({ scale: { domain: ['a', 'b'] } });
  });

  it('drops non-positive values on a log axis and sets the log scale', () => {
    const c = lineChart({
      id: 'l',
      title: 'L',
      series: [{ name: 's', y: [1, 0, -2, 0.01] }],
      logY: true,
    });
    expect(values(c.spec).map((r) => r.y)).toEqual([1, 0.01]);
    expect(((c.spec.encoding as Row).y as Row).scale).toEqual({ type: 'log' });
  });

  it('downsampling keeps a spike (each bucket keeps its min and max)', () => {
    const y = Array.from({ length: 10_000 }, (_, i) => (i === 4321 ? 1e6 : 1));
    const c = lineChart({ id: 'l', title: 'L', series: [{ name: 's', y }], maxPoints: 200 });
    const rows = values(c.spec);
    expect(rows.length).toBeLessThanOrEqual(200);
    expect(rows.some((r) => r.y === 1e6 && r.x === 4321)).toBe(true);
    // x stays ascending after downsampling
    const xs = rows.map((r) => r.x as number);
    expect(xs.every((x, i) => i === 0 || x > (xs[i - 1] as number))).toBe(true);
  });

  it('rejects mismatched x/y lengths and bad ids', () => {
    expect(() =>
      lineChart({ id: 'l', title: 'L', series: [{ name: 's', x: [1, 2], y: [1] }] }),
    ).toThrow(ShapeError);
    expect(() => lineChart({ id: '', title: 'L', series: [] })).toThrow(
      /id must be a non-empty string/,
    );
    expect(() => lineChart({ id: 'l', title: 'L', series: [], width: 5 })).toThrow(ConfigError);
  });
});

describe('heatmap', () => {
  it('colours cells by log10 and keeps zero and non-finite cells as their own status', () => {
    const c = heatmap({
      id: 'g',
      title: 'G',
      rows: ['0.weight', '2.weight'],
      columns: [0, 10, 20],
      values: [
        [1e-3, 0, 100],
        [NaN, 1, 1e-6],
      ],
    });
    const cells = layerValues(c.spec, 0);
    const special = layerValues(c.spec, 1);
    // log10(1e-3) = -3, log10(100) = 2, log10(1) = 0, log10(1e-6) = -6; the last column is as wide as the one before (10).
    expect(cells).toEqual([
      { row: '0.weight', x: 0, x2: 10, v: -3 },
      { row: '0.weight', x: 20, x2: 30, v: 2 },
      { row: '2.weight', x: 10, x2: 20, v: 0 },
      { row: '2.weight', x: 20, x2: 30, v: -6 },
    ]);
    expect(special).toEqual([
      { row: '0.weight', x: 10, x2: 20, status: 'zero' },
      { row: '2.weight', x: 0, x2: 10, status: 'non-finite' },
    ]);
  });

  it('averages log10 values in buckets when there are more columns than maxColumns', () => {
    // Two columns per bucket: mean(log10 1e-2, log10 1e-4) = -3; mean(log10 10, log10 1000) = 2.
    const c = heatmap({
      id: 'g',
      title: 'G',
      rows: ['a'],
      columns: [0, 1, 2, 3],
      values: [[1e-2, 1e-4, 10, 1000]],
      maxColumns: 2,
    });
    expect(layerValues(c.spec, 0)).toEqual([
      { row: 'a', x: 0, x2: 2, v: -3 },
      { row: 'a', x: 2, x2: 4, v: 2 },
    ]);
    expect((c.spec.layer as Row[]).length).toBe(1);
  });

  it('draws no cell for null (not measured)', () => {
    const c = heatmap({ id: 'g', title: 'G', rows: ['a'], columns: [0, 1], values: [[null, 10]] });
    expect(layerValues(c.spec, 0)).toEqual([{ row: 'a', x: 1, x2: 2, v: 1 }]);
  });

  it('draws labelled categorical columns (a sweep grid) one cell each, in the given order', () => {
    const c = heatmap({
      id: 'g',
      title: 'G',
      rows: ['[16]', '[64]'],
      columns: [0, 1, 2],
      columnLabels: ['0.01', '0.1', '1'],
      values: [
        [0.5, 0.9, NaN],
        [0.6, 0.95, 0.3],
      ],
      log10: false,
      maxColumns: 1, // ignored: labelled columns are never merged
    });
    expect(layerValues(c.spec, 0)).toEqual([
      { row: '[16]', x: '0.01', x2: '0.01', v: 0.5 },
      { row: '[16]', x: '0.1', x2: '0.1', v: 0.9 },
      { row: '[64]', x: '0.01', x2: '0.01', v: 0.6 },
      { row: '[64]', x: '0.1', x2: '0.1', v: 0.95 },
      { row: '[64]', x: '1', x2: '1', v: 0.3 },
    ]);
    expect(layerValues(c.spec, 1)).toEqual([
      { row: '[16]', x: '1', x2: '1', status: 'non-finite' },
    ]);
    const enc = ((c.spec.layer as Row[])[0] as Row).encoding as Row;
    expect(enc.x).toMatchObject({ type: 'nominal', sort: ['0.01', '0.1', '1'] });
    expect(enc.x2).toBeUndefined();
    expect(() =>
      heatmap({
        id: 'g',
        title: 'G',
        rows: ['a'],
        columns: [0, 1],
        columnLabels: ['x'],
        values: [[1, 2]],
      }),
    ).toThrow(/columnLabels has 1 entries, expected 2/);
  });

  it('checks the shape and the column order', () => {
    expect(() =>
      heatmap({ id: 'g', title: 'G', rows: ['a', 'b'], columns: [0], values: [[1]] }),
    ).toThrow(ShapeError);
    expect(() =>
      heatmap({ id: 'g', title: 'G', rows: ['a'], columns: [0, 1], values: [[1]] }),
    ).toThrow(/values\[0\] has 1 entries, expected 2/);
    expect(() =>
      heatmap({ id: 'g', title: 'G', rows: ['a'], columns: [1, 1], values: [[1, 2]] }),
    ).toThrow(/strictly ascending/);
  });
});

describe('verdictTimeline', () => {
  const v = (run: string, kind: string, step: number) => ({
    run,
    kind,
    step,
    layers: ['0.weight'],
    severity: 'warning',
    message: `${kind} at ${step}`,
    remedies: [],
  });

  it('puts one mark per verdict in a lane per kind (one run) or per run (several)', () => {
    const one = verdictTimeline({ verdicts: [v('a', 'vanishing', 10), v('a', 'exploding', 50)] });
    expect(values(one.spec).map((r) => r.lane)).toEqual(['vanishing', 'exploding']);
    const two = verdictTimeline({ verdicts: [v('a', 'vanishing', 10), v('b', 'vanishing', 20)] });
    expect(values(two.spec).map((r) => r.lane)).toEqual(['a', 'b']);
    expect(((two.spec.encoding as Row).color as Row).scale).toEqual({
      domain: ['vanishing'],
      range: ['#1f77b4'],
    });
  });

  it('says so when there are no verdicts', () => {
    const c = verdictTimeline({ verdicts: [] });
    expect(JSON.stringify(c.spec)).toContain('No verdicts');
  });
});

describe('lrScheduleChart', () => {
  it('samples every step when steps <= samples, piecewise constant', () => {
    const c = lrScheduleChart({ schedule: (s) => 0.1 * 0.5 ** Math.floor(s / 2), steps: 5 });
    expect(values(c.spec).map((r) => [r.x, r.y])).toEqual([
      [0, 0.1],
      [1, 0.1],
      [2, 0.05],
      [3, 0.05],
      [4, 0.025],
    ]);
    expect((c.spec.mark as Row).interpolate).toBe('step-after');
  });

  it('samples evenly from 0 to steps-1 otherwise, one series per named schedule', () => {
    const c = lrScheduleChart({ schedule: { a: () => 1, b: () => 2 }, steps: 1001, samples: 11 });
    const rows = values(c.spec);
    expect(rows.filter((r) => r.series === 'a').map((r) => r.x)).toEqual([
      0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000,
    ]);
    expect(rows.filter((r) => r.series === 'b').length).toBe(11);
  });

  it('rejects a bad step count', () => {
    expect(() => lrScheduleChart({ schedule: () => 1, steps: 0 })).toThrow(
      /steps must be an integer >= 1, got 0/,
    );
  });
});

describe('barChart', () => {
  it('keeps the label order, groups with xOffset and marks non-finite bars', () => {
    const c = barChart({
      id: 'b',
      title: 'B',
      bars: [
        { label: 'z', value: 1, group: 'g1' },
        { label: 'a', value: NaN, group: 'g2' },
      ],
    });
    expect(values(c.spec)).toEqual([
      { label: 'z', group: 'g1', value: 1, text: null },
      { label: 'a', group: 'g2', value: null, text: 'non-finite' },
    ]);
    const bar = (c.spec.layer as Row[])[0] as Row;
    expect(((bar.encoding as Row).x as Row).sort).toEqual(['z', 'a']);
    expect((bar.encoding as Row).xOffset).toEqual({
      field: 'group',
      type: 'nominal',
      sort: ['g1', 'g2'],
    });
  });
});

describe('gradNormHeatmap', () => {
  it('reads the monitor summary shape: one row per layer, one column per checked step', () => {
    // log10(1e-6) = -6, log10(1e-5) = -5, log10(0.1) = -1, log10(1) = 0
    const c = gradNormHeatmap({
      checkedSteps: [0, 50],
      layers: [
        { name: '0', gradNorm: [1e-6, 1e-5] },
        { name: '4', gradNorm: [0.1, 1] },
      ],
    });
    expect(c.id).toBe('grad-norms');
    expect(layerValues(c.spec, 0)).toEqual([
      { row: '0', x: 0, x2: 50, v: -6 },
      { row: '0', x: 50, x2: 100, v: -5 },
      { row: '4', x: 0, x2: 50, v: -1 },
      { row: '4', x: 50, x2: 100, v: 0 },
    ]);
  });
});
