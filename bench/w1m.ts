// `npx tsx bench/w1m.ts [rounds] [--threads N] [--kernels native|wasm]`: issue 22's W1m
// criterion on a busy machine. Monitored training (W1m: chain(gradientHealth(), byGlobalNorm(1),
// adam) on the W1 network) against bare W1 training in gradscope, and against PyTorch doing the
// same per-layer statistics with gradient hooks plus clip_grad_norm_ (bench/torch_workloads.py,
// HookMonitor), the four runs interleaved round by round (gradscope W1, gradscope W1m, PyTorch
// W1m, PyTorch W1), each timed in CPU time of its process (see bench/native-cpu.ts: the runners
// and the protocol are bench/run.ts's, only the clock is swapped). Prints the best steps per
// CPU-second of each, W1m's time ÷ W1's (criterion ≤ 1.1×) and gradscope W1m ÷ PyTorch W1m
// (criterion ≥ 1), and whether gradscope's W1m loss trajectory agrees with PyTorch's.
// The acceptance figures stay those of `npm run bench` (rows W1 and W1m) on a quiet machine.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_DIR, torchEnv, tsxArgs } from './suite/child.js';
import { writeBundle } from './workloads/bundle.js';
import { RESULT_PREFIX, type RunRequest } from './workloads/protocol.js';
import { workloadSpec, type WorkloadId } from './workloads/spec.js';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const rounds = Number(
  argv.find((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--')) ?? 3,
);
const threads = Number(flag('threads') ?? 1);
const kernels = flag('kernels');
if (!Number.isInteger(rounds) || rounds < 1)
  throw new Error(`rounds = ${rounds}: expected an integer ≥ 1`);
if (kernels !== undefined && kernels !== 'native' && kernels !== 'wasm')
  throw new Error(`--kernels ${kernels}: expected native or wasm`);
const PYTHON = '/usr/bin/python3';

const dir = mkdtempSync(path.join(os.tmpdir(), 'gradscope-w1m-'));
// A preload that makes performance.now() read this process's CPU time (ms).
const clock = path.join(dir, 'cpu-clock.mjs');
writeFileSync(
  clock,
  'const u = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };\n' +
    'globalThis.performance.now = u;\n',
);

interface Outcome {
  stepsPerSec: number;
  losses: number[];
}

function result(stdout: string): Outcome | string {
  const line = stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (line === undefined) return 'no result';
  const r = JSON.parse(line.slice(RESULT_PREFIX.length)) as {
    ok: boolean;
    stepsPerSec?: number;
    losses?: number[];
    error?: string;
  };
  return r.ok
    ? { stepsPerSec: r.stepsPerSec as number, losses: r.losses ?? [] }
    : `failed: ${r.error ?? ''}`;
}

function request(id: WorkloadId): RunRequest {
  return {
    system: 'gradscope',
    workload: id,
    dataDir: dir,
    reps: 3,
    steps: workloadSpec(id).steps,
    budgetSec: 30,
    fullTrajectory: true,
    threads,
  };
}

function runGradscope(id: WorkloadId): Outcome | string {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (kernels !== undefined) env['GRADSCOPE_NATIVE'] = kernels === 'wasm' ? '0' : '1';
  delete env['GRADSCOPE_KERNELS'];
  const r = spawnSync(
    process.execPath,
    ['--import', clock, ...tsxArgs('workloads/node-runner.ts', [JSON.stringify(request(id))])],
    { env, encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  return result(r.stdout);
}

function runTorch(id: WorkloadId): Outcome | string {
  const req = request(id);
  const args = ['x', '--workload', id, '--data', dir, '--reps', String(req.reps), '--steps'];
  args.push(String(req.steps), '--budget', String(req.budgetSec), '--threads', String(threads));
  args.push('--full-trajectory');
  const code =
    'import sys, time\n' +
    'time.perf_counter = time.process_time\n' +
    `sys.path.insert(0, ${JSON.stringify(BENCH_DIR)})\n` +
    `sys.argv = ${JSON.stringify(args)}\n` +
    'import torch_workloads\n' +
    'torch_workloads.main()\n';
  const r = spawnSync(PYTHON, ['-c', code], {
    env: torchEnv(threads).env,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return result(r.stdout);
}

const RUNS = [
  { key: 'gs-W1', id: 'W1', run: runGradscope },
  { key: 'gs-W1m', id: 'W1m', run: runGradscope },
  { key: 'torch-W1m', id: 'W1m', run: runTorch },
  { key: 'torch-W1', id: 'W1', run: runTorch },
] as const;

try {
  writeBundle(dir, 'W1');
  writeBundle(dir, 'W1m');
  const best: Record<string, number> = {};
  const losses: Record<string, number[]> = {};
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const round: Record<string, number> = {};
    for (const { key, id, run } of RUNS) {
      const v = run(id);
      process.stderr.write(
        `round ${r + 1} ${key}: ${typeof v === 'string' ? v : `${v.stepsPerSec.toFixed(1)} steps per CPU-second`}\n`,
      );
      if (typeof v === 'string') continue;
      round[key] = v.stepsPerSec;
      best[key] = Math.max(best[key] ?? 0, v.stepsPerSec);
      losses[key] ??= v.losses;
    }
    if (round['gs-W1'] !== undefined && round['gs-W1m'] !== undefined)
      ratios.push(round['gs-W1'] / round['gs-W1m']);
  }
  const b = (k: string): number => best[k] ?? Number.NaN;
  const maxRel = (a: number[] = [], c: number[] = []): number =>
    a.length === 0 || a.length !== c.length
      ? Number.NaN
      : Math.max(...a.map((x, i) => Math.abs(x - (c[i] as number)) / Math.abs(c[i] as number)));
  ratios.sort((x, y) => x - y);
  const t = `${threads} thread${threads > 1 ? 's' : ''}${kernels === undefined ? '' : `, ${kernels} kernels`}`;
  console.log(`steps per CPU-second, best of ${rounds} interleaved rounds, ${t}\n`);
  console.log('| run | steps/CPU-s |\n|---|---:|');
  for (const { key } of RUNS) console.log(`| ${key} | ${b(key).toFixed(1)} |`);
  console.log('');
  console.log(
    `W1m time ÷ W1 time (gradscope, best vs best): ${(b('gs-W1') / b('gs-W1m')).toFixed(3)}× (criterion ≤ 1.10×); median of per-round ratios ${(ratios[Math.floor(ratios.length / 2)] ?? Number.NaN).toFixed(3)}×`,
  );
  console.log(
    `gradscope W1m ÷ PyTorch W1m (hooks + clip): ${(b('gs-W1m') / b('torch-W1m')).toFixed(2)}× (criterion ≥ 1); PyTorch's own W1m ÷ W1 time: ${(b('torch-W1') / b('torch-W1m')).toFixed(3)}×`,
  );
  console.log(
    `W1m loss trajectories, gradscope vs PyTorch: max relative difference ${maxRel(losses['gs-W1m'], losses['torch-W1m']).toExponential(2)} over ${losses['gs-W1m']?.length ?? 0} steps`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
