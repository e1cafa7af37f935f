import { declareOptimizer, readOptimizerOptions, type OptimizerOptions } from './declare.js';
import { ADAM_FAMILY_OPTIONS, DEBIAS, fusedAdam, type FusedAdamState } from './fused-adam.js';
import type { GradientTransformation } from './types.js';

/** The options of {@link adam}: PyTorch's (L2 weight decay, AMSGrad, maximize) and `debias`. */
export const ADAM_OPTIONS = { ...ADAM_FAMILY_OPTIONS, debias: DEBIAS } as const;

/** Options of {@link adam} (PyTorch's names and defaults; lr default 1e-3). */
export type AdamOptions = OptimizerOptions<typeof ADAM_OPTIONS>;

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
  readOptimizerOptions(ADAM, options);
  return fusedAdam({ ...options, decoupled: false }, 'adam');
}

/** The declaration of {@link adam} (see optim/registry.ts). */
export const ADAM = declareOptimizer({
  name: 'adam',
  summary: 'Adam (Kingma & Ba 2015) as torch.optim.Adam: L2 weight decay, AMSGrad, maximize',
  options: ADAM_OPTIONS,
  defaultLr: 1e-3,
  create: adam,
});
