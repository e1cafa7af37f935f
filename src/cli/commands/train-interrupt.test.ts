import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../tensor/rng.js';
import { readCheckpoint } from '../../train/checkpoint-node.js';

// Acceptance test of graceful interruption and --resume (#15, #16): the real CLI in child
// processes (node --import tsx), signalled at seeded random moments of a `train` run.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');
const STEPS = 800;
const CONFIG = {
  name: 'interrupt',
  model: { name: 'mlp', hidden: [32, 32], activation: 'tanh' },
  data: { name: 'spiral', classes: 3, numSamples: 100, testSamples: 25, noise: 0.2 },
  optimizer: { name: 'adam', lr: 0.01 },
  clip: { name: 'byGlobalNorm', maxNorm: 1 },
  monitor: true,
  train: { steps: STEPS, batchSize: 16, seed: 1, evalEvery: 50, logEvery: 5 },
};

let tmp = '';
let config = '';
let n = 0;
const fresh = (): string => join(tmp, `run-${++n}`);

interface Child {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/**
 * Runs the CLI; with `kill`, sends that signal once a progress line shows step >= `atStep`
 * (then the child is somewhere after it: where exactly is up to the scheduler).
 */
function cli(args: string[], kill?: { signal: NodeJS.Signals; atStep: number }): Promise<Child> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (kill === undefined || sent) return;
      const steps = [...out.matchAll(/^step (\d+)\//gm)].map((m) => Number(m[1]));
      if (steps.length > 0 && (steps[steps.length - 1] as number) >= kill.atStep) {
        sent = true;
        child.kill(kill.signal);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, out, err }));
  });
}

/** Hash of what must be bit-identical: parameters, optimizer (and monitor) state, RNGs, loader and fit state, and the metrics without wall times. */
function runHash(dir: string): { hash: string; steps: number } {
  // The checkpoint is binary (safetensors data + JSON state, one checksum): read it with the
  // library's reader, which verifies it, and hash everything but the wall-clock stamp.
  const { savedAt: _savedAt, ...body } = readCheckpoint(join(dir, 'checkpoint.json'));
  const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const { time: _time, ...r } = JSON.parse(l) as Record<string, unknown>;
      return r;
    });
  const steps = metrics.map((r) => r['step'] as number);
  // No duplicate or missing records: strictly increasing steps ending at the last step.
  for (let i = 1; i < steps.length; i++) expect(steps[i]).toBeGreaterThan(steps[i - 1] as number);
  const h = createHash('sha256').update(JSON.stringify({ body, metrics })).digest('hex');
  return { hash: h, steps: body.step };
}

/** Five seeded moments, as steps at which the signal is sent (5% .. 70% of the run). */
function moments(seed: number, k: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: k }, () => Math.round(STEPS * (0.05 + 0.65 * rng.uniform())));
}

/** Runs `fn` over `items`, at most `limit` at a time (2 cores are shared). */
async function pool<T, R>(items: T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return out;
}

let reference = '';

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'gs-interrupt-'));
  config = join(tmp, 'cfg.json');
  writeFileSync(config, JSON.stringify(CONFIG));
  const dir = fresh();
  const r = await cli(['train', '--config', config, '--out', dir, '--quiet']);
  expect(r.code, r.err).toBe(0);
  reference = runHash(dir).hash;
}, 60_000);

afterAll(() => {
  if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
});

describe('gradscope train: interrupted and resumed runs end with the uninterrupted bits', () => {
  it('SIGINT at 5 seeded moments: exit 130, a resumable run dir with a report marked interrupted; --resume gives the same final bits', async () => {
    const results = await pool(moments(15, 5), 3, async (atStep) => {
      const dir = fresh();
      const r = await cli(['train', '--config', config, '--out', dir], {
        signal: 'SIGINT',
        atStep,
      });
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as {
        steps: number;
        interrupted: boolean;
      };
      const ckptStep = runHash(dir).steps;
      const report = readFileSync(join(dir, 'report.html'), 'utf8');
      const resumed = await cli(['train', '--resume', dir, '--quiet']);
      return { atStep, r, summary, ckptStep, report, resumed, hash: runHash(dir).hash };
    });
    for (const x of results) {
      expect(x.r.code, x.r.err).toBe(130);
      expect(x.summary.interrupted).toBe(true);
      expect(x.summary.steps).toBeGreaterThanOrEqual(x.atStep);
      expect(x.summary.steps).toBeLessThan(STEPS);
      // The checkpoint is of the step the run stopped at: nothing done is lost.
      expect(x.ckptStep).toBe(x.summary.steps);
      expect(x.report).toMatch(new RegExp(`interrupted at step ${x.summary.steps}`, 'i'));
      expect(x.r.out).toContain('Resume with: gradscope train --resume ');
      expect(x.resumed.code, x.resumed.err).toBe(0);
      expect(x.hash).toBe(reference);
    }
  }, 120_000);

  it('SIGKILL at seeded moments with a small checkpoint interval: --resume from the last periodic checkpoint gives the same final bits', async () => {
    const results = await pool(moments(16, 3), 3, async (atStep) => {
      const dir = fresh();
      const r = await cli(
        ['train', '--config', config, '--out', dir, '--checkpoint-seconds', '0.05'],
        { signal: 'SIGKILL', atStep },
      );
      const hadCheckpoint = existsSync(join(dir, 'checkpoint.json'));
      const resumed = await cli(['train', '--resume', dir, '--quiet']);
      return { r, hadCheckpoint, resumed, hash: runHash(dir).hash };
    });
    for (const x of results) {
      expect(x.r.signal).toBe('SIGKILL');
      expect(x.resumed.code, x.resumed.err).toBe(0);
      expect(x.hash).toBe(reference);
    }
    // With a 50 ms interval, at least one killed run had a periodic checkpoint to resume from.
    expect(results.some((x) => x.hadCheckpoint)).toBe(true);
  }, 120_000);
});
