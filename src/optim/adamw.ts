import type { ScalarOrSchedule } from '../schedule/types.js';
import { fusedAdam, type FusedAdamState } from './fused-adam.js';
import type { GradientTransformation } from './types.js';
import { checkKeys } from './validate.js';

/** Options of {@link adamw} (PyTorch's names and defaults). */
export interface AdamwOptions {
  /** Learning rate α ≥ 0 or a schedule. Default 1e-3. */
  lr?: ScalarOrSchedule;
  /** β1 in [0, 1). Default 0.9. */
  b1?: number;
  /** β2 in [0, 1). Default 0.999. */
  b2?: number;
  /** ε ≥ 0. Default 1e-8. */
  eps?: number;
  /** Decoupled weight decay λ ≥ 0. Default 1e-2 (PyTorch's AdamW default). */
  weightDecay?: number;
  /** AMSGrad. Default false. */
  amsgrad?: boolean;
  /** Ascend instead of descend. Default false. */
  maximize?: boolean;
}

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
  checkKeys('adamw', options, ['lr', 'b1', 'b2', 'eps', 'weightDecay', 'amsgrad', 'maximize']);
  return fusedAdam(
    { ...options, weightDecay: options.weightDecay ?? 1e-2, decoupled: true },
    'adamw',
  );
}
