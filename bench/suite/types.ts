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
}

/** One GEMM size. */
export interface GemmRow {
  n: number;
  /** GFLOP/s by column key (gradscope-1t, gradscope-2t, gradscope-1t-inplace, tfjs-wasm, jax-js, torch-1t, torch-2t). */
  gflops: Record<string, number | null>;
}

/** The GEMM section. */
export interface GemmReport {
  rows: GemmRow[];
  columns: { key: string; label: string }[];
  errors: string[];
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
