import {
  declareOptimizer,
  readOptimizerOptions,
  type OptimizerOptions,
  type OptionSpecs,
} from './declare.js';
import { FLAG, L2_PENALTY, MAXIMIZE, NONNEG, UNIT } from './option-fields.js';
import { l2Link, maximizeLink, namedChain, type NamedChainState } from './named-chain.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { scaleByRms } from './scale-by-rms.js';
import { trace } from './trace.js';
import type { GradientTransformation } from './types.js';

/** The options of {@link rmsprop} (PyTorch's names and defaults), by declaration. */
export const RMSPROP_OPTIONS = {
  /** Smoothing constant α in [0, 1]. Default 0.99. */
  alpha: { ...UNIT, default: 0.99 },
  /** ε ≥ 0. Default 1e-8. */
  eps: { ...NONNEG, default: 1e-8 },
  /** L2 penalty λ ≥ 0. Default 0. */
  weightDecay: L2_PENALTY,
  /** Momentum μ ≥ 0 on the preconditioned step. Default 0. */
  momentum: { ...NONNEG, default: 0 },
  /** Normalise by the estimated variance instead of the second moment. Default false. */
  centered: FLAG,
  /** Ascend instead of descend. Default false. */
  maximize: MAXIMIZE,
} as const satisfies OptionSpecs;

/** Options of {@link rmsprop} (lr default 1e-2). */
export type RmspropOptions = OptimizerOptions<typeof RMSPROP_OPTIONS>;

/**
 * RMSprop, as torch.optim.RMSprop:
 *
 * g ← ±g + λ·p;  s ← α·s + (1 − α)·g²;  d = √s + ε (centered: √(s − ḡ²) + ε);
 * b ← μ·b + g/d, p ← p − lr·b   (μ = 0: p ← p − lr·g/d)
 *
 * @example const tx = rmsprop({ lr: 1e-3, alpha: 0.9, momentum: 0.9, centered: true });
 * @see Tieleman & Hinton, Lecture 6.5 "rmsprop", COURSERA: Neural Networks for Machine Learning, 2012.
 */
export function rmsprop(options: RmspropOptions = {}): GradientTransformation<NamedChainState> {
  const o = readOptimizerOptions(RMSPROP, options);
  const { lr, alpha, eps, momentum, centered, maximize } = o;
  const wd = o.weightDecay;
  return namedChain(
    maximizeLink(maximize),
    l2Link(wd),
    scaleByRms({ alpha, eps, centered }),
    momentum > 0 ? trace({ decay: momentum }) : null,
    scaleByLearningRate(lr),
  );
}

/** The declaration of {@link rmsprop} (see optim/registry.ts). */
export const RMSPROP = declareOptimizer({
  name: 'rmsprop',
  summary: 'RMSProp (Tieleman & Hinton 2012) as torch.optim.RMSprop: centered, momentum, L2',
  options: RMSPROP_OPTIONS,
  defaultLr: 1e-2,
  create: rmsprop,
});
