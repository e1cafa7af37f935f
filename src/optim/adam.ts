import type { ScalarOrSchedule } from '../schedule/types.js';
import { fusedAdam, type FusedAdamState } from './fused-adam.js';
import type { GradientTransformation } from './types.js';
import { checkKeys } from './validate.js';

/** Options of {@link adam} (PyTorch's names and defaults; `b1`, `b2` for the betas). */
export interface AdamOptions {
  /** Learning rate α ≥ 0 or a schedule. Default 1e-3. */
  lr?: ScalarOrSchedule;
  /** β1 in [0, 1). Default 0.9. */
  b1?: number;
  /** β2 in [0, 1). Default 0.999. */
  b2?: number;
  /** ε ≥ 0. Default 1e-8. */
  eps?: number;
  /** L2 penalty λ ≥ 0 added to the gradient (coupled; see {@link adamw} for decoupled). Default 0. */
  weightDecay?: number;
  /** AMSGrad (Reddi et al. 2018). Default false. */
  amsgrad?: boolean;
  /** Ascend instead of descend. Default false. */
  maximize?: boolean;
  /** Bias correction of m and v (not in PyTorch; false gives the uncorrected variant of Kingma & Ba §3). Default true. */
  debias?: boolean;
}

/**
 * Adam — Kingma & Ba's Algorithm 1 with bias correction as PyTorch 1.13 computes it:
 *
 * g ← ±g + λ·p;  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;
 * p ← p − (α/(1 − β1^t))·m/(√v/√(1 − β2^t) + ε)   (amsgrad: v → max over steps of v)
 *
 * One fused loop per tensor ({@link fusedAdam}); chain(scaleByAdam(), scaleByLearningRate(α)) is
 * the same update built from blocks.
 *
 * @example const tx = adam({ lr: 3e-4 });
 * @see Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.
 * @see Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond", ICLR 2018 (AMSGrad).
 */
export function adam(options: AdamOptions = {}): GradientTransformation<FusedAdamState> {
  checkKeys('adam', options, [
    'lr',
    'b1',
    'b2',
    'eps',
    'weightDecay',
    'amsgrad',
    'maximize',
    'debias',
  ]);
  return fusedAdam({ ...options, decoupled: false }, 'adam');
}
