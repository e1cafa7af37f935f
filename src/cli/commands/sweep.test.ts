import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { pointJob, type PointTask } from '../../sweep/job.js';
import { expandSweep } from '../../sweep/points.js';
import { ProcessPool } from '../../sweep/pool-node.js';
import { stableRecord, type SweepRecord } from '../../sweep/record.js';
import { parseSweepSpec } from '../../sweep/spec.js';
import { main } from '../main.js';
import { sweepChildEntry } from './sweep.js';
import type { TrainJson } from './train.js';

/** Four short runs of a tanh MLP on XOR, with the monitor: lr × seed. */
const SWEEP = {
  name: 'xor-lr-seed',
  base: {
    name: 'xor-tiny',
    model: { name: 'mlp', hidden: [8, 8], activation: 'tanh' },
    data: { name: 'xor', numSamples: 64, testSamples: 16 },
    optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 },
    monitor: true,
    train: { steps: 24, batchSize: 16 },
  },
  axes: [{ path: 'optimizer.lr', values: [0.05, 30] }, { seeds: 2 }],
};

interface SweepJson {
  dir: string;
  points: number;
  ran: number;
  skipped: number;
  records: SweepRecord[];
}

async function sweep(
  file: string,
  out: string,
  extra: string[] = [],
): Promise<[number, SweepJson]> {
  let text = '';
  const code = await main(
    ['sweep', file, '--out', out, '--json', '--quiet', ...extra],
    (s) => (text += s),
  );
  return [code, JSON.parse(text) as SweepJson];
}

function setup(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gs-sweep-cli-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'sweep.json');
  writeFileSync(file, JSON.stringify(SWEEP));
  return { dir, file };
}

describe('gradscope sweep (local executor)', () => {
  it('runs every point like gradscope train, the same bits with 1 or 2 workers, and resumes', async () => {
    const { dir, file } = setup();
    const [code2, two] = await sweep(file, join(dir, 'w2'), ['--workers', '2']);
    expect(code2).toBe(0);
    expect(two.ran).toBe(4);
    expect(two.records.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(two.records.every((r) => r.status !== 'error')).toBe(true);
    // lr = 30 on tanh units saturates them: the monitor says so, and the table has the step.
    const hot = two.records.filter((r) => r.values['optimizer.lr'] === 30);
    expect(hot.every((r) => r.firstVerdict !== null && r.firstVerdictStep !== null)).toBe(true);
    for (const f of ['sweep.csv', 'sweep.jsonl', 'sweep.json', 'report.html'])
      expect(existsSync(join(dir, 'w2', f))).toBe(true);
    expect(
      readFileSync(join(dir, 'w2', 'sweep.csv'), 'utf8')
        .trimEnd()
        .split('\n'),
    ).toHaveLength(5);
    for (const r of two.records) expect(existsSync(join(r.runDir, 'report.html'))).toBe(true);

    const [code1, one] = await sweep(file, join(dir, 'w1'), ['--workers', '1']);
    expect(code1).toBe(0);
    expect(one.records.map(stableRecord)).toEqual(two.records.map(stableRecord));

    // The same bits as one `gradscope train` of the point's config in this process.
    const p = two.records[3] as SweepRecord;
    let text = '';
    const cfg = join(dir, 'w2', 'configs', `0003-${p.hash.slice(0, 12)}.json`);
    expect(
      await main(
        ['train', '--config', cfg, '--out', join(dir, 'single'), '--json', '--quiet'],
        (s) => (text += s),
      ),
    ).toBe(0);
    const single = JSON.parse(text) as TrainJson;
    expect(single.metrics).toEqual(p.metrics);
    expect(single.finalLoss).toBe(p.finalLoss);

    // Resume: nothing to run; then two points "died" (no record, a half-written run directory).
    const [, again] = await sweep(file, join(dir, 'w2'), ['--workers', '2']);
    expect([again.ran, again.skipped]).toEqual([0, 4]);
    const jsonl = join(dir, 'w2', 'sweep.jsonl');
    const lines = readFileSync(jsonl, 'utf8').trimEnd().split('\n');
    writeFileSync(jsonl, `${lines.slice(0, 2).join('\n')}\n${(lines[2] as string).slice(0, 30)}`);
    const died = two.records.filter(
      (r) =>
        r.hash !== JSON.parse(lines[0] as string).hash &&
        r.hash !== JSON.parse(lines[1] as string).hash,
    );
    for (const r of died) rmSync(join(r.runDir, 'summary.json'));
    const [code3, resumed] = await sweep(file, join(dir, 'w2'), ['--workers', '2']);
    expect(code3).toBe(0);
    expect([resumed.ran, resumed.skipped]).toEqual([2, 2]);
    expect(resumed.records.map(stableRecord)).toEqual(two.records.map(stableRecord));
    expect(readFileSync(jsonl, 'utf8').trimEnd().split('\n')).toHaveLength(4);
    for (const r of died) expect(existsSync(join(r.runDir, 'summary.json'))).toBe(true);
  }, 240_000);

  it('runs a point again when its worker process is killed mid-run', async () => {
    const { dir } = setup();
    const sw = parseSweepSpec(
      {
        ...SWEEP,
        base: { ...SWEEP.base, train: { steps: 3000, batchSize: 16 } },
        axes: [{ seeds: 1 }],
      },
      () => null,
    );
    const job = pointJob(expandSweep(sw)[0]!, dir);
    const deaths: (string | null)[] = [];
    const pool = new ProcessPool<PointTask, SweepRecord>({
      workers: 1,
      entry: sweepChildEntry(),
      onChildDeath: (d) => deaths.push(d.signal),
    });
    try {
      const first = pool.pids()[0] as number;
      const result = pool.run({ job, sweepDir: dir });
      // Kill it once the run has started writing its directory.
      const metrics = join(dir, job.runDir, 'metrics.jsonl');
      for (let i = 0; i < 600 && !existsSync(metrics); i++)
        await new Promise((r) => setTimeout(r, 100));
      process.kill(first, 'SIGKILL');
      const r = await result;
      expect(deaths).toEqual(['SIGKILL']);
      expect(r.status).toBe('completed');
      expect(r.steps).toBe(3000);
      expect(pool.pids()[0]).not.toBe(first);
      const steps = readFileSync(metrics, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { step: number }).step);
      // A clean run: the dead process's log was removed, not continued.
      for (let i = 1; i < steps.length; i++)
        expect(steps[i]).toBeGreaterThan(steps[i - 1] as number);
    } finally {
      pool.close();
    }
  }, 240_000);

  it('refuses a non-sweep output directory and reports a bad sweep file (exit 3)', async () => {
    const { dir, file } = setup();
    mkdirSync(join(dir, 'other'));
    writeFileSync(join(dir, 'other', 'notes.txt'), 'x');
    const errs: string[] = [];
    expect(
      await main(
        ['sweep', file, '--out', join(dir, 'other')],
        () => undefined,
        (s) => errs.push(s),
      ),
    ).toBe(2);
    expect(errs.join('\n')).toMatch(/is not empty and holds no sweep\.json/);
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ ...SWEEP, axes: [{ path: 'model.hiden', values: [[2]] }] }),
    );
    expect(
      await main(
        ['sweep', bad],
        () => undefined,
        (s) => errs.push(s),
      ),
    ).toBe(3);
    expect(errs.at(-1)).toMatch(
      /axes\[0\]\.path = "model\.hiden" is not a config field \(did you mean "model\.hidden"\?\)/,
    );
  });

  it('Ctrl-C stops at once with exit 130, keeps the finished points, and the same command resumes', async () => {
    const { dir, file } = setup();
    const long = {
      ...SWEEP,
      base: { ...SWEEP.base, train: { steps: 400, batchSize: 16 } },
      axes: [{ path: 'optimizer.lr', values: [0.05, 0.1] }, { seeds: 4 }],
    };
    writeFileSync(file, JSON.stringify(long));
    const out = join(dir, 'out');
    const main_ = fileURLToPath(new URL('../main.ts', import.meta.url));
    const jsonl = join(out, 'sweep.jsonl');
    // Its own process group, as a terminal's Ctrl-C reaches the sweep and its worker processes.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', main_, 'sweep', file, '--out', out, '--workers', '2'],
      {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const closed = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    for (
      let i = 0;
      i < 600 && !(existsSync(jsonl) && readFileSync(jsonl, 'utf8').includes('\n'));
      i++
    )
      await new Promise((r) => setTimeout(r, 50));
    process.kill(-(child.pid as number), 'SIGINT');
    expect(await closed).toBe(130);
    expect(err).toMatch(/SIGINT: stopped; the finished points are kept in .*sweep\.jsonl/);
    expect(err).not.toMatch(/EPIPE|at .*\.ts:\d+/);
    const kept = readFileSync(jsonl, 'utf8').trimEnd().split('\n').length;
    expect(kept).toBeGreaterThanOrEqual(1);
    expect(kept).toBeLessThan(8);
    const [code, res] = await sweep(file, out);
    expect(code).toBe(0);
    expect(res.skipped).toBe(kept);
    expect(res.records).toHaveLength(8);
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});
