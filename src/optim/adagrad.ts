import {
  declareOptimizer,
  readOptimizerOptions,
  type OptimizerOptions,
  type OptionSpecs,
} from './declare.js';
import { L2_PENALTY, MAXIMIZE, NONNEG } from './option-fields.js';
import { l2Link, maximizeLink, namedChain, type NamedChainState } from './named-chain.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { scaleByRss } from './scale-by-rss.js';
import type { GradientTransformation } from './types.js';

/** The options of {@link adagrad} (PyTorch's names and defaults), by declaration. */
export const ADAGRAD_OPTIONS = {
  /** lr decay ≥ 0: step t (0-based) uses lr(t)/(1 + t·lrDecay). Default 0. */
  lrDecay: { ...NONNEG, default: 0 },
  /** L2 penalty λ ≥ 0. Default 0. */
  weightDecay: L2_PENALTY,
  /** Initial accumulated squares ≥ 0. Default 0. */
  initialAccumulatorValue: { ...NONNEG, default: 0 },
  /** ε ≥ 0. Default 1e-10. */
  eps: { ...NONNEG, default: 1e-10 },
  /** Ascend instead of descend. Default false. */
  maximize: MAXIMIZE,
} as const satisfies OptionSpecs;

/** Options of {@link adagrad} (lr default 1e-2). */
export type AdagradOptions = OptimizerOptions<typeof ADAGRAD_OPTIONS>;

/**
 * Adagrad, as torch.optim.Adagrad:
 *
 * g ← ±g + λ·p;  G ← G + g²;  p ← p − (lr/(1 + (t − 1)·lrDecay))·g/(√G + ε)
 *
 * @example const tx = adagrad({ lr: 0.05, initialAccumulatorValue: 0.1 });
 * @see Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and Stochastic Optimization", JMLR 2011.
 */
export function adagrad(options: AdagradOptions = {}): GradientTransformation<NamedChainState> {
  const o = readOptimizerOptions(ADAGRAD, options);
  const { lr, lrDecay, initialAccumulatorValue, eps, maximize } = o;
  const wd = o.weightDecay;
  return namedChain(
    maximizeLink(maximize),
    l2Link(wd),
    scaleByRss({ initialAccumulatorValue, eps }),
    scaleByLearningRate(lr, { lrDecay }),
  );
}

/** The declaration of {@link adagrad} (see optim/registry.ts). */
export const ADAGRAD = declareOptimizer({
  name: 'adagrad',
  summary: 'AdaGrad (Duchi, Hazan & Singer 2011) as torch.optim.Adagrad',
  options: ADAGRAD_OPTIONS,
  defaultLr: 1e-2,
  create: adagrad,
});
