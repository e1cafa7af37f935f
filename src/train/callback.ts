import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { JsonValue } from '../optim/serialize.js';
import type { StepEvents } from '../optim/types.js';
import type { Tensor } from '../tensor/tensor.js';
import type { FitSummary } from './fit-summary.js';
import type { LoopControl } from './loop.js';

/** Handed to every callback: the objects being trained and the means to stop (the loop's control). */
export interface TrainingControl extends LoopControl {
  /** The model being trained. */
  readonly model: Module<[Tensor], Tensor>;
  /** Its optimizer. */
  readonly optimizer: Optimizer<unknown>;
}

/** What {@link Callback.onStep} receives after each optimization step. */
export interface StepInfo {
  /** Steps taken so far, this one included (1 after the first step; counts across resumes). */
  step: number;
  /** 0-based index of the epoch this step belongs to. */
  epoch: number;
  /** 0-based index of the batch within its epoch. */
  batch: number;
  /** Samples in the batch. */
  size: number;
  /** The batch loss (NaN or ±Infinity when the step was non-finite). */
  loss: number;
  /** The learning rate used by this step (undefined when the optimizer has none). */
  lr: number | undefined;
  /** True when the loss was not finite or the optimizer reported non-finite gradients. */
  nonFinite: boolean;
  /** The optimizer's events of this step (clipped, spike, nonFinite). */
  events: Readonly<StepEvents>;
}

/** What {@link Callback.onEpoch} receives at the end of each epoch. */
export interface EpochInfo {
  /** Completed epochs (1 after the first). */
  epoch: number;
  /** Steps taken so far. */
  step: number;
  /** "train.loss" (sample-weighted mean of the batch losses) and "train.<metric>" over the epoch. */
  metrics: Record<string, number>;
  /** Wall time of the epoch in milliseconds (of its part in this run after a resume). */
  timeMs: number;
}

/** What {@link Callback.onEval} receives after each evaluation. */
export interface EvalInfo {
  /** Steps taken when evaluating. */
  step: number;
  /** Completed epochs when evaluating. */
  epoch: number;
  /** "val.loss" and "val.<metric>" over the whole evaluation set. */
  metrics: Record<string, number>;
}

/**
 * Hooks into the training loop (all optional). A hook may stop training with
 * `control.stop(reason)`; a hook returning a promise is awaited. A callback with `state()` /
 * `loadState()` has its state saved in checkpoints, so it continues exactly after a resume.
 * @example const logLoss: Callback = { onStep: (s) => { if (s.step % 100 === 0) console.log(s.loss); } };
 */
export interface Callback {
  /** Before the first step of this run (after a resume, too). */
  onTrainBegin?(control: TrainingControl): void | Promise<void>;
  /** After every optimization step. */
  onStep?(info: StepInfo, control: TrainingControl): void | Promise<void>;
  /** After every completed epoch (after its evaluation, if one is due then). */
  onEpoch?(info: EpochInfo, control: TrainingControl): void | Promise<void>;
  /** After every evaluation. */
  onEval?(info: EvalInfo, control: TrainingControl): void | Promise<void>;
  /** After the last step, with the summary (which the callback may still amend). */
  onTrainEnd?(summary: FitSummary, control: TrainingControl): void | Promise<void>;
  /** The callback's state for checkpoints (JSON data). */
  state?(): JsonValue;
  /** Restores a state from {@link Callback.state}. */
  loadState?(state: JsonValue): void;
}
