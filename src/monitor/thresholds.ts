import { ConfigError, fmt } from '../errors.js';
import { checkNumber, type Range } from '../optim/validate.js';

/**
 * The detectors' thresholds. Counts are in checks (a check every `every` steps). Where a default
 * comes from a paper it says so; "calibrated" values come from gradscope's own runs (numbers in
 * the comments: the healthy runs' extremes and the failing runs' values), with room to spare.
 */
export interface HealthThresholds {
  /**
   * vanishing: first-layer / last-layer gradient-norm ratio below this (default 1e-3). Calibrated:
   * 10-layer sigmoid MLP with standard init 3e-8–9e-8 (E12; PyTorch 2e-8), 30-layer ReLU with
   * Xavier 3e-4–5e-3 (E4); healthy He+ReLU and Xavier+tanh nets 0.3–3.6 (PyTorch 0.71, 0.76).
   */
  vanishingRatio: number;
  /**
   * vanishing: and the first layer's ‖g‖/‖p‖ below this ("early norm tiny", default 1e-3).
   * Calibrated: sigmoid E12 6e-9, E4 Xavier 1e-5; healthy nets ≥ 2e-2.
   */
  vanishingRelative: number;
  /** vanishing: layers named are those with ‖g‖ below this fraction of the last layer's (default 1e-2). */
  vanishingLayerRatio: number;
  /** vanishing: consecutive checks the condition must hold (default 10). */
  vanishingPatience: number;
  /**
   * exploding: z-score of log ‖g‖ against its running (EMA) mean and variance above this …
   * (default 4; healthy MNIST/Adam peaks at 4.3, LSTM at 2.3 — hence also `spikeFactor`).
   * @see Kumar et al., "ZClip: Adaptive Spike Mitigation for LLM Pre-Training", 2025 (z-scores of the gradient norm against EMA statistics).
   */
  spikeZ: number;
  /** exploding: … and ‖g‖ above this multiple of the running geometric mean (default 10; healthy runs ≤ 7.5). */
  spikeFactor: number;
  /** exploding: decay of the EMA of log ‖g‖ and its variance (default 0.95). */
  emaDecay: number;
  /** exploding: checks of plain averaging before z-scores count (default 10). */
  warmup: number;
  /** exploding: window (checks) of the sustained-growth rule (default 20). */
  growthWindow: number;
  /** exploding: mean ‖g‖ of the window's last quarter over its first quarter above this (default 100; healthy ≤ 6). */
  growthFactor: number;
  /**
   * exploding: ‖g‖ > gradCeiling · max(‖p‖, 1) (default 100). Calibrated: healthy MLPs 0.03–0.1,
   * LSTM 0.3; tanh RNN with recurrent spectral radius 3 on the addition task 2e4 at step 0.
   */
  gradCeiling: number;
  /**
   * exploding: one update moved the parameters by more than this fraction of their norm,
   * ‖Δp‖ > updateCeiling·max(‖p_before‖, 1) (default 1; healthy runs ~1e-3, Karpathy's rule of
   * thumb; the tanh RNN with spectral radius 3 and SGD lr 0.01: 190).
   */
  updateCeiling: number;
  /**
   * saturated: fraction of outputs in the flat tails (tanh |a| > 0.99, sigmoid outside
   * [0.01, 0.99]) at or above this (default 0.5; a healthy Xavier+tanh MNIST MLP reaches 0.39 at
   * lr 0.1). @see Glorot & Bengio, AISTATS 2010, §3 (saturation of the top hidden layer).
   */
  saturationFraction: number;
  /**
   * saturated (sigmoid): the mean output within this distance of 0 or 1 … (default 0.15; σ' there is
   * ≤ half its peak) — Glorot & Bengio's top hidden layer is pushed towards 0 (E7b: 0.063 after
   * 2000 updates, from 0.5).
   */
  collapseMean: number;
  /** saturated (sigmoid): … and moved at least this fraction of the way from its initial mean to that end (default 0.7, Glorot & Bengio's "< 0.3× initial"). */
  collapseShift: number;
  /** saturated: consecutive checks (default 20). */
  saturationPatience: number;
  /** deadUnits: a unit is dead when its output was 0 on every sample of this many consecutive checks (default 20). */
  deadWindow: number;
  /**
   * deadUnits: fraction of dead units of a ReLU layer at or above this (default 0.5). Calibrated:
   * healthy He+ReLU MNIST/Adam ≤ 0.09 per batch; 30-layer Xavier ReLU top layers 0.7–0.8.
   */
  deadFraction: number;
  /** plateau: window in checks (default 100). */
  plateauWindow: number;
  /** plateau: |relative change| of the mean loss between the window's halves below this (default 0.01). */
  plateauLossChange: number;
  /** plateau: median ‖g‖/max(‖p‖, 1) over the window below this (default 1e-3; healthy LSTM on the addition task 0.02, MNIST 0.085). */
  plateauGradient: number;
  /**
   * saddle: ‖g‖/max(‖p‖, 1) below this at a curvature probe (default 1e-3) … and the most negative
   * Hessian eigenvalue below −saddleCurvature·|λmax| (default 1e-2). @see Jin et al., "How to
   * Escape Saddle Points Efficiently", ICML 2017 (ε-second-order stationarity).
   */
  saddleGradient: number;
  /** saddle: relative size of the negative curvature, |λmin|/|λmax| at least this (default 1e-2). */
  saddleCurvature: number;
  /** oscillation: window in checks (default 20). */
  oscillationWindow: number;
  /** oscillation: fraction of successive Δloss pairs that alternate in sign (default 0.9; iid noise gives ≈ 2/3). */
  oscillationAlternation: number;
  /** oscillation: mean |Δloss| of the window's second half over its first half (default 2). */
  oscillationGrowth: number;
  /** oscillation: mean cosine of successive gradients below −this … (default 0.5) */
  oscillationCosine: number;
  /** oscillation: consecutive checks (default 3). */
  oscillationPatience: number;
  /** Checks without the condition before an active verdict resolves (default 20). */
  resolveAfter: number;
  /** Checks after a resolution before the same verdict may start again (default 100). */
  cooldown: number;
}

/** The documented defaults of {@link HealthThresholds}. */
export const DEFAULT_THRESHOLDS: Readonly<HealthThresholds> = Object.freeze({
  vanishingRatio: 1e-3,
  vanishingRelative: 1e-3,
  vanishingLayerRatio: 1e-2,
  vanishingPatience: 10,
  spikeZ: 4,
  spikeFactor: 10,
  emaDecay: 0.95,
  warmup: 10,
  growthWindow: 20,
  growthFactor: 100,
  gradCeiling: 100,
  updateCeiling: 1,
  saturationFraction: 0.5,
  collapseMean: 0.15,
  collapseShift: 0.7,
  saturationPatience: 20,
  deadWindow: 20,
  deadFraction: 0.5,
  plateauWindow: 100,
  plateauLossChange: 0.01,
  plateauGradient: 1e-3,
  saddleGradient: 1e-3,
  saddleCurvature: 1e-2,
  oscillationWindow: 20,
  oscillationAlternation: 0.9,
  oscillationGrowth: 2,
  oscillationCosine: 0.5,
  oscillationPatience: 3,
  resolveAfter: 20,
  cooldown: 100,
});

const POS: Range = { min: 0, minExclusive: true };
const POS_INF: Range = { min: 0, minExclusive: true, allowInfinity: true };
const INT1: Range = { min: 1, integer: true };
const INT0: Range = { min: 0, integer: true };
const FRAC: Range = { min: 0, max: 1 };

const RANGES: Record<keyof HealthThresholds, Range> = {
  vanishingRatio: POS,
  vanishingRelative: POS_INF,
  vanishingLayerRatio: POS,
  vanishingPatience: INT1,
  spikeZ: POS_INF,
  spikeFactor: { min: 1, allowInfinity: true },
  emaDecay: { min: 0, max: 1, maxExclusive: true },
  warmup: INT1,
  growthWindow: { min: 4, integer: true },
  growthFactor: { min: 1, minExclusive: true, allowInfinity: true },
  gradCeiling: POS_INF,
  updateCeiling: POS_INF,
  saturationFraction: { min: 0, max: 1, minExclusive: true },
  collapseMean: { min: 0, max: 0.5 },
  collapseShift: FRAC,
  saturationPatience: INT1,
  deadWindow: INT1,
  deadFraction: { min: 0, max: 1, minExclusive: true },
  plateauWindow: { min: 4, integer: true },
  plateauLossChange: { min: 0 },
  plateauGradient: { min: 0 },
  saddleGradient: { min: 0, allowInfinity: true },
  saddleCurvature: { min: 0 },
  oscillationWindow: { min: 6, integer: true },
  oscillationAlternation: FRAC,
  oscillationGrowth: { min: 1, allowInfinity: true },
  oscillationCosine: FRAC,
  oscillationPatience: INT1,
  resolveAfter: INT1,
  cooldown: INT0,
};

/**
 * Fills in the defaults and validates every threshold (ConfigError naming the option, the value
 * and the allowed range).
 * @example resolveThresholds({ spikeZ: 5 }).spikeFactor // 10
 */
export function resolveThresholds(
  partial: Partial<HealthThresholds> | undefined,
): HealthThresholds {
  if (partial !== undefined && (partial === null || typeof partial !== 'object')) {
    throw new ConfigError(`gradientHealth: option thresholds = ${fmt(partial)} is not an object`);
  }
  const out = { ...DEFAULT_THRESHOLDS };
  for (const key of Object.keys(partial ?? {})) {
    if (!(key in RANGES)) {
      throw new ConfigError(
        `gradientHealth: unknown threshold ${fmt(key)}; expected one of ${Object.keys(RANGES).join(', ')}`,
      );
    }
    const k = key as keyof HealthThresholds;
    out[k] = checkNumber(
      'gradientHealth',
      `thresholds.${k}`,
      (partial as Record<string, unknown>)[k],
      DEFAULT_THRESHOLDS[k],
      RANGES[k],
    );
  }
  return out;
}
