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
// processes (node --import tsx), signalled at seeded random moments of a 600-step `train` run;
// every resumed run must end bit-identical to the uninterrupted one (parameters, optimizer state
// with the monitor's state, RNG/loader/loop state, metrics and the monitor's log).

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');
const STEPS = 600;
/** Checkpoint interval of the SIGKILL runs, in steps (`--checkpoint-every`). */
const EVERY = 20;
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

/** The last step logged in `dir/metrics.jsonl` so far (0 when there is none yet). */
function lastLoggedStep(dir: string): number {
  let text: string;
  try {
    text = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
  } catch {
    return 0;
  }
  const m = [...text.matchAll(/^\{"step":(\d+)/gm)];
  return m.length > 0 ? Number((m[m.length - 1] as RegExpMatchArray)[1]) : 0;
}

/**
 * Runs the CLI; with `kill`, sends that signal once the run directory's metrics.jsonl shows a
 * step >= `atStep` (polled every 2 ms; the child is then somewhere after it, where exactly is up
 * to the scheduler: inside a step, an evaluation or a checkpoint write).
 */
function cli(
  args: string[],
  kill?: { signal: NodeJS.Signals; atStep: number; dir: string },
): Promise<Child> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer =
      kill === undefined
        ? null
        : setInterval(() => {
            if (lastLoggedStep(kill.dir) < kill.atStep) return;
            clearInterval(timer as NodeJS.Timeout);
            child.kill(kill.signal);
          }, 2);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer !== null) clearInterval(timer);
      resolve({ code, signal, out, err });
    });
  });
}

const sha = (v: unknown): string =>
  createHash('sha256')
    .update(typeof v === 'string' ? v : JSON.stringify(v))
    .digest('hex');

/** The records of a JSONL file without the wall-clock fields. */
function records(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const { time: _time, ...r } = JSON.parse(l) as Record<string, unknown>;
      return r;
    });
}

/**
 * Hashes of what must be bit-identical, one per part so a failure names it: parameters and
 * buffers, optimizer state (the chain's: the monitor is its first transformation, so its state —
 * EMAs, windows, open verdicts — is in there too), RNG/loader/loop state, the metrics without
 * wall times, and the monitor's log.
 */
function runHash(dir: string): { hash: Record<string, string>; steps: number } {
  // The checkpoint is binary (safetensors data + JSON state, one checksum): read it with the
  // library's reader, which verifies it; the wall-clock stamp is left out.
  const {
    savedAt: _savedAt,
    model,
    optimizer,
    ...rest
  } = readCheckpoint(join(dir, 'checkpoint.json'));
  const metrics = records(join(dir, 'metrics.jsonl'));
  const steps = metrics.map((r) => r['step'] as number);
  // No duplicate or missing records: strictly increasing steps ending at the last step.
  for (let i = 1; i < steps.length; i++) expect(steps[i]).toBeGreaterThan(steps[i - 1] as number);
  const monitorState = (optimizer?.state as unknown[] | undefined)?.[0] as
    { checks?: unknown } | undefined;
  expect(monitorState?.checks, 'the monitor state is the chain state 0').toBe(rest.step);
  return {
    hash: {
      params: sha(model),
      optimizerAndMonitor: sha(optimizer),
      rngLoaderLoop: sha(rest),
      metrics: sha(metrics),
      monitorLog: sha(records(join(dir, 'monitor.jsonl'))),
    },
    steps: rest.step,
  };
}

/**
 * `k` seeded random moments, as steps after which the signal is sent (5% .. `last` of the run).
 * SIGINT moments stop at 60%: on a quiet machine the last 100 steps take well under the time
 * between a metrics line reaching the disk and the signal being handled, so a SIGINT sent at
 * step 503 of 600 arrived after the last step (exit 0, nothing to interrupt) — a race of the
 * test, not of the CLI. SIGKILL moments may come late: resuming after the final checkpoint is
 * part of what they check.
 */
function moments(seed: number, k: number, last = 0.95): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: k }, () =>
    Math.round(STEPS * (0.05 + (last - 0.05) * rng.uniform())),
  );
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

let reference: Record<string, string> = {};

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
    const results = await pool(moments(15, 5, 0.6), 2, async (atStep) => {
      const dir = fresh();
      const r = await cli(['train', '--config', config, '--out', dir], {
        signal: 'SIGINT',
        atStep,
        dir,
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
      expect(x.hash).toEqual(reference);
    }
  }, 120_000);

  it('SIGKILL at 5 seeded random moments with --checkpoint-every 20: --resume from the last periodic checkpoint gives the same final bits', async () => {
    const at = moments(16, 5);
    const results = await pool(at, 2, async (atStep) => {
      const dir = fresh();
      const r = await cli(
        [
          'train',
          '--config',
          config,
          '--out',
          dir,
          '--quiet',
          '--checkpoint-every',
          String(EVERY),
          '--checkpoint-seconds',
          '0',
        ],
        { signal: 'SIGKILL', atStep, dir },
      );
      const killedAt = lastLoggedStep(dir);
      // The checkpoint left by the killed process: written atomically, so it reads and verifies.
      const ckptStep = existsSync(join(dir, 'checkpoint.json'))
        ? readCheckpoint(join(dir, 'checkpoint.json')).step
        : null;
      const resumed = await cli(['train', '--resume', dir]);
      return { atStep, killedAt, r, ckptStep, resumed, ...runHash(dir) };
    });
    const seen: string[] = [];
    for (const x of results) {
      expect(x.r.signal).toBe('SIGKILL');
      expect(x.ckptStep, `killed after step ${x.killedAt}`).not.toBeNull();
      // Only the periodic checkpoints exist before the end: a multiple of EVERY, at most the
      // last logged step + EVERY behind it, never at the end.
      expect((x.ckptStep as number) % EVERY).toBe(0);
      expect(x.ckptStep as number).toBeLessThan(STEPS);
      expect(x.resumed.code, x.resumed.err).toBe(0);
      expect(x.resumed.out).toContain(`after step ${x.ckptStep}`);
      expect(x.steps).toBe(STEPS);
      expect(x.hash).toEqual(reference);
      seen.push(
        `signal after step ${x.atStep}, last logged ${x.killedAt}, resumed from ${x.ckptStep}`,
      );
    }
    console.log(`SIGKILL moments (600 steps, --checkpoint-every ${EVERY}): ${seen.join('; ')}`);
  }, 180_000);

  it('--checkpoint-every must be an integer >= 0 (exit 2, one line naming the flag)', async () => {
    const r = await cli([
      'train',
      '--config',
      config,
      '--out',
      fresh(),
      '--checkpoint-every',
      '2.5',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--checkpoint-every must be an integer >= 0, got '2\.5'/);
  });
});
