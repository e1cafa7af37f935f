// What the harness asks of a runner and what a runner reports, and the measurement protocol shared
// by every Node runner (bench/torch_workloads.py implements the same protocol in Python):
//
//  1. load the bundle, build the model, copy in the shared initial weights (not timed);
//  2. warm-up = the reference trajectory: the workload's steps from the initial weights, the loss
//     read back every step (jax-js is lazy and PyTorch asynchronous only in principle: reading the
//     loss is the synchronisation point every system pays); this run gives the losses compared
//     across systems;
//  3. `reps` timed repetitions, each from the initial weights and a fresh optimizer state (reset
//     not timed), each the same steps on the same batches; steps/s = median over repetitions.
//
// A time budget per (system, workload) keeps a very slow peer (TensorFlow.js' cpu backend on the
// CNN) from taking the whole run: when the warm-up predicts that the repetitions would exceed it,
// each repetition times fewer steps (stepsTimed), a warm-up past 40% of the budget stops early (the
// losses then cover fewer steps), and when even one step per repetition does not fit, fewer
// repetitions are timed. Every such cut is reported in the runner's notes.

import type { WorkloadId } from './spec.js';

/**
 * The systems compared. 'gradscope' runs the default kernel choice (native when the addon is
 * built, else wasm); 'gradscope-wasm' is gradscope with the native addon unloaded
 * (GRADSCOPE_NATIVE=0), run only when the addon is built, so that both backends have rows.
 */
export type SystemId =
  'gradscope' | 'gradscope-wasm' | 'tfjs-cpu' | 'tfjs-wasm' | 'jax-js' | 'torch';

/** All systems, in report order. */
export const SYSTEM_IDS: readonly SystemId[] = [
  'gradscope',
  'gradscope-wasm',
  'tfjs-cpu',
  'tfjs-wasm',
  'jax-js',
  'torch',
];

/** What the harness asks a runner to do. */
export interface RunRequest {
  system: SystemId;
  workload: WorkloadId;
  /** Directory holding <workload>.json/.bin. */
  dataDir: string;
  /** Timed repetitions (≥ 1; the harness asks for ≥ 3). */
  reps: number;
  /** Steps of one repetition and of the warm-up trajectory. */
  steps: number;
  /** Seconds this (system, workload) may take, warm-up included. */
  budgetSec: number;
  /**
   * Run the whole warm-up trajectory whatever the budget (the reference systems, gradscope and
   * PyTorch, whose trajectories every other system is compared with).
   */
  fullTrajectory: boolean;
  /** Threads the system may use. */
  threads: number;
}

/** A runner's report. */
export interface RunResult {
  ok: true;
  system: SystemId;
  workload: WorkloadId;
  /** Library version(s) and backend, e.g. "tfjs 4.22.0 (wasm, SIMD, 1 thread)". */
  version: string;
  threads: number;
  /** SHA-256 of the bundle the runner read (must equal the manifest's). */
  dataSha256: string;
  /** Steps timed in each repetition (= steps unless the budget cut it). */
  stepsTimed: number;
  /** Wall seconds of each timed repetition. */
  repSeconds: number[];
  /** Median steps/s over the repetitions. */
  stepsPerSec: number;
  /** stepsPerSec × batch. */
  samplesPerSec: number;
  /** Loss at steps 1, 2, … of the warm-up trajectory (loss of the forward pass of that step). */
  losses: number[];
  /** Seconds of the warm-up trajectory (includes compilation for jax-js). */
  warmupSec: number;
  /** Peak resident set size of the runner's process, MiB (null when the runner was killed). */
  peakRssMiB: number | null;
  notes: string[];
}

/** A runner that could not run. */
export interface RunFailure {
  ok: false;
  system: SystemId;
  workload: WorkloadId;
  threads: number;
  error: string;
  /** Set when the runner was killed before finishing one step: its speed is below this. */
  stepsPerSecBelow?: number;
}

/** The prefix of the one stdout line that carries a runner's JSON report. */
export const RESULT_PREFIX = 'BENCH_RESULT ';

/**
 * The prefix of the line a runner prints after each warm-up step, `{"step", "loss", "ms"}` (ms since
 * the warm-up began), so that the harness still has the losses and step times of a runner it had
 * to kill at its time limit.
 */
export const PROGRESS_PREFIX = 'BENCH_PROGRESS ';

/** One warm-up step, as printed on a progress line. */
export interface Progress {
  step: number;
  loss: number;
  ms: number;
}

/** One training run of a system, built once; `reset` restores the initial weights and optimizer. */
export interface Trainer {
  /** Restores the initial weights and a fresh optimizer state. */
  reset(): void;
  /** One training step on batch `i mod distinctBatches`; returns the loss of its forward pass. */
  step(i: number): number;
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Runs the protocol (warm-up trajectory, then timed repetitions) on a trainer. */
export function measure(
  trainer: Trainer,
  req: RunRequest,
  batch: number,
  onProgress: (p: Progress) => void = () => {},
): Pick<
  RunResult,
  'stepsTimed' | 'repSeconds' | 'stepsPerSec' | 'samplesPerSec' | 'losses' | 'warmupSec' | 'notes'
> {
  const notes: string[] = [];
  const budgetMs = req.budgetSec * 1000;
  trainer.reset();
  const losses: number[] = [];
  const t0 = performance.now();
  let t1 = t0;
  for (let i = 0; i < req.steps; i++) {
    const loss = trainer.step(i);
    losses.push(loss);
    const now = performance.now();
    if (i === 0) t1 = now;
    onProgress({ step: i + 1, loss, ms: now - t0 });
    if (!req.fullTrajectory && now - t0 > 0.4 * budgetMs && i + 1 < req.steps) {
      notes.push(`warm-up trajectory stopped after ${i + 1} of ${req.steps} steps (time budget)`);
      break;
    }
  }
  const warmupMs = performance.now() - t0;
  // The first step includes one-off costs (jax-js compiles there), so estimate from the rest.
  const perStepMs = losses.length > 1 ? (performance.now() - t1) / (losses.length - 1) : warmupMs;
  let stepsTimed = req.steps;
  let reps = req.reps;
  if (perStepMs * req.steps * reps > 0.6 * budgetMs) {
    stepsTimed = Math.max(
      1,
      Math.min(req.steps, Math.floor((0.6 * budgetMs) / (reps * perStepMs))),
    );
    notes.push(`timed ${stepsTimed} of ${req.steps} steps per repetition (time budget)`);
  }
  if (perStepMs * stepsTimed * reps > 0.6 * budgetMs) {
    // One step takes longer than the budget allows for reps × 1 step: fewer repetitions, said so.
    reps = Math.max(1, Math.floor((0.6 * budgetMs) / perStepMs));
    notes.push(
      `only ${reps} timed repetition${reps > 1 ? 's' : ''}: one step takes ${(perStepMs / 1000).toFixed(1)} s (time budget)`,
    );
  }
  const repSeconds: number[] = [];
  for (let r = 0; r < reps; r++) {
    trainer.reset();
    const s0 = performance.now();
    for (let i = 0; i < stepsTimed; i++) trainer.step(i);
    repSeconds.push((performance.now() - s0) / 1000);
  }
  const stepsPerSec = stepsTimed / median(repSeconds);
  return {
    stepsTimed,
    repSeconds,
    stepsPerSec,
    samplesPerSec: stepsPerSec * batch,
    losses,
    warmupSec: warmupMs / 1000,
    notes,
  };
}

/** Peak RSS of this process in MiB (process.resourceUsage().maxRSS is in KiB). */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
