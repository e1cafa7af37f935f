import type { Range } from '../optim/validate.js';
import type { RemedyContext } from './remedies.js';
import type { HealthState } from './state.js';
import type { GradientStats } from './stats.js';
import type { Remedy, Severity } from './types.js';

/** The thresholds every detector's episodes share (see `advanceEpisode` in episode.ts). */
export interface EpisodeThresholds {
  /** Checks without the condition before an active verdict resolves (default 20). */
  resolveAfter: number;
  /** Checks after a resolution before the same verdict may start again (default 100). */
  cooldown: number;
}

/** A threshold's documented default and its allowed range (validated by resolveThresholds). */
export interface ThresholdSpec {
  readonly default: number;
  readonly range: Range;
}

/** The default and range of each of a detector's thresholds. */
export type ThresholdSpecs<T> = { readonly [P in keyof T]: ThresholdSpec };

/** The fields every verdict has; `E` is its kind's evidence. */
export interface VerdictBase<K extends string, E> {
  kind: K;
  /** 'started' when the condition set in, 'resolved' when it cleared (only with emitResolved). */
  status: 'started' | 'resolved';
  /**
   * The optimizer step whose gradients showed it, counted from 1 (the first update is step 1, as
   * in PyTorch and TensorBoard logs; `fit`'s step numbers and the run logs use the same count).
   */
  step: number;
  /** Layers concerned, in depth order (names from {@link layerOf}). */
  layers: string[];
  severity: Severity;
  /** One line for humans. */
  message: string;
  evidence: E;
  /** Ranked remedies (empty for 'resolved'). */
  remedies: Remedy[];
}

/**
 * One row of the detector table: everything about one verdict kind in one place.
 *
 * A check runs in two halves. The *measure* half (live: one pass over the gradient and
 * parameter tensors and the activation probes; replay: one recorded stats line) fills the
 * observation part of the {@link HealthState} — `stats`, `probes`, `loss`, `lr`, the curvature
 * fields. Then, for each detector in table order and each unit it watches (the model, or one
 * activation probe), the monitor calls `measure` (a pure function of the observation, the
 * running statistics and the thresholds: the condition's numbers, or null when it does not
 * hold), then `fold` (updates the detector's own running statistics in `running`), advances the
 * unit's episode (patience, resolution, cooldown) and, when an episode starts, builds the verdict
 * with `verdict`. Detectors never read tensors, so the same table diagnoses a live run and the
 * records of a finished one ({@link replay}).
 *
 * `T` is the detector's thresholds, `M` its measure, `R` its running statistics (plain numbers
 * and typed arrays, saved with the monitor's state).
 */
export interface Detector<K extends string, E, M, T extends object, R extends object = object> {
  readonly kind: K;
  /** Position in lists for humans (0 first: the most urgent kinds). */
  readonly rank: number;
  /** 'model': one episode for the whole model; 'probe': one per activation probe. */
  readonly scope: 'model' | 'probe';
  /**
   * Off unless asked for (`detectors: { [kind]: true }`): a detector not yet shown free of false
   * alarms on healthy runs (the spiral/SGD-momentum runs of examples/sweeps raised lossSpike at
   * 96 % accuracy), so it does not speak by default.
   */
  readonly optIn?: boolean;
  /** Skip checks whose gradients or loss are not finite (every kind except nonFinite). */
  readonly finiteOnly: boolean;
  /** The thresholds it owns, with defaults and ranges. */
  readonly thresholds: ThresholdSpecs<T>;
  /** Raised on the step context when the condition holds (whether or not the detector is enabled). */
  readonly event?: 'spike' | 'nonFinite';
  /** Finite checks of history it reads from the shared ring (the ring is the longest of these). */
  ringWindow?(th: T): number;
  /** Fresh running statistics for a model of this layout (e.g. one slot per layer). */
  running(stats: GradientStats): R;
  /** Whether the unit's episode advances at this check (default: always). */
  applies?(s: HealthState, unit: number): boolean;
  /** The condition's numbers, or null when it does not hold; reads, never writes. */
  measure(s: HealthState, th: T & EpisodeThresholds, running: R, unit: number): M | null;
  /**
   * Folds this check into the running statistics (after `measure`). `measure` is null when the
   * condition does not hold, and also when the detector is off and has no `event` (its measure
   * is not computed then): a fold that reads the measure needs an `event` (exploding's does).
   */
  fold?(s: HealthState, th: T & EpisodeThresholds, running: R, measure: M | null): void;
  /** Consecutive checks the condition must hold before a verdict. */
  patience(th: T): number;
  /** Checks after a resolution before it may start again. */
  cooldown(th: T & EpisodeThresholds): number;
  /** The verdict, with evidence and ranked remedies. */
  verdict(
    s: HealthState,
    measure: M,
    th: T & EpisodeThresholds,
    running: R,
    ctx: RemedyContext,
    unit: number,
  ): VerdictBase<K, E>;
}
