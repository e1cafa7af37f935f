import type { ScalarOrSchedule } from '../schedule/types.js';
import { addDecayedWeights } from './add-decayed-weights.js';
import { maximizeLink, namedChain, type NamedChainState } from './named-chain.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { scaleByTrustRatio } from './scale-by-trust-ratio.js';
import { checkAdamBetas, scaleByAdam } from './scale-by-adam.js';
import type { GradientTransformation } from './types.js';
import { checkBoolean, checkKeys, checkNumber, checkScalarOrSchedule } from './validate.js';

/** Options of {@link lamb}. */
export interface LambOptions {
  /** Learning rate ≥ 0 or a schedule. Default 1e-3. */
  lr?: ScalarOrSchedule;
  /** β1 in [0, 1). Default 0.9. */
  b1?: number;
  /** β2 in [0, 1). Default 0.999. */
  b2?: number;
  /** ε ≥ 0. Default 1e-6 (the paper's). */
  eps?: number;
  /** Decoupled weight decay λ ≥ 0, added before the trust ratio. Default 0. */
  weightDecay?: number;
  /** Ascend instead of descend. Default false. */
  maximize?: boolean;
}

/**
 * LAMB (You et al. 2019, Algorithm 2), beyond PyTorch 1.13: Adam's bias-corrected direction plus
 * decoupled decay, rescaled per tensor by the trust ratio ‖p‖/‖r‖:
 *
 * r = m̂/(√v̂ + ε) + λ·p;  p ← p − lr·(‖p‖/‖r‖)·r   (ratio 1 when either norm is 0)
 *
 * @example const tx = lamb({ lr: 2e-3, weightDecay: 0.01 });
 * @see You et al., "Large Batch Optimization for Deep Learning: Training BERT in 76 minutes", ICLR 2020.
 */
export function lamb(options: LambOptions = {}): GradientTransformation<NamedChainState> {
  const o = 'lamb';
  checkKeys(o, options, ['lr', 'b1', 'b2', 'eps', 'weightDecay', 'maximize']);
  const lr = checkScalarOrSchedule(o, 'lr', options.lr, 1e-3, { min: 0 });
  const wd = checkNumber(o, 'weightDecay', options.weightDecay, 0, { min: 0 });
  const maximize = checkBoolean(o, 'maximize', options.maximize, false);
  checkAdamBetas(o, options, { b1: 0.9, b2: 0.999, eps: 1e-6 });
  return namedChain(
    maximizeLink(maximize),
    scaleByAdam({ b1: options.b1, b2: options.b2, eps: options.eps ?? 1e-6 }),
    wd !== 0 ? addDecayedWeights(wd) : null,
    scaleByTrustRatio(),
    scaleByLearningRate(lr),
  );
}
