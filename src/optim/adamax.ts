import type { ScalarOrSchedule } from '../schedule/types.js';
import { l2Link, maximizeLink, namedChain, type NamedChainState } from './named-chain.js';
import { scaleByAdamax } from './scale-by-adamax.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { checkAdamBetas } from './scale-by-adam.js';
import type { GradientTransformation } from './types.js';
import { checkBoolean, checkKeys, checkNumber, checkScalarOrSchedule } from './validate.js';

/** Options of {@link adamax} (PyTorch's names and defaults). */
export interface AdamaxOptions {
  /** Learning rate ≥ 0 or a schedule. Default 2e-3. */
  lr?: ScalarOrSchedule;
  /** β1 in [0, 1). Default 0.9. */
  b1?: number;
  /** β2 in [0, 1). Default 0.999. */
  b2?: number;
  /** ε ≥ 0 (inside the max, PyTorch's placement; 0 gives the paper's AdaMax). Default 1e-8. */
  eps?: number;
  /** L2 penalty λ ≥ 0. Default 0. */
  weightDecay?: number;
  /** Ascend instead of descend. Default false. */
  maximize?: boolean;
}

/**
 * AdaMax, as torch.optim.Adamax:
 *
 * g ← ±g + λ·p;  m ← β1·m + (1 − β1)·g;  u ← max(β2·u, |g| + ε);  p ← p − (lr/(1 − β1^t))·m/u
 *
 * @example const tx = adamax({ lr: 2e-3 });
 * @see Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, §7.1.
 */
export function adamax(options: AdamaxOptions = {}): GradientTransformation<NamedChainState> {
  const o = 'adamax';
  checkKeys(o, options, ['lr', 'b1', 'b2', 'eps', 'weightDecay', 'maximize']);
  const lr = checkScalarOrSchedule(o, 'lr', options.lr, 2e-3, { min: 0 });
  const wd = checkNumber(o, 'weightDecay', options.weightDecay, 0, { min: 0 });
  const maximize = checkBoolean(o, 'maximize', options.maximize, false);
  checkAdamBetas(o, options, { b1: 0.9, b2: 0.999, eps: 1e-8 });
  const inner = scaleByAdamax({ b1: options.b1, b2: options.b2, eps: options.eps });
  return namedChain(maximizeLink(maximize), l2Link(wd), inner, scaleByLearningRate(lr));
}
