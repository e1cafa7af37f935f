import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../main.js';

const EXAMPLES = new URL('../../../examples/configs/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'gs-report-train-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await main(
    argv,
    (s) => out.push(s),
    () => undefined,
  );
  return { code, out: out.join('\n') };
}

describe('gradscope report on a train run directory', () => {
  it('rebuilds the report (it used to say "result.json is missing", exit 3)', async () => {
    const dir = join(tmp, 'spiral');
    const cfg = join(EXAMPLES, 'spiral-sgd-momentum.json');
    expect(
      (await run('train', '--config', cfg, '--steps', '30', '--out', dir, '--quiet')).code,
    ).toBe(0);
    rmSync(join(dir, 'report.html'));
    const r = await run('report', dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain('(train run)');
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('spiral-sgd-momentum');
    expect(html).toContain('COMPLETED');

    // Interrupted: no summary.json, a half-written last line. Still a report, marked interrupted.
    rmSync(join(dir, 'summary.json'));
    appendFileSync(join(dir, 'metrics.jsonl'), '{"step":31,"lo');
    const out = join(tmp, 'again.html');
    expect((await run('report', dir, '--out', out)).code).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(readFileSync(out, 'utf8')).toContain('INTERRUPTED');
  });
});
