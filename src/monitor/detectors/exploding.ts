import type { Detector } from '../detector.js';
import { formatLayers } from '../layers.js';
import { explodingRemedies, fmtNum } from '../remedies.js';
import { recentMedianNorm, ringIndex, type HealthState } from '../state.js';

/** Evidence of an `exploding` verdict. */
export interface ExplodingEvidence {
  /** Which rule fired. */
  trigger: 'spike' | 'growth' | 'ceiling' | 'update' | 'loss';
  /** ‖g‖ over all parameters at this step. */
  totalNorm: number;
  /** Geometric running mean of ‖g‖ before this step (NaN during warm-up). */
  runningNorm: number;
  /** z-score of log ‖g‖ against the running statistics (NaN during warm-up). */
  zScore: number;
  /** Growth of ‖g‖ over the growth window (NaN if not enough history). */
  growth: number;
  /** ‖g‖ / max(‖p‖, 1). */
  relativeNorm: number;
  /** ‖Δp‖/‖p‖ of the previous update (NaN when unknown). */
  updateRatio: number;
  /** Median ‖g‖ of the recent finite checks (the suggested clipping threshold). */
  medianNorm: number;
  /** Layers in depth order with the largest gradient norms first (at most 3). */
  topLayers: { layer: string; norm: number }[];
}

/** The exploding detector's thresholds. */
export interface ExplodingThresholds {
  /**
   * z-score of log ‖g‖ against its running (EMA) mean and variance above this … (default 4;
   * healthy MNIST/Adam peaks at 4.3, LSTM at 2.3 — hence also `spikeFactor`).
   * @see Kumar et al., "ZClip: Adaptive Spike Mitigation for LLM Pre-Training", 2025 (z-scores of the gradient norm against EMA statistics).
   */
  spikeZ: number;
  /**
   * … and ‖g‖ above this multiple of the larger of the running geometric mean and the early one
   * (the mean of ln ‖g‖ over the `warmup` checks) (default 100). Panel (panel/panel.json): the
   * healthy GRU and LSTM on temporal order with Adam jump 70× and 27× their running mean while
   * they learn the task (loss 1.39 → 0.001, 100 %), so 10 (the former default) fired there; the
   * LSTM jumped 400× its running mean at step 337, when its gradients had shrunk to 0.01 at
   * convergence, but only ≈ 8× its early scale — hence the early mean in the baseline. Harmful
   * spikes also show in the loss (rule `loss`) or in the step (rule `update`).
   */
  spikeFactor: number;
  /** Decay of the EMA of log ‖g‖ and its variance (default 0.95). */
  emaDecay: number;
  /** Checks of plain averaging before z-scores count (default 10). */
  warmup: number;
  /** Window (checks) of the sustained-growth rule (default 20). */
  growthWindow: number;
  /** Mean ‖g‖ of the window's last quarter over its first quarter above this (default 100; healthy ≤ 6). */
  growthFactor: number;
  /**
   * ‖g‖ > gradCeiling · max(‖p‖, 1) (default 100). Calibrated: healthy MLPs 0.03–0.1, LSTM 0.3;
   * tanh RNN with recurrent spectral radius 3 on the addition task 2e4 at step 1.
   */
  gradCeiling: number;
  /**
   * One update moved the parameters by more than this fraction of their norm,
   * ‖Δp‖ > updateCeiling·max(‖p_before‖, 1) (default 1; healthy runs ~1e-3, Karpathy's rule of
   * thumb; the tanh RNN with spectral radius 3 and SGD lr 0.01: 190).
   */
  updateCeiling: number;
  /**
   * The loss is above this multiple of its initial level, the mean of the first 5 finite checks'
   * losses (default 5). Panel: the spiral with SGD momentum 2 (issue 20's missed
   * explosion) reaches 9× its initial loss at step 9 and 16× at step 11, when no gradient rule
   * had fired yet (the first came at step 21); the healthy runs' largest batch loss is ≤ 2.6×
   * their initial level (the noisy batch-4 spiral).
   */
  lossCeiling: number;
  /**
   * The global 2-norm a clip after the monitor in the chain bounds the gradients to (the
   * `normBound` of a `clip.byGlobalNorm(c)`: c), 0 when there is none. The chain tells the monitor
   * when it is built (`boundedAfter`); set it by hand for a clip the chain cannot see. The spike
   * rule judges the gradient the optimizer receives, min(‖g‖, clipNorm): a spike the clip absorbs
   * moves the parameters no further than a step of norm clipNorm, as torch.nn.utils.clip_grad_norm_
   * and optax.clip_by_global_norm users expect. Panel: the healthy LSTM on temporal order (Adam,
   * clip at 1, 100 %) has batches whose ‖g‖ jumps to 58 (175× its running mean, step 321) or 322
   * (435×, another float32 trajectory); clipped to 1 that is 3× (1.35×) its running mean, and the
   * loss after the step stays at its level (0.34 after 0.32). The ceiling, update, growth and loss
   * rules still read the raw ‖g‖, the step and the loss.
   */
  clipNorm: number;
}

/** Running statistics of ln ‖g‖ over the finite checks, and the last check's z-score and growth. */
export interface ExplodingRunning {
  /** EMA mean and variance of ln ‖g‖, and the number of finite checks folded in. */
  logMean: number;
  logVar: number;
  logCount: number;
  /** z-score of ln ‖g‖ at the last check (NaN during warm-up). */
  lastZ: number;
  /** Growth of ‖g‖ over the growth window at the last check (NaN until the window is full). */
  lastGrowth: number;
  /** Mean of ln ‖g‖ over the first `warmup` checks (NaN before), the early gradient scale. */
  warmLogMean: number;
  /** Sum and count of the losses of the first 5 finite checks: the initial loss level. */
  lossSum: number;
  lossCount: number;
}

/** Exploding rules, as returned by the measure. */
export const TRIGGER_SPIKE = 1;
export const TRIGGER_GROWTH = 2;
export const TRIGGER_CEILING = 3;
export const TRIGGER_UPDATE = 4;
export const TRIGGER_LOSS = 5;

/** Finite checks whose mean loss is the initial level of the `loss` rule. */
const LOSS_START = 5;

/** The names of the exploding rules, indexed by trigger code. */
export const TRIGGER_NAMES = ['none', 'spike', 'growth', 'ceiling', 'update', 'loss'] as const;

function lnNorm(s: HealthState): number {
  return Math.log(Math.max(s.stats.totalGradNorm, 1e-300));
}

/** The gradient norm the optimizer receives: ‖g‖, or the clip's bound when a clip follows. */
function appliedNorm(norm: number, th: ExplodingThresholds): number {
  return th.clipNorm > 0 ? Math.min(norm, th.clipNorm) : norm;
}

/** z-score of this check against the running statistics (NaN during warm-up). */
function zScore(s: HealthState, th: ExplodingThresholds, r: ExplodingRunning): number {
  return r.logCount >= th.warmup
    ? (lnNorm(s) - r.logMean) / Math.max(Math.sqrt(r.logVar), 1e-12)
    : NaN;
}

/** Growth of ‖g‖ over the window ending at this check (the ring holds it already), NaN if short. */
function growthOf(s: HealthState, th: ExplodingThresholds, run: ExplodingRunning): number {
  const r = s.ring;
  const w = th.growthWindow;
  if (r.count < w) return NaN;
  const q = Math.max(1, Math.floor(w / 4));
  let first = 0;
  for (let k = 0; k < q; k++) first += r.logNorm[ringIndex(r, w, k)] as number;
  let last = r.logNorm[ringIndex(r, w, w - 1)] as number;
  for (let k = w - q; k < w - 1; k++) last += r.logNorm[ringIndex(r, w, k)] as number;
  // from at least the early gradient scale once the window is past the warm-up: gradients that
  // shrank at convergence and come back are not exploding (panel: the healthy LSTM on temporal
  // order, 212× from 0.007 at step 343)
  const late = !Number.isNaN(run.warmLogMean) && run.logCount > th.warmup + w;
  const from = late ? Math.max(first / q, run.warmLogMean) : first / q;
  return Math.exp(last / q - from);
}

/**
 * `exploding`. Rules, strongest first:
 * - ceiling: ‖g‖ > gradCeiling·max(‖p‖, 1);
 * - update: the previous update moved the parameters by more than updateCeiling·max(‖p_before‖, 1)
 *   (the max keeps zero- or tiny-initialized models, such as a logistic regression started at 0,
 *   from tripping it on their first steps);
 * - spike: z = (ln ‖g‖ − m)/s > spikeZ and the norm the optimizer receives, min(‖g‖, clipNorm)
 *   (‖g‖ without a clip after the monitor), > spikeFactor·eᵐ, with m, s² the EMA mean and
 *   variance of ln ‖g‖ (after `warmup` checks of plain averaging): a spike that a global-norm
 *   clip later in the chain absorbs is not an explosion;
 * - growth: the mean of ln ‖g‖ over the last quarter of the growth window exceeds the first
 *   quarter's by ln growthFactor;
 * - loss: the loss is above lossCeiling × its initial level (the mean over the first 5 finite
 *   checks): the run diverges even when the gradient stays bounded (saturated tanh units
 *   under SGD momentum 2 — issue 20).
 * The fold clamps the value it folds in to m + spikeZ·s, so one spike does not inflate the
 * statistics (as ZClip does); a check where a rule fired is marked unhealthy in the ring.
 * @see Pascanu, Mikolov & Bengio, ICML 2013.
 */
export const exploding: Detector<
  'exploding',
  ExplodingEvidence,
  number,
  ExplodingThresholds,
  ExplodingRunning
> = {
  kind: 'exploding',
  rank: 1,
  scope: 'model',
  finiteOnly: true,
  event: 'spike',
  thresholds: {
    spikeZ: { default: 4, range: { min: 0, minExclusive: true, allowInfinity: true } },
    spikeFactor: { default: 100, range: { min: 1, allowInfinity: true } },
    emaDecay: { default: 0.95, range: { min: 0, max: 1, maxExclusive: true } },
    warmup: { default: 10, range: { min: 1, integer: true } },
    growthWindow: { default: 20, range: { min: 4, integer: true } },
    growthFactor: { default: 100, range: { min: 1, minExclusive: true, allowInfinity: true } },
    gradCeiling: { default: 100, range: { min: 0, minExclusive: true, allowInfinity: true } },
    updateCeiling: { default: 1, range: { min: 0, minExclusive: true, allowInfinity: true } },
    lossCeiling: { default: 5, range: { min: 1, minExclusive: true, allowInfinity: true } },
    clipNorm: { default: 0, range: { min: 0 } },
  },
  ringWindow: (th) => th.growthWindow,
  running: () => ({
    logMean: 0,
    logVar: 0,
    logCount: 0,
    lastZ: NaN,
    lastGrowth: NaN,
    warmLogMean: NaN,
    lossSum: 0,
    lossCount: 0,
  }),
  measure(s, th, r) {
    const st = s.stats;
    const norm = st.totalGradNorm;
    if (norm > th.gradCeiling * Math.max(st.totalParamNorm, 1)) return TRIGGER_CEILING;
    if (st.updateFresh && st.totalUpdateNorm > th.updateCeiling * Math.max(st.totalBeforeNorm, 1))
      return TRIGGER_UPDATE;
    const base = Number.isNaN(r.warmLogMean) ? r.logMean : Math.max(r.logMean, r.warmLogMean);
    if (zScore(s, th, r) > th.spikeZ && appliedNorm(norm, th) > th.spikeFactor * Math.exp(base))
      return TRIGGER_SPIKE;
    if (growthOf(s, th, r) > th.growthFactor) return TRIGGER_GROWTH;
    return r.lossCount >= LOSS_START && s.loss > th.lossCeiling * (r.lossSum / r.lossCount)
      ? TRIGGER_LOSS
      : null;
  },
  fold(s, th, r, m) {
    r.lastZ = zScore(s, th, r);
    r.lastGrowth = growthOf(s, th, r);
    if (m !== null) s.ring.healthy[ringIndex(s.ring, 1, 0)] = 0;
    const x = lnNorm(s);
    const n = r.logCount;
    if (n === 0) {
      r.logMean = x;
      r.logVar = 0;
    } else if (n < th.warmup) {
      const d = x - r.logMean;
      r.logMean += d / (n + 1);
      r.logVar += (d * (x - r.logMean) - r.logVar) / (n + 1);
    } else {
      const xc = Math.min(x, r.logMean + th.spikeZ * Math.sqrt(r.logVar));
      const b = th.emaDecay;
      const d = xc - r.logMean;
      r.logMean += (1 - b) * d;
      r.logVar = b * (r.logVar + (1 - b) * d * d);
    }
    r.logCount = n + 1;
    if (r.logCount === th.warmup) r.warmLogMean = r.logMean;
    if (r.lossCount < LOSS_START && Number.isFinite(s.loss)) {
      r.lossSum += s.loss;
      r.lossCount++;
    }
  },
  patience: () => 1,
  cooldown: (th) => th.cooldown,
  verdict(s, trigger, th, r, ctx) {
    const st = s.stats;
    const name = TRIGGER_NAMES[trigger] as ExplodingEvidence['trigger'];
    const norm = st.totalGradNorm;
    const rel = norm / Math.max(st.totalParamNorm, 1);
    // the fold has run: the running mean includes this check (clamped), as it always has
    const runningNorm = r.logCount > 1 ? Math.exp(r.logMean) : NaN;
    const medianNorm = recentMedianNorm(s, false);
    const order = Array.from(st.layerGradNorm, (n, l) => ({
      layer: st.layerNames[l] as string,
      norm: n,
    }));
    order.sort((a, b) => b.norm - a.norm);
    // the layers carrying the explosion: within 10× of the largest, at most three
    const top = order[0]?.norm ?? 0;
    const topLayers = order.filter((x, i) => i === 0 || x.norm >= 0.1 * top).slice(0, 3);
    const why =
      name === 'ceiling'
        ? `‖g‖ = ${fmtNum(norm)} is ${fmtNum(rel)}× max(‖p‖, 1)`
        : name === 'update'
          ? `the last update moved the parameters by ${fmtNum(st.totalUpdateRatio)}× their norm`
          : name === 'loss'
            ? `the loss ${fmtNum(s.loss)} is ${fmtNum(s.loss / (r.lossSum / r.lossCount))}× its initial level`
            : name === 'spike'
              ? `‖g‖ = ${fmtNum(norm)} jumped to ${fmtNum(norm / runningNorm)}× its running mean (z = ${fmtNum(r.lastZ)})`
              : `‖g‖ grew ${fmtNum(r.lastGrowth)}× over the growth window (now ${fmtNum(norm)})`;
    return {
      kind: 'exploding',
      status: 'started',
      step: s.step,
      layers: topLayers.map((t) => t.layer),
      severity: name === 'spike' || name === 'growth' ? 'warning' : 'critical',
      message: `exploding gradients (${name}): ${why}; largest in ${formatLayers(
        topLayers.map((t) => t.layer),
        [],
      )}`,
      evidence: {
        trigger: name,
        totalNorm: norm,
        runningNorm,
        zScore: r.lastZ,
        growth: r.lastGrowth,
        relativeNorm: rel,
        updateRatio: st.totalUpdateRatio,
        medianNorm,
        topLayers,
      },
      remedies: explodingRemedies(
        ctx,
        topLayers.map((t) => t.layer),
        medianNorm,
        th.clipNorm,
      ),
    };
  },
};
