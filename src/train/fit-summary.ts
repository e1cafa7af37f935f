/** One evaluation: when it ran and its results. */
export interface EvalRecord {
  /** Steps taken when evaluating. */
  step: number;
  /** Completed epochs when evaluating. */
  epoch: number;
  /** "val.loss" and "val.<metric>". */
  metrics: Record<string, number>;
}

/** What {@link fit} returns (and writes to summary.json in a run directory). */
export interface FitSummary {
  /** Steps taken in total (across resumes). */
  steps: number;
  /** Steps taken by this call. */
  stepsThisRun: number;
  /** Completed epochs of the training data. */
  epochs: number;
  /** Loss of the last step (NaN if no step was taken). */
  finalLoss: number;
  /**
   * Latest values: "train.loss" and "train.<metric>" over the last completed epoch (or the
   * current partial one when training stopped mid-epoch), and "val.*" of the last evaluation.
   */
  metrics: Record<string, number>;
  /** Every evaluation of this call, in order. */
  evalHistory: EvalRecord[];
  /** Wall time of this call in milliseconds. */
  timeMs: number;
  /** Steps per second in this call. */
  stepsPerSecond: number;
  /** True when a callback stopped training before the requested epochs/steps. */
  stoppedEarly: boolean;
  /** Why training stopped early, or "interrupted at step N" (null otherwise). */
  stopReason: string | null;
  /**
   * True when `signal` aborted the run (Ctrl-C): training stopped between two steps, the
   * checkpoint and summary were written, and `resumeFrom` the checkpoint continues it exactly.
   */
  interrupted: boolean;
  /** Steps whose loss or gradients were NaN/Inf (in total, across resumes). */
  nonFiniteSteps: number;
  /** The step the run was resumed from, or null for a fresh run. */
  resumedFromStep: number | null;
}
