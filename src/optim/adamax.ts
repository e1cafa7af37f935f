import {
  declareOptimizer,
  readOptimizerOptions,
  type OptimizerOptions,
  type OptionSpecs,
} from './declare.js';
import { BETA, L2_PENALTY, MAXIMIZE, NONNEG } from './option-fields.js';
import { l2Link, maximizeLink, namedChain, type NamedChainState } from './named-chain.js';
import { scaleByAdamax } from './scale-by-adamax.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import type { GradientTransformation } from './types.js';

/** The options of {@link adamax} (PyTorch's names and defaults), by declaration. */
export const ADAMAX_OPTIONS = {
  /** β1 in [0, 1). Default 0.9. */
  b1: { ...BETA, default: 0.9 },
  /** β2 in [0, 1). Default 0.999. */
  b2: { ...BETA, default: 0.999 },
  /** ε ≥ 0 (inside the max, PyTorch's placement; 0 gives the paper's AdaMax). Default 1e-8. */
  eps: { ...NONNEG, default: 1e-8 },
  /** L2 penalty λ ≥ 0. Default 0. */
  weightDecay: L2_PENALTY,
  /** Ascend instead of descend. Default false. */
  maximize: MAXIMIZE,
} as const satisfies OptionSpecs;

/** Options of {@link adamax} (lr default 2e-3). */
export type AdamaxOptions = OptimizerOptions<typeof ADAMAX_OPTIONS>;

/**
 * AdaMax, as torch.optim.Adamax:
 *
 * g ← ±g + λ·p;  m ← β1·m + (1 − β1)·g;  u ← max(β2·u, |g| + ε);  p ← p − (lr/(1 − β1^t))·m/u
 *
 * @example const tx = adamax({ lr: 2e-3 });
 * @see Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, §7.1.
 */
export function adamax(options: AdamaxOptions = {}): GradientTransformation<NamedChainState> {
  const o = readOptimizerOptions(ADAMAX, options);
  const inner = scaleByAdamax({ b1: o.b1, b2: o.b2, eps: o.eps });
  const { lr, maximize } = o;
  const wd = o.weightDecay;
  return namedChain(maximizeLink(maximize), l2Link(wd), inner, scaleByLearningRate(lr));
}

/** The declaration of {@link adamax} (see optim/registry.ts). */
export const ADAMAX = declareOptimizer({
  name: 'adamax',
  summary: 'AdaMax (Kingma & Ba 2015, §7.1) as torch.optim.Adamax',
  options: ADAMAX_OPTIONS,
  defaultLr: 2e-3,
  create: adamax,
});
