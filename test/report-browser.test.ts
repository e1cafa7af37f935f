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
    // 4 experiment charts + verdict timeline + logs: loss, accuracy, lr, gradient heatmap
    expectedIds = [
      'loss',
      'grad-heatmap',
      'accuracy',
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
          return {
            id: f.getAttribute('data-chart-id') ?? '',
            svgs: svgs.length,
            width: box?.width ?? 0,
            height: box?.height ?? 0,
            marks: marks.length,
            visibleMarks: visible.length,
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
