import type { Detector } from '../detector.js';
import { fmtNum, saturatedRemedies } from '../remedies.js';
import { ringIndex, type HealthState } from '../state.js';

/** Evidence of a `saturated` verdict. */
export interface SaturatedEvidence {
  /** The activation module and its kind. */
  module: string;
  activation: 'tanh' | 'sigmoid';
  /** Fraction of outputs in the flat tails (tanh |a| > 0.99, sigmoid a < 0.01 or a > 0.99). */
  saturation: number;
  /** Mean output now and at the first check. */
  mean: number;
  initialMean: number;
  /** Mean slope relative to the peak slope (1 linear, → 0 saturated). */
  gain: number;
  /** Which rule fired: 'tails' (hard saturation fraction) or 'collapse' (sigmoid mean pushed to 0 or 1). */
  rule: 'tails' | 'collapse';
}

/** The saturated detector's thresholds. */
export interface SaturatedThresholds {
  /**
   * Fraction of outputs in the flat tails (tanh |a| > 0.99, sigmoid outside [0.01, 0.99]) at or
   * above this (default 0.5; a healthy Xavier+tanh MNIST MLP reaches 0.39 at lr 0.1).
   * @see Glorot & Bengio, AISTATS 2010, §3 (saturation of the top hidden layer).
   */
  saturationFraction: number;
  /**
   * Sigmoid: the mean output within this distance of 0 or 1 … (default 0.15; σ' there is ≤ half
   * its peak) — Glorot & Bengio's top hidden layer is pushed towards 0 (E7b: 0.063 after 2000
   * updates, from 0.5).
   */
  collapseMean: number;
  /** Sigmoid: … and moved at least this fraction of the way from its initial mean to that end (default 0.7, Glorot & Bengio's "< 0.3× initial"). */
  collapseShift: number;
  /** Consecutive checks (default 20). */
  saturationPatience: number;
  /**
   * Rule 'tails' counts only while the loss is still at least this fraction of its initial
   * level — the mean of the last 20 finite checks' losses over the mean of the first 5
   * (default 0.5; with no loss given the rule counts as before). Saturation that does not stop
   * learning is no alarm. Panel (panel/panel.json): issue 20's 10-layer tanh + Xavier MLP on
   * MNIST with SGD momentum 0.9 has 58–75 % of its first layer's outputs in the tails from step
   * ~180 while its loss is at 0.2–0.43× its initial level (it reaches 85 %); the broken runs
   * (weights N(0, 1) tanh, N(0, 3²) sigmoid) saturate 73–85 % with the loss at ≥ 0.7×.
   */
  saturationLossRatio: number;
}

/** The initial loss level (sum and count of the first finite checks' losses) and the last step folded. */
export interface SaturatedRunning {
  startSum: number;
  startCount: number;
  lastStep: number;
}

/** Recent mean loss over the initial level (NaN when either is unknown). */
function lossRatio(s: HealthState, r: SaturatedRunning): number {
  const ring = s.ring;
  const w = Math.min(20, ring.count);
  if (w === 0 || r.startCount === 0) return NaN;
  let sum = 0;
  for (let k = 0; k < w; k++) sum += ring.loss[ringIndex(ring, w, k)] as number;
  return sum / w / (r.startSum / r.startCount);
}

/**
 * `saturated`, per tanh/sigmoid probe: 'tails' when at least saturationFraction of its outputs
 * sit in the flat tails; 'collapse' (sigmoid) when its mean output is within collapseMean of 0
 * or 1 and has moved at least collapseShift of the way there from its first observed mean (the
 * top-layer collapse of Glorot & Bengio 2010).
 * @see Glorot & Bengio, AISTATS 2010, §3.
 */
export const saturated: Detector<
  'saturated',
  SaturatedEvidence,
  'tails' | 'collapse',
  SaturatedThresholds,
  SaturatedRunning
> = {
  kind: 'saturated',
  rank: 3,
  scope: 'probe',
  finiteOnly: false,
  thresholds: {
    saturationFraction: { default: 0.5, range: { min: 0, max: 1, minExclusive: true } },
    collapseMean: { default: 0.15, range: { min: 0, max: 0.5 } },
    collapseShift: { default: 0.7, range: { min: 0, max: 1 } },
    saturationPatience: { default: 20, range: { min: 1, integer: true } },
    saturationLossRatio: { default: 0.5, range: { min: 0 } },
  },
  running: () => ({ startSum: 0, startCount: 0, lastStep: -1 }),
  applies: (s, u) => {
    const p = s.probes[u];
    return p !== undefined && p.observed === 1 && p.kind !== 'relu';
  },
  measure(s, th, r, u) {
    const p = s.probes[u];
    if (p === undefined) return null;
    if (p.saturation >= th.saturationFraction && !(lossRatio(s, r) < th.saturationLossRatio))
      return 'tails';
    if (p.kind === 'sigmoid') {
      const m = p.mean;
      const m0 = p.firstMean;
      if (m < th.collapseMean && m <= (1 - th.collapseShift) * m0) return 'collapse';
      if (1 - m < th.collapseMean && 1 - m <= (1 - th.collapseShift) * (1 - m0)) return 'collapse';
    }
    return null;
  },
  // once per check (the fold runs for every probe)
  fold(s, _th, r) {
    if (r.lastStep === s.step) return;
    r.lastStep = s.step;
    if (r.startCount < 5 && s.finite === 1 && Number.isFinite(s.loss)) {
      r.startSum += s.loss;
      r.startCount++;
    }
  },
  patience: (th) => th.saturationPatience,
  cooldown: (th) => th.cooldown,
  verdict(s, rule, _th, _r, ctx, u) {
    const p = s.probes[u] as (typeof s.probes)[number];
    const kind = p.kind as 'tanh' | 'sigmoid';
    const where =
      p.layer === '' ? `${kind} ${p.module}` : `${kind} ${p.module} (after layer ${p.layer})`;
    const why =
      rule === 'tails'
        ? `${fmtNum(100 * p.saturation)}% of its outputs in the flat tails`
        : `mean output ${fmtNum(p.mean)} (was ${fmtNum(p.firstMean)}), pushed to the ${p.mean < 0.5 ? 'lower' : 'upper'} end`;
    return {
      kind: 'saturated',
      status: 'started',
      step: s.step,
      layers: [p.layer === '' ? p.module : p.layer],
      severity: 'warning',
      message: `saturated ${where}: ${why}; mean slope ${fmtNum(100 * p.gain)}% of the peak`,
      evidence: {
        module: p.module,
        activation: kind,
        saturation: p.saturation,
        mean: p.mean,
        initialMean: p.firstMean,
        gain: p.gain,
        rule,
      },
      remedies: saturatedRemedies(ctx, p.layer, kind),
    };
  },
};
