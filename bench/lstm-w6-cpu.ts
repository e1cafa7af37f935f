// `npx tsx bench/lstm-w6-cpu.ts [--rounds N] [--steps N] [--kernels auto|native|wasm|js]
//  [--torch-threads 1,2]`: issue 22's W6 (LSTM 8→128, T = 50, batch 32, clip + Adam) timed in
// CPU seconds, for a loaded machine where wall-clock steps/s are noise. gradscope (one thread, in
// this process, process.cpuUsage) and PyTorch (bench/torch_workloads.py with /usr/bin/python3, its
// process_time) train from the same W6 bundle (written once to a temp directory), alternating
// gradscope, PyTorch… for --rounds rounds; each round is the suite's protocol (warm-up trajectory,
// then timed repetitions from the initial weights). Prints steps per CPU-second (the best round
// of each system: the robust statistic on a shared machine) and whether the losses at the spec's
// checkpoints agree (the suite's same-loss check, bench/suite/loss-check.ts).
// The official figure is `npm run bench -- --only W6` on a quiet machine (wall-clock steps/s).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as gs from '../src/index.js';
import { readBundle, writeBundle } from './workloads/bundle.js';
import { checkLosses } from './suite/loss-check.js';
import { gradscopeTrainer } from './workloads/run-gradscope.js';
import { RESULT_PREFIX, type RunRequest } from './workloads/protocol.js';
import { workloadSpec } from './workloads/spec.js';

interface Options {
  rounds: number;
  steps: number;
  kernels: 'auto' | 'native' | 'wasm' | 'js';
  torchThreads: number[];
}

function parse(argv: string[]): Options {
  const o: Options = { rounds: 3, steps: 50, kernels: 'auto', torchThreads: [1] };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new Error(`lstm-w6-cpu: ${flag} needs a value`);
    if (flag === '--rounds') o.rounds = Number(v);
    else if (flag === '--steps') o.steps = Number(v);
    else if (flag === '--kernels' && ['auto', 'native', 'wasm', 'js'].includes(v))
      o.kernels = v as Options['kernels'];
    else if (flag === '--torch-threads') o.torchThreads = v.split(',').map(Number);
    else throw new Error(`lstm-w6-cpu: unknown flag or value ${flag} ${v}`);
  }
  return o;
}

const REPS = 3;

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gs-w6-'));
  try {
    writeBundle(dir, 'W6');
    const spec = workloadSpec('W6');
    const req: RunRequest = {
      system: 'gradscope',
      workload: 'W6',
      dataDir: dir,
      reps: REPS,
      steps: o.steps,
      budgetSec: 1e9,
      fullTrajectory: true,
      threads: 1,
    };
    const { trainer, version } = await gradscopeTrainer(readBundle(dir, 'W6'), req);
    gs.kernels.setKernels(o.kernels);
    const gsRates: number[] = [];
    let gsLosses: number[] = [];
    const torch = new Map<number, { rates: number[]; losses: number[]; version: string }>();
    for (let round = 0; round < o.rounds; round++) {
      trainer.reset();
      gsLosses = Array.from({ length: o.steps }, (_, i) => trainer.step(i));
      for (let r = 0; r < REPS; r++) {
        trainer.reset();
        const c0 = process.cpuUsage();
        for (let i = 0; i < o.steps; i++) trainer.step(i);
        const d = process.cpuUsage(c0);
        gsRates.push(o.steps / ((d.user + d.system) / 1e6));
      }
      for (const t of o.torchThreads) {
        const out = execFileSync(
          '/usr/bin/python3',
          [
            path.join(import.meta.dirname, 'torch_workloads.py'),
            ...['--workload', 'W6', '--data', dir, '--reps', String(REPS)],
            ...['--steps', String(o.steps), '--budget', '1e9', '--full-trajectory'],
            ...['--threads', String(t)],
          ],
          { encoding: 'utf8', maxBuffer: 64 << 20 },
        );
        const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
        const res = JSON.parse((line ?? '{}').slice(RESULT_PREFIX.length)) as {
          ok: boolean;
          error?: string;
          repCpuSeconds?: number[];
          losses?: number[];
          version?: string;
        };
        if (!res.ok || res.repCpuSeconds === undefined)
          throw new Error(`PyTorch ${t}T failed: ${res.error ?? 'no repCpuSeconds'}`);
        const e = torch.get(t) ?? { rates: [], losses: [], version: res.version ?? '?' };
        e.rates.push(...res.repCpuSeconds.map((s) => o.steps / s));
        e.losses = res.losses ?? [];
        torch.set(t, e);
      }
    }
    const best = (xs: number[]): number => Math.max(...xs);
    console.log(`W6 (${spec.title}), ${o.steps} steps per repetition, steps per CPU-second`);
    console.log(`  ${version}, kernels=${o.kernels}: best ${best(gsRates).toFixed(1)}`);
    for (const e of torch.values()) {
      const agree = checkLosses(gsLosses, e.losses, spec.lossCheckpoints).pass === true;
      console.log(
        `  ${e.version}: best ${best(e.rates).toFixed(1)} (gradscope/PyTorch ${(best(gsRates) / best(e.rates)).toFixed(2)}×; losses at ${spec.lossCheckpoints.join(', ')} ${agree ? 'agree' : 'DISAGREE'})`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
