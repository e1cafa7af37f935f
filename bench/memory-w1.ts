// W1 memory check of issue #7: resident set size of a process training W1 (MLP 784-256-256-10,
// batch 128, Adam) with gradscope, at step N/10 and step N (default 1,000 and 10,000); the target is
// growth < 5%. Part of `npm run bench` (which passes the shared data bundle); standalone:
//   npx tsx bench/memory-w1.ts [--steps 10000] [--threads 1] [--data DIR]
// Prints a line per sample and, last, `BENCH_RESULT {json}`.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readBundle, writeBundle } from './workloads/bundle.js';
import { RESULT_PREFIX } from './workloads/protocol.js';
import { gradscopeTrainer } from './workloads/run-gradscope.js';

/** What the memory run reports. */
export interface MemoryResult {
  ok: true;
  steps: number;
  threads: number;
  samples: { step: number; rssMiB: number; heapUsedMiB: number }[];
  /** RSS growth from step N/10 to step N, percent. */
  growthPct: number;
  stepsPerSec: number;
  version: string;
}

function parse(argv: string[]): { steps: number; threads: number; data: string | null } {
  const out = { steps: 10_000, threads: 1, data: null as string | null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--steps' && v !== undefined) out.steps = Number(v);
    else if (a === '--threads' && v !== undefined) out.threads = Number(v);
    else if (a === '--data' && v !== undefined) out.data = v;
    else
      throw new Error(
        `memory-w1: unknown argument ${a} (expected --steps N, --threads N, --data DIR)`,
      );
    i++;
  }
  if (!Number.isInteger(out.steps) || out.steps < 10 || out.steps % 10 !== 0)
    throw new Error(`memory-w1: --steps must be a multiple of 10 ≥ 10, got ${out.steps}`);
  if (!Number.isInteger(out.threads) || out.threads < 1)
    throw new Error(`memory-w1: --threads must be an integer ≥ 1, got ${out.threads}`);
  return out;
}

const opts = parse(process.argv.slice(2));
let dir = opts.data;
let tmp: string | null = null;
if (dir === null) {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'gradscope-memory-'));
  writeBundle(tmp, 'W1');
  dir = tmp;
}
const bundle = readBundle(dir, 'W1');
const { trainer, version } = await gradscopeTrainer(bundle, {
  system: 'gradscope',
  workload: 'W1',
  dataDir: dir,
  reps: 1,
  steps: opts.steps,
  budgetSec: Infinity,
  fullTrajectory: true,
  threads: opts.threads,
});
const every = opts.steps / 10;
const mib = (b: number): number => b / 2 ** 20;
const samples: MemoryResult['samples'] = [];
trainer.reset();
const t0 = performance.now();
for (let s = 1; s <= opts.steps; s++) {
  trainer.step(s - 1);
  if (s % every === 0) {
    const m = process.memoryUsage();
    samples.push({ step: s, rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed) });
    process.stderr.write(`memory-w1: step ${s}: RSS ${mib(m.rss).toFixed(1)} MiB\n`);
  }
}
const seconds = (performance.now() - t0) / 1000;
const first = samples[0]!.rssMiB;
const last = samples[samples.length - 1]!.rssMiB;
const result: MemoryResult = {
  ok: true,
  steps: opts.steps,
  threads: opts.threads,
  samples,
  growthPct: ((last - first) / first) * 100,
  stepsPerSec: opts.steps / seconds,
  version,
};
if (tmp !== null) rmSync(tmp, { recursive: true, force: true });
process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify(result)}\n`);
