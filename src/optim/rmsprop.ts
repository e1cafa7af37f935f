import type { ScalarOrSchedule } from '../schedule/types.js';
import { l2Link, maximizeLink, namedChain, type NamedChainState } from './named-chain.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { scaleByRms } from './scale-by-rms.js';
import { trace } from './trace.js';
import type { GradientTransformation } from './types.js';
import { checkBoolean, checkKeys, checkNumber, checkScalarOrSchedule } from './validate.js';

/** Options of {@link rmsprop} (PyTorch's names and defaults). */
export interface RmspropOptions {
  /** Learning rate ≥ 0 or a schedule. Default 1e-2. */
  lr?: ScalarOrSchedule;
  /** Smoothing constant α in [0, 1]. Default 0.99. */
  alpha?: number;
  /** ε ≥ 0. Default 1e-8. */
  eps?: number;
  /** L2 penalty λ ≥ 0. Default 0. */
  weightDecay?: number;
  /** Momentum μ ≥ 0 on the preconditioned step. Default 0. */
  momentum?: number;
  /** Normalise by the estimated variance instead of the second moment. Default false. */
  centered?: boolean;
  /** Ascend instead of descend. Default false. */
  maximize?: boolean;
}

/**
 * RMSprop, as torch.optim.RMSprop:
 *
 * g ← ±g + λ·p;  s ← α·s + (1 − α)·g²;  d = √s + ε (centered: √(s − ḡ²) + ε);
 * b ← μ·b + g/d, p ← p − lr·b   (μ = 0: p ← p − lr·g/d)
 *
 * @example const tx = rmsprop({ lr: 1e-3, alpha: 0.9, momentum: 0.9, centered: true });
 * @see Tieleman & Hinton, Lecture 6.5 "rmsprop", COURSERA: Neural Networks for Machine Learning, 2012.
 */
export function rmsprop(options: RmspropOptions = {}): GradientTransformation<NamedChainState> {
  const o = 'rmsprop';
  checkKeys(o, options, ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered', 'maximize']);
  const lr = checkScalarOrSchedule(o, 'lr', options.lr, 1e-2, { min: 0 });
  const alpha = checkNumber(o, 'alpha', options.alpha, 0.99, { min: 0, max: 1 });
  const eps = checkNumber(o, 'eps', options.eps, 1e-8, { min: 0 });
  const wd = checkNumber(o, 'weightDecay', options.weightDecay, 0, { min: 0 });
  const momentum = checkNumber(o, 'momentum', options.momentum, 0, { min: 0 });
  const centered = checkBoolean(o, 'centered', options.centered, false);
  const maximize = checkBoolean(o, 'maximize', options.maximize, false);
  return namedChain(
    maximizeLink(maximize),
    l2Link(wd),
    scaleByRms({ alpha, eps, centered }),
    momentum > 0 ? trace({ decay: momentum }) : null,
    scaleByLearningRate(lr),
  );
}
