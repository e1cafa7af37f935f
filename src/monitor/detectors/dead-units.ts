import type { Detector } from '../detector.js';
import { deadUnitsRemedies, fmtNum } from '../remedies.js';

/** Evidence of a `deadUnits` verdict. */
export interface DeadUnitsEvidence {
  /** The ReLU module. */
  module: string;
  /** Fraction and number of units zero on every sample of the last `window` checks. */
  deadFraction: number;
  deadUnits: number;
  width: number;
  window: number;
  /** Mean output of the layer. */
  mean: number;
}

/** The deadUnits detector's thresholds. */
export interface DeadUnitsThresholds {
  /** A unit is dead when its output was 0 on every sample of this many consecutive checks (default 20; the probes' measure reads it). */
  deadWindow: number;
  /**
   * Fraction of dead units of a ReLU layer at or above this (default 0.5). Calibrated: healthy
   * He+ReLU MNIST/Adam ≤ 0.09 per batch; 30-layer Xavier ReLU top layers 0.7–0.8.
   */
  deadFraction: number;
}

/**
 * `deadUnits`, per ReLU probe: at least deadFraction of its units output 0 on every sample of
 * `deadWindow` consecutive checks (the probe's measure counts the runs).
 * @see Lu et al., "Dying ReLU and Initialization", 2019.
 */
export const deadUnits: Detector<'deadUnits', DeadUnitsEvidence, true, DeadUnitsThresholds> = {
  kind: 'deadUnits',
  rank: 4,
  scope: 'probe',
  finiteOnly: false,
  thresholds: {
    deadWindow: { default: 20, range: { min: 1, integer: true } },
    deadFraction: { default: 0.5, range: { min: 0, max: 1, minExclusive: true } },
  },
  running: () => ({}),
  applies: (s, u) => {
    const p = s.probes[u];
    return p !== undefined && p.observed === 1 && p.kind === 'relu';
  },
  measure: (s, th, _r, u) => ((s.probes[u]?.deadFraction ?? NaN) >= th.deadFraction ? true : null),
  patience: () => 1,
  cooldown: (th) => th.cooldown,
  verdict(s, _m, th, _r, ctx, u) {
    const p = s.probes[u] as (typeof s.probes)[number];
    const dead = Math.round(p.deadFraction * p.width);
    const where = p.layer === '' ? `ReLU ${p.module}` : `ReLU ${p.module} (after layer ${p.layer})`;
    return {
      kind: 'deadUnits',
      status: 'started',
      step: s.step,
      layers: [p.layer === '' ? p.module : p.layer],
      severity: p.deadFraction >= 0.99 ? 'critical' : 'warning',
      message: `dead units in ${where}: ${dead} of ${p.width} units (${fmtNum(100 * p.deadFraction)}%) output 0 on every sample for ${th.deadWindow} checks`,
      evidence: {
        module: p.module,
        deadFraction: p.deadFraction,
        deadUnits: dead,
        width: p.width,
        window: th.deadWindow,
        mean: p.mean,
      },
      remedies: deadUnitsRemedies(ctx, p.layer),
    };
  },
};
