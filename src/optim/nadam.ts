import {
  declareOptimizer,
  readOptimizerOptions,
  type OptimizerOptions,
  type OptionSpecs,
} from './declare.js';
import { BETA, L2_PENALTY, MAXIMIZE, NONNEG } from './option-fields.js';
import { l2Link, maximizeLink, namedChain, type NamedChainState } from './named-chain.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { scaleByNadam } from './scale-by-nadam.js';
import type { GradientTransformation } from './types.js';

/** The options of {@link nadam} (PyTorch's names and defaults), by declaration. */
export const NADAM_OPTIONS = {
  /** β1 in [0, 1). Default 0.9. */
  b1: { ...BETA, default: 0.9 },
  /** β2 in [0, 1). Default 0.999. */
  b2: { ...BETA, default: 0.999 },
  /** ε ≥ 0. Default 1e-8. */
  eps: { ...NONNEG, default: 1e-8 },
  /** L2 penalty λ ≥ 0. Default 0. */
  weightDecay: L2_PENALTY,
  /** ψ ≥ 0 of the momentum schedule. Default 4e-3. */
  momentumDecay: { ...NONNEG, default: 4e-3 },
  /** Ascend instead of descend (not in PyTorch 1.13's NAdam; negates the gradient). Default false. */
  maximize: MAXIMIZE,
} as const satisfies OptionSpecs;

/** Options of {@link nadam} (lr default 2e-3). */
export type NadamOptions = OptimizerOptions<typeof NADAM_OPTIONS>;

/**
 * NAdam, as torch.optim.NAdam in PyTorch 1.13 (see {@link scaleByNadam} for the update and the
 * 1.13 mu_product formulas):
 *
 * p ← p − lr·[((1 − μ_t)/(1 − Πμ))·g + (μ_{t+1}/(1 − Π'μ))·m] / (√(v/(1 − β2^t)) + ε)
 *
 * @example const tx = nadam({ lr: 2e-3 });
 * @see Dozat, "Incorporating Nesterov Momentum into Adam", ICLR 2016 workshop.
 */
export function nadam(options: NadamOptions = {}): GradientTransformation<NamedChainState> {
  const o = readOptimizerOptions(NADAM, options);
  const inner = scaleByNadam({ b1: o.b1, b2: o.b2, eps: o.eps, momentumDecay: o.momentumDecay });
  const { lr, maximize } = o;
  const wd = o.weightDecay;
  return namedChain(maximizeLink(maximize), l2Link(wd), inner, scaleByLearningRate(lr));
}

/** The declaration of {@link nadam} (see optim/registry.ts). */
export const NADAM = declareOptimizer({
  name: 'nadam',
  summary: 'NAdam (Dozat 2016) as torch.optim.NAdam, with its momentum schedule',
  options: NADAM_OPTIONS,
  defaultLr: 2e-3,
  create: nadam,
});
