import type { ScalarOrSchedule } from '../schedule/types.js';
import { addDecayedWeights } from './add-decayed-weights.js';
import { maximizeLink, namedChain, type NamedChainState } from './named-chain.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { scaleByLion } from './scale-by-lion.js';
import type { GradientTransformation } from './types.js';
import { checkBoolean, checkKeys, checkNumber, checkScalarOrSchedule } from './validate.js';

/** Options of {@link lion}. */
export interface LionOptions {
  /** Learning rate ≥ 0 or a schedule. Default 1e-4. */
  lr?: ScalarOrSchedule;
  /** β1 in [0, 1). Default 0.9. */
  b1?: number;
  /** β2 in [0, 1). Default 0.99. */
  b2?: number;
  /** Decoupled weight decay λ ≥ 0 (p ← p − lr·λ·p). Default 0. */
  weightDecay?: number;
  /** Ascend instead of descend. Default false. */
  maximize?: boolean;
}

/**
 * Lion (Chen et al. 2023), beyond PyTorch 1.13:
 *
 * c = β1·m + (1 − β1)·g;  p ← p − lr·(sign(c) + λ·p);  m ← β2·m + (1 − β2)·g
 *
 * @example const tx = lion({ lr: 3e-5, weightDecay: 0.1 });
 * @see Chen et al., "Symbolic Discovery of Optimization Algorithms", NeurIPS 2023.
 */
export function lion(options: LionOptions = {}): GradientTransformation<NamedChainState> {
  const o = 'lion';
  checkKeys(o, options, ['lr', 'b1', 'b2', 'weightDecay', 'maximize']);
  const lr = checkScalarOrSchedule(o, 'lr', options.lr, 1e-4, { min: 0 });
  const wd = checkNumber(o, 'weightDecay', options.weightDecay, 0, { min: 0 });
  const maximize = checkBoolean(o, 'maximize', options.maximize, false);
  checkNumber(o, 'b1', options.b1, 0.9, { min: 0, max: 1, maxExclusive: true });
  checkNumber(o, 'b2', options.b2, 0.99, { min: 0, max: 1, maxExclusive: true });
  return namedChain(
    maximizeLink(maximize),
    scaleByLion({ b1: options.b1, b2: options.b2 }),
    wd !== 0 ? addDecayedWeights(wd) : null,
    scaleByLearningRate(lr),
  );
}
