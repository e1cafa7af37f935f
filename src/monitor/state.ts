import type { Params } from '../optim/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { createEpisode, type Episode } from './episode.js';
import { createStats, type GradientStats } from './stats.js';
import type { HealthThresholds } from './thresholds.js';

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

/** The episodes of the model-wide detectors (the per-layer ones live on the activation probes). */
export interface HealthEpisodes {
  vanishing: Episode;
  exploding: Episode;
  nonFinite: Episode;
  plateau: Episode;
  saddle: Episode;
  oscillation: Episode;
}

/**
 * The gradient-health transformation's state: plain numbers and typed arrays (it round-trips
 * through optim's serializeState), all allocated by `createHealthState`.
 */
export interface HealthState {
  /** Updates seen: the index of the next step. */
  step: number;
  /** Checks made. */
  checks: number;
  /** Step of the last check (−1 before the first). */
  lastCheck: number;
  /** Loss of the last check (NaN if none was given in the step context). */
  loss: number;
  /** Per-parameter and per-layer statistics of the last check. */
  stats: GradientStats;
  /** EMA mean and variance of ln ‖g‖, and the number of finite checks folded in. */
  logMean: number;
  logVar: number;
  logCount: number;
  /** z-score of ln ‖g‖ at the last check (NaN during warm-up). */
  lastZ: number;
  /** Growth of ‖g‖ over the growth window at the last check (NaN until the window is full). */
  lastGrowth: number;
  /** ‖g‖ of the last finite check. */
  lastFiniteNorm: number;
  /** Recent scalars. */
  ring: HealthRing;
  /** Scratch space for medians (same size as the ring). */
  scratch: Float64Array;
  /** Detector episodes. */
  episodes: HealthEpisodes;
  /** Last curvature probe: step (−1 if none), λmin, λmax, HVPs used. */
  curvatureStep: number;
  minEigenvalue: number;
  maxEigenvalue: number;
  curvatureHvps: number;
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
  const size = Math.max(th.growthWindow, th.plateauWindow, th.oscillationWindow, 32);
  return {
    step: 0,
    checks: 0,
    lastCheck: -1,
    loss: NaN,
    stats: createStats(params, trackDirection),
    logMean: 0,
    logVar: 0,
    logCount: 0,
    lastZ: NaN,
    lastGrowth: NaN,
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
    episodes: {
      vanishing: createEpisode(),
      exploding: createEpisode(),
      nonFinite: createEpisode(),
      plateau: createEpisode(),
      saddle: createEpisode(),
      oscillation: createEpisode(),
    },
    curvatureStep: -1,
    minEigenvalue: NaN,
    maxEigenvalue: NaN,
    curvatureHvps: 0,
  };
}

/** Index into the ring of entry k of the last `w` entries (k = 0 oldest). @example r.loss[ringIndex(r, 20, 0)] // oldest of the last 20 */
export function ringIndex(r: HealthRing, w: number, k: number): number {
  return (r.pos - w + k + r.size * 2) % r.size;
}

/**
 * Appends the current check's scalars (ln ‖g‖, loss, ‖g‖/max(‖p‖, 1), cosine) to the ring,
 * reading them from the state (doubles passed as arguments would be boxed on every call).
 * @example ringPush(state, trigger === TRIGGER_NONE)
 */
export function ringPush(s: HealthState, healthy: boolean): void {
  const r = s.ring;
  const st = s.stats;
  const i = r.pos;
  r.logNorm[i] = Math.log(Math.max(st.totalGradNorm, 1e-300));
  r.loss[i] = s.loss;
  r.relative[i] = st.totalGradNorm / Math.max(st.totalParamNorm, 1);
  r.cosine[i] = st.cosine;
  r.healthy[i] = healthy ? 1 : 0;
  r.pos = (i + 1) % r.size;
  if (r.count < r.size) r.count++;
}

/**
 * The recurrent cell of each recurrent layer, from its weightHh shape [G·H, H]: G = 1 tanh RNN,
 * 3 GRU, 4 LSTM. @internal
 * @example recurrentCells(lstm.namedParameters(), layerOf) // Map { 'l0' => 'lstm' }
 */
export function recurrentCells(
  params: Params,
  layerOfName: (n: string) => string,
): Map<string, 'rnn' | 'lstm' | 'gru'> {
  const out = new Map<string, 'rnn' | 'lstm' | 'gru'>();
  for (const [name, t] of Object.entries(params) as [string, Tensor][]) {
    if (!/weightHh_l\d+$/.test(name) || t.shape.length !== 2) continue;
    const gates = (t.shape[0] as number) / Math.max(1, t.shape[1] as number);
    out.set(layerOfName(name), gates === 4 ? 'lstm' : gates === 3 ? 'gru' : 'rnn');
  }
  return out;
}
