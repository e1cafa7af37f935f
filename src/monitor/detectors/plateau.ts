import type { Detector } from '../detector.js';
import { fmtNum, plateauRemedies } from '../remedies.js';
import { medianOf, ringIndex } from '../state.js';

/** Evidence of a `plateau` verdict. */
export interface PlateauEvidence {
  /** Mean loss over the first and second half of the window. */
  lossBefore: number;
  lossAfter: number;
  /** Relative change (lossBefore − lossAfter)/|lossBefore|. */
  relativeChange: number;
  /** Median ‖g‖/max(‖p‖, 1) over the window. */
  relativeGradient: number;
  window: number;
}

/** The plateau detector's thresholds. */
export interface PlateauThresholds {
  /** Window in checks (default 100). */
  plateauWindow: number;
  /** |Relative change| of the mean loss between the window's halves below this (default 0.01). */
  plateauLossChange: number;
  /** Median ‖g‖/max(‖p‖, 1) over the window below this (default 1e-3; healthy LSTM on the addition task 0.02, MNIST 0.085). */
  plateauGradient: number;
  /**
   * And the window's mean loss is at least this fraction of the initial level (the mean of the
   * first 5 finite checks' losses) (default 0.05): a run whose loss fell to near 0 has converged,
   * it is not stuck. Panel: the healthy Gaussian-mixture MLP with SGD momentum and a cosine
   * schedule converged (loss 3.99 → 4e-5, 99.6 %) and got `plateau` at step 289 before this rule.
   */
  plateauLossFloor: number;
}

/** Sum and count of the first finite checks' losses: the initial level. */
export interface PlateauRunning {
  startSum: number;
  startCount: number;
}

/** Finite checks whose mean loss is the initial level. */
const START = 5;

/** The plateau detector's measure. */
export interface PlateauMeasure {
  before: number;
  after: number;
  change: number;
  relative: number;
}

/**
 * `plateau`: over the last `plateauWindow` finite checks the mean loss of the second half
 * differs from the first half's by less than plateauLossChange (relatively), and the median
 * relative gradient ‖g‖/max(‖p‖, 1) is below plateauGradient, and the loss of the window's
 * second half is still at least plateauLossFloor × the initial level (a converged run is not
 * stuck) (null when the window is not full or a loss is missing).
 */
export const plateau: Detector<
  'plateau',
  PlateauEvidence,
  PlateauMeasure,
  PlateauThresholds,
  PlateauRunning
> = {
  kind: 'plateau',
  rank: 7,
  scope: 'model',
  finiteOnly: true,
  thresholds: {
    plateauWindow: { default: 100, range: { min: 4, integer: true } },
    plateauLossChange: { default: 0.01, range: { min: 0 } },
    plateauGradient: { default: 1e-3, range: { min: 0 } },
    plateauLossFloor: { default: 0.05, range: { min: 0 } },
  },
  ringWindow: (th) => th.plateauWindow,
  running: () => ({ startSum: 0, startCount: 0 }),
  measure(s, th, run) {
    const r = s.ring;
    const w = th.plateauWindow;
    if (r.count < w) return null;
    const h = w >> 1;
    let a = 0;
    let b = 0;
    let small = 0;
    for (let k = 0; k < w; k++) {
      const i = ringIndex(r, w, k);
      const l = r.loss[i] as number;
      if (!Number.isFinite(l)) return null;
      if (k < h) a += l;
      else if (k >= w - h) b += l;
      if ((r.relative[i] as number) < th.plateauGradient) small++;
    }
    // median < threshold ⟺ more than half of the window below it (no sort on quiet checks)
    if (2 * small <= w) return null;
    const before = a / h;
    const after = b / h;
    if (run.startCount > 0 && after < th.plateauLossFloor * (run.startSum / run.startCount))
      return null;
    const change = (before - after) / Math.max(Math.abs(before), 1e-300);
    if (!(Math.abs(change) < th.plateauLossChange)) return null;
    for (let k = 0; k < w; k++) s.scratch[k] = r.relative[ringIndex(r, w, k)] as number;
    return { before, after, change, relative: medianOf(s.scratch, w) };
  },
  fold(s, _th, run) {
    if (run.startCount < START && Number.isFinite(s.loss)) {
      run.startSum += s.loss;
      run.startCount++;
    }
  },
  patience: () => 1,
  cooldown: (th) => th.cooldown,
  verdict(s, m, th, _r, ctx) {
    return {
      kind: 'plateau',
      status: 'started',
      step: s.step,
      layers: [],
      severity: 'warning',
      message: `plateau: loss flat over ${th.plateauWindow} checks (${fmtNum(m.before)} → ${fmtNum(m.after)}, ${fmtNum(-100 * m.change)}%) with tiny gradients (median ‖g‖/max(‖p‖, 1) = ${fmtNum(m.relative)})`,
      evidence: {
        lossBefore: m.before,
        lossAfter: m.after,
        relativeChange: m.change,
        relativeGradient: m.relative,
        window: th.plateauWindow,
      },
      remedies: plateauRemedies(ctx),
    };
  },
};
