import {
  declareOptimizer,
  readOptimizerOptions,
  type OptimizerOptions,
  type OptionSpecs,
} from './declare.js';
import { BETA, MAXIMIZE, NONNEG } from './option-fields.js';
import { addDecayedWeights } from './add-decayed-weights.js';
import { maximizeLink, namedChain, type NamedChainState } from './named-chain.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { scaleByTrustRatio } from './scale-by-trust-ratio.js';
import { scaleByAdam } from './scale-by-adam.js';
import type { GradientTransformation } from './types.js';

/** The options of {@link lamb} (PyTorch's names and defaults), by declaration. */
export const LAMB_OPTIONS = {
  /** β1 in [0, 1). Default 0.9. */
  b1: { ...BETA, default: 0.9 },
  /** β2 in [0, 1). Default 0.999. */
  b2: { ...BETA, default: 0.999 },
  /** ε ≥ 0. Default 1e-6 (the paper's). */
  eps: { ...NONNEG, default: 1e-6 },
  /** Decoupled weight decay λ ≥ 0, added before the trust ratio. Default 0. */
  weightDecay: { ...NONNEG, default: 0 },
  /** Ascend instead of descend. Default false. */
  maximize: MAXIMIZE,
} as const satisfies OptionSpecs;

/** Options of {@link lamb} (lr default 1e-3). */
export type LambOptions = OptimizerOptions<typeof LAMB_OPTIONS>;

/**
 * LAMB (You et al. 2019, Algorithm 2), beyond PyTorch 1.13: Adam's bias-corrected direction plus
 * decoupled decay, rescaled per tensor by the trust ratio ‖p‖/‖r‖:
 *
 * r = m̂/(√v̂ + ε) + λ·p;  p ← p − lr·(‖p‖/‖r‖)·r   (ratio 1 when either norm is 0)
 *
 * @example const tx = lamb({ lr: 2e-3, weightDecay: 0.01 });
 * @see You et al., "Large Batch Optimization for Deep Learning: Training BERT in 76 minutes", ICLR 2020.
 */
export function lamb(options: LambOptions = {}): GradientTransformation<NamedChainState> {
  const o = readOptimizerOptions(LAMB, options);
  const { lr, maximize } = o;
  const wd = o.weightDecay;
  return namedChain(
    maximizeLink(maximize),
    scaleByAdam({ b1: o.b1, b2: o.b2, eps: o.eps }),
    wd !== 0 ? addDecayedWeights(wd) : null,
    scaleByTrustRatio(),
    scaleByLearningRate(lr),
  );
}

/** The declaration of {@link lamb} (see optim/registry.ts). */
export const LAMB = declareOptimizer({
  name: 'lamb',
  summary: 'LAMB (You et al. 2020): Adam with a layer-wise trust ratio',
  options: LAMB_OPTIONS,
  defaultLr: 1e-3,
  create: lamb,
});
