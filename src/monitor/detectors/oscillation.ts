import type { Detector } from '../detector.js';
import { fmtNum, oscillationRemedies } from '../remedies.js';
import { ringIndex } from '../state.js';

/** Evidence of an `oscillation` verdict. */
export interface OscillationEvidence {
  /** Which signal: loss differences alternating in sign, or successive gradients pointing opposite ways. */
  signal: 'loss' | 'gradient';
  /** Fraction of sign alternations of Δloss over the window (loss), or of negative cosines (gradient). */
  alternation: number;
  /** Mean |Δloss| (or ‖g‖) of the window's second half over its first half. */
  growth: number;
  /** Mean cosine between successive gradients over the window (NaN if not tracked). */
  meanCosine: number;
  window: number;
  /** Learning rate used for the remedy (the configured one, or the effective ‖Δp‖/‖g‖; NaN if unknown). */
  lr: number;
  /** Sharpness λmax of the last curvature probe (option `curvature`; NaN without one). */
  sharpness: number;
  /** Step of that probe (−1 without one). */
  sharpnessStep: number;
  /** λmax·lr/2: 1 is the edge of stability, where GD on the local quadratic stops contracting (NaN if unknown). */
  edgeRatio: number;
}

/**
 * λmax·lr/2 at or above this and the oscillation is put down to the edge of stability: the
 * sharpness has reached 2/lr (Cohen et al. 2021 find it hovering just above; 0.8 leaves room for
 * a probe taken some steps before the verdict and for the Lanczos estimate being a lower bound).
 */
export const EDGE_OF_STABILITY_RATIO = 0.8;

/** The sharpness evidence of the state's last curvature probe, at learning rate `lr`. */
function sharpnessOf(
  s: { curvatureStep: number; maxEigenvalue: number },
  lr: number | undefined,
): { sharpness: number; step: number; ratio: number } {
  const known = s.curvatureStep >= 0 && Number.isFinite(s.maxEigenvalue);
  const sharpness = known ? s.maxEigenvalue : NaN;
  const ratio =
    known && lr !== undefined && Number.isFinite(lr) && lr > 0 ? (sharpness * lr) / 2 : NaN;
  return { sharpness, step: known ? s.curvatureStep : -1, ratio };
}

/** The oscillation detector's thresholds. */
export interface OscillationThresholds {
  /** Window in checks (default 20). */
  oscillationWindow: number;
  /** Fraction of successive Δloss pairs that alternate in sign (default 0.9; iid noise gives ≈ 2/3). */
  oscillationAlternation: number;
  /** Mean |Δloss| of the window's second half over its first half (default 2). */
  oscillationGrowth: number;
  /** Mean cosine of successive gradients below −this … (default 0.5) */
  oscillationCosine: number;
  /** Consecutive checks (default 3). */
  oscillationPatience: number;
}

/** The oscillation detector's measure. */
export interface OscillationMeasure {
  signal: 'loss' | 'gradient';
  alternation: number;
  growth: number;
  meanCosine: number;
}

/**
 * `oscillation` over the last `oscillationWindow` finite checks, either
 * - loss: successive loss differences alternate in sign in ≥ oscillationAlternation of the pairs,
 *   their mean magnitude over the window's second half is ≥ oscillationGrowth × the first half's,
 *   and the upper envelope does not decrease (not a noisy descent); or
 * - gradient: successive gradients point opposite ways, cos(g_t, g_{t−1}) < 0 in
 *   ≥ oscillationAlternation of the checks with a mean below −oscillationCosine — the iterate
 *   bounces across a valley, the signature of lr > 2/λ along its steepest direction.
 *
 * With a curvature probe (option `curvature`), the verdict names the sharpness as its evidence:
 * λmax·lr/2 ≥ `EDGE_OF_STABILITY_RATIO` (0.8) is the edge of stability (Cohen et al., "Gradient
 * Descent on Neural Networks Typically Occurs at the Edge of Stability", ICLR 2021; E16), a
 * smaller ratio says the oscillation has another cause.
 */
export const oscillation: Detector<
  'oscillation',
  OscillationEvidence,
  OscillationMeasure,
  OscillationThresholds
> = {
  kind: 'oscillation',
  rank: 5,
  scope: 'model',
  finiteOnly: true,
  thresholds: {
    oscillationWindow: { default: 20, range: { min: 6, integer: true } },
    oscillationAlternation: { default: 0.9, range: { min: 0, max: 1 } },
    oscillationGrowth: { default: 2, range: { min: 1, allowInfinity: true } },
    oscillationCosine: { default: 0.5, range: { min: 0, max: 1 } },
    oscillationPatience: { default: 3, range: { min: 1, integer: true } },
  },
  ringWindow: (th) => th.oscillationWindow,
  running: () => ({}),
  measure(s, th) {
    const r = s.ring;
    const w = th.oscillationWindow;
    if (r.count < w) return null;
    // gradient direction
    let neg = 0;
    let sumCos = 0;
    let haveCos = true;
    for (let k = 0; k < w; k++) {
      const c = r.cosine[ringIndex(r, w, k)] as number;
      if (Number.isNaN(c)) {
        haveCos = false;
        break;
      }
      if (c < 0) neg++;
      sumCos += c;
    }
    const meanCosine = haveCos ? sumCos / w : NaN;
    // loss alternation
    let lossOk = true;
    let flips = 0;
    let firstAmp = 0;
    let secondAmp = 0;
    const nd = w - 1;
    const half = nd >> 1;
    let prevD = 0;
    for (let k = 0; k < nd; k++) {
      const l0 = r.loss[ringIndex(r, w, k)] as number;
      const l1 = r.loss[ringIndex(r, w, k + 1)] as number;
      if (!Number.isFinite(l0) || !Number.isFinite(l1)) {
        lossOk = false;
        break;
      }
      const d = l1 - l0;
      if (k > 0 && d * prevD < 0) flips++;
      if (k < half) firstAmp += Math.abs(d);
      else if (k >= nd - half) secondAmp += Math.abs(d);
      prevD = d;
    }
    if (lossOk) {
      const alternation = flips / (nd - 1);
      const growth = secondAmp / Math.max(firstAmp, 1e-300);
      const l = r.loss;
      const envelopeUp =
        Math.max(l[ringIndex(r, w, w - 1)] as number, l[ringIndex(r, w, w - 2)] as number) >=
        Math.max(l[ringIndex(r, w, 0)] as number, l[ringIndex(r, w, 1)] as number);
      if (
        alternation >= th.oscillationAlternation &&
        growth >= th.oscillationGrowth &&
        envelopeUp
      ) {
        return { signal: 'loss', alternation, growth, meanCosine };
      }
    }
    if (haveCos && neg / w >= th.oscillationAlternation && meanCosine < -th.oscillationCosine) {
      const q = Math.max(1, w >> 2);
      let a = 0;
      let b = 0;
      for (let k = 0; k < q; k++) {
        a += r.logNorm[ringIndex(r, w, k)] as number;
        b += r.logNorm[ringIndex(r, w, w - 1 - k)] as number;
      }
      return {
        signal: 'gradient',
        alternation: neg / w,
        growth: Math.exp((b - a) / q),
        meanCosine,
      };
    }
    return null;
  },
  patience: (th) => th.oscillationPatience,
  cooldown: (th) => th.cooldown,
  verdict(s, m, th, _r, ctx) {
    const lr = ctx.lr ?? ctx.effectiveLr;
    const what =
      m.signal === 'loss'
        ? `loss alternates up/down in ${fmtNum(100 * m.alternation)}% of steps with amplitude growing ${fmtNum(m.growth)}×`
        : `successive gradients point opposite ways (mean cos = ${fmtNum(m.meanCosine)})`;
    const sh = sharpnessOf(s, lr);
    const why = !Number.isFinite(sh.ratio)
      ? 'the learning rate is too high'
      : sh.ratio >= EDGE_OF_STABILITY_RATIO
        ? `sharpness λmax = ${fmtNum(sh.sharpness)} (step ${sh.step}) ≈ ${fmtNum(sh.ratio)} × 2/lr = ${fmtNum(2 / (lr as number))}: the edge of stability (Cohen et al. 2021), where gradient descent bounces along the top Hessian direction; the learning rate is at its stability limit`
        : `the learning rate is too high (sharpness λmax = ${fmtNum(sh.sharpness)} at step ${sh.step} is only ${fmtNum(sh.ratio)} × 2/lr: not the edge of stability)`;
    return {
      kind: 'oscillation',
      status: 'started',
      step: s.step,
      layers: [],
      severity: 'warning',
      message: `oscillation over ${th.oscillationWindow} checks: ${what} — ${why}`,
      evidence: {
        signal: m.signal,
        alternation: m.alternation,
        growth: m.growth,
        meanCosine: m.meanCosine,
        window: th.oscillationWindow,
        lr: lr ?? NaN,
        sharpness: sh.sharpness,
        sharpnessStep: sh.step,
        edgeRatio: sh.ratio,
      },
      remedies: oscillationRemedies(ctx, sh.sharpness),
    };
  },
};
