// One process, 1 and 2 threads in alternating blocks of steps (bench/thread-scaling.ts's child):
// issue 22's thread-scaling ratio measured so that both settings see the same machine. On this
// kind of machine (two vCPUs of a shared host) the speed of a core changes over seconds — in one
// quiet stretch the two pool threads' parts of W1's GEMMs took 1.2 ms instead of 0.8 — so two
// separate processes, one per setting and a minute apart, can each meet a different machine; the
// alternating blocks cancel that drift, as an A/B comparison does. The separate runs stay in the
// table; the criterion reports both.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { tsxArgs } from './child.js';
import { writeBundle } from '../workloads/bundle.js';
import type { RunRequest } from '../workloads/protocol.js';
import type { WorkloadId } from '../workloads/spec.js';

/** The line the child prints its blocks on. */
export const SCALING_MARK = 'THREAD_SCALING ';

/** Per-step figures of one block, ns (the pool's counters are zero unless asked for). */
export interface ScalingBlock {
  /** The trainer: 0, or 1 for the second workload of a pair. */
  which: number;
  threads: number;
  main: number;
  other: number;
  wall: number;
  jobs: number;
  parts: number;
  wait: number;
  imbalance: number;
  workers: number;
  wakes: number;
  wakeNs: number;
}

/** The interleaved measurement's summary (per-step wall times are medians over the blocks). */
export interface InterleavedScaling {
  blocks: number;
  steps: number;
  /** Steps/s on 1 thread and on 2 (1 / median wall time per step of each setting's blocks). */
  rate1: number;
  rate2: number;
  ratio: number;
}

/** The median of a non-empty list. */
export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

/**
 * Trains workload `id` (gradscope's bench trainer, native kernels) in one child process for
 * `blocks` blocks of `steps` steps, alternating 1 and 2 threads, and returns every block;
 * `poolStats` turns the native pool's counters on (GRADSCOPE_NATIVE_POOL_STATS=1).
 */
export function interleavedBlocks(
  id: WorkloadId,
  blocks: number,
  steps: number,
  poolStats: boolean,
  pair: { with: WorkloadId; threads: number } | null = null,
): ScalingBlock[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gradscope-thread-scaling-'));
  try {
    const request = (w: WorkloadId, threads: number): RunRequest => {
      writeBundle(dir, w);
      return {
        system: 'gradscope',
        workload: w,
        dataDir: dir,
        reps: 1,
        steps,
        budgetSec: 1e9,
        fullTrajectory: false,
        threads,
      };
    };
    const req = request(id, pair?.threads ?? 2);
    const second = pair === null ? [] : [JSON.stringify(request(pair.with, pair.threads))];
    const env: NodeJS.ProcessEnv = { ...process.env, GRADSCOPE_NATIVE: '1' };
    if (poolStats) env['GRADSCOPE_NATIVE_POOL_STATS'] = '1';
    else delete env['GRADSCOPE_NATIVE_POOL_STATS'];
    delete env['GRADSCOPE_KERNELS'];
    const r = spawnSync(
      process.execPath,
      tsxArgs('thread-scaling.ts', [
        '--child',
        JSON.stringify(req),
        String(2 * Math.ceil(blocks / 2)),
        ...second,
      ]),
      { env, encoding: 'utf8', maxBuffer: 64 << 20 },
    );
    const line = r.stdout.split('\n').find((l) => l.startsWith(SCALING_MARK));
    if (line === undefined)
      throw new Error(`thread-scaling child failed: ${r.stderr.slice(-2000)}`);
    return JSON.parse(line.slice(SCALING_MARK.length)) as ScalingBlock[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Two workloads at the same thread count in one process, alternating blocks (W1 and W1m: the
 * monitor's cost): steps/s of each from the blocks' median wall time per step, and time ratio
 * second ÷ first.
 */
export interface InterleavedPair {
  blocks: number;
  steps: number;
  threads: number;
  rateA: number;
  rateB: number;
  /** Time per step of the second ÷ the first (rateA ÷ rateB). */
  timeRatio: number;
}

/** Summarizes {@link interleavedBlocks} run with a pair. */
export function summarizePair(
  all: ScalingBlock[],
  steps: number,
  threads: number,
): InterleavedPair {
  const wall = (k: number): number => median(all.filter((b) => b.which === k).map((b) => b.wall));
  const rateA = 1e9 / wall(0);
  const rateB = 1e9 / wall(1);
  return { blocks: all.length, steps, threads, rateA, rateB, timeRatio: rateA / rateB };
}

/** The steps/s of each setting and their ratio, from the blocks' median wall time per step. */
export function summarizeInterleaved(all: ScalingBlock[], steps: number): InterleavedScaling {
  const wall = (t: number): number => median(all.filter((b) => b.threads === t).map((b) => b.wall));
  const rate1 = 1e9 / wall(1);
  const rate2 = 1e9 / wall(2);
  return { blocks: all.length, steps, rate1, rate2, ratio: rate2 / rate1 };
}
