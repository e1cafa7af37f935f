import { declareOptimizer, readOptimizerOptions, type OptimizerOptions } from './declare.js';
import { ADAM_FAMILY_OPTIONS, fusedAdam, type FusedAdamState } from './fused-adam.js';
import { NONNEG } from './option-fields.js';
import type { GradientTransformation } from './types.js';

/** The options of {@link adamw} (PyTorch's names and defaults). */
export const ADAMW_OPTIONS = {
  ...ADAM_FAMILY_OPTIONS,
  /** Decoupled weight decay λ ≥ 0 (p ← p − lr·λ·p). Default 1e-2 (PyTorch's AdamW default). */
  weightDecay: { ...NONNEG, default: 1e-2 },
} as const;

/** Options of {@link adamw} (lr default 1e-3). */
export type AdamwOptions = OptimizerOptions<typeof ADAMW_OPTIONS>;

/**
 * AdamW — Adam with weight decay decoupled from the gradient, with PyTorch's convention that the
 * decay is multiplied by the learning rate:
 *
 * p ← p·(1 − α_t·λ);  p ← p − (α_t/(1 − β1^t))·m/(√v/√(1 − β2^t) + ε)
 *
 * Loshchilov & Hutter's paper (Algorithm 2) writes x ← x − η_t(α·m̂/(√v̂ + ε) + λ·x): the decay is
 * scaled by the schedule multiplier η_t only, not by α, so their λ is PyTorch's λ·α (for a
 * constant α). That convention is the chain
 * `chain(scaleByAdam(), scale(alpha), addDecayedWeights(lambda), scaleByLearningRate(eta))`.
 *
 * @example const tx = adamw({ lr: schedule.warmupCosine({ ... }), weightDecay: 0.05 });
 * @see Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019.
 */
export function adamw(options: AdamwOptions = {}): GradientTransformation<FusedAdamState> {
  const o = readOptimizerOptions(ADAMW, options);
  return fusedAdam({ ...options, weightDecay: o.weightDecay, decoupled: true }, 'adamw');
}

/** The declaration of {@link adamw} (see optim/registry.ts). */
export const ADAMW = declareOptimizer({
  name: 'adamw',
  summary:
    'AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay, as torch.optim.AdamW',
  options: ADAMW_OPTIONS,
  defaultLr: 1e-3,
  create: adamw,
});
