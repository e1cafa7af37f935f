import type { Params } from '../optim/types.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ActivationKind } from './activation-probe.js';
import { DETECTORS, type DetectorTable } from './detector-table.js';
import { createEpisode, type Episode } from './episode.js';
import { createStats, type GradientStats } from './stats.js';
import type { HealthThresholds } from './thresholds.js';
import type { VerdictKind } from './types.js';

/**
 * Recent per-check scalars of the finite checks, in rings of a fixed size (the longest detector
 * window), for the windowed detectors (growth, plateau, oscillation) and the clipping median.
 */
export interface HealthRing {
  /** Capacity. */
  size: number;
  /** Next write position. */
  pos: number;
  /** Entries written, capped at `size`. */
  count: number;
  /** ln ‖g‖. */
  logNorm: Float64Array;
  /** Loss (NaN if not given). */
  loss: Float64Array;
  /** ‖g‖/max(‖p‖, 1). */
  relative: Float64Array;
  /** cos(g, g_prev) (NaN if not tracked). */
  cosine: Float64Array;
  /** 1 if no exploding rule fired at that check. */
  healthy: Uint8Array;
}

/**
 * One activation probe as the detectors see it: the readings of the last check (the measured
 * part, filled by the live probes or from a record) and the running values that must survive a
 * checkpoint (the first mean, each unit's run of all-zero checks).
 */
export interface ProbeState {
  /** Dotted path of the activation module. */
  module: string;
  kind: ActivationKind;
  /** The parameter layer feeding it ("" if none). */
  layer: string;
  /** 1 when the last check saw outputs of this module. */
  observed: number;
  mean: number;
  std: number;
  /** Fraction of outputs in the flat tails (tanh/sigmoid; NaN for ReLU). */
  saturation: number;
  /** Mean slope relative to the peak slope (tanh/sigmoid; NaN for ReLU). */
  gain: number;
  /** Fraction of units dead for `deadWindow` checks (ReLU; NaN otherwise). */
  deadFraction: number;
  /** Units of the last axis. */
  width: number;
  /** Mean at the first observed check (NaN before). */
  firstMean: number;
  /** Per unit: consecutive checks with output 0 on every row (ReLU; a number array: its length is the width, known at the first forward). */
  deadRun: number[];
}

/** The running statistics of every detector, by kind. */
export type RunningStates = {
  [K in VerdictKind]: ReturnType<DetectorTable[K]['running']>;
};

/** Per kind, the episodes of its units: one for a model-wide detector, one per probe otherwise. */
export type HealthEpisodes = Record<VerdictKind, Episode[]>;

/**
 * The gradient-health transformation's state: plain numbers, strings and typed arrays (it
 * round-trips through optim's serializeState bit-exactly), all allocated by
 * `createHealthState`. It holds the last check's observation (`stats`, `probes`, `loss`,
 * `lr`, curvature), the running statistics (ring, per-detector `running`), the episodes and the
 * verdict log, so a monitor restored from a checkpoint continues exactly like the original.
 */
export interface HealthState {
  /** Updates seen (after a check: the number of the step just checked, counted from 1). */
  step: number;
  /** Checks made. */
  checks: number;
  /** Step of the last check (0 before the first). */
  lastCheck: number;
  /** Loss of the last check (NaN if none was given in the step context). */
  loss: number;
  /** 0 when the last check's gradients or its given loss held NaN/±Inf, else 1. */
  finite: number;
  /** Learning rate at the last check (NaN if unknown). */
  lr: number;
  /** Per-parameter and per-layer statistics of the last check. */
  stats: GradientStats;
  /** The activation probes' readings and running values, in module order. */
  probes: ProbeState[];
  /** ‖g‖ of the last finite check. */
  lastFiniteNorm: number;
  /** Recent scalars. */
  ring: HealthRing;
  /** Scratch space for medians (same size as the ring). */
  scratch: Float64Array;
  /** Running statistics of each detector. */
  running: RunningStates;
  /** Detector episodes; an active one holds the index of its verdict in the log. */
  episodes: HealthEpisodes;
  /** Last curvature probe: step (−1 if none), λmin, λmax, HVPs used. */
  curvatureStep: number;
  minEigenvalue: number;
  maxEigenvalue: number;
  curvatureHvps: number;
  /** Lanczos residuals of λmin and λmax at the last probe (their confidence; NaN in a replay). */
  minEigenResidual: number;
  maxEigenResidual: number;
  /**
   * The verdict log: one line per verdict emitted, each the verdict encoded by optim's
   * serializeState (NaN and ±Infinity exact) as JSON. A string and not an array, because a
   * checkpoint's shape must not depend on how many verdicts a run had (loadStateDict checks a
   * checkpoint's shape against a fresh state). Read it with the monitor's `verdicts`.
   */
  log: string;
  /** Number of verdicts in `log`. */
  logCount: number;
}

/** The size of the shared ring: the longest window any detector reads (at least 32). */
export function ringSize(th: HealthThresholds): number {
  let size = 32;
  for (const d of Object.values(DETECTORS) as { ringWindow?: (t: HealthThresholds) => number }[])
    if (d.ringWindow !== undefined) size = Math.max(size, d.ringWindow(th));
  return size;
}

/**
 * Allocates the state for these parameters.
 * @example const s = createHealthState(model.namedParameters(), DEFAULT_THRESHOLDS, true);
 */
export function createHealthState(
  params: Params,
  th: HealthThresholds,
  trackDirection: boolean,
): HealthState {
  return createHealthStateFor(createStats(params, trackDirection), th);
}

/**
 * Allocates the state around prepared statistics (live: from the parameters; replay: from a
 * record header).
 * @example createHealthStateFor(statsOfLayout(names, sizes), th)
 */
export function createHealthStateFor(stats: GradientStats, th: HealthThresholds): HealthState {
  const size = ringSize(th);
  const running = {} as Record<string, object>;
  const episodes = {} as Record<string, Episode[]>;
  for (const [kind, d] of Object.entries(DETECTORS) as [
    VerdictKind,
    { scope: string; running(st: GradientStats): object },
  ][]) {
    running[kind] = d.running(stats);
    episodes[kind] = d.scope === 'model' ? [createEpisode()] : [];
  }
  return {
    step: 0,
    checks: 0,
    lastCheck: 0,
    loss: NaN,
    finite: 1,
    lr: NaN,
    stats,
    probes: [],
    lastFiniteNorm: NaN,
    ring: {
      size,
      pos: 0,
      count: 0,
      logNorm: new Float64Array(size),
      loss: new Float64Array(size),
      relative: new Float64Array(size),
      cosine: new Float64Array(size),
      healthy: new Uint8Array(size),
    },
    scratch: new Float64Array(size),
    running: running as RunningStates,
    episodes: episodes as HealthEpisodes,
    curvatureStep: -1,
    minEigenvalue: NaN,
    maxEigenvalue: NaN,
    curvatureHvps: 0,
    minEigenResidual: NaN,
    maxEigenResidual: NaN,
    log: '',
    logCount: 0,
  };
}

/**
 * Adds a probe to the state (with one episode per probe-scope detector).
 * @example addProbe(state, { module: '1', kind: 'relu', layer: '0' })
 */
export function addProbe(
  s: HealthState,
  p: { module: string; kind: ActivationKind; layer: string },
): void {
  s.probes.push({
    module: p.module,
    kind: p.kind,
    layer: p.layer,
    observed: 0,
    mean: NaN,
    std: NaN,
    saturation: NaN,
    gain: NaN,
    deadFraction: NaN,
    width: 0,
    firstMean: NaN,
    deadRun: [],
  });
  for (const [kind, d] of Object.entries(DETECTORS) as [VerdictKind, { scope: string }][])
    if (d.scope === 'probe') s.episodes[kind].push(createEpisode());
}

/** Index into the ring of entry k of the last `w` entries (k = 0 oldest). @example r.loss[ringIndex(r, 20, 0)] // oldest of the last 20 */
export function ringIndex(r: HealthRing, w: number, k: number): number {
  // the detectors' windows fit the ring (0 ≤ pos < size, w ≤ size, 0 ≤ k < w): one compare
  // instead of an integer division per entry read; the general formula otherwise
  const i = r.pos - w + k;
  const n = r.size;
  if (i >= -n && i < n) return i < 0 ? i + n : i;
  return (i + n * 2) % n;
}

/**
 * Appends the current (finite) check's scalars (ln ‖g‖, loss, ‖g‖/max(‖p‖, 1), cosine) to the
 * ring, marked healthy until a detector says otherwise, reading them from the state (doubles
 * passed as arguments would be boxed on every call).
 * @example ringPush(state)
 */
export function ringPush(s: HealthState): void {
  const r = s.ring;
  const st = s.stats;
  const i = r.pos;
  r.logNorm[i] = Math.log(Math.max(st.totalGradNorm, 1e-300));
  r.loss[i] = s.loss;
  r.relative[i] = st.totalGradNorm / Math.max(st.totalParamNorm, 1);
  r.cosine[i] = st.cosine;
  r.healthy[i] = 1;
  r.pos = (i + 1) % r.size;
  if (r.count < r.size) r.count++;
}

/** Median of the first `n` entries of `buf` (sorted in place). @example medianOf(Float64Array.of(3, 1, 2), 3) // 2 */
export function medianOf(buf: Float64Array, n: number): number {
  if (n <= 0) return NaN;
  // insertion sort of the first n entries in place: n ≤ the ring size (~100), and unlike
  // subarray().sort() it allocates nothing
  for (let i = 1; i < n; i++) {
    const x = buf[i] as number;
    let j = i - 1;
    while (j >= 0 && (buf[j] as number) > x) {
      buf[j + 1] = buf[j] as number;
      j--;
    }
    buf[j + 1] = x;
  }
  return n % 2 === 1
    ? (buf[(n - 1) >> 1] as number)
    : ((buf[n / 2 - 1] as number) + (buf[n / 2] as number)) / 2;
}

/** Median ‖g‖ over the recent finite checks (all of them, or only those without an exploding rule). @example recentMedianNorm(state, true, 5) */
export function recentMedianNorm(s: HealthState, healthyOnly: boolean, minCount = 1): number {
  const r = s.ring;
  let n = 0;
  for (let k = 0; k < r.count; k++) {
    const i = ringIndex(r, r.count, k);
    if (healthyOnly && r.healthy[i] === 0) continue;
    s.scratch[n++] = Math.exp(r.logNorm[i] as number);
  }
  return n >= minCount ? medianOf(s.scratch, n) : NaN;
}

/**
 * The recurrent cell of each recurrent layer, from its weightHh shape [G·H, H]: G = 1 tanh RNN,
 * 3 GRU, 4 LSTM. @internal
 * @example recurrentCells(lstm.namedParameters(), layerOf) // Map { 'l0' => 'lstm' }
 */
export function recurrentCells(
  params: Params | readonly { name: string; shape: readonly number[] }[],
  layerOfName: (n: string) => string,
): Map<string, 'rnn' | 'lstm' | 'gru'> {
  const out = new Map<string, 'rnn' | 'lstm' | 'gru'>();
  const list = Array.isArray(params)
    ? (params as readonly { name: string; shape: readonly number[] }[])
    : Object.entries(params as Params).map(([name, t]) => ({ name, shape: (t as Tensor).shape }));
  for (const { name, shape } of list) {
    // gradscope names it weightHh_l{k}, PyTorch weight_hh_l{k} (same [gates·H, H] shape)
    if (!/(weightHh|weight_hh)_l\d+$/.test(name) || shape.length !== 2) continue;
    const gates = (shape[0] as number) / Math.max(1, shape[1] as number);
    out.set(layerOfName(name), gates === 4 ? 'lstm' : gates === 3 ? 'gru' : 'rnn');
  }
  return out;
}
