// `npm run bench`: issue #7's benchmark suite. W1-W4 trained by gradscope, TensorFlow.js (cpu and
// wasm backends), jax-js (wasm, jit) and PyTorch (Debian python3-torch) in one run, from the same
// initial weights on the same batches (generated once, bench/workloads/bundle.ts), each system in
// its own process; GEMM (bench/gemm.ts plus jax-js and PyTorch), Adam over 1M parameters
// (bench/adam.ts) and the W1 memory check (bench/memory-w1.ts). Writes bench-<timestamp>.md and
// .json (atomically) and prints the markdown. `npm run bench -- --help` for the options.
import { spawnSync } from 'node:child_process';
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
import { USAGE, UsageError, parseArgs, type BenchOptions } from './suite/args.js';
import { acceptance } from './suite/acceptance.js';
import { BENCH_DIR, runChild, torchEnv, tsxArgs } from './suite/child.js';
import { interleavedBlocks, summarizeInterleaved, summarizePair } from './suite/interleaved.js';
import { checkLosses } from './suite/loss-check.js';
import { renderMarkdown } from './suite/report.js';
import type {
  AdamReport,
  BenchReport,
  GemmReport,
  MachineScaling,
  MemoryReport,
  WorkloadReport,
  WorkloadRow,
} from './suite/types.js';
import { writeBundle } from './workloads/bundle.js';
import { packageVersion } from './workloads/package-version.js';
import type { RunFailure, RunRequest, RunResult, SystemId } from './workloads/protocol.js';
import { gradscopeThreads, gradscopeKernels } from './workloads/run-gradscope.js';
import { WORKLOAD_IDS, workloadSpec, type WorkloadId } from './workloads/spec.js';

const PYTHON = '/usr/bin/python3';
const log = (s: string): void => {
  process.stderr.write(`${s}\n`);
};

function atomicWrite(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

// --- peers -------------------------------------------------------------------------------------

interface TorchStatus {
  version: string | null;
  note: string;
}

function probeTorch(): {
  ok: boolean;
  version?: string;
  optimizedBlas?: boolean;
  blas?: string[];
  error?: string;
} {
  if (!existsSync(PYTHON)) return { ok: false, error: `${PYTHON} not found` };
  const r = spawnSync(PYTHON, [path.join(BENCH_DIR, 'torch_workloads.py'), '--probe'], {
    env: torchEnv(1).env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const line = (r.stdout ?? '')
    .split('\n')
    .filter((l) => l.startsWith('BENCH_RESULT '))
    .pop();
  if (line === undefined)
    return { ok: false, error: (r.stderr ?? '').trim().split('\n').pop() ?? 'no output' };
  return JSON.parse(line.slice('BENCH_RESULT '.length)) as ReturnType<typeof probeTorch>;
}

/** Makes sure PyTorch and an optimized BLAS are there (apt-get as root), or says why not. */
function ensureTorch(opts: BenchOptions): TorchStatus {
  let p = probeTorch();
  const missing: string[] = [];
  if (!p.ok) missing.push('python3-torch', 'libopenblas0-openmp');
  else if (!p.optimizedBlas) missing.push('libopenblas0-openmp');
  if (missing.length > 0) {
    const why = p.ok
      ? `PyTorch maps no optimized BLAS (${(p.blas ?? []).join(', ') || 'none'}): reference BLAS is ~20× slower`
      : `PyTorch unavailable: ${p.error}`;
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    if (opts.install && root && existsSync('/usr/bin/apt-get')) {
      log(`bench: ${why}; installing ${missing.join(' ')} with apt-get (--no-install to skip)`);
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      spawnSync('apt-get', ['update'], { stdio: ['ignore', 2, 2], env });
      spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], {
        stdio: ['ignore', 2, 2],
        env,
      });
      p = probeTorch();
    } else {
      log(`bench: ${why}; install with: apt-get update && apt-get install -y ${missing.join(' ')}`);
    }
  }
  if (!p.ok)
    return {
      version: null,
      note: `MISSING: ${p.error} — apt-get install python3-torch libopenblas0-openmp`,
    };
  const blas = (p.blas ?? []).map((b) => path.basename(path.dirname(b)) + '/' + path.basename(b));
  return {
    version: p.version ?? '?',
    note: `${PYTHON}; BLAS ${[...new Set(blas)].join(', ') || '?'}${p.optimizedBlas ? '' : ' (NOT optimized: apt-get install libopenblas0-openmp)'}`,
  };
}

function nodePeer(
  system: string,
  pkgs: string[],
): { system: string; version: string | null; note: string } {
  const versions = pkgs.map((p) => [p, packageVersion(p)] as const);
  const missing = versions.filter(([, v]) => v === null).map(([p]) => p);
  if (missing.length > 0)
    return {
      system,
      version: null,
      note: `MISSING: ${missing.join(', ')} — run npm install (devDependencies)`,
    };
  return {
    system,
    version: versions.map(([p, v]) => `${p}@${v}`).join(', '),
    note: 'devDependency',
  };
}

// --- workloads ---------------------------------------------------------------------------------

function failure(
  system: SystemId,
  workload: WorkloadId,
  threads: number,
  error: string,
): RunFailure {
  return { ok: false, system, workload, threads, error };
}

/** Seconds a runner may live: its budget twice (warm-up and repetitions), plus start-up. */
function hardLimitSec(budgetSec: number): number {
  return 2 * budgetSec + 60;
}

async function runSystem(
  req: RunRequest,
  batch: number,
): Promise<{ outcome: RunResult | RunFailure; seconds: number }> {
  const timeoutSec = hardLimitSec(req.budgetSec);
  const o =
    req.system === 'torch'
      ? await runChild(
          PYTHON,
          [
            path.join(BENCH_DIR, 'torch_workloads.py'),
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
            String(req.threads),
            ...(req.fullTrajectory ? ['--full-trajectory'] : []),
          ],
          { env: torchEnv(req.threads).env, timeoutSec },
        )
      : await runChild(
          process.execPath,
          tsxArgs('workloads/node-runner.ts', [JSON.stringify(req)]),
          {
            timeoutSec,
            // gradscope-wasm: the same runner with the native addon unloaded
            env:
              req.system === 'gradscope-wasm'
                ? { ...process.env, GRADSCOPE_NATIVE: '0' }
                : undefined,
          },
        );
  const r = o.result as RunResult | RunFailure | null;
  if (r !== null && typeof r === 'object' && 'ok' in r) return { outcome: r, seconds: o.seconds };
  const why = o.timedOut
    ? `killed at the ${timeoutSec} s time limit`
    : `exited with ${o.signal ?? `code ${o.code}`} and no report`;
  // Salvage what the warm-up printed: its losses, and its step time (past the first step, which
  // carries one-off costs, when there is more than one).
  const p = o.progress;
  if (p.length > 0) {
    const last = p[p.length - 1]!;
    const first = p[0]!;
    const perStepMs = p.length > 1 ? (last.ms - first.ms) / (p.length - 1) : last.ms;
    const sps = 1000 / perStepMs;
    return {
      outcome: {
        ok: true,
        system: req.system,
        workload: req.workload,
        version: `${req.system} (version not reported: runner killed)`,
        threads: req.threads,
        dataSha256: '',
        stepsTimed: 0,
        repSeconds: [],
        stepsPerSec: sps,
        samplesPerSec: sps * batch,
        losses: p.map((x) => x.loss),
        warmupSec: last.ms / 1000,
        peakRssMiB: null,
        notes: [
          `${why} after ${p.length} warm-up step${p.length > 1 ? 's' : ''}: steps/s from ${
            p.length > 1
              ? `warm-up steps 2–${p.length}`
              : 'the first step alone (one-off costs included)'
          }, no timed repetitions`,
        ],
      },
      seconds: o.seconds,
    };
  }
  const f = failure(
    req.system,
    req.workload,
    req.threads,
    o.timedOut
      ? `${why} before finishing one step (< ${(1 / timeoutSec).toFixed(4)} steps/s)`
      : `${why}: ${o.stderrTail.split('\n').pop() ?? ''}`,
  );
  if (o.timedOut) f.stepsPerSecBelow = 1 / timeoutSec;
  return { outcome: f, seconds: o.seconds };
}

async function runWorkload(
  id: WorkloadId,
  dataDir: string,
  sha: string,
  opts: BenchOptions,
  gsThreads: boolean,
): Promise<WorkloadReport> {
  const spec = workloadSpec(id);
  const steps = Math.max(1, Math.round(spec.steps * opts.stepsScale));
  const checkpoints = [...new Set([1, Math.min(10, steps), steps])];
  const plan: { system: SystemId; threads: number }[] = [];
  for (const system of opts.systems) {
    // gradscope-wasm only when 'gradscope' runs native (else the two would be the same rows)
    if (system === 'gradscope-wasm' && !gradscopeKernels().startsWith('native')) continue;
    const multi = system === 'gradscope' || system === 'gradscope-wasm' || system === 'torch';
    for (const t of multi ? opts.threads : [1]) plan.push({ system, threads: t });
  }
  const rows: WorkloadRow[] = [];
  for (const { system, threads } of plan) {
    const req: RunRequest = {
      system,
      workload: id,
      dataDir,
      reps: opts.reps,
      steps,
      budgetSec: opts.budgetSec,
      fullTrajectory: system === 'gradscope' || system === 'torch',
      threads,
    };
    let res: { outcome: RunResult | RunFailure; seconds: number };
    if (system === 'gradscope' && threads > 1 && !gsThreads)
      res = {
        outcome: failure(system, id, threads, 'n/a: the engine has no thread option yet'),
        seconds: 0,
      };
    else res = await runSystem(req, spec.batch);
    const o = res.outcome;
    log(
      `bench ${id} ${system} ${threads}t: ${o.ok ? `${o.stepsPerSec.toFixed(1)} steps/s, loss@${o.losses.length} ${o.losses[o.losses.length - 1]?.toFixed(5)}` : `FAILED ${o.error}`} (${res.seconds.toFixed(0)} s)`,
    );
    if (o.ok && o.dataSha256 !== sha && o.dataSha256 !== '')
      rows.push({
        system,
        threads,
        outcome: failure(
          system,
          id,
          threads,
          `read different data (${o.dataSha256.slice(0, 12)} ≠ ${sha.slice(0, 12)})`,
        ),
        lossCheck: null,
        gradscopeRatio: null,
        seconds: res.seconds,
      });
    else
      rows.push({
        system,
        threads,
        outcome: o,
        lossCheck: null,
        gradscopeRatio: null,
        seconds: res.seconds,
      });
  }
  // Reference trajectory: gradscope on 1 thread (the system under test); PyTorch if gradscope failed.
  const okRow = (s: SystemId, t: number): RunResult | null => {
    const r = rows.find((x) => x.system === s && x.threads === t)?.outcome;
    return r !== undefined && r.ok ? r : null;
  };
  let refName = 'gradscope (1 thread)';
  let ref = okRow('gradscope', 1);
  if (ref === null) {
    ref = okRow('torch', 1);
    refName =
      ref === null ? 'none (gradscope and PyTorch failed)' : 'PyTorch (1 thread): gradscope failed';
  }
  for (const row of rows) {
    const o = row.outcome;
    if (!o.ok) continue;
    if (ref !== null && o !== ref) row.lossCheck = checkLosses(ref.losses, o.losses, checkpoints);
    const gs = okRow('gradscope', row.threads);
    if (gs !== null && row.system !== 'gradscope')
      row.gradscopeRatio = gs.stepsPerSec / o.stepsPerSec;
  }
  return {
    id,
    title: spec.title,
    steps,
    specSteps: spec.steps,
    batch: spec.batch,
    dataSha256: sha,
    reference: refName,
    checkpoints,
    rows,
    ...interleavedScaling(id, plan, gsThreads),
  };
}

/**
 * W1 and W1m in one process, alternating blocks of 100 steps at gradscope's larger thread count
 * (suite/interleaved.ts): the monitor's cost with both trainers on the same machine.
 */
function monitorPair(
  plan: readonly { system: SystemId; threads: number }[],
  gsThreads: boolean,
): Pick<WorkloadReport, 'monitorPair' | 'interleavedError'> {
  const ts = plan.filter((p) => p.system === 'gradscope').map((p) => p.threads);
  if (ts.length === 0 || !gradscopeKernels().startsWith('native')) return {};
  const threads = gsThreads ? Math.max(...ts) : 1;
  log(
    `bench W1m gradscope: W1 and W1m in 20 alternating blocks of 100 steps, ${threads} thread(s)`,
  );
  try {
    const r = summarizePair(
      interleavedBlocks('W1', 20, 100, false, { with: 'W1m', threads }),
      100,
      threads,
    );
    log(
      `bench W1m interleaved: ${r.rateB.toFixed(1)} vs W1 ${r.rateA.toFixed(1)} steps/s, time ${r.timeRatio.toFixed(2)}×`,
    );
    return { monitorPair: r };
  } catch (e) {
    return { monitorPair: null, interleavedError: (e as Error).message.split('\n')[0] ?? 'failed' };
  }
}

/** Blocks × steps of the interleaved 1T/2T measurement: a few seconds per workload. */
const INTERLEAVED: Partial<Record<WorkloadId, { blocks: number; steps: number }>> = {
  W1: { blocks: 20, steps: 100 },
  W4: { blocks: 8, steps: 10 },
};

/** Issue 22's scaling criterion in one process (suite/interleaved.ts), when it applies. */
function interleavedScaling(
  id: WorkloadId,
  plan: readonly { system: SystemId; threads: number }[],
  gsThreads: boolean,
): Pick<WorkloadReport, 'interleaved' | 'interleavedError' | 'monitorPair'> {
  if (id === 'W1m') return monitorPair(plan, gsThreads);
  const shape = INTERLEAVED[id];
  const both = [1, 2].every((t) => plan.some((p) => p.system === 'gradscope' && p.threads === t));
  if (shape === undefined || !both || !gsThreads || !gradscopeKernels().startsWith('native'))
    return {};
  log(
    `bench ${id} gradscope: 1 and 2 threads in ${shape.blocks} alternating blocks of ${shape.steps} steps`,
  );
  try {
    const r = summarizeInterleaved(
      interleavedBlocks(id, shape.blocks, shape.steps, false),
      shape.steps,
    );
    log(
      `bench ${id} gradscope interleaved: ${r.rate2.toFixed(1)} vs ${r.rate1.toFixed(1)} steps/s, ${r.ratio.toFixed(2)}×`,
    );
    return { interleaved: r };
  } catch (e) {
    return { interleaved: null, interleavedError: (e as Error).message.split('\n')[0] ?? 'failed' };
  }
}

// --- GEMM, Adam, memory --------------------------------------------------------------------------

async function runGemm(opts: BenchOptions): Promise<GemmReport> {
  const sizes = [128, 256, 512, 1024];
  const errors: string[] = [];
  const columns = [
    { key: 'gradscope-1t', label: 'gradscope wasm 1 thread' },
    { key: 'gradscope-2t', label: 'gradscope wasm 2 threads' },
    { key: 'gradscope-1t-inplace', label: 'gradscope wasm 1 thread (operands in wasm memory)' },
    { key: 'gradscope-native-1t', label: 'gradscope native 1 thread' },
    { key: 'gradscope-native-2t', label: 'gradscope native 2 threads' },
    { key: 'tfjs-wasm', label: 'tfjs-wasm (1 thread)' },
    { key: 'jax-js', label: 'jax-js (wasm, 1 thread)' },
    { key: 'torch-1t', label: 'PyTorch 1 thread' },
    { key: 'torch-2t', label: 'PyTorch 2 threads' },
  ];
  const table = new Map<number, Record<string, number | null>>();
  for (const n of sizes) table.set(n, Object.fromEntries(columns.map((c) => [c.key, null])));
  const put = (n: number, key: string, v: number | null | undefined): void => {
    const r = table.get(n);
    if (r !== undefined && v !== undefined) r[key] = v;
  };
  // gradscope and tfjs-wasm: bench/gemm.ts as it is (its own JSON in bench/results/gemm.json).
  if (opts.systems.includes('gradscope')) {
    log('bench gemm: bench/gemm.ts (gradscope wasm 1/2 threads, tfjs-wasm)');
    const o = await runChild(process.execPath, tsxArgs('gemm.ts', []), { timeoutSec: 900 });
    const file = path.join(BENCH_DIR, 'results', 'gemm.json');
    if (o.code !== 0 && !existsSync(file))
      errors.push(`bench/gemm.ts failed: ${o.stderrTail.split('\n').pop()}`);
    else {
      if (o.code !== 0)
        errors.push(`bench/gemm.ts exited with ${o.code}: ${o.stderrTail.split('\n').pop()}`);
      const g = JSON.parse(readFileSync(file, 'utf8')) as {
        gemm: {
          n: number;
          wasmCopyGflops: number;
          wasmInPlaceGflops: number;
          wasmCopy2tGflops?: number | null;
          tfjsWasmGflops: number | null;
        }[];
        tfjs?: { error?: string };
      };
      for (const r of g.gemm) {
        put(r.n, 'gradscope-1t', r.wasmCopyGflops);
        put(r.n, 'gradscope-1t-inplace', r.wasmInPlaceGflops);
        put(r.n, 'gradscope-2t', r.wasmCopy2tGflops ?? null);
        put(r.n, 'tfjs-wasm', r.tfjsWasmGflops);
      }
      if (g.tfjs?.error) errors.push(`tfjs-wasm: ${g.tfjs.error}`);
    }
  }
  // gradscope's native kernels (when the addon is built): bench/gemm-native.ts
  if (opts.systems.includes('gradscope')) {
    log('bench gemm: bench/gemm-native.ts (gradscope native 1/2 threads)');
    const o = await runChild(process.execPath, tsxArgs('gemm-native.ts', [sizes.join(',')]), {
      timeoutSec: 600,
    });
    const r = o.result as {
      ok: boolean;
      gemm?: { n: number; threads1: number; threads2: number }[];
      error?: string;
    } | null;
    if (r?.ok)
      for (const x of r.gemm ?? []) {
        put(x.n, 'gradscope-native-1t', x.threads1);
        put(x.n, 'gradscope-native-2t', x.threads2);
      }
    else errors.push(`gradscope native: ${r?.error ?? o.stderrTail.split('\n').pop()}`);
  }
  let scaling: MachineScaling | null = null;
  if (opts.systems.includes('gradscope')) {
    log('bench gemm: machine scaling (one single-thread GEMM process alone, two at once, alone)');
    const solo = async (): Promise<number | null> => {
      const o = await runChild(process.execPath, tsxArgs('peak/gemm-solo.ts', ['1024', '6']), {
        timeoutSec: 120,
      });
      const r = o.result as { ok: boolean; gflops?: number } | null;
      return r?.ok && typeof r.gflops === 'number' ? r.gflops : null;
    };
    const before = await solo();
    const [p1, p2] = await Promise.all([solo(), solo()]);
    const after = await solo();
    if (before === null || after === null || p1 === null || p2 === null) {
      errors.push('machine scaling probe: a bench/peak/gemm-solo.ts process failed');
    } else {
      const alone = (before + after) / 2;
      scaling = { alone, pair: [p1, p2], ratio: (p1 + p2) / alone };
    }
  }
  if (opts.systems.includes('jax-js')) {
    log('bench gemm: jax-js');
    const o = await runChild(
      process.execPath,
      tsxArgs('workloads/gemm-jax.ts', [sizes.join(',')]),
      {
        timeoutSec: 600,
      },
    );
    const r = o.result as {
      ok: boolean;
      gemm?: { n: number; gflops: number }[];
      error?: string;
    } | null;
    if (r?.ok) for (const x of r.gemm ?? []) put(x.n, 'jax-js', x.gflops);
    else errors.push(`jax-js: ${r?.error ?? o.stderrTail.split('\n').pop()}`);
  }
  if (opts.systems.includes('torch')) {
    for (const t of opts.threads) {
      log(`bench gemm: PyTorch ${t} thread(s)`);
      const o = await runChild(
        PYTHON,
        [
          path.join(BENCH_DIR, 'torch_workloads.py'),
          '--gemm',
          sizes.join(','),
          '--threads',
          String(t),
        ],
        { env: torchEnv(t).env, timeoutSec: 600 },
      );
      const r = o.result as {
        ok: boolean;
        gemm?: { n: number; gflops: number }[];
        error?: string;
      } | null;
      if (r?.ok) for (const x of r.gemm ?? []) put(x.n, `torch-${t}t`, x.gflops);
      else errors.push(`PyTorch ${t}t: ${r?.error ?? o.stderrTail.split('\n').pop()}`);
    }
  }
  return { rows: sizes.map((n) => ({ n, gflops: table.get(n)! })), columns, errors, scaling };
}

async function runAdam(opts: BenchOptions): Promise<AdamReport> {
  log('bench adam: bench/adam.ts (gradscope and PyTorch, 1M parameters)');
  const args = opts.systems.includes('torch') ? [] : ['--no-torch'];
  const o = await runChild(process.execPath, tsxArgs('adam.ts', ['--rounds', '1', ...args]), {
    env: torchEnv(1).env,
    timeoutSec: 900,
  });
  const file = path.join(BENCH_DIR, 'results', 'adam.json');
  if (o.code !== 0 || !existsSync(file))
    return {
      params: 1_000_000,
      rows: [],
      errors: [`bench/adam.ts failed: ${o.stderrTail.split('\n').pop()}`],
    };
  const a = JSON.parse(readFileSync(file, 'utf8')) as {
    params: number;
    rows: { name: string; ns: number }[];
    torch: unknown;
  };
  const errors =
    opts.systems.includes('torch') && a.torch === null
      ? ['PyTorch Adam run failed (see bench/adam.ts)']
      : [];
  return { params: a.params, rows: a.rows, errors };
}

async function runMemory(dataDir: string, opts: BenchOptions): Promise<MemoryReport> {
  log(`bench memory: W1 for ${opts.memorySteps} steps (gradscope, 1 thread)`);
  const o = await runChild(
    process.execPath,
    tsxArgs('memory-w1.ts', ['--data', dataDir, '--steps', String(opts.memorySteps)]),
    { timeoutSec: 3600 },
  );
  const r = o.result as {
    ok: boolean;
    samples: MemoryReport['samples'];
    growthPct: number;
    stepsPerSec: number;
  } | null;
  if (r?.ok)
    return {
      steps: opts.memorySteps,
      samples: r.samples,
      growthPct: r.growthPct,
      stepsPerSec: r.stepsPerSec,
      error: null,
    };
  return {
    steps: opts.memorySteps,
    samples: [],
    growthPct: null,
    stepsPerSec: null,
    error: o.timedOut ? 'timed out' : (o.stderrTail.split('\n').pop() ?? 'no report'),
  };
}

// --- main ----------------------------------------------------------------------------------------

async function main(): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseArgs(process.argv.slice(2), path.join(BENCH_DIR, 'results'));
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`bench: ${e.message} (npm run bench -- --help lists the options)\n`);
      return 2;
    }
    throw e;
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const t0 = performance.now();
  const started = new Date();
  const loadStart = os.loadavg();
  const notes: string[] = [];

  // Peers: reported, never silently skipped.
  const peers: BenchReport['peers'] = [
    {
      system: 'gradscope',
      version: packageVersion('gradscope') ?? '(this repo, src/)',
      note: 'in-repo sources through tsx',
    },
  ];
  if (opts.systems.includes('tfjs-cpu')) peers.push(nodePeer('tfjs-cpu', ['@tensorflow/tfjs']));
  if (opts.systems.includes('tfjs-wasm'))
    peers.push(nodePeer('tfjs-wasm', ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm']));
  if (opts.systems.includes('jax-js')) peers.push(nodePeer('jax-js', ['@jax-js/jax']));
  if (opts.systems.includes('torch')) {
    const t = ensureTorch(opts);
    peers.push({ system: 'torch', version: t.version, note: t.note });
  }
  const unset = torchEnv(1).unset;
  notes.push(
    unset.length > 0
      ? `PyTorch runs with ${unset.join(' and ')} unset (that override selects a slower OpenBLAS kernel)`
      : 'OPENBLAS_CORETYPE is not set in this environment (PyTorch runs would unset it)',
  );
  if (opts.threads.includes(2))
    notes.push('PyTorch on 2 threads runs with OMP_WAIT_POLICY=PASSIVE');
  const gsThreads = gradscopeThreads() !== null;
  if (!gsThreads) notes.push('gradscope has no thread option yet: its 2-thread rows are n/a');
  notes.push(
    'TensorFlow.js and jax-js are single-threaded in Node (no Web Workers): 1-thread rows only',
  );

  const workloads = opts.only.filter((s): s is WorkloadId =>
    (WORKLOAD_IDS as readonly string[]).includes(s),
  );
  const needData = [...workloads];
  if (opts.only.includes('memory') && !needData.includes('W1')) needData.push('W1');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'gradscope-bench-'));
  const shas = new Map<WorkloadId, string>();
  for (const id of needData) {
    shas.set(id, writeBundle(dataDir, id).sha256);
  }
  log(`bench: data bundles in ${dataDir} (${needData.join(', ') || 'none'})`);

  const report: BenchReport = {
    format: 'gradscope-bench',
    version: 1,
    date: started.toISOString(),
    durationSec: 0,
    host: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      logicalCpus: os.cpus().length,
      node: process.version,
      loadAverageStart: loadStart,
      loadAverageEnd: [],
    },
    options: { ...opts },
    acceptanceGrade: opts.stepsScale === 1 && opts.reps >= 3,
    peers,
    notes,
    workloads: [],
    gemm: null,
    adam: null,
    memory: null,
    acceptance: [],
  };
  try {
    for (const id of workloads)
      report.workloads.push(await runWorkload(id, dataDir, shas.get(id)!, opts, gsThreads));
    if (opts.only.includes('gemm')) report.gemm = await runGemm(opts);
    if (opts.only.includes('adam')) report.adam = await runAdam(opts);
    if (opts.only.includes('memory')) report.memory = await runMemory(dataDir, opts);
  } finally {
    if (opts.keepData) log(`bench: data kept in ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
  report.host.loadAverageEnd = os.loadavg();
  report.durationSec = (performance.now() - t0) / 1000;
  report.acceptance = acceptance(report);

  const md = renderMarkdown(report);
  mkdirSync(opts.outDir, { recursive: true });
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const base = path.join(opts.outDir, `bench-${stamp}`);
  atomicWrite(`${base}.json`, `${JSON.stringify(report, null, 1)}\n`);
  atomicWrite(`${base}.md`, md);
  process.stdout.write(md);
  const shown = path.relative(process.cwd(), base);
  process.stdout.write(`\nwrote ${shown.startsWith('..') ? base : shown}.md and .json\n`);
  const missing = peers.filter((p) => p.version === null).map((p) => p.system);
  if (missing.length > 0) {
    log(`bench: peers missing: ${missing.join(', ')} (see the Peers table); exit code 1`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
