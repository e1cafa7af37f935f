import { describe, expect, it } from 'vitest';
import type { ChartSpec, ExperimentResult } from '../experiments/types.js';
import { barChart, heatmap, lineChart } from './charts.js';
import { experimentReportDocument, renderExperimentReport } from './experiment-report.js';
import { escapeHtml, formatValue, renderReport } from './html.js';
import { renderChartSvg } from './render-chart.js';
import { emptyRunLogs, parseJsonlLog } from './run-logs.js';

/** The <svg>…</svg> blocks of a page. */
function svgs(html: string): string[] {
  return [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
}

/** Checks that a page loads nothing: no URL, no script, no external stylesheet or image. */
function expectSelfContained(html: string): void {
  expect(html).not.toMatch(/https?:\/\//i);
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<link/i);
  expect(html).not.toMatch(/\ssrc=/i);
  expect(html).not.toMatch(/@import|url\((?!#)/i);
  expect(html).toMatch(/^<!doctype html>/);
  expect(html).toContain("default-src 'none'");
}

/** Every id in the page is unique and every url(#id) / href="#id" points to an existing id. */
function expectIdsConsistent(html: string): void {
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1] as string);
  expect(
    new Set(ids).size,
    `duplicate ids: ${ids.filter((x, i) => ids.indexOf(x) !== i).join(', ')}`,
  ).toBe(ids.length);
  const refs = [...html.matchAll(/url\(#([^)]+)\)/g), ...html.matchAll(/href="#([^"]+)"/g)].map(
    (m) => m[1] as string,
  );
  for (const r of refs) expect(ids, `reference #${r}`).toContain(r);
}

const line = lineChart({
  id: 'loss',
  title: 'Loss',
  series: [
    { name: 'sgd', y: [3, 2, 1.5, 1.2] },
    { name: 'adam', y: [3, 1, 0.5, 0.2] },
  ],
  logY: true,
});
const bars = barChart({
  id: 'acc',
  title: 'Accuracy',
  bars: [
    { label: 'sigmoid', value: 0.11 },
    { label: 'tanh', value: 0.88 },
    { label: 'relu', value: 0.9 },
  ],
});
const heat = heatmap({
  id: 'grad',
  title: 'Gradient norm',
  rows: ['0.weight', '1.weight'],
  columns: [0, 1, 2],
  values: [
    [1e-8, 1e-7, NaN],
    [0.1, 0.2, 0.3],
  ],
});

describe('renderChartSvg', () => {
  it('renders one line path per series and one rect per bar', async () => {
    const l = await renderChartSvg(line);
    expect(l.error).toBeUndefined();
    // Vega draws each series of a line chart as its own line-mark group holding one path.
    const lines = [...l.svg.matchAll(/<g class="mark-line role-mark[^"]*"[^>]*>\s*<path /g)];
    expect(lines.length).toBe(2);
    // 4 points per series, as symbols
    const symbols = /<g class="mark-symbol role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/.exec(l.svg);
    expect((symbols?.[1] ?? '').match(/<path /g)?.length).toBe(8);
    const b = await renderChartSvg(bars);
    const rectGroup = /<g class="mark-rect role-mark[^"]*"[^>]*>([\s\S]*?)<\/g>/.exec(b.svg);
    expect((rectGroup?.[1] ?? '').match(/<path /g)?.length).toBe(3);
    expect(b.width).toBeGreaterThan(100);
    expect(b.height).toBeGreaterThan(100);
    expect(b.svg).toMatch(/^<svg[^>]* role="img" aria-label="Accuracy\. /);
  });

  it('refuses external data and reports the chart as not drawn instead of throwing', async () => {
    const bad: ChartSpec = {
      id: 'ext',
      title: 'External',
      spec: { data: { url: 'https://example.org/data.json' }, mark: 'point' },
    };
    const r = await renderChartSvg(bad);
    expect(r.error).toMatch(/not allowed in a report chart/);
    expect(r.svg).toBe('');
    const broken = await renderChartSvg({
      id: 'x',
      title: 'X',
      spec: { mark: 'no-such-mark', data: { values: [] } },
    });
    expect(broken.error).toMatch(/Vega-Lite could not compile or render/);
  });
});

describe('renderReport', () => {
  it('is one self-contained page: inline CSS, inline SVG per chart, unique ids, escaped text', async () => {
    const html = await renderReport({
      title: 'Report <script>alert(1)</script>',
      subtitle: 'a & b',
      badges: [{ label: 'PASS', tone: 'pass' }],
      sections: [
        {
          title: 'Criteria',
          text: 'First paragraph with `code`.\n\nSecond.',
          criteria: [
            { name: 'x > 1', expected: '> 1', measured: 1.23456789, pass: true },
            { name: 'y', expected: '< 0', measured: NaN, pass: false },
          ],
        },
        { title: 'Charts', charts: [line, bars, heat] },
        // The same chart twice: its clip paths must not clash.
        { title: 'Again', charts: [heat], table: { columns: ['a', 'b'], rows: [['<b>', 2.5]] } },
      ],
      generatedAt: '2026-11-27 07:40',
    });
    expectSelfContained(html);
    expectIdsConsistent(html);
    expect(svgs(html).length).toBe(4);
    expect(html.match(/<figure class="chart"/g)?.length).toBe(4);
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('Report &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<td class="num" data-label="Measured">1.23457</td>');
    expect(html).toContain('<td class="num" data-label="Measured">NaN</td>');
    expect(html).toContain('<span class="badge badge-fail">FAIL</span>');
    expect(html).toContain('<code>code</code>');
    expect(html).toContain('<td>&lt;b&gt;</td>');
    expect(html).toContain('Generated 2026-11-27 07:40');
    expect(html).toContain('<figcaption>Gradient norm</figcaption>');
  });

  it('renders a broken chart as a visible error and the rest as usual', async () => {
    const html = await renderReport({
      title: 'T',
      sections: [
        {
          title: 'S',
          charts: [
            { id: 'bad', title: 'Bad', spec: { data: { url: 'x.csv' }, mark: 'bar' } },
            bars,
          ],
        },
      ],
    });
    expect(html).toContain('class="chart chart-error"');
    expect(html).toContain('This chart could not be drawn');
    expect(svgs(html).length).toBe(1);
  });
});

describe('formatValue and escapeHtml', () => {
  it('formats measured values compactly', () => {
    expect(formatValue(3)).toBe('3');
    expect(formatValue(0.1 + 0.2)).toBe('0.3');
    expect(formatValue(1.5e-7)).toBe('1.5e-7');
    expect(formatValue(-Infinity)).toBe('-Infinity');
    expect(formatValue(true)).toBe('true');
    expect(formatValue('691 ± 1')).toBe('691 ± 1');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
  });
});

function fakeResult(over: Partial<ExperimentResult> = {}): ExperimentResult {
  return {
    experiment: 'fake',
    title: 'A fake experiment',
    paper: 'Nobody et al. 2024',
    mode: 'quick',
    seeds: [1, 2],
    pass: false,
    criteria: [
      { name: 'loss falls', expected: '< 0.5', measured: 0.25, pass: true },
      { name: 'accuracy', expected: '> 0.9', measured: 0.5, pass: false },
    ],
    runs: [{ seed: 1, final: 0.25 }],
    charts: [bars],
    verdicts: [
      {
        run: 'seed 1',
        kind: 'vanishing',
        step: 40,
        layers: ['0.weight'],
        severity: 'warning',
        message: 'early layers get 1e-6 of the gradient',
        remedies: ['He init', 'ReLU'],
      },
    ],
    timeMs: 1234,
    ...over,
  };
}

describe('renderExperimentReport', () => {
  it('has the header badges, the criteria, the charts, the verdict timeline and table, and the logs', async () => {
    const logs = emptyRunLogs();
    parseJsonlLog(
      [
        '{"step":1,"loss":2,"lr":0.1,"metrics":{}}',
        '{"step":2,"loss":1,"lr":0.05,"metrics":{"val.accuracy":0.5}}',
      ].join('\n'),
      'metrics.jsonl',
      'run',
      logs,
    );
    const html = await renderExperimentReport([fakeResult()], {
      logs,
      stories: { fake: 'What the paper found.' },
      generatedAt: 'now',
    });
    expectSelfContained(html);
    expectIdsConsistent(html);
    expect(html).toContain('<span class="badge badge-fail">FAIL</span>');
    expect(html).toContain('1/2 criteria passed');
    expect(html).toContain('What the paper found.');
    expect(html).toContain('early layers get 1e-6 of the gradient');
    // bars + verdict timeline + loss + accuracy + lr
    expect(svgs(html).length).toBe(5);
    expect(html).toContain('<figcaption>Monitor verdicts over steps</figcaption>');
    expect(html).toContain('<figcaption>Learning rate · step size η</figcaption>');
    expect(html).toContain('Show the run records (JSON)');
  });

  it('summarises several results in a table and passes only when all pass', () => {
    const doc = experimentReportDocument([
      fakeResult({
        experiment: 'a',
        pass: true,
        criteria: [{ name: 'c', expected: '1', measured: 1, pass: true }],
      }),
      fakeResult({ experiment: 'b' }),
    ]);
    expect(doc.title).toBe('gradscope: 2 experiments');
    expect(doc.badges?.[0]).toEqual({ label: 'FAIL', tone: 'fail' });
    expect(doc.badges).toContainEqual({ label: '1/2 experiments passed', tone: 'fail' });
    expect(doc.sections[0]?.table?.rows).toEqual([
      ['a', 'A fake experiment', 'quick', '1/1', 'pass', '1.23 s'],
      ['b', 'A fake experiment', 'quick', '1/2', 'FAIL', '1.23 s'],
    ]);
  });
});
