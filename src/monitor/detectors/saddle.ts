import type { Detector } from '../detector.js';
import { fmtNum, saddleRemedies } from '../remedies.js';

/** Evidence of a `saddle` verdict. */
export interface SaddleEvidence {
  /** Most negative and largest Hessian eigenvalue estimates (Lanczos on exact HVPs). */
  minEigenvalue: number;
  maxEigenvalue: number;
  /**
   * Their Lanczos residuals ‖Hy − θy‖: an eigenvalue lies within each (NaN when the probe's
   * residuals are unknown).
   */
  minResidual: number;
  maxResidual: number;
  /** ‖g‖ and ‖g‖/max(‖p‖, 1) at the probe. */
  gradNorm: number;
  relativeGradient: number;
  /** Hessian-vector products used. */
  hvps: number;
}

/** The saddle detector's thresholds. */
export interface SaddleThresholds {
  /**
   * ‖g‖/max(‖p‖, 1) below this at a curvature probe (default 1e-3) … and the most negative
   * Hessian eigenvalue below −saddleCurvature·|λmax|. @see Jin et al., "How to Escape Saddle
   * Points Efficiently", ICML 2017 (ε-second-order stationarity).
   */
  saddleGradient: number;
  /** Relative size of the negative curvature, |λmin|/|λmax| at least this (default 1e-2). */
  saddleCurvature: number;
}

/**
 * `saddle`: at a curvature probe (option `curvature`; its eigenvalues are part of the check's
 * observation), a small gradient with clearly negative curvature.
 */
export const saddle: Detector<'saddle', SaddleEvidence, true, SaddleThresholds> = {
  kind: 'saddle',
  rank: 6,
  scope: 'model',
  finiteOnly: true,
  thresholds: {
    saddleGradient: { default: 1e-3, range: { min: 0, allowInfinity: true } },
    saddleCurvature: { default: 1e-2, range: { min: 0 } },
  },
  running: () => ({}),
  applies: (s) => s.curvatureStep === s.step,
  measure(s, th) {
    const st = s.stats;
    const rel = st.totalGradNorm / Math.max(st.totalParamNorm, 1);
    const scale = Math.max(Math.abs(s.maxEigenvalue), Math.abs(s.minEigenvalue));
    return rel < th.saddleGradient &&
      s.minEigenvalue < 0 &&
      -s.minEigenvalue >= th.saddleCurvature * scale
      ? true
      : null;
  },
  patience: () => 1,
  cooldown: (th) => th.cooldown,
  verdict(s, _m, _th, _r, ctx) {
    const st = s.stats;
    const rel = st.totalGradNorm / Math.max(st.totalParamNorm, 1);
    return {
      kind: 'saddle',
      status: 'started',
      step: s.step,
      layers: [],
      severity: 'info',
      message: `saddle point: ‖g‖ = ${fmtNum(st.totalGradNorm)} with negative curvature λmin = ${fmtNum(s.minEigenvalue)} (±${fmtNum(s.minEigenResidual)}; λmax = ${fmtNum(s.maxEigenvalue)})`,
      evidence: {
        minEigenvalue: s.minEigenvalue,
        maxEigenvalue: s.maxEigenvalue,
        minResidual: s.minEigenResidual,
        maxResidual: s.maxEigenResidual,
        gradNorm: st.totalGradNorm,
        relativeGradient: rel,
        hvps: s.curvatureHvps,
      },
      remedies: saddleRemedies(ctx, st.totalGradNorm),
    };
  },
};
