import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLogCharts } from '../../report/log-charts.js';
import { main } from '../main.js';
import { readComparedLogs } from './compare.js';

const tmp = mkdtempSync(join(tmpdir(), 'gs-compare-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const line = (o: unknown): string => `${JSON.stringify(o)}\n`;

function runDir(name: string, scale: number): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'metrics.jsonl'),
    line({ step: 1, loss: 2 * scale, lr: 0.1 }) + line({ step: 2, loss: scale, lr: 0.1 }),
  );
  writeFileSync(
    join(dir, 'monitor.jsonl'),
    line({
      type: 'stats',
      step: 1,
      check: 1,
      nonFinite: 0,
      layers: [{ name: '0', gradNorm: scale }],
    }),
  );
  return dir;
}

describe('gradscope compare', () => {
  it('overlays runs named after their directories, heatmaps on one colour scale', async () => {
    const a = runDir('adam', 1e-3);
    const b = runDir('sgd', 10);
    const logs = readComparedLogs([a, b]);
    expect(logs.scalars.filter((s) => s.field === 'loss').map((s) => s.run)).toEqual([
      'adam',
      'sgd',
    ]);
    const { charts, notes } = runLogCharts(logs);
    expect(notes).toContain('no non-finite values');
    // Both heatmaps span log10 1e-3 .. log10 10 = [-3, 1].
    const domains = charts
      .filter((c) => JSON.stringify(c).includes('log10 ‖g‖'))
      .map((c) => JSON.stringify(c).match(/"domain":\[([^\]]*)\]/)?.[1]);
    expect(domains).toEqual(['-3,1', '-3,1']);
    const out = join(tmp, 'compare.html');
    const lines: string[] = [];
    const code = await main(['compare', a, b, '--out', out], (s) => lines.push(s));
    expect(code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('Comparison of 2 runs');
    expect(html).toContain('adam: loss');
    expect(html).toContain('sgd: loss');
    expect(
      await main(
        ['compare', a, join(tmp, 'missing')],
        () => undefined,
        () => undefined,
      ),
    ).toBe(2);
  });
});
