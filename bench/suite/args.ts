// Command line of `npm run bench` (bench/run.ts). Strict: an unknown flag or a bad value is an
// error (exit code 2), never silently ignored.
import { SYSTEM_IDS, type SystemId } from '../workloads/protocol.js';
import { WORKLOAD_IDS, type WorkloadId } from '../workloads/spec.js';

/** Sections of the suite. */
export type SectionId = WorkloadId | 'gemm' | 'adam' | 'memory';

/** All sections, in run order. */
export const SECTION_IDS: readonly SectionId[] = [...WORKLOAD_IDS, 'gemm', 'adam', 'memory'];

/** Parsed options. */
export interface BenchOptions {
  only: SectionId[];
  systems: SystemId[];
  stepsScale: number;
  reps: number;
  threads: number[];
  budgetSec: number;
  memorySteps: number;
  outDir: string;
  install: boolean;
  keepData: boolean;
  help: boolean;
}

/** Thrown for a bad command line. */
export class UsageError extends Error {}

export const USAGE = `npm run bench [-- options]

Trains W1-W6 with gradscope, TensorFlow.js (cpu and wasm backends), jax-js (wasm, jit) and PyTorch
(/usr/bin/python3, Debian python3-torch) from the same initial weights on the same batches, runs
the GEMM and Adam-1M micro-benchmarks and the W1 memory check, and writes a markdown table and a
JSON file to the output directory (bench-<timestamp>.md/.json).

Options:
  --only LIST         sections to run, comma-separated: W1,W2,W3,W4,W5,W6,gemm,adam,memory (default all)
  --systems LIST      systems: gradscope,gradscope-wasm,tfjs-cpu,tfjs-wasm,jax-js,torch (default
                      all; gradscope-wasm = gradscope without the native addon, run when it is built)
  --threads LIST      thread counts for the systems that have them (gradscope, PyTorch): 1,2
                      (default 1,2; TensorFlow.js and jax-js are single-threaded in Node)
  --reps N            timed repetitions per system and workload, median reported (default 3)
  --steps-scale X     multiply every workload's step count by X (default 1; other values are
                      for trying the harness and are flagged as not acceptance-grade)
  --budget SEC        time budget per system and workload (default 30): a slower system times
                      fewer steps per repetition, and a runner still going after 2 × budget + 60 s
                      is killed (its warm-up steps are kept); every cut is stated in the table
  --memory-steps N    steps of the W1 memory run, RSS compared at N/10 and N (default 10000)
  --quick             --steps-scale 0.25 --budget 10 --memory-steps 2000
  --out DIR           output directory (default bench/results)
  --no-install        do not apt-get install python3-torch / libopenblas0-openmp when missing
  --keep-data         keep the generated data bundles (their directory is printed)
  --help              this text
`;

function list<T extends string>(flag: string, value: string, allowed: readonly T[]): T[] {
  const items = value.split(',').map((s) => s.trim());
  const out: T[] = [];
  for (const it of items) {
    const hit = allowed.find((a) => a.toLowerCase() === it.toLowerCase());
    if (hit === undefined)
      throw new UsageError(`${flag}: "${it}" is not one of ${allowed.join(', ')}`);
    if (!out.includes(hit)) out.push(hit);
  }
  if (out.length === 0) throw new UsageError(`${flag}: empty list`);
  return out;
}

function num(flag: string, value: string, check: (x: number) => boolean, what: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || !check(x))
    throw new UsageError(`${flag}: expected ${what}, got "${value}"`);
  return x;
}

/** Parses argv (without node and script). */
export function parseArgs(argv: readonly string[], defaultOut: string): BenchOptions {
  const o: BenchOptions = {
    only: [...SECTION_IDS],
    systems: [...SYSTEM_IDS],
    stepsScale: 1,
    reps: 3,
    threads: [1, 2],
    budgetSec: 30,
    memorySteps: 10_000,
    outDir: defaultOut,
    install: true,
    keepData: false,
    help: false,
  };
  const set = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i] as string;
    const eq = raw.indexOf('=');
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const takesValue = [
      '--only',
      '--systems',
      '--threads',
      '--reps',
      '--steps-scale',
      '--budget',
      '--memory-steps',
      '--out',
    ].includes(flag);
    let value = '';
    if (takesValue) {
      if (eq > 0) value = raw.slice(eq + 1);
      else {
        const next = argv[i + 1];
        if (next === undefined || next.startsWith('--'))
          throw new UsageError(`${flag} needs a value`);
        value = next;
        i++;
      }
    } else if (eq > 0) throw new UsageError(`${flag} takes no value`);
    set.add(flag);
    switch (flag) {
      case '--only':
        o.only = list(flag, value, SECTION_IDS);
        break;
      case '--systems':
        o.systems = list(flag, value, SYSTEM_IDS);
        break;
      case '--threads':
        o.threads = list(flag, value, ['1', '2'] as const).map(Number);
        break;
      case '--reps':
        o.reps = num(
          flag,
          value,
          (x) => Number.isInteger(x) && x >= 1 && x <= 100,
          'an integer in [1, 100]',
        );
        break;
      case '--steps-scale':
        o.stepsScale = num(flag, value, (x) => x > 0 && x <= 100, 'a number in (0, 100]');
        break;
      case '--budget':
        o.budgetSec = num(flag, value, (x) => x >= 1, 'seconds ≥ 1');
        break;
      case '--memory-steps':
        o.memorySteps = num(
          flag,
          value,
          (x) => Number.isInteger(x) && x >= 10 && x % 10 === 0,
          'a multiple of 10 ≥ 10',
        );
        break;
      case '--out':
        o.outDir = value;
        break;
      case '--quick':
        if (!set.has('--steps-scale')) o.stepsScale = 0.25;
        if (!set.has('--budget')) o.budgetSec = 10;
        if (!set.has('--memory-steps')) o.memorySteps = 2000;
        break;
      case '--no-install':
        o.install = false;
        break;
      case '--keep-data':
        o.keepData = true;
        break;
      case '--help':
      case '-h':
        o.help = true;
        break;
      default:
        throw new UsageError(`unknown option ${raw} (see --help)`);
    }
  }
  o.threads.sort((a, b) => a - b);
  return o;
}
