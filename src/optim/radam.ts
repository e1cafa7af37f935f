import {
  declareOptimizer,
  readOptimizerOptions,
  type OptimizerOptions,
  type OptionSpecs,
} from './declare.js';
import { BETA, L2_PENALTY, MAXIMIZE, NONNEG } from './option-fields.js';
import { l2Link, maximizeLink, namedChain, type NamedChainState } from './named-chain.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { scaleByRadam } from './scale-by-radam.js';
import type { GradientTransformation } from './types.js';

/** The options of {@link radam} (PyTorch's names and defaults), by declaration. */
export const RADAM_OPTIONS = {
  /** β1 in [0, 1). Default 0.9. */
  b1: { ...BETA, default: 0.9 },
  /** β2 in [0, 1). Default 0.999. */
  b2: { ...BETA, default: 0.999 },
  /** ε ≥ 0. Default 1e-8. */
  eps: { ...NONNEG, default: 1e-8 },
  /** L2 penalty λ ≥ 0. Default 0. */
  weightDecay: L2_PENALTY,
  /** Ascend instead of descend (not in PyTorch 1.13's RAdam; negates the gradient). Default false. */
  maximize: MAXIMIZE,
} as const satisfies OptionSpecs;

/** Options of {@link radam} (lr default 1e-3). */
export type RadamOptions = OptimizerOptions<typeof RADAM_OPTIONS>;

/**
 * RAdam, as torch.optim.RAdam in PyTorch 1.13 (see {@link scaleByRadam}): Adam whose adaptive
 * rate is switched on, rectified, once ρ_t > 5, and plain bias-corrected momentum before.
 *
 * @example const tx = radam({ lr: 1e-3 });
 * @see Liu et al., "On the Variance of the Adaptive Learning Rate and Beyond", ICLR 2020.
 */
export function radam(options: RadamOptions = {}): GradientTransformation<NamedChainState> {
  const o = readOptimizerOptions(RADAM, options);
  const inner = scaleByRadam({ b1: o.b1, b2: o.b2, eps: o.eps });
  const { lr, maximize } = o;
  const wd = o.weightDecay;
  return namedChain(maximizeLink(maximize), l2Link(wd), inner, scaleByLearningRate(lr));
}

/** The declaration of {@link radam} (see optim/registry.ts). */
export const RADAM = declareOptimizer({
  name: 'radam',
  summary: 'RAdam (Liu et al. 2020): Adam with a rectified variance, as torch.optim.RAdam',
  options: RADAM_OPTIONS,
  defaultLr: 1e-3,
  create: radam,
});
