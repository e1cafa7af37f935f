import type { Detector } from '../detector.js';
import { formatLayers } from '../layers.js';
import { fmtNum, vanishingRemedies } from '../remedies.js';

/** Evidence of a `vanishing` verdict. */
export interface VanishingEvidence {
  /** ‖g‖ of the first layer / ‖g‖ of the last layer. */
  ratio: number;
  /** First and last layer names and gradient norms. */
  firstLayer: string;
  lastLayer: string;
  firstNorm: number;
  lastNorm: number;
  /** ‖g‖/‖p‖ of the first layer. */
  firstRelative: number;
  /** Each layer's gradient norm relative to the last layer's, in depth order. */
  layerRatios: Record<string, number>;
  /** Thresholds that were crossed. */
  ratioFloor: number;
  checks: number;
}

/** The vanishing detector's thresholds. */
export interface VanishingThresholds {
  /**
   * First-layer / last-layer gradient-norm ratio below this (default 1e-3). Calibrated: 10-layer
   * sigmoid MLP with standard init 3e-8–9e-8 (E12; PyTorch 2e-8), 30-layer ReLU with Xavier
   * 3e-4–5e-3 (E4); healthy He+ReLU and Xavier+tanh nets 0.3–3.6 (PyTorch 0.71, 0.76).
   */
  vanishingRatio: number;
  /**
   * And the first layer's ‖g‖/‖p‖ below this ("early norm tiny", default 1e-3). Calibrated:
   * sigmoid E12 6e-9, E4 Xavier 1e-5; healthy nets ≥ 2e-2.
   */
  vanishingRelative: number;
  /** Layers named are those with ‖g‖ below this fraction of the last layer's (default 1e-2). */
  vanishingLayerRatio: number;
  /** Consecutive checks the condition must hold (default 10). */
  vanishingPatience: number;
}

/**
 * `vanishing`: ‖g_first‖/‖g_last‖ < vanishingRatio and ‖g_first‖/‖p_first‖ < vanishingRelative
 * (early layers get orders of magnitude less gradient than late ones, and too little to move
 * their weights) for vanishingPatience checks. Needs two layers or more.
 * @see Bengio, Simard & Frasconi 1994; Glorot & Bengio 2010.
 */
export const vanishing: Detector<'vanishing', VanishingEvidence, true, VanishingThresholds> = {
  kind: 'vanishing',
  rank: 2,
  scope: 'model',
  finiteOnly: true,
  thresholds: {
    vanishingRatio: { default: 1e-3, range: { min: 0, minExclusive: true } },
    vanishingRelative: {
      default: 1e-3,
      range: { min: 0, minExclusive: true, allowInfinity: true },
    },
    vanishingLayerRatio: { default: 1e-2, range: { min: 0, minExclusive: true } },
    vanishingPatience: { default: 10, range: { min: 1, integer: true } },
  },
  running: () => ({}),
  measure(s, th) {
    const st = s.stats;
    const L = st.layerNames.length;
    if (L < 2) return null;
    const first = st.layerGradNorm[0] as number;
    const last = st.layerGradNorm[L - 1] as number;
    const pFirst = st.layerParamNorm[0] as number;
    if (!(last > 0)) return null;
    const rel = pFirst > 0 ? first / pFirst : first;
    return first / last < th.vanishingRatio && rel < th.vanishingRelative ? true : null;
  },
  patience: (th) => th.vanishingPatience,
  cooldown: (th) => th.cooldown,
  verdict(s, _m, th, _r, ctx) {
    const st = s.stats;
    const L = st.layerNames.length;
    const last = st.layerGradNorm[L - 1] as number;
    const first = st.layerGradNorm[0] as number;
    const layerRatios: Record<string, number> = {};
    const named: string[] = [];
    for (let l = 0; l < L; l++) {
      const ratio = (st.layerGradNorm[l] as number) / last;
      const name = st.layerNames[l] as string;
      layerRatios[name] = ratio;
      if (l < L - 1 && ratio < th.vanishingLayerRatio) named.push(name);
    }
    if (named.length === 0) named.push(st.layerNames[0] as string);
    const ratio = first / last;
    const pFirst = st.layerParamNorm[0] as number;
    return {
      kind: 'vanishing',
      status: 'started',
      step: s.step,
      layers: named,
      severity: ratio < 1e-6 ? 'critical' : 'warning',
      message: `vanishing gradients: ‖g‖ of layer ${st.layerNames[0] as string} is ${fmtNum(ratio)}× that of layer ${st.layerNames[L - 1] as string} (floor ${fmtNum(th.vanishingRatio)}) for ${th.vanishingPatience} checks; ${formatLayers(named, st.layerNames)} get < ${fmtNum(100 * th.vanishingLayerRatio)}% of the last layer's gradient`,
      evidence: {
        ratio,
        firstLayer: st.layerNames[0] as string,
        lastLayer: st.layerNames[L - 1] as string,
        firstNorm: first,
        lastNorm: last,
        firstRelative: pFirst > 0 ? first / pFirst : first,
        layerRatios,
        ratioFloor: th.vanishingRatio,
        checks: th.vanishingPatience,
      },
      remedies: vanishingRemedies(ctx, named),
    };
  },
};
