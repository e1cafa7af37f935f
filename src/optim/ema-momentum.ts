import {
  declareOptimizer,
  readOptimizerOptions,
  type OptimizerOptions,
  type OptionSpecs,
} from './declare.js';
import { BETA, L2_PENALTY, MAXIMIZE } from './option-fields.js';
import { ema } from './ema.js';
import { l2Link, maximizeLink, namedChain, type NamedChainState } from './named-chain.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import type { GradientTransformation } from './types.js';

/** The options of {@link emaMomentum} (PyTorch's names and defaults), by declaration. */
export const EMA_MOMENTUM_OPTIONS = {
  /** β in [0, 1). Default 0.9. */
  beta: { ...BETA, default: 0.9 },
  /** L2 penalty λ ≥ 0 added to the gradient. Default 0. */
  weightDecay: L2_PENALTY,
  /** Ascend instead of descend. Default false. */
  maximize: MAXIMIZE,
} as const satisfies OptionSpecs;

/** Options of {@link emaMomentum} (lr required). */
export type EmaMomentumOptions = OptimizerOptions<typeof EMA_MOMENTUM_OPTIONS, true>;

/**
 * The momentum of the article this project started from — an exponential moving average of the
 * gradients, starting from zero:
 *
 * v_{t+1} = β·v_t + (1 − β)·g_t,  v_0 = 0;  x_{t+1} = x_t − lr·v_{t+1}
 *
 * Not PyTorch's SGD momentum (whose first step sets v = g and which does not damp g by 1 − β):
 * for the same lr, the steady-state step is lr·g here and lr·g/(1 − β) there.
 *
 * @example const tx = emaMomentum({ lr: 0.1, beta: 0.9 });
 * @see Polyak, "Some methods of speeding up the convergence of iteration methods", 1964.
 */
export function emaMomentum(options: EmaMomentumOptions): GradientTransformation<NamedChainState> {
  const { lr, beta, weightDecay: wd, maximize } = readOptimizerOptions(EMA_MOMENTUM, options);
  return namedChain(
    maximizeLink(maximize),
    l2Link(wd),
    ema({ decay: beta }),
    scaleByLearningRate(lr),
  );
}

/** The declaration of {@link emaMomentum} (see optim/registry.ts). */
export const EMA_MOMENTUM = declareOptimizer({
  name: 'emaMomentum',
  summary: 'Momentum as an exponential moving average of the gradients (v ← βv + (1 − β)g)',
  options: EMA_MOMENTUM_OPTIONS,
  defaultLr: undefined,
  create: emaMomentum,
});
