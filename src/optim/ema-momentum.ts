import type { ScalarOrSchedule } from '../schedule/types.js';
import { ema } from './ema.js';
import { l2Link, maximizeLink, namedChain, type NamedChainState } from './named-chain.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import type { GradientTransformation } from './types.js';
import { checkBoolean, checkKeys, checkNumber, checkScalarOrSchedule } from './validate.js';

/** Options of {@link emaMomentum}. */
export interface EmaMomentumOptions {
  /** Learning rate ≥ 0 or a schedule (required). */
  lr: ScalarOrSchedule;
  /** β in [0, 1). Default 0.9. */
  beta?: number;
  /** L2 penalty λ ≥ 0 added to the gradient. Default 0. */
  weightDecay?: number;
  /** Ascend instead of descend. Default false. */
  maximize?: boolean;
}

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
  const o = 'emaMomentum';
  checkKeys(o, options ?? {}, ['lr', 'beta', 'weightDecay', 'maximize']);
  const lr = checkScalarOrSchedule(o, 'lr', options?.lr, undefined, { min: 0 });
  const beta = checkNumber(o, 'beta', options.beta, 0.9, { min: 0, max: 1, maxExclusive: true });
  const wd = checkNumber(o, 'weightDecay', options.weightDecay, 0, { min: 0 });
  const maximize = checkBoolean(o, 'maximize', options.maximize, false);
  return namedChain(
    maximizeLink(maximize),
    l2Link(wd),
    ema({ decay: beta }),
    scaleByLearningRate(lr),
  );
}
