// `npx tsx bench/thread-scaling.ts [W1] [blocks] [stepsPerBlock]`: the 2-thread speed-up of
// gradscope's native backend on a workload, estimated from CPU-time counters so that it holds on
// a busy machine (issue 22: W1 2T ≥ 1.6× 1T when the cores are free). One child process trains
// bench/workloads/run-gradscope.ts's trainer and alternates blocks of `stepsPerBlock` steps on 1
// and on 2 threads (setThreads between blocks), so that both see the same machine; per mode it
// sums
// - the main thread's on-CPU time (/proc/thread-self/schedstat): on 1 thread, the step time on a
//   free core;
// - on 2 threads, the pool's counters (GRADSCOPE_NATIVE_POOL_STATS=1, native/src/runtime.c): the
//   caller's CPU time spent waiting for the worker, and the imbalance Σ max(0, worker part −
//   caller part). On free cores a step then takes main CPU − waiting + imbalance, plus the
//   wake-up of a spinning worker (~1 µs per job, not counted);
// - the other threads' CPU (V8's garbage collector and compiler): on 2 busy cores it competes
//   with the pool's worker, so the last line also gives the estimate with it added to the 2T step
//   (a bound: the worker is busy only part of the time).
// Expected 2T ÷ 1T = main CPU (1T) ÷ (main CPU − waiting + imbalance) (2T), from the blocks'
// medians. Linux only (schedstat). The acceptance figure stays `npm run bench`'s on a quiet
// machine; wall-clock steps/s are printed too, for a quiet machine.
import { readFileSync, readdirSync } from 'node:fs';
import { setThreads } from '../src/kernels/index.js';
import { loadNativeKernels } from '../src/kernels/native/loader.js';
import { interleavedBlocks, median, SCALING_MARK, type ScalingBlock } from './suite/interleaved.js';
import { readBundle } from './workloads/bundle.js';
import type { RunRequest } from './workloads/protocol.js';
import type { WorkloadId } from './workloads/spec.js';

function schedNs(file: string): number {
  return Number(readFileSync(file, 'utf8').split(' ')[0]);
}

/** On-CPU ns of the process's threads other than the main one and the pool's workers. */
function otherThreadsNs(): number {
  let total = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    if (Number(tid) === process.pid) continue;
    try {
      const comm = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      if (comm === 'gradscope-pool') continue;
      total += schedNs(`/proc/self/task/${tid}/schedstat`);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return total;
}

/**
 * The child: alternates blocks of `req.steps` steps between two settings — 1 and 2 threads of
 * one trainer, or (with `pair`, suite/interleaved.ts's workload pair) two trainers at
 * `req.threads` threads — and prints every block.
 */
async function child(req: RunRequest, blocks: number, pair: RunRequest | null): Promise<void> {
  const { gradscopeTrainer } = await import('./workloads/run-gradscope.js');
  const addon = loadNativeKernels();
  if (addon?.poolStats === undefined)
    throw new Error('the native addon (with poolStats) is not built');
  const make = async (r: RunRequest) =>
    (await gradscopeTrainer(readBundle(r.dataDir, r.workload), { ...r, threads: 2 })).trainer;
  const trainers = pair === null ? [await make(req)] : [await make(req), await make(pair)];
  const steps = [0, 0];
  /** Setting k: its trainer and thread count. */
  const setting = (k: number): { which: number; threads: number } =>
    pair === null ? { which: 0, threads: k + 1 } : { which: k, threads: req.threads };
  const run = (k: number, n: number): void => {
    const { which, threads } = setting(k);
    setThreads(threads);
    const t = trainers[which]!;
    for (let i = 0; i < n; i++) t.step(steps[which]!++);
  };
  for (const k of [0, 1, 0, 1]) run(k, 25); // warm-up: JIT, workers started, buffers grown
  const out: ScalingBlock[] = [];
  for (let b = 0; b < blocks; b++) {
    const k = b % 2;
    const p0 = addon.poolStats();
    const o0 = otherThreadsNs();
    const m0 = schedNs('/proc/thread-self/schedstat');
    const w0 = performance.now();
    run(k, req.steps);
    const w1 = performance.now();
    const m1 = schedNs('/proc/thread-self/schedstat');
    const o1 = otherThreadsNs();
    const p1 = addon.poolStats();
    const d = (i: number): number => ((p1[i] as number) - (p0[i] as number)) / req.steps;
    out.push({
      ...setting(k),
      main: (m1 - m0) / req.steps,
      other: (o1 - o0) / req.steps,
      wall: ((w1 - w0) * 1e6) / req.steps,
      jobs: d(0),
      parts: d(1),
      wait: d(2),
      imbalance: d(3),
      workers: d(4),
      wakes: d(5),
      wakeNs: d(6),
    });
  }
  process.stdout.write(`${SCALING_MARK}${JSON.stringify(out)}\n`);
}

function main(): void {
  const id = (process.argv[2] ?? 'W1') as WorkloadId;
  const blocks = 2 * Math.ceil(Number(process.argv[3] ?? 40) / 2);
  const steps = Number(process.argv[4] ?? 50);
  {
    const all = interleavedBlocks(id, blocks, steps, true);
    const us = (ns: number): string => (ns / 1000).toFixed(1);
    const one = all.filter((b) => b.threads === 1);
    const two = all.filter((b) => b.threads === 2);
    const m = (bs: ScalingBlock[], f: (b: ScalingBlock) => number): number => median(bs.map(f));
    const t1 = m(one, (b) => b.main);
    const t2 = m(two, (b) => b.main - b.wait + b.imbalance);
    const other2 = m(two, (b) => b.other);
    const lines = [
      `${id}: ${blocks} blocks of ${steps} steps, 1 and 2 threads alternating; medians per step (µs)`,
      `1T: main CPU ${us(t1)}, other threads ${us(m(one, (b) => b.other))}, wall ${us(m(one, (b) => b.wall))}`,
      `2T: main CPU ${us(m(two, (b) => b.main))}, other threads ${us(other2)}, wall ${us(m(two, (b) => b.wall))}; ` +
        `pool ${m(two, (b) => b.jobs).toFixed(1)} jobs, caller parts ${us(m(two, (b) => b.parts))}, ` +
        `worker parts ${us(m(two, (b) => b.workers))}, caller waiting ${us(m(two, (b) => b.wait))}, ` +
        `imbalance ${us(m(two, (b) => b.imbalance))}, ${m(two, (b) => b.wakes).toFixed(2)} wake-ups of a sleeping worker costing ${us(m(two, (b) => b.wakeNs))}`,
      `serial (2T main CPU − waiting − caller parts): ${us(m(two, (b) => b.main - b.wait - b.parts))}`,
      `free-core step: 1T ${us(t1)}, 2T ${us(t2)} → expected 2T ÷ 1T ≈ ${(t1 / t2).toFixed(2)}× ` +
        `(${(t1 / (t2 + other2)).toFixed(2)}× if the other threads' CPU all delayed the 2T step)`,
    ];
    console.log(lines.join('\n'));
  }
}

if (process.argv[2] === '--child')
  await child(
    JSON.parse(process.argv[3] as string) as RunRequest,
    Number(process.argv[4]),
    process.argv[5] === undefined ? null : (JSON.parse(process.argv[5]) as RunRequest),
  );
else main();
