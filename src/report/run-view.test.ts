import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { emptyRunLogs, parseJsonlLog } from './run-logs.js';
import { runView, splitRuns } from './run-view.js';
import { RUN_COLORS } from './svg-charts.js';

const jsonl = (...r: object[]): string => r.map((x) => JSON.stringify(x)).join('\n') + '\n';

function logs(run: string, scale: number, extra: object = {}): ReturnType<typeof emptyRunLogs> {
  const l = emptyRunLogs();
  parseJsonlLog(
    jsonl(
      ...[1, 2, 3].map((step) => ({
        type: 'stats',
        step,
        loss: 2 / step,
        nonFinite: 0,
        firstLastRatio: 10 ** (-3 * step),
        cosine: 'NaN',
        layers: [
          { name: '0', gradNorm: scale * step },
          { name: '2', gradNorm: scale * 10 * step },
        ],
        ...extra,
      })),
    ),
    'monitor.jsonl',
    run,
    l,
  );
  return l;
}

describe('runView (the serve dashboard and viewer charts)', () => {
  const v = runView([
    { id: 'a', name: 'run <a>', logs: logs('run', 1) },
    { id: 'b', name: 'run-b', logs: logs('run', 100) },
    { id: 'c', name: 'gone', logs: null },
  ]);

  it('overlays runs: one chart per field, one line per run, colours in run order', () => {
    expect(v.legend.map((r) => [r.id, r.color, r.gone])).toEqual([
      ['a', RUN_COLORS[0], false],
      ['b', RUN_COLORS[1], false],
      ['c', RUN_COLORS[2], true],
    ]);
    const loss = v.charts.find((c) => c.field === 'loss');
    expect(loss?.runs).toBe(2);
    expect(loss?.points).toBe(6);
    expect(loss?.title).toBe('Training loss (batch mean, per logged step)');
    expect(loss?.svg.match(/<path /g)?.length).toBe(2);
    expect(loss?.svg).toContain(`stroke="${RUN_COLORS[1]}"`);
    // loss spans 2/3..2: half a decade, linear; the ratio spans 1e-9..1e-3: log
    expect(loss?.log).toBe(false);
    expect(v.charts.find((c) => c.field === 'firstLastRatio')?.log).toBe(true);
    expect(v.charts[0]?.field).toBe('loss');
  });

  it('replaces constant-zero and never-finite charts with one line each', () => {
    expect(v.charts.some((c) => c.field === 'nonFinite' || c.field === 'cosine')).toBe(false);
    expect(v.notes).toContain('no non-finite values');
    expect(v.notes.some((n) => n.startsWith('Cosine between successive gradients'))).toBe(true);
  });

  it('one colour scale for every heatmap: min and max over all runs', () => {
    // run a: norms 1..30, run b: 100..3000 → log10 range [0, log10 3000]
    expect(v.scale?.lo).toBe(0);
    expect(v.scale?.hi).toBeCloseTo(Math.log10(3000), 12);
    expect(v.heatmaps.map((h) => h.run)).toEqual(['a', 'b']);
    // the smallest norm of run a is the darkest colour, the largest of run b the brightest
    expect(v.heatmaps[0]?.svg).toContain('fill="rgb(68,1,84)"');
    expect(v.heatmaps[1]?.svg).toContain('fill="rgb(253,231,37)"');
  });

  it('escapes every text from the files', () => {
    expect(v.heatmaps[0]?.svg).toContain('run &lt;a&gt;');
    // names stay raw in the legend (inserted as text); no SVG holds them unescaped
    for (const svg of [...v.charts.map((c) => c.svg), ...v.heatmaps.map((h) => h.svg), v.timeline])
      expect(svg).not.toContain('<a>');
  });

  it('splitRuns gives one run per name of a multi-run log', () => {
    const l = logs('x', 1);
    parseJsonlLog(jsonl({ step: 1, loss: 1 }), 'y/metrics.jsonl', 'y', l);
    expect(splitRuns(l).map((r) => [r.id, r.logs?.scalars.length])).toEqual([
      ['x', 4],
      ['y', 1],
    ]);
  });
});

describe('one parser, one drawing code', () => {
  it('the viewer and the served page read JSONL with the library parser only and draw with runView', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const parse = readFileSync(join(root, 'web/src/viewer/parse.ts'), 'utf8');
    const viewer = readFileSync(join(root, 'web/src/viewer/viewer-view.ts'), 'utf8');
    const page = readFileSync(join(root, 'src/serve/page.ts'), 'utf8');
    expect(parse).toContain('parseJsonlLog(');
    // no line splitting of run files anywhere else
    for (const [name, text] of [
      ['parse.ts', parse],
      ['viewer-view.ts', viewer],
      ['page.ts', page],
    ] as const) {
      expect(text, name).not.toMatch(/split\(['"]\\n['"]\)/);
      expect(text, name).not.toMatch(/drawLineChart|drawHeatmap/);
    }
    expect(viewer).toContain('runView(splitRuns(');
    expect(page).toContain("fetch('api/view?ids='");
  });
});
