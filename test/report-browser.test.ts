import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentResult, VerdictRecord } from '../src/experiments/types.js';
import { barChart, heatmap, lineChart, lrScheduleChart } from '../src/report/charts.js';
import { renderExperimentReport } from '../src/report/experiment-report.js';
import { emptyRunLogs, parseJsonlLog } from '../src/report/run-logs.js';

/**
 * Opens a rendered report in headless Chromium (Debian's /usr/bin/chromium): every chart must be
 * an inline SVG with a size and visible marks, the console must stay clean, and the page must make
 * no request at all. Screenshots go to test-results/report-browser/ (gitignored) to look at.
 */

const CHROMIUM = '/usr/bin/chromium';
const OUT_DIR = resolve('test-results/report-browser');
const REPORT = join(OUT_DIR, 'report.html');

const layers = ['0.weight', '2.weight', '4.weight', '6.weight', '8.weight'];
const steps = Array.from({ length: 60 }, (_, k) => k * 10);
const verdicts: VerdictRecord[] = [
  {
    run: 'sigmoid',
    kind: 'vanishing',
    step: 40,
    layers: ['0.weight', '2.weight'],
    severity: 'warning',
    message: 'first/last layer gradient-norm ratio 3e-7 < 1e-5',
    remedies: ['Xavier + tanh', 'He + ReLU'],
  },
  {
    run: 'sigmoid',
    kind: 'saturated',
    step: 120,
    layers: ['8.weight'],
    severity: 'info',
    message: '97% of units saturated',
    remedies: ['LayerNorm'],
  },
  {
    run: 'sigmoid',
    kind: 'exploding',
    step: 410,
    layers: ['8.weight'],
    severity: 'critical',
    message: 'gradient norm 1e4 × its median',
    remedies: ['clip.byGlobalNorm(1)'],
  },
];

/** A small made-up result that exercises every chart builder (it does not depend on any experiment). */
function fakeResult(): ExperimentResult {
  const curve = (rate: number, floor: number) =>
    steps.map((s) => floor + 2.3 * Math.exp(-s / rate));
  return {
    experiment: 'browser-fake',
    title: 'Vanishing gradients in a deep sigmoid MLP (fake data)',
    paper: 'Glorot & Bengio 2010 (not really: test data)',
    mode: 'quick',
    seeds: [1, 2, 3],
    pass: false,
    criteria: [
      {
        name: 'baseline verdict names the early layers',
        expected: 'vanishing on 0.weight',
        measured: 'vanishing on 0.weight, 2.weight',
        pass: true,
      },
      { name: 'ReLU + He test accuracy', expected: '> 0.85', measured: 0.9031, pass: true },
      {
        name: 'first/last gradient-norm ratio (sigmoid)',
        expected: '< 1e-5',
        measured: 2.1e-8,
        pass: true,
      },
      { name: 'LayerNorm beats the baseline by', expected: '≥ 0.5', measured: 0.41, pass: false },
    ],
    runs: [{ seed: 1, accuracy: 0.11 }],
    charts: [
      lineChart({
        id: 'loss',
        title: 'Training loss per remedy',
        series: [
          { name: 'sigmoid', x: steps, y: curve(1e9, 0) },
          { name: 'tanh + Xavier', x: steps, y: curve(150, 0.2) },
          { name: 'ReLU + He', x: steps, y: curve(80, 0.1) },
        ],
        logY: true,
        yLabel: 'loss',
      }),
      heatmap({
        id: 'grad-heatmap',
        title: 'log10 gradient norm per layer (sigmoid)',
        rows: layers,
        columns: steps,
        values: layers.map((_, i) =>
          steps.map((s) => (i === 4 && s === 300 ? NaN : 10 ** (-7 + 1.5 * i - s / 600))),
        ),
        colorLabel: 'log10 ‖g‖',
      }),
      barChart({
        id: 'accuracy',
        title: 'Test accuracy per remedy',
        bars: [
          { label: 'sigmoid', value: 0.109 },
          { label: 'tanh + Xavier', value: 0.88 },
          { label: 'ReLU + He', value: 0.903 },
          { label: '+ LayerNorm', value: 0.52 },
        ],
        yLabel: 'accuracy',
      }),
      barChart({
        id: 'final-error-log',
        title: 'Final error per remedy (log axis: bars grow from a power of ten)',
        bars: [
          { label: 'clip 1', value: 0.03 },
          { label: 'LSTM', value: 1.8e-4 },
          { label: 'GRU', value: 7e-5 },
          { label: 'diverged', value: Number.NaN },
        ],
        yLabel: '× mean predictor',
        logY: true,
      }),
      lrScheduleChart({
        schedule: {
          'warmup + cosine': (s) =>
            s < 50 ? (0.1 * (s + 1)) / 50 : 0.05 * (1 + Math.cos((Math.PI * (s - 50)) / 550)),
          'step decay': (s) => 0.1 * 0.5 ** Math.floor(s / 200),
        },
        steps: 600,
      }),
    ],
    verdicts,
    timeMs: 4321,
  };
}

function fakeLogs(): ReturnType<typeof emptyRunLogs> {
  const logs = emptyRunLogs();
  const lines = steps.map((s) =>
    JSON.stringify({
      step: s,
      epoch: 0,
      loss: 2.3 * Math.exp(-s / 200) + 0.05,
      lr: s < 300 ? 0.1 : 0.01,
      time: s / 100,
      metrics: s % 100 === 0 ? { 'val.accuracy': Math.min(0.95, s / 500) } : {},
      gradNorms: Object.fromEntries(layers.map((l, i) => [l, 10 ** (-4 + i)])),
    }),
  );
  parseJsonlLog(lines.join('\n') + '\n', 'metrics.jsonl', 'run', logs);
  return logs;
}

interface ChartInfo {
  id: string;
  svgs: number;
  width: number;
  height: number;
  marks: number;
  visibleMarks: number;
  /** Bars (rect marks) with a non-empty box. */
  visibleBars: number;
}

describe('the HTML report in a real browser (headless Chromium)', () => {
  let browser: Browser | undefined;
  let expectedIds: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: this test needs Debian's chromium. Install it with \`apt-get update && apt-get install -y chromium\` (.ci/run does so).`,
      );
    }
    const result = fakeResult();
    const html = await renderExperimentReport([result], {
      logs: fakeLogs(),
      stories: {
        'browser-fake':
          'A ten-layer sigmoid network barely learns: its early layers receive gradients orders of magnitude smaller than its late ones. Remedies run side by side.',
      },
      generatedAt: '2026-11-27 07:40',
      source: 'test/report-browser.test.ts',
    });
    mkdirSync(OUT_DIR, { recursive: true });
    writeFileSync(REPORT, html);
    // 5 experiment charts + verdict timeline + logs: loss, accuracy, lr, gradient heatmap
    expectedIds = [
      'loss',
      'grad-heatmap',
      'accuracy',
      'final-error-log',
      'lr-schedule',
      'browser-fake-verdicts',
      'log-loss',
      'log-accuracy',
      'log-lr',
      'log-grad-norms-run',
    ];
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  for (const viewport of [
    { name: 'desktop', width: 1280, height: 900 },
    { name: 'phone', width: 390, height: 844 },
  ]) {
    it(`renders every chart with marks, a clean console and no requests (${viewport.name}, ${viewport.width} px)`, async () => {
      if (!browser) throw new Error('the browser did not start');
      const page = await browser.newPage({
        viewport: { width: viewport.width, height: viewport.height },
      });
      const consoleMessages: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning')
          consoleMessages.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => consoleMessages.push(`pageerror: ${e.message}`));
      page.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(REPORT).href;
      await page.goto(url, { waitUntil: 'load' });

      const charts: ChartInfo[] = await page.$$eval('figure.chart', (figs) =>
        figs.map((f) => {
          const svgs = f.querySelectorAll('svg');
          const svg = svgs[0];
          const box = svg?.getBoundingClientRect();
          const marks = svg
            ? [
                ...svg.querySelectorAll(
                  'g.role-mark > path, g.role-mark > line, g.role-mark > rect, g.role-mark > text',
                ),
              ]
            : [];
          const visible = marks.filter((m) => {
            // The test's tsconfig has no DOM lib: describe the one method used.
            const b = (m as unknown as { getBBox(): { width: number; height: number } }).getBBox();
            return b.width > 0 || b.height > 0;
          });
          const bars = svg ? [...svg.querySelectorAll('g.mark-rect.role-mark > path')] : [];
          const visibleBars = bars.filter((m) => {
            const b = (m as unknown as { getBBox(): { width: number; height: number } }).getBBox();
            return b.width > 0 && b.height > 0;
          });
          return {
            id: f.getAttribute('data-chart-id') ?? '',
            svgs: svgs.length,
            width: box?.width ?? 0,
            height: box?.height ?? 0,
            marks: marks.length,
            visibleMarks: visible.length,
            visibleBars: visibleBars.length,
          };
        }),
      );
      expect(charts.map((c) => c.id)).toEqual(expectedIds);
      for (const c of charts) {
        expect(c.svgs, `${c.id}: one inline <svg>`).toBe(1);
        expect(c.width, `${c.id}: width`).toBeGreaterThan(200);
        expect(c.height, `${c.id}: height`).toBeGreaterThan(40);
        expect(c.visibleMarks, `${c.id}: visible marks`).toBeGreaterThan(0);
      }
      // Every finite bar is drawn, also on a log axis (where bars cannot grow from 0).
      expect(charts.find((c) => c.id === 'accuracy')?.visibleBars).toBe(4);
      expect(charts.find((c) => c.id === 'final-error-log')?.visibleBars).toBe(3);
      // A heatmap has one mark per cell; the line chart one path per series.
      expect(charts.find((c) => c.id === 'grad-heatmap')?.marks).toBeGreaterThanOrEqual(
        layers.length * steps.length,
      );
      expect(await page.locator('.chart-error').count()).toBe(0);
      expect(await page.locator('table.criteria tbody tr').count()).toBe(4);
      expect(await page.locator('.header-badges .badge-fail').first().textContent()).toBe('FAIL');

      // Readable on a phone: nothing wider than the screen (tables scroll inside their box).
      const overflow = await page.evaluate(() => {
        const w = globalThis as unknown as {
          innerWidth: number;
          document: { documentElement: { scrollWidth: number } };
        };
        return w.document.documentElement.scrollWidth - w.innerWidth;
      });
      expect(overflow).toBeLessThanOrEqual(0);

      expect(consoleMessages).toEqual([]);
      expect(requests.filter((r) => r !== url)).toEqual([]);
      await page.screenshot({
        path: join(OUT_DIR, `report-${viewport.width}.png`),
        fullPage: true,
      });
      await page.close();
    });
  }
});

/**
 * `gradscope report` of a train run and `gradscope compare` of two, opened in Chromium: the
 * issue's unreadable cases (a first/last gradient ratio falling to 1e-8, an all-zero non-finite
 * count, raw field names, one colour scale per run) must be gone. The runs' logs are written in
 * the monitor's and fit's record formats, with magnitudes chosen to exercise each rule.
 */
describe('train report and compare report in a browser', () => {
  let browser: Browser | null = null;
  const dir = join(OUT_DIR, 'runs');
  // Run a: first-layer norms 1e-6 → 1e-10, last 1 (vanishing); run b: 1e-2 → 1e-6, last 10.
  const writeRun = (name: string, lo: number, hi: number): string => {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    const metrics: string[] = [];
    const monitor: string[] = [];
    for (let k = 0; k < 40; k++) {
      const step = 1 + k * 10;
      const loss = 0.05 + 1.1 * Math.exp(-k / 8);
      metrics.push(JSON.stringify({ step, epoch: k >> 2, loss, lr: 0.1, time: k }));
      const first = lo * 10 ** ((k / 39) * -4);
      monitor.push(
        JSON.stringify({
          type: 'stats',
          step,
          check: step,
          loss,
          finite: true,
          lr: 0.1,
          totalGradNorm: hi,
          totalParamNorm: 9 + k / 10,
          updateRatio: 1e-2 * Math.exp(-k / 10),
          cosine: 'NaN',
          firstLastRatio: first / hi,
          nonFinite: 0,
          layers: [
            { name: '0', gradNorm: first, paramNorm: 3, updateRatio: 0.01 },
            { name: '2', gradNorm: Math.sqrt(first * hi), paramNorm: 8, updateRatio: 0.01 },
            { name: '4', gradNorm: hi, paramNorm: 2, updateRatio: 0.05 },
          ],
        }),
      );
    }
    writeFileSync(join(d, 'metrics.jsonl'), metrics.join('\n') + '\n');
    writeFileSync(join(d, 'monitor.jsonl'), monitor.join('\n') + '\n');
    return d;
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}`);
    const { main } = await import('../src/cli/main.js');
    const a = writeRun('run-a', 1e-6, 1);
    const b = writeRun('run-b', 1e-2, 10);
    const quiet = (): void => {};
    expect(await main(['report', a], quiet, quiet)).toBe(0);
    expect(
      await main(['compare', a, b, '--out', join(OUT_DIR, 'compare.html')], quiet, quiet),
    ).toBe(0);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('log axes for ratios spanning decades, one line for zero non-finite values, titles with units, one heatmap scale', async () => {
    if (!browser) throw new Error('the browser did not start');
    for (const [file, shot] of [
      [join(dir, 'run-a', 'report.html'), 'train-report.png'],
      [join(OUT_DIR, 'compare.html'), 'compare.png'],
    ] as const) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      const captions = await page.locator('figure.chart figcaption').allTextContents();
      // the first/last ratio falls from 1e-6 to 1e-10 (4 decades > 2.5): a log axis
      expect(captions, file).toContain(
        'First / last layer gradient-norm ratio · ‖g₁‖₂ / ‖g_L‖₂ · log scale',
      );
      // cos(g, g_prev) is NaN throughout (direction tracking off): a line, not an empty chart
      expect(
        captions.some((c) => c.startsWith('Cosine')),
        file,
      ).toBe(false);
      expect(await page.locator('main').textContent(), file).toContain(
        'Cosine between successive gradients: no finite values',
      );
      expect(
        captions.some((c) => /non-finite/i.test(c)),
        file,
      ).toBe(false);
      expect(await page.locator('main').textContent(), file).toContain('no non-finite values');
      for (const raw of ['firstLastRatio', 'totalGradNorm', 'nonFinite', 'updateRatio'])
        expect(captions, file).not.toContain(raw);
      await page.screenshot({ path: join(OUT_DIR, shot), fullPage: true });
      expect(errors).toEqual([]);
      await page.close();
    }
    // compare: both heatmaps carry the same colour legend (one domain over both runs)
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(pathToFileURL(join(OUT_DIR, 'compare.html')).href, { waitUntil: 'load' });
    const heat = page.locator('figure.chart[data-chart-id^="log-grad-norms-"]');
    expect(await heat.count()).toBe(2);
    const legends = await heat.evaluateAll((figs) =>
      figs.map((f) =>
        [...f.querySelectorAll('g.role-legend text')].map((t) => t.textContent).join(' '),
      ),
    );
    expect(legends[0]).not.toBe('');
    expect(legends[0]).toBe(legends[1]);
    await page.close();
  });
});
