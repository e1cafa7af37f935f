import type { ScalarOrSchedule } from '../schedule/types.js';
import { l2Link, maximizeLink, namedChain, type NamedChainState } from './named-chain.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { scaleByRss } from './scale-by-rss.js';
import type { GradientTransformation } from './types.js';
import { checkBoolean, checkKeys, checkNumber, checkScalarOrSchedule } from './validate.js';

/** Options of {@link adagrad} (PyTorch's names and defaults). */
export interface AdagradOptions {
  /** Learning rate ≥ 0 or a schedule. Default 1e-2. */
  lr?: ScalarOrSchedule;
  /** lr decay ≥ 0: step t (0-based) uses lr(t)/(1 + t·lrDecay). Default 0. */
  lrDecay?: number;
  /** L2 penalty λ ≥ 0. Default 0. */
  weightDecay?: number;
  /** Initial accumulated squares ≥ 0. Default 0. */
  initialAccumulatorValue?: number;
  /** ε ≥ 0. Default 1e-10. */
  eps?: number;
  /** Ascend instead of descend. Default false. */
  maximize?: boolean;
}

/**
 * Adagrad, as torch.optim.Adagrad:
 *
 * g ← ±g + λ·p;  G ← G + g²;  p ← p − (lr/(1 + (t − 1)·lrDecay))·g/(√G + ε)
 *
 * @example const tx = adagrad({ lr: 0.05, initialAccumulatorValue: 0.1 });
 * @see Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and Stochastic Optimization", JMLR 2011.
 */
export function adagrad(options: AdagradOptions = {}): GradientTransformation<NamedChainState> {
  const o = 'adagrad';
  checkKeys(o, options, [
    'lr',
    'lrDecay',
    'weightDecay',
    'initialAccumulatorValue',
    'eps',
    'maximize',
  ]);
  const lr = checkScalarOrSchedule(o, 'lr', options.lr, 1e-2, { min: 0 });
  const lrDecay = checkNumber(o, 'lrDecay', options.lrDecay, 0, { min: 0 });
  const wd = checkNumber(o, 'weightDecay', options.weightDecay, 0, { min: 0 });
  const initialAccumulatorValue = checkNumber(
    o,
    'initialAccumulatorValue',
    options.initialAccumulatorValue,
    0,
    { min: 0 },
  );
  const eps = checkNumber(o, 'eps', options.eps, 1e-10, { min: 0 });
  const maximize = checkBoolean(o, 'maximize', options.maximize, false);
  return namedChain(
    maximizeLink(maximize),
    l2Link(wd),
    scaleByRss({ initialAccumulatorValue, eps }),
    scaleByLearningRate(lr, { lrDecay }),
  );
}
