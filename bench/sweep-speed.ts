// `npx tsx bench/sweep-speed.ts`: wall time of one 16-point sweep of short runs on the local
// executor with 1 worker process and with 2 (the criterion: 2 workers on 2 cores
// >= 1.7x faster), alternated --rounds times, best of each kept (on a shared machine the minimum
// is the robust statistic). Each measurement is a whole `runSweep` — pool start-up, the runs,
// their run directories and reports, the table — into a fresh temporary directory; the tables
// of all runs must be identical (same bits whatever the worker count). It also prints the CPU time
// the worker processes got and the cores that makes on average: on a machine whose cores are
// busy with other work, 2 workers cannot get 2 cores and the speed-up says little.
//
//   --rounds N   alternations of the 1- and 2-worker sweeps (default 2)
//   --steps N    training steps per point (default 1500: the spiral example's 150 epochs, about
//                0.5 CPU-s per point; each worker process also costs about 2 CPU-s once —
//                start-up and the first point's warm-up — so the speed-up is (F + W)/(F + W/2))
//
// Prints a markdown table and writes bench/results/sweep-speed.json (atomically).
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { localExecutor } from '../src/sweep/local-node.js';
import { expandSweep } from '../src/sweep/points.js';
import { stableRecord } from '../src/sweep/record.js';
import { runSweep } from '../src/sweep/run-sweep-node.js';
import { parseSweepSpec } from '../src/sweep/spec.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const num = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const rounds = num('rounds', 2);
const steps = num('steps', 1500);

// 16 points: 4 learning rates x 4 seeds of the spiral MLP with the monitor.
const sweep = parseSweepSpec(
  {
    name: 'speed',
    base: {
      model: { name: 'mlp', hidden: [64, 64], activation: 'tanh', init: 'xavierNormal' },
      data: { name: 'spiral', classes: 3, numSamples: 100, testSamples: 25, noise: 0.2 },
      optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 },
      monitor: true,
      train: { steps, batchSize: 32, evalEvery: 100 },
    },
    axes: [{ path: 'optimizer.lr', values: [0.01, 0.03, 0.1, 0.3] }, { seeds: 4 }],
  },
  () => null,
);
const points = expandSweep(sweep);
const entry = path.join(here, '../src/cli/sweep-child.ts');

/**
 * CPU seconds (user + system) of this process's finished children, from /proc/self/stat
 * (cutime, cstime; Linux only, else NaN): how much CPU the worker processes got.
 */
function childCpuSeconds(): number {
  if (!existsSync('/proc/self/stat')) return Number.NaN;
  const f = readFileSync('/proc/self/stat', 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  return (Number(f[13]) + Number(f[14])) / 100; // fields 16 and 17, in clock ticks (USER_HZ 100)
}

async function once(workers: number): Promise<{ ms: number; cpu: number; table: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `gs-sweep-speed-${workers}-`));
  try {
    const c0 = childCpuSeconds();
    const t0 = performance.now();
    const res = await runSweep({ sweep, points, dir, executor: localExecutor({ workers, entry }) });
    const ms = performance.now() - t0;
    // Let the children exit and be reaped before reading their CPU time.
    await new Promise((r) => setTimeout(r, 500));
    const cpu = childCpuSeconds() - c0;
    if (res.records.some((r) => r.status === 'error'))
      throw new Error(`a point failed: ${res.records.find((r) => r.status === 'error')?.error}`);
    return { ms, cpu, table: JSON.stringify(res.records.map(stableRecord)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const best: Record<number, number> = { 1: Infinity, 2: Infinity };
const all: { workers: number; ms: number; cpuSeconds: number }[] = [];
let table: string | null = null;
for (let r = 0; r < rounds; r++) {
  for (const w of [1, 2]) {
    const { ms, cpu, table: t } = await once(w);
    if (table !== null && t !== table) throw new Error('the sweep tables differ between runs');
    table = t;
    all.push({ workers: w, ms, cpuSeconds: cpu });
    best[w] = Math.min(best[w] as number, ms);
    console.error(
      `round ${r + 1}: ${w} worker${w === 1 ? '' : 's'}: ${(ms / 1000).toFixed(1)} s wall, ${cpu.toFixed(1)} CPU-s in the workers (${(cpu / (ms / 1000)).toFixed(2)} cores used)`,
    );
  }
}
const speedup = (best[1] as number) / (best[2] as number);
const load = os
  .loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');
console.log(`| workers | best wall time (16 points, ${steps} steps each) |\n|---|---|`);
console.log(`| 1 | ${((best[1] as number) / 1000).toFixed(1)} s |`);
console.log(`| 2 | ${((best[2] as number) / 1000).toFixed(1)} s |`);
console.log(
  `\nspeed-up 2 vs 1 worker: ${speedup.toFixed(2)}x (criterion >= 1.7x); load average ${load}; tables identical: yes`,
);
const out = path.join(here, 'results');
mkdirSync(out, { recursive: true });
const tmp = path.join(out, `.sweep-speed.${process.pid}.tmp`);
writeFileSync(
  tmp,
  `${JSON.stringify({ points: points.length, steps, rounds, runs: all, best, speedup, loadavg: os.loadavg(), cpus: os.cpus().length }, null, 2)}\n`,
);
renameSync(tmp, path.join(out, 'sweep-speed.json'));
