import type { Detector } from '../detector.js';
import { fmtNum, round2 } from '../remedies.js';
import { ringIndex, type HealthState } from '../state.js';
import type { Remedy } from '../types.js';

/** Evidence of a `lossSpike` verdict. */
export interface LossSpikeEvidence {
  /** The loss of this step. */
  loss: number;
  /** Mean and standard deviation of the loss over the trailing window (this step excluded). */
  mean: number;
  std: number;
  /** (loss − mean)/std. */
  zScore: number;
  window: number;
  /** The loss's rise over the window's mean, as a fraction of the mean ((loss − mean)/|mean|). */
  rise: number;
  /**
   * Layers whose gradient norm rose above `lossSpikeLayerFactor` × its running geometric mean at
   * this check or in the `lossSpikeLookback` checks before it, the one that spiked first first
   * (ties: the larger jump first): each with the step its gradient spike began, its largest
   * norm over the running mean in that spike (`peak`), and its norm over the running mean at
   * this check (`ratio`).
   */
  spiked: { layer: string; since: number; peak: number; ratio: number }[];
}

/** The lossSpike detector's thresholds. */
export interface LossSpikeThresholds {
  /** Trailing window of finite checks the loss is compared with (default 50). */
  lossSpikeWindow: number;
  /**
   * The loss is above mean + lossSpikeZ·std of the window … (default 6; the loss of a healthy
   * run's batches stays within ~4 std of its recent mean).
   */
  lossSpikeZ: number;
  /** … and above the mean by at least this fraction of |mean| (default 1: at least double). */
  lossSpikeRise: number;
  /** A layer's gradient has spiked when ‖g_l‖ > this × its running geometric mean (default 5). */
  lossSpikeLayerFactor: number;
  /**
   * Gradient spikes that ended up to this many checks before the loss spike still count (default
   * 5: a loss spike often follows the gradient spike that caused it by a step or two).
   */
  lossSpikeLookback: number;
}

/**
 * Per layer: EMA of ln ‖g_l‖ over the finite checks; the step its latest gradient spike began
 * (−1: none yet), the check index it was last above the factor, and that spike's peak ratio.
 */
export interface LossSpikeRunning {
  count: number;
  logMean: Float64Array;
  since: Float64Array;
  lastAbove: Float64Array;
  peak: Float64Array;
}

/** The lossSpike measure. */
export interface LossSpikeMeasure {
  mean: number;
  std: number;
}

/** EMA decay of the per-layer ln ‖g‖. */
const DECAY = 0.9;

/**
 * The layers whose gradient spiked at this check or in the `lossSpikeLookback` checks before it
 * (the fold has marked them), the earliest spike first, then the larger peak; the ratio is this
 * check's norm against the running mean with this check folded in.
 */
function spikedLayers(
  s: HealthState,
  r: LossSpikeRunning,
  lookback: number,
): LossSpikeEvidence['spiked'] {
  const out: LossSpikeEvidence['spiked'] = [];
  const names = s.stats.layerNames;
  // the fold of this check has run: r.count − 1 is this check's index
  const now = r.count - 1;
  for (let l = 0; l < names.length; l++) {
    const since = r.since[l] as number;
    if (since < 0 || now - (r.lastAbove[l] as number) > lookback) continue;
    const ratio = (s.stats.layerGradNorm[l] as number) / Math.exp(r.logMean[l] as number);
    out.push({ layer: names[l] as string, since, peak: r.peak[l] as number, ratio });
  }
  return out.sort((a, b) => a.since - b.since || b.peak - a.peak);
}

function remediesOf(
  spiked: LossSpikeEvidence['spiked'],
  lr: number | undefined,
  medianNorm: number,
): Remedy[] {
  const out: Remedy[] = [];
  const add = (text: string, action: Remedy['action'], why: string): void => {
    out.push({ rank: out.length + 1, text, action, why });
  };
  if (spiked.length > 0) {
    add(
      'clip.zClip({ zThreshold: 2.5 }) before the optimizer (adaptive: clips a norm that jumps above its running mean + 2.5 std)',
      { action: 'clip', kind: 'zClip', zThreshold: 2.5 },
      'the loss spike came with a gradient-norm spike; ZClip cuts such jumps relative to the recent norms, with no fixed threshold to tune (Kumar et al. 2025) — but where the gradient grows over many steps (full-batch training near a minimum, E18) it held the growth without removing the spikes, so compare a run with it against one at a lower lr',
    );
    add(
      'clip.spikeClip({ threshold: 5000 }) before the optimizer (element-wise: gᵢ² ≤ θ·vᵢ)',
      { action: 'clip', kind: 'spikeClip', threshold: 5000 },
      'SPAM clips the gradient entries far above their running second moment, the ones that become outsized Adam steps (Huang et al. 2025)',
    );
    const maxNorm = Number.isFinite(medianNorm) ? round2(medianNorm) : 1;
    add(
      `clip.byGlobalNorm(${fmtNum(maxNorm)}) (the median ‖g‖ of recent healthy checks)`,
      { action: 'clip', kind: 'globalNorm', maxNorm },
      'a fixed ceiling bounds the step the gradient spike causes (Pascanu et al. 2013)',
    );
  }
  addLr();
  add(
    'add learning-rate warmup (schedule.warmupCosine)',
    { action: 'schedule', kind: 'warmupCosine' },
    'a warmup keeps early steps small while the gradient statistics settle',
  );
  if (spiked.length === 0)
    add(
      'check the batch of this step (no layer’s gradient spiked)',
      { action: 'checkData' },
      'a loss spike without a gradient spike is an outsized optimizer step on a small second moment (E18) or a bad batch',
    );
  return out;

  function addLr(): void {
    add(
      lr !== undefined
        ? `lower lr to ${fmtNum(round2(lr / 3))} (from ${fmtNum(lr)})`
        : 'lower the learning rate 3×',
      lr !== undefined
        ? { action: 'lr', factor: 1 / 3, lr: round2(lr / 3) }
        : { action: 'lr', factor: 1 / 3 },
      'loss spikes in the middle of training are the classic sign of a step size at the edge of stability; with Adam a spike without a gradient spike is a step on a small √v, which clipping the gradient does not touch (E18)',
    );
  }
}

/**
 * `lossSpike`: the loss of a finite check is above mean + lossSpikeZ·std of the trailing
 * `lossSpikeWindow` checks and at least (1 + lossSpikeRise)·mean; the verdict names the layers
 * whose gradients spiked (‖g_l‖ > lossSpikeLayerFactor × their running geometric mean) at the
 * spike or in the `lossSpikeLookback` checks before it, the first to spike first — where the
 * trouble started — with each one's peak jump; remedies: ZClip, spike clipping, global-norm
 * clipping, a lower lr, warmup. Each spike is its own event (no cooldown). Opt-in: on the panel
 * (`gradscope panel --enable lossSpike`, 2026-12-06) it fired on two healthy runs whose tiny
 * batches' loss doubles near a loss of 0 (healthy/spiral-sgd-batch4-noisy,
 * healthy/spiral-tanh-nesterov-step); E18 (`loss-spikes`) switches it on.
 * @see Kumar et al., "ZClip", 2025 (loss spikes in LLM pre-training follow gradient-norm spikes).
 */
export const lossSpike: Detector<
  'lossSpike',
  LossSpikeEvidence,
  LossSpikeMeasure,
  LossSpikeThresholds,
  LossSpikeRunning
> = {
  kind: 'lossSpike',
  rank: 1.5,
  optIn: true,
  scope: 'model',
  finiteOnly: true,
  thresholds: {
    lossSpikeWindow: { default: 50, range: { min: 4, integer: true } },
    lossSpikeZ: { default: 6, range: { min: 0, minExclusive: true, allowInfinity: true } },
    lossSpikeRise: { default: 1, range: { min: 0 } },
    lossSpikeLayerFactor: { default: 5, range: { min: 1, minExclusive: true } },
    lossSpikeLookback: { default: 5, range: { min: 0, integer: true } },
  },
  // the window before this check, and this check
  ringWindow: (th) => th.lossSpikeWindow + 1,
  running: (stats) => ({
    count: 0,
    logMean: new Float64Array(stats.layerNames.length),
    since: new Float64Array(stats.layerNames.length).fill(-1),
    lastAbove: new Float64Array(stats.layerNames.length).fill(-1),
    peak: new Float64Array(stats.layerNames.length),
  }),
  measure(s, th) {
    const r = s.ring;
    const w = th.lossSpikeWindow;
    if (r.count < w + 1 || !Number.isFinite(s.loss)) return null;
    let sum = 0;
    for (let k = 0; k < w; k++) {
      const l = r.loss[ringIndex(r, w + 1, k)] as number;
      if (!Number.isFinite(l)) return null;
      sum += l;
    }
    const mean = sum / w;
    let ss = 0;
    for (let k = 0; k < w; k++) {
      const d = (r.loss[ringIndex(r, w + 1, k)] as number) - mean;
      ss += d * d;
    }
    const std = Math.sqrt(ss / w);
    const rise = s.loss - mean;
    return rise > th.lossSpikeZ * std && rise >= th.lossSpikeRise * Math.abs(mean)
      ? { mean, std }
      : null;
  },
  fold(s, th, r) {
    const L = s.stats.layerNames.length;
    const cap = Math.log(th.lossSpikeLayerFactor);
    for (let l = 0; l < L; l++) {
      const x = Math.log(Math.max(s.stats.layerGradNorm[l] as number, 1e-300));
      if (r.count === 0) {
        r.logMean[l] = x;
        continue;
      }
      const m = r.logMean[l] as number;
      if (x - m > cap) {
        // a new spike unless the layer was above the factor at the previous check
        if ((r.lastAbove[l] as number) !== r.count - 1) {
          r.since[l] = s.step;
          r.peak[l] = 0;
        }
        r.lastAbove[l] = r.count;
        r.peak[l] = Math.max(r.peak[l] as number, Math.exp(x - m));
      }
      // a spike is folded in clamped, so it does not hide the next one
      r.logMean[l] = DECAY * m + (1 - DECAY) * Math.min(x, m + cap);
    }
    r.count++;
  },
  patience: () => 1,
  // each spike is its own event: no cooldown (resolveAfter still keeps one verdict per excursion)
  cooldown: () => 0,
  verdict(s, m, th, r, ctx) {
    const spiked = spikedLayers(s, r, th.lossSpikeLookback);
    const z = (s.loss - m.mean) / m.std;
    const where =
      spiked.length === 0
        ? 'no layer’s gradient spiked'
        : `gradients spiked first in layer ${spiked[0]?.layer as string} (from step ${spiked[0]?.since as number}, ${fmtNum(round2(spiked[0]?.peak as number))}× its running norm)${
            spiked.length > 1
              ? `, then ${spiked
                  .slice(1, 4)
                  .map((x) => `${x.layer} (${fmtNum(round2(x.peak))}×)`)
                  .join(', ')}${spiked.length > 4 ? ` and ${spiked.length - 4} more` : ''}`
              : ''
          }`;
    return {
      kind: 'lossSpike',
      status: 'started',
      step: s.step,
      layers: spiked.map((x) => x.layer),
      severity: 'warning',
      message: `loss spike: ${fmtNum(s.loss)} against a mean of ${fmtNum(m.mean)} ± ${fmtNum(m.std)} over the last ${th.lossSpikeWindow} checks (z = ${fmtNum(z)}); ${where}`,
      evidence: {
        loss: s.loss,
        mean: m.mean,
        std: m.std,
        zScore: z,
        rise: (s.loss - m.mean) / Math.abs(m.mean),
        window: th.lossSpikeWindow,
        spiked,
      },
      remedies: remediesOf(spiked, ctx.lr, ctx.healthyMedianNorm),
    };
  },
};
