import { describe, expect, it } from 'vitest';
import { barChart, heatmap, lineChart, verdictTimeline } from './charts.js';
import { CHART_THEME } from './render-chart.js';
import { importVegaBundles, type VegaEngines } from './vega-bundles.js';

async function svgOf(e: VegaEngines, spec: object): Promise<string> {
  const view = new e.vega.View(e.vega.parse(e.compile(spec as never).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

describe('importVegaBundles', () => {
  it('loads the release of the module entries and renders the same SVG bytes', async () => {
    const bundles = await importVegaBundles();
    expect(bundles).toBeDefined();
    const b = bundles as VegaEngines;
    const [v, vl] = await Promise.all([import('vega'), import('vega-lite')]);
    const modules: VegaEngines = { vega: v, compile: vl.compile };
    expect(b.vega.version).toBe(v.version);
    // The report's chart kinds, with its theme: a log-scale line chart with a legend, a heatmap
    // with zero and non-finite cells, grouped bars, a verdict timeline.
    const charts = [
      lineChart({
        id: 'loss',
        title: 'Loss',
        logY: true,
        series: [
          { name: 'sgd', y: [3, 2, 1.5, 1.2, 0.9] },
          { name: 'adam', y: [3, 1.4, 0.8, 0.5, 0.31] },
        ],
      }),
      heatmap({
        id: 'norms',
        title: 'Gradient norm per layer',
        rows: ['0', '2', '4'],
        columns: [0, 10, 20],
        values: [
          [1e-6, 0, 1e-7],
          [0.1, Number.NaN, 0.2],
          [1, 2, Number.POSITIVE_INFINITY],
        ],
      }),
      barChart({
        id: 'acc',
        title: 'Accuracy',
        bars: [
          { label: 'tanh', value: 0.8, group: 'a' },
          { label: 'relu', value: 0.9, group: 'b' },
        ],
      }),
      verdictTimeline({
        verdicts: [
          {
            run: 'r',
            step: 10,
            kind: 'vanishing',
            severity: 'warn',
            layers: ['0'],
            message: 'm',
            remedies: [],
          },
        ],
      }),
    ];
    for (const chart of charts) {
      const spec = { ...chart.spec, config: CHART_THEME };
      const svg = await svgOf(b, spec);
      expect(svg, chart.id).toMatch(/^<svg/);
      expect(svg, chart.id).toBe(await svgOf(modules, spec));
    }
  });

  it('leaves the globals the builds publish themselves under as they were', async () => {
    const g = globalThis as { vega?: unknown; vegaLite?: unknown };
    expect('vega' in g).toBe(false);
    g.vegaLite = 'mine';
    try {
      expect(await importVegaBundles()).toBeDefined();
      expect('vega' in g).toBe(false);
      expect(g.vegaLite).toBe('mine');
    } finally {
      delete g.vegaLite;
    }
  });
});
