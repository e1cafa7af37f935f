// `npx tsx bench/gc-time.ts [W1,W1m,W3,W4,W5] [--steps N] [--warmup N]`: garbage-collection time
// as a share of the step time in steady-state training (issue 22: < 2%), per workload. For each
// workload a child `node --trace-gc` builds bench/run.ts's gradscope trainer
// (bench/workloads/run-gradscope.ts, the public API as a user writes the loop), trains `--warmup`
// steps (default 30: tapes, pools, kernels and V8's optimized code settle), then times `--steps`
// steps (default 200, cycling over the workload's batches) between two marker lines. V8 prints
// one line per collection; the parent counts the scavenges and mark-compacts printed between the
// markers and sums their pauses (the main-thread time of each collection, incremental marking
// steps included), and prints GC ms ÷ step ms. Wall-clock time on both sides, so the share holds
// on a loaded machine too (both stretch alike). Also printed: the heap growth over the timed
// steps (what survives) and the bytes allocated per step (V8's heap statistics: the young
// generation's allocation counter is not exposed, so it is estimated from the scavenged bytes).
// The runner trains in a StepArena (buffer reuse); `GRADSCOPE_ARENA=0 npx tsx bench/gc-time.ts`
// measures the same steps without it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tsxArgs } from './suite/child.js';
import { readBundle, writeBundle } from './workloads/bundle.js';
import { WORKLOAD_IDS, type WorkloadId } from './workloads/spec.js';

const MARK = 'GC_TIME_MARK ';
const argv = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};

async function child(
  id: WorkloadId,
  dataDir: string,
  warmup: number,
  steps: number,
): Promise<void> {
  const { gradscopeTrainer } = await import('./workloads/run-gradscope.js');
  const bundle = readBundle(dataDir, id);
  const { trainer, version } = await gradscopeTrainer(bundle, {
    system: 'gradscope',
    workload: id,
    dataDir,
    reps: 1,
    steps,
    budgetSec: 1e9,
    fullTrajectory: false,
    threads: 1,
  });
  let loss = 0;
  for (let i = 0; i < warmup; i++) loss += trainer.step(i);
  const heap0 = process.memoryUsage().heapUsed;
  process.stdout.write(`\n${MARK}start\n`);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) loss += trainer.step(warmup + i);
  const ms = performance.now() - t0;
  process.stdout.write(
    `\n${MARK}end ${JSON.stringify({ ms, version, loss, heapGrowth: process.memoryUsage().heapUsed - heap0 })}\n`,
  );
}

interface GcSums {
  scavenges: number;
  markCompacts: number;
  scavengeMs: number;
  markMs: number;
  /** MB freed by scavenges (≈ what the young generation allocated). */
  scavengedMb: number;
}

/** Sums the --trace-gc lines between the markers. */
function parse(stdout: string): {
  gc: GcSums;
  end: { ms: number; version: string; heapGrowth: number };
} {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`${MARK}start`));
  const endAt = lines.findIndex((l) => l.startsWith(`${MARK}end `));
  if (start < 0 || endAt < 0) throw new Error(`child printed no markers:\n${stdout.slice(-2000)}`);
  const gc: GcSums = { scavenges: 0, markCompacts: 0, scavengeMs: 0, markMs: 0, scavengedMb: 0 };
  for (const l of lines.slice(start + 1, endAt)) {
    // "[pid:0x…]  1234 ms: Scavenge 5.2 (6.0) -> 4.8 (7.0) MB, 0.43 / 0.00 ms  (…" and
    // "… Mark-Compact 10.1 (…) -> … MB, 3.21 / 0.00 ms  (+ 1.2 ms in 12 steps since start of marking, …"
    const m =
      /: (Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Compact)[^,]*? ([\d.]+) \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB, ([\d.]+) \/ [\d.]+ ms(?:\s+\(\+ ([\d.]+) ms in)?/.exec(
        l,
      );
    if (m === null) continue;
    const pause = Number(m[4]) + Number(m[5] ?? 0);
    if (m[1] === 'Scavenge' || m[1] === 'Minor Mark-Compact') {
      gc.scavenges++;
      gc.scavengeMs += pause;
      gc.scavengedMb += Number(m[2]) - Number(m[3]);
    } else {
      gc.markCompacts++;
      gc.markMs += pause;
    }
  }
  const end = JSON.parse((lines[endAt] as string).slice(`${MARK}end `.length)) as {
    ms: number;
    version: string;
    heapGrowth: number;
  };
  return { gc, end };
}

async function main(): Promise<void> {
  if (argv[0] === '--child') {
    await child(argv[1] as WorkloadId, argv[2] as string, Number(argv[3]), Number(argv[4]));
    return;
  }
  const ids = (
    argv[0] !== undefined && !argv[0].startsWith('--') ? argv[0] : 'W1,W1m,W3,W4,W5'
  ).split(',') as WorkloadId[];
  for (const id of ids)
    if (!WORKLOAD_IDS.includes(id))
      throw new Error(`workload ${id}: expected one of ${WORKLOAD_IDS.join(', ')}`);
  const steps = flag('steps', 200);
  const warmup = flag('warmup', 30);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gradscope-gc-time-'));
  try {
    const rows: string[] = [];
    let version = '';
    for (const id of ids) {
      writeBundle(dir, id);
      const r = spawnSync(
        process.execPath,
        [
          '--trace-gc',
          ...tsxArgs('gc-time.ts', ['--child', id, dir, String(warmup), String(steps)]),
        ],
        { encoding: 'utf8', maxBuffer: 256 << 20 },
      );
      if (r.status !== 0)
        throw new Error(`${id}: child exited with ${r.status}\n${r.stderr.slice(-2000)}`);
      const { gc, end } = parse(r.stdout);
      version = end.version;
      const gcMs = gc.scavengeMs + gc.markMs;
      rows.push(
        `| ${id} | ${steps} | ${(end.ms / steps).toFixed(2)} | ${gc.scavenges} | ${gc.scavengeMs.toFixed(1)} | ${gc.markCompacts} | ${gc.markMs.toFixed(1)} | ${((100 * gcMs) / end.ms).toFixed(2)} % | ${((gc.scavengedMb * 1024) / steps).toFixed(1)} | ${(end.heapGrowth / 1024 / steps).toFixed(2)} |`,
      );
    }
    console.log(`${version}; ${warmup} warm-up steps, then ${steps} timed steps per workload\n`);
    console.log(
      '| workload | steps | ms/step | scavenges | scavenge ms | mark-compacts | mark ms | GC ÷ step time | KiB scavenged/step | heap growth KiB/step |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    console.log(rows.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
