import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { stableRecord, type SweepRecord } from '../../sweep/record.js';
import { main } from '../main.js';

/**
 * The distributed executor end to end: a real redis-server (Debian's, installed by .ci/run) on
 * 127.0.0.1 and a free port, three `gradscope worker` processes, a coordinator that is killed
 * and restarted, and one worker SIGKILLed in the middle of a point.
 */
const HAS_REDIS = spawnSync('redis-server', ['--version']).status === 0;
if (!HAS_REDIS)
  console.warn(
    'worker.test.ts: skipped — redis-server is not installed (apt-get install -y redis-server; .ci/run installs it)',
  );

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));

/** 24 short runs: lr (4) × depth (3) × seeds (2), with the monitor. */
const SWEEP = {
  name: 'xor-redis',
  base: {
    model: { name: 'mlp', hidden: [8], activation: 'tanh' },
    data: { name: 'xor', numSamples: 64, testSamples: 16 },
    optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 },
    monitor: true,
    train: { steps: 30, batchSize: 16 },
  },
  axes: [
    { path: 'optimizer.lr', values: [0.01, 0.1, 1, 30] },
    { path: 'model.hidden', values: [[8], [8, 8], [8, 8, 8]] },
    { seeds: 2 },
  ],
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

const started: ChildProcess[] = [];

function gradscope(args: string[]): { proc: ChildProcess; log: () => string } {
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(proc);
  let text = '';
  proc.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  return { proc, log: () => text };
}

async function until(what: string, ok: () => boolean, ms = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function exited(p: ChildProcess): Promise<void> {
  return p.exitCode !== null || p.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => p.once('exit', () => r()));
}

afterAll(async () => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
  await Promise.all(started.map(exited));
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** Temporary directories of this file, removed after the processes that write them have exited. */
const tempDirs: string[] = [];

describe.skipIf(!HAS_REDIS)('gradscope sweep --redis / gradscope worker (BullMQ)', () => {
  it('runs 24 points on 3 workers, one SIGKILLed mid-point and the coordinator restarted: each point once, the local table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-sweep-redis-'));
    tempDirs.push(dir);
    const file = join(dir, 'sweep.json');
    writeFileSync(file, JSON.stringify(SWEEP));
    const port = await freePort();
    const redis = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    started.push(redis);
    let redisLog = '';
    redis.stdout?.on('data', (d: Buffer) => (redisLog += d.toString()));
    await until('redis-server', () => /Ready to accept connections/.test(redisLog), 20_000);
    const url = `redis://127.0.0.1:${port}`;
    const queue = `test-${process.pid}`;
    // Short locks so that a dead worker's point is handed on within seconds.
    const workers = [0, 1, 2].map(() =>
      gradscope([
        'worker',
        '--redis',
        url,
        '--queue',
        queue,
        '--workers',
        '1',
        '--lock-ms',
        '2000',
        '--stalled-ms',
        '1000',
      ]),
    );
    const out = join(dir, 'redis');
    const coordinator = gradscope(['sweep', file, '--redis', url, '--queue', queue, '--out', out]);

    // SIGKILL worker 0 while it runs its first point.
    const victim = workers[0]!;
    await until('worker 0 to start a point', () => /started/.test(victim.log()));
    const killedJob = /point #\d+ \((\S+)\) started/.exec(victim.log())![1] as string;
    victim.proc.kill('SIGKILL');
    await exited(victim.proc);
    const victimLog = victim.log();

    // Stop the coordinator after a few points; the workers go on meanwhile.
    const jsonl = join(out, 'sweep.jsonl');
    const lines = (): number =>
      existsSync(jsonl)
        ? readFileSync(jsonl, 'utf8')
            .split('\n')
            .filter((l) => l).length
        : 0;
    await until('6 recorded points', () => lines() >= 6, 180_000);
    coordinator.proc.kill('SIGKILL');
    await exited(coordinator.proc);
    const before = lines();
    await new Promise((r) => setTimeout(r, 2000));

    // Restart it: it picks up what finished while it was down and waits for the rest.
    let text = '';
    const code = await main(
      ['sweep', file, '--redis', url, '--queue', queue, '--out', out, '--json', '--quiet'],
      (s) => (text += s),
    );
    expect(code).toBe(0);
    const res = JSON.parse(text) as { ran: number; skipped: number; records: SweepRecord[] };
    expect(res.skipped).toBe(before);
    expect(res.ran + res.skipped).toBe(24);
    expect(res.records).toHaveLength(24);

    // Every point recorded exactly once, and no job completed twice by the workers.
    const recs = readFileSync(jsonl, 'utf8')
      .split('\n')
      .filter((l) => l)
      .map((l) => JSON.parse(l) as SweepRecord);
    expect(recs).toHaveLength(24);
    expect(new Set(recs.map((r) => r.hash)).size).toBe(24);
    expect(recs.every((r) => r.status !== 'error')).toBe(true);
    const completed = [victimLog, workers[1]!.log(), workers[2]!.log()].flatMap((l) =>
      [...l.matchAll(/point #\d+ \((\S+)\) (?:completed|stopped|diverged) in/g)].map((m) => m[1]),
    );
    expect(completed).toHaveLength(24);
    expect(new Set(completed).size).toBe(24);
    expect(completed).toContain(killedJob);
    expect(victimLog).not.toMatch(new RegExp(`\\(${killedJob}\\) completed`));

    // The same table as the local executor, bit for bit.
    let local = '';
    expect(
      await main(
        ['sweep', file, '--out', join(dir, 'local'), '--workers', '2', '--json', '--quiet'],
        (s) => (local += s),
      ),
    ).toBe(0);
    const localRecs = (JSON.parse(local) as { records: SweepRecord[] }).records;
    expect(res.records.map(stableRecord)).toEqual(localRecs.map(stableRecord));
    const csv = (d: string): string[] =>
      readFileSync(join(d, 'sweep.csv'), 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => l.split(',').slice(0, -4).join(',')); // without timeMs, runDir, worker, error
    expect(csv(out)).toEqual(csv(join(dir, 'local')));

    for (const w of workers.slice(1)) w.proc.kill('SIGTERM');
    await Promise.all(workers.map((w) => exited(w.proc)));
    redis.kill('SIGTERM');
    await exited(redis);
  }, 600_000);
});
