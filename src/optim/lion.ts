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
import { scaleByLion } from './scale-by-lion.js';
import type { GradientTransformation } from './types.js';

/** The options of {@link lion} (PyTorch's names and defaults), by declaration. */
export const LION_OPTIONS = {
  /** β1 in [0, 1). Default 0.9. */
  b1: { ...BETA, default: 0.9 },
  /** β2 in [0, 1). Default 0.99. */
  b2: { ...BETA, default: 0.99 },
  /** Decoupled weight decay λ ≥ 0 (p ← p − lr·λ·p). Default 0. */
  weightDecay: { ...NONNEG, default: 0 },
  /** Ascend instead of descend. Default false. */
  maximize: MAXIMIZE,
} as const satisfies OptionSpecs;

/** Options of {@link lion} (lr default 1e-4). */
export type LionOptions = OptimizerOptions<typeof LION_OPTIONS>;

/**
 * Lion (Chen et al. 2023), beyond PyTorch 1.13:
 *
 * c = β1·m + (1 − β1)·g;  p ← p − lr·(sign(c) + λ·p);  m ← β2·m + (1 − β2)·g
 *
 * @example const tx = lion({ lr: 3e-5, weightDecay: 0.1 });
 * @see Chen et al., "Symbolic Discovery of Optimization Algorithms", NeurIPS 2023.
 */
export function lion(options: LionOptions = {}): GradientTransformation<NamedChainState> {
  const o = readOptimizerOptions(LION, options);
  const { lr, maximize } = o;
  const wd = o.weightDecay;
  return namedChain(
    maximizeLink(maximize),
    scaleByLion({ b1: o.b1, b2: o.b2 }),
    wd !== 0 ? addDecayedWeights(wd) : null,
    scaleByLearningRate(lr),
  );
}

/** The declaration of {@link lion} (see optim/registry.ts). */
export const LION = declareOptimizer({
  name: 'lion',
  summary: 'Lion (Chen et al. 2023): the sign of an interpolated momentum, decoupled decay',
  options: LION_OPTIONS,
  defaultLr: 1e-4,
  create: lion,
});
