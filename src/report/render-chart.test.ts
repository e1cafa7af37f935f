import { afterEach, describe, expect, it, vi } from 'vitest';
import { lineChart } from './charts.js';

// Vega and Vega-Lite are optional peer dependencies: without them a report still renders, and
// every chart says how to get them.
describe('renderChartSvg without vega installed', () => {
  afterEach(() => {
    vi.doUnmock('vega');
    vi.doUnmock('./vega-bundles.js');
    vi.resetModules();
  });

  it('returns an error naming `npm install vega vega-lite` instead of throwing', async () => {
    vi.resetModules();
    vi.doMock('vega', () => {
      throw new Error("Cannot find package 'vega'");
    });
    // Without the packages their single-file builds cannot be found either.
    vi.doMock('./vega-bundles.js', () => ({ importVegaBundles: () => Promise.resolve(undefined) }));
    const { renderChartSvg } = await import('./render-chart.js');
    const r = await renderChartSvg(
      lineChart({ id: 'loss', title: 'Loss', series: [{ name: 'sgd', y: [3, 2, 1] }] }),
    );
    expect(r.svg).toBe('');
    expect(r.error).toMatch(
      /optional peer dependencies vega and vega-lite.*npm install vega vega-lite/,
    );
  });
});
