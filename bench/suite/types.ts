// The suite's report (what bench-<timestamp>.json holds and the markdown is rendered from).
import type { RunFailure, RunResult, SystemId } from '../workloads/protocol.js';
import type { LossCheck } from './loss-check.js';

/** One system × thread count on one workload. */
export interface WorkloadRow {
  system: SystemId;
  threads: number;
  outcome: RunResult | RunFailure;
  /** Comparison with the reference trajectory (absent for the reference itself). */
  lossCheck: LossCheck | null;
  /** gradscope steps/s (same thread count) ÷ this row's steps/s. */
  gradscopeRatio: number | null;
  /** Wall seconds of the child process. */
  seconds: number;
}

import type { InterleavedPair, InterleavedScaling } from './interleaved.js';

/** One workload's results. */
export interface WorkloadReport {
  id: string;
  title: string;
  steps: number;
  specSteps: number;
  batch: number;
  dataSha256: string;
  /** "gradscope (1 thread)", or the fallback when gradscope failed. */
  reference: string;
  checkpoints: number[];
  rows: WorkloadRow[];
  /**
   * Issue 22's thread scaling measured in one process, 1 and 2 threads in alternating blocks
   * (suite/interleaved.ts): W1 and W4 when gradscope runs on the native kernels with both thread
   * counts; null otherwise or when it failed (`interleavedError` says why).
   */
  interleaved?: InterleavedScaling | null;
  interleavedError?: string;
  /**
   * W1m only: W1 and W1m trained in one process in alternating blocks (suite/interleaved.ts), the
   * monitor's cost with both on the same machine; null when it failed (`interleavedError`).
   */
  monitorPair?: InterleavedPair | null;
}

/** One GEMM size. */
export interface GemmRow {
  n: number;
  /** GFLOP/s by column key (gradscope-1t, gradscope-2t, gradscope-1t-inplace, tfjs-wasm, jax-js, torch-1t, torch-2t). */
  gflops: Record<string, number | null>;
}

/**
 * How much two busy cores of this machine deliver together, measured in the same run: one
 * single-threaded wasm GEMM process (N = 1024, operands in wasm memory) alone, then two such
 * processes at once (bench/peak/gemm-solo.ts). `ratio` = (pair sum) / alone is the ceiling of any
 * 2-thread speedup here (frequency, shared caches and the hypervisor included).
 */
export interface MachineScaling {
  /** GFLOP/s of one process alone (mean of the runs before and after the pair). */
  alone: number;
  /** GFLOP/s of each of the two concurrent processes. */
  pair: [number, number];
  ratio: number;
}

/** The GEMM section. */
export interface GemmReport {
  rows: GemmRow[];
  columns: { key: string; label: string }[];
  errors: string[];
  /** The machine-scaling probe, or null if it did not run. */
  scaling: MachineScaling | null;
}

/** The Adam-over-1M-parameters section (bench/adam.ts). */
export interface AdamReport {
  params: number;
  rows: { name: string; ns: number }[];
  errors: string[];
}

/** The W1 memory section (bench/memory-w1.ts). */
export interface MemoryReport {
  steps: number;
  samples: { step: number; rssMiB: number; heapUsedMiB: number }[];
  growthPct: number | null;
  stepsPerSec: number | null;
  error: string | null;
}

/** One acceptance criterion of issue #7. */
export interface Criterion {
  id: string;
  text: string;
  target: string;
  measured: string;
  /** true / false, or null when it could not be measured (n/a). */
  pass: boolean | null;
  note: string;
}

/** The whole report. */
export interface BenchReport {
  format: 'gradscope-bench';
  version: 1;
  date: string;
  durationSec: number;
  host: {
    cpu: string;
    logicalCpus: number;
    node: string;
    loadAverageStart: number[];
    loadAverageEnd: number[];
  };
  options: Record<string, unknown>;
  /** Grade of the run: acceptance figures need full steps and ≥ 3 repetitions. */
  acceptanceGrade: boolean;
  peers: { system: string; version: string | null; note: string }[];
  notes: string[];
  workloads: WorkloadReport[];
  gemm: GemmReport | null;
  adam: AdamReport | null;
  memory: MemoryReport | null;
  acceptance: Criterion[];
}
