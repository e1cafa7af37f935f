import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { pointJob, type PointJob, type PointTask } from '../../sweep/job.js';
import { localExecutor } from '../../sweep/local-node.js';
import { expandSweep } from '../../sweep/points.js';
import { ProcessPool } from '../../sweep/pool-node.js';
import { stableRecord, type SweepRecord } from '../../sweep/record.js';
import { runSweep } from '../../sweep/run-sweep-node.js';
import { parseSweepSpec } from '../../sweep/spec.js';
import { sweepChildEntry } from './sweep.js';

/** The sweep child that SIGKILLs itself at a chosen write (test/sweep-crash-child.ts). */
const CRASH_CHILD = fileURLToPath(new URL('../../../test/sweep-crash-child.ts', import.meta.url));

const SWEEP = parseSweepSpec(
  {
    name: 'crash',
    base: {
      model: { name: 'mlp', hidden: [8, 8], activation: 'tanh' },
      data: { name: 'xor', numSamples: 64, testSamples: 16 },
      optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 },
      monitor: true,
      train: { steps: 40, batchSize: 16 },
    },
    axes: [{ path: 'optimizer.lr', values: [0.05, 0.2] }],
  },
  () => null,
);
const POINTS = expandSweep(SWEEP);

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gs-sweep-point-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs one task on a one-child pool of `entry` with at most `maxAttempts` starts. */
async function runOn(
  entry: string,
  task: PointTask,
  maxAttempts: number,
  env: Record<string, string> = {},
): Promise<{ record: SweepRecord | Error; deaths: (string | null)[] }> {
  Object.assign(process.env, env); // fork passes process.env to the child
  const deaths: (string | null)[] = [];
  const pool = new ProcessPool<PointTask, SweepRecord>({
    workers: 1,
    entry,
    maxAttempts,
    onChildDeath: (d) => deaths.push(d.signal),
  });
  for (const k of Object.keys(env)) delete process.env[k];
  try {
    const record = await pool.run(task).catch((e: unknown) => e as Error);
    return { record, deaths };
  } finally {
    pool.close();
  }
}

/** The JSON text files of a run directory (checkpoint.json is binary). */
const JSON_FILES = ['config.json', 'train-config.json', 'summary.json'];

/** Every file of a run directory: none is a leftover temporary file, and every JSON one parses. */
function expectCleanRunDir(runDir: string): void {
  const files = readdirSync(runDir);
  expect(files.filter((f) => /tmp/.test(f))).toEqual([]);
  for (const f of JSON_FILES)
    expect(() => JSON.parse(readFileSync(join(runDir, f), 'utf8'))).not.toThrow();
  for (const f of ['config.json', 'train-config.json', 'summary.json', 'checkpoint.json'])
    expect(files).toContain(f);
  expect(readFileSync(join(runDir, 'report.html'), 'utf8')).toMatch(/<\/html>\s*$/);
}

describe('runSweepPoint durability (one flush per point)', () => {
  it('a child killed between two writes leaves no half-written file, and the point runs again to the same result', async () => {
    const dir = tempDir();
    const reference = await runOn(
      sweepChildEntry(),
      { job: pointJob(POINTS[0]!, join(dir, 'ref')), sweepDir: join(dir, 'ref') },
      1,
    );
    const ref = reference.record as SweepRecord;
    expect(ref.status).toBe('completed');
    expectCleanRunDir(ref.runDir);

    for (const at of [
      'before-rename:summary.json',
      'after-rename:checkpoint.json',
      'before-rename:report.html',
      'before-sync',
    ]) {
      const sweepDir = join(dir, at.replace(/[^a-z]/g, '-'));
      const job: PointJob = pointJob(POINTS[0]!, sweepDir);
      const runDir = join(sweepDir, job.runDir);
      const marker = join(dir, `${at.replace(/[^a-z]/g, '-')}.crashed`);
      // One start only: the child dies, the job fails, and its directory is as the kill left it.
      const dead = await runOn(CRASH_CHILD, { job, sweepDir }, 1, {
        GS_CRASH_AT: at,
        GS_CRASH_MARKER: marker,
      });
      expect(existsSync(marker)).toBe(true);
      expect(dead.deaths).toEqual(['SIGKILL']);
      expect(dead.record).toBeInstanceOf(Error);
      // Whatever the kill left, no file under its real name is cut: each one is absent or whole.
      const left = readdirSync(runDir);
      for (const f of left.filter((f) => JSON_FILES.includes(f)))
        expect(() => JSON.parse(readFileSync(join(runDir, f), 'utf8'))).not.toThrow();
      if (at === 'before-rename:summary.json') expect(left).not.toContain('summary.json');
      if (at === 'before-rename:report.html') expect(left).not.toContain('report.html');
      if (at === 'before-sync') expectCleanRunDir(runDir);

      // Run again (as a resumed sweep does): a clean directory and the bits of the reference.
      const again = await runOn(sweepChildEntry(), { job, sweepDir }, 1);
      const r = again.record as SweepRecord;
      expect(r.status).toBe('completed');
      expect(stableRecord(r)).toEqual(stableRecord(ref));
      expectCleanRunDir(runDir);
    }
  }, 240_000);

  it('a sweep whose child is killed before its point is flushed records every point once, as without the kill', async () => {
    const dir = tempDir();
    const plain = await runSweep({
      sweep: SWEEP,
      points: POINTS,
      dir: join(dir, 'plain'),
      executor: localExecutor({ workers: 1, entry: sweepChildEntry() }),
    });
    process.env.GS_CRASH_AT = 'before-sync';
    process.env.GS_CRASH_MARKER = join(dir, 'crash-marker');
    const deaths: (string | null)[] = [];
    let crashed;
    try {
      crashed = await runSweep({
        sweep: SWEEP,
        points: POINTS,
        dir: join(dir, 'crashed'),
        executor: localExecutor({
          workers: 1,
          entry: CRASH_CHILD,
          onChildDeath: (d) => deaths.push(d.signal),
        }),
      });
    } finally {
      delete process.env.GS_CRASH_AT;
      delete process.env.GS_CRASH_MARKER;
    }
    expect(deaths).toEqual(['SIGKILL']);
    expect(crashed.records.map(stableRecord)).toEqual(plain.records.map(stableRecord));
    const lines = readFileSync(join(dir, 'crashed', 'sweep.jsonl'), 'utf8')
      .trimEnd()
      .split('\n');
    expect(lines).toHaveLength(POINTS.length);
    expect(
      readFileSync(join(dir, 'crashed', 'sweep.csv'), 'utf8')
        .trimEnd()
        .split('\n'),
    ).toHaveLength(POINTS.length + 1);
    for (const r of crashed.records) expectCleanRunDir(r.runDir);
  }, 240_000);
});
