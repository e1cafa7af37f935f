import {
  declareOptimizer,
  readOptimizerOptions,
  type OptimizerOptions,
  type OptionSpecs,
} from './declare.js';
import { FLAG, L2_PENALTY, MAXIMIZE, NONNEG, UNIT } from './option-fields.js';
import { ConfigError } from '../errors.js';
import { l2Link, maximizeLink, namedChain, type NamedChainState } from './named-chain.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { trace } from './trace.js';
import { sgdApplyInPlace } from './fused-sgd.js';
import type { GradientTransformation } from './types.js';

/** The options of {@link sgd} (PyTorch's names and defaults), by declaration. */
export const SGD_OPTIONS = {
  /** Momentum μ ≥ 0. Default 0. */
  momentum: { ...NONNEG, default: 0 },
  /** Dampening d in [0, 1]. Default 0. */
  dampening: { ...UNIT, default: 0 },
  /** Nesterov momentum (needs momentum > 0 and dampening = 0). Default false. */
  nesterov: FLAG,
  /** L2 penalty λ ≥ 0 added to the gradient. Default 0. */
  weightDecay: L2_PENALTY,
  /** Ascend instead of descend. Default false. */
  maximize: MAXIMIZE,
} as const satisfies OptionSpecs;

/** Options of {@link sgd} (lr required). */
export type SgdOptions = OptimizerOptions<typeof SGD_OPTIONS, true>;

/**
 * Stochastic gradient descent with PyTorch's momentum (first step b = g):
 *
 * g ← ±g + λ·p;  b ← μ·b + (1 − d)·g;  p ← p − lr·b   (nesterov: p ← p − lr·(g + μ·b))
 *
 * A chain of scale(−1) (maximize), addDecayedWeights (L2), trace and scaleByLearningRate.
 *
 * @example const tx = sgd({ lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4 });
 * @see Robbins & Monro, "A Stochastic Approximation Method", 1951.
 * @see Sutskever et al., "On the importance of initialization and momentum in deep learning", ICML 2013.
 */
export function sgd(options: SgdOptions): GradientTransformation<NamedChainState> {
  const o = readOptimizerOptions(SGD, options);
  const { lr, momentum, dampening, nesterov, maximize } = o;
  const wd = o.weightDecay;
  if (nesterov && (momentum <= 0 || dampening !== 0)) {
    throw new ConfigError(
      `sgd: nesterov = true requires momentum > 0 and dampening = 0 (PyTorch's rule), got momentum = ${momentum}, dampening = ${dampening}`,
    );
  }
  const traceLink = momentum !== 0 ? trace({ decay: momentum, dampening, nesterov }) : null;
  const lrLink = scaleByLearningRate(lr);
  const links = [maximizeLink(maximize), l2Link(wd), traceLink, lrLink];
  const present = links.filter((l) => l !== null);
  const tx = namedChain(...links);
  return {
    ...tx,
    // The fused step finds the states of the links it replaces by the links' identity, so that
    // the order of `links` above can change without breaking it (issue 14, defect 3).
    applyInPlace: sgdApplyInPlace({
      sign: maximize ? -1 : 1,
      weightDecay: wd,
      momentum,
      dampening,
      nesterov,
      lr,
      traceIndex: traceLink === null ? -1 : present.indexOf(traceLink),
      lrIndex: present.indexOf(lrLink),
    }),
  };
}

/** The declaration of {@link sgd} (see optim/registry.ts). */
export const SGD = declareOptimizer({
  name: 'sgd',
  summary: "Stochastic gradient descent with PyTorch's momentum, dampening, Nesterov and L2",
  options: SGD_OPTIONS,
  defaultLr: undefined,
  create: sgd,
});
