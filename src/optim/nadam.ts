import type { ScalarOrSchedule } from '../schedule/types.js';
import { l2Link, maximizeLink, namedChain, type NamedChainState } from './named-chain.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { scaleByNadam } from './scale-by-nadam.js';
import { checkAdamBetas } from './scale-by-adam.js';
import type { GradientTransformation } from './types.js';
import { checkBoolean, checkKeys, checkNumber, checkScalarOrSchedule } from './validate.js';

/** Options of {@link nadam} (PyTorch 1.13's names and defaults). */
export interface NadamOptions {
  /** Learning rate ≥ 0 or a schedule. Default 2e-3. */
  lr?: ScalarOrSchedule;
  /** β1 in [0, 1). Default 0.9. */
  b1?: number;
  /** β2 in [0, 1). Default 0.999. */
  b2?: number;
  /** ε ≥ 0. Default 1e-8. */
  eps?: number;
  /** L2 penalty λ ≥ 0. Default 0. */
  weightDecay?: number;
  /** ψ ≥ 0 of the momentum schedule. Default 4e-3. */
  momentumDecay?: number;
  /** Ascend instead of descend (not in PyTorch 1.13's NAdam; negates the gradient). Default false. */
  maximize?: boolean;
}

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
  const o = 'nadam';
  checkKeys(o, options, ['lr', 'b1', 'b2', 'eps', 'weightDecay', 'momentumDecay', 'maximize']);
  const lr = checkScalarOrSchedule(o, 'lr', options.lr, 2e-3, { min: 0 });
  const wd = checkNumber(o, 'weightDecay', options.weightDecay, 0, { min: 0 });
  const maximize = checkBoolean(o, 'maximize', options.maximize, false);
  checkAdamBetas(o, options, { b1: 0.9, b2: 0.999, eps: 1e-8 });
  checkNumber(o, 'momentumDecay', options.momentumDecay, 4e-3, { min: 0 });
  const inner = scaleByNadam({
    b1: options.b1,
    b2: options.b2,
    eps: options.eps,
    momentumDecay: options.momentumDecay,
  });
  return namedChain(maximizeLink(maximize), l2Link(wd), inner, scaleByLearningRate(lr));
}
