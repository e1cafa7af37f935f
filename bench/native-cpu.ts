// `npx tsx bench/native-cpu.ts [W1,W2,W3,W4] [rounds]`: gradscope's native kernels against its
// wasm kernels and PyTorch on the bench workloads, timed in CPU time of the process instead of
// wall-clock time, single-threaded, the three systems interleaved round by round. For a machine
// that is busy with other work (a shared CI host, other builds), where wall-clock steps/s are
// noise: CPU time counts only the cycles this process ran, so the ratios hold. The runners and
// the protocol are bench/run.ts's (bench/workloads/node-runner.ts, bench/torch_workloads.py);
// only their clock is swapped (performance.now / time.perf_counter → process CPU time). The
// acceptance figures stay those of `npm run bench` on a quiet machine.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_DIR, torchEnv, tsxArgs } from './suite/child.js';
import { writeBundle } from './workloads/bundle.js';
import { RESULT_PREFIX, type RunRequest } from './workloads/protocol.js';
import { workloadSpec, type WorkloadId } from './workloads/spec.js';

const ids = (process.argv[2] ?? 'W1,W2,W3,W4').split(',') as WorkloadId[];
const rounds = Number(process.argv[3] ?? 2);
const PYTHON = '/usr/bin/python3';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gradscope-native-cpu-'));
// A preload that makes performance.now() read this process's CPU time (ms).
const clock = path.join(dir, 'cpu-clock.mjs');
writeFileSync(
  clock,
  'const u = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };\n' +
    'globalThis.performance.now = u;\n',
);

function result(stdout: string): number | string {
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (line === undefined) return 'no result';
  const r = JSON.parse(line.slice(RESULT_PREFIX.length)) as {
    ok: boolean;
    stepsPerSec?: number;
    error?: string;
  };
  return r.ok ? (r.stepsPerSec as number) : `failed: ${r.error ?? ''}`;
}

function runGradscope(req: RunRequest, kernels: 'native' | 'wasm'): number | string {
  // the default choice ('auto'): native when loaded; GRADSCOPE_NATIVE=0 keeps it unloaded
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GRADSCOPE_NATIVE: kernels === 'wasm' ? '0' : '1',
  };
  delete env['GRADSCOPE_KERNELS'];
  const r = spawnSync(
    process.execPath,
    ['--import', clock, ...tsxArgs('workloads/node-runner.ts', [JSON.stringify(req)])],
    { env, encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  return result(r.stdout);
}

function runTorch(req: RunRequest): number | string {
  const argv = [
    'x',
    '--workload',
    req.workload,
    '--data',
    req.dataDir,
    '--reps',
    String(req.reps),
    '--steps',
    String(req.steps),
    '--budget',
    String(req.budgetSec),
    '--threads',
    '1',
  ];
  const code =
    'import sys, time\n' +
    'time.perf_counter = time.process_time\n' +
    `sys.path.insert(0, ${JSON.stringify(BENCH_DIR)})\n` +
    `sys.argv = ${JSON.stringify(argv)}\n` +
    'import torch_workloads\n' +
    'torch_workloads.main()\n';
  const env = torchEnv(1).env; // bench/run.ts's: OpenBLAS overrides unset, one thread
  const r = spawnSync(PYTHON, ['-c', code], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  return result(r.stdout);
}

try {
  const lines: string[] = [
    '| workload | native 1T | wasm 1T | PyTorch 1T | native ÷ wasm | native ÷ PyTorch |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const id of ids) {
    writeBundle(dir, id);
    const spec = workloadSpec(id);
    const req: RunRequest = {
      system: 'gradscope',
      workload: id,
      dataDir: dir,
      reps: 3,
      steps: spec.steps,
      budgetSec: 30,
      fullTrajectory: false,
      threads: 1,
    };
    const best = { native: 0, wasm: 0, torch: 0 };
    for (let r = 0; r < rounds; r++) {
      for (const sys of ['native', 'wasm', 'torch'] as const) {
        const v = sys === 'torch' ? runTorch({ ...req, system: 'torch' }) : runGradscope(req, sys);
        process.stderr.write(
          `${id} round ${r + 1} ${sys}: ${typeof v === 'number' ? v.toFixed(1) : v} steps per CPU-second\n`,
        );
        if (typeof v === 'number') best[sys] = Math.max(best[sys], v);
      }
    }
    lines.push(
      `| ${id} | ${best.native.toFixed(1)} | ${best.wasm.toFixed(1)} | ${best.torch.toFixed(1)} | ${(best.native / best.wasm).toFixed(2)}× | ${(best.native / best.torch).toFixed(2)}× |`,
    );
  }
  console.log(`steps per CPU-second, best of ${rounds} interleaved rounds, 1 thread\n`);
  console.log(lines.join('\n'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
