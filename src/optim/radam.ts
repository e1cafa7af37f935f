import type { ScalarOrSchedule } from '../schedule/types.js';
import { l2Link, maximizeLink, namedChain, type NamedChainState } from './named-chain.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { scaleByRadam } from './scale-by-radam.js';
import { checkAdamBetas } from './scale-by-adam.js';
import type { GradientTransformation } from './types.js';
import { checkBoolean, checkKeys, checkNumber, checkScalarOrSchedule } from './validate.js';

/** Options of {@link radam} (PyTorch 1.13's names and defaults). */
export interface RadamOptions {
  /** Learning rate ≥ 0 or a schedule. Default 1e-3. */
  lr?: ScalarOrSchedule;
  /** β1 in [0, 1). Default 0.9. */
  b1?: number;
  /** β2 in [0, 1). Default 0.999. */
  b2?: number;
  /** ε ≥ 0. Default 1e-8. */
  eps?: number;
  /** L2 penalty λ ≥ 0. Default 0. */
  weightDecay?: number;
  /** Ascend instead of descend (not in PyTorch 1.13's RAdam; negates the gradient). Default false. */
  maximize?: boolean;
}

/**
 * RAdam, as torch.optim.RAdam in PyTorch 1.13 (see {@link scaleByRadam}): Adam whose adaptive
 * rate is switched on, rectified, once ρ_t > 5, and plain bias-corrected momentum before.
 *
 * @example const tx = radam({ lr: 1e-3 });
 * @see Liu et al., "On the Variance of the Adaptive Learning Rate and Beyond", ICLR 2020.
 */
export function radam(options: RadamOptions = {}): GradientTransformation<NamedChainState> {
  const o = 'radam';
  checkKeys(o, options, ['lr', 'b1', 'b2', 'eps', 'weightDecay', 'maximize']);
  const lr = checkScalarOrSchedule(o, 'lr', options.lr, 1e-3, { min: 0 });
  const wd = checkNumber(o, 'weightDecay', options.weightDecay, 0, { min: 0 });
  const maximize = checkBoolean(o, 'maximize', options.maximize, false);
  checkAdamBetas(o, options, { b1: 0.9, b2: 0.999, eps: 1e-8 });
  const inner = scaleByRadam({ b1: options.b1, b2: options.b2, eps: options.eps });
  return namedChain(maximizeLink(maximize), l2Link(wd), inner, scaleByLearningRate(lr));
}
