import type { Detector } from '../detector.js';
import { fmtNum, saturatedRemedies } from '../remedies.js';

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
  SaturatedThresholds
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
  },
  running: () => ({}),
  applies: (s, u) => {
    const p = s.probes[u];
    return p !== undefined && p.observed === 1 && p.kind !== 'relu';
  },
  measure(s, th, _r, u) {
    const p = s.probes[u];
    if (p === undefined) return null;
    if (p.saturation >= th.saturationFraction) return 'tails';
    if (p.kind === 'sigmoid') {
      const m = p.mean;
      const m0 = p.firstMean;
      if (m < th.collapseMean && m <= (1 - th.collapseShift) * m0) return 'collapse';
      if (1 - m < th.collapseMean && 1 - m <= (1 - th.collapseShift) * (1 - m0)) return 'collapse';
    }
    return null;
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
