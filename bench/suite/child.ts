// Child processes of the suite: each system runs in its own process (peak RSS is its own; a crash is
// a reported failure). The report is the last stdout line starting with BENCH_RESULT; stderr is
// kept (its tail goes into the failure message). A child past its time limit is killed (by its pid,
// which this process started).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROGRESS_PREFIX, RESULT_PREFIX, type Progress } from '../workloads/protocol.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The bench/ directory. */
export const BENCH_DIR = path.resolve(here, '..');

/** How a child ended. */
export interface ChildOutcome {
  /** The parsed BENCH_RESULT object, or null if the child printed none. */
  result: unknown;
  /** The warm-up progress lines the child printed (all of them, even if it was killed). */
  progress: Progress[];
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  seconds: number;
  stdout: string;
  stderrTail: string;
}

/** Runs `cmd args` with `env`, killing it after `timeoutSec`. */
export function runChild(
  cmd: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutSec: number; cwd?: string },
): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, {
      env: options.env ?? process.env,
      cwd: options.cwd ?? path.resolve(BENCH_DIR, '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutSec * 1000);
    const finish = (code: number | null, signal: string | null): void => {
      clearTimeout(timer);
      let result: unknown = null;
      const lines = stdout.split('\n').filter((l) => l.startsWith(RESULT_PREFIX));
      const last = lines[lines.length - 1];
      if (last !== undefined) {
        try {
          result = JSON.parse(last.slice(RESULT_PREFIX.length));
        } catch {
          result = null;
        }
      }
      const progress: Progress[] = [];
      for (const l of stdout.split('\n')) {
        if (!l.startsWith(PROGRESS_PREFIX)) continue;
        try {
          progress.push(JSON.parse(l.slice(PROGRESS_PREFIX.length)) as Progress);
        } catch {
          // a line cut by the kill
        }
      }
      resolve({
        result,
        progress,
        code,
        signal,
        timedOut,
        seconds: (performance.now() - t0) / 1000,
        stdout,
        stderrTail: stderr
          .split('\n')
          .filter((l) => l.trim() !== '')
          .slice(-12)
          .join('\n'),
      });
    };
    child.on('error', (e) => {
      stderr += `\nspawn failed: ${e.message}`;
      finish(null, null);
    });
    child.on('close', (code, signal) => finish(code, signal));
  });
}

/** Arguments that run a TypeScript file of this repo in a fresh Node process (through tsx). */
export function tsxArgs(file: string, args: readonly string[]): string[] {
  return ['--import', 'tsx', path.join(BENCH_DIR, file), ...args];
}

/** The environment of PyTorch runs: OpenBLAS core override unset, OpenMP threads pinned. */
export function torchEnv(threads: number): { env: NodeJS.ProcessEnv; unset: string[] } {
  const env = { ...process.env };
  const unset: string[] = [];
  // OPENBLAS_CORETYPE (set on some machines here for old OpenBLAS builds) forces a slower kernel
  // (1.5× on W1); OPENBLAS_L2_SIZE goes with it.
  for (const k of ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE']) {
    if (env[k] !== undefined) unset.push(`${k}=${env[k]}`);
    delete env[k];
  }
  env['OMP_NUM_THREADS'] = String(threads);
  env['OPENBLAS_NUM_THREADS'] = String(threads);
  // Busy-waiting OpenMP workers would steal the second core from the main thread between GEMMs.
  if (threads > 1) env['OMP_WAIT_POLICY'] = 'PASSIVE';
  return { env, unset };
}
