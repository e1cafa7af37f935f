import type { ScalarOrSchedule } from '../schedule/types.js';
import { l2Link, maximizeLink, namedChain, type NamedChainState } from './named-chain.js';
import { scaleByAdadelta } from './scale-by-adadelta.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import type { GradientTransformation } from './types.js';
import { checkBoolean, checkKeys, checkNumber, checkScalarOrSchedule } from './validate.js';

/** Options of {@link adadelta} (PyTorch's names and defaults). */
export interface AdadeltaOptions {
  /** Coefficient ≥ 0 (or a schedule) scaling Δ before it is applied. Default 1.0. */
  lr?: ScalarOrSchedule;
  /** ρ in [0, 1]. Default 0.9. */
  rho?: number;
  /** ε ≥ 0. Default 1e-6. */
  eps?: number;
  /** L2 penalty λ ≥ 0. Default 0. */
  weightDecay?: number;
  /** Ascend instead of descend. Default false. */
  maximize?: boolean;
}

/**
 * Adadelta, as torch.optim.Adadelta:
 *
 * g ← ±g + λ·p;  E[g²] ← ρE[g²] + (1 − ρ)g²;  Δ = √(E[Δ²] + ε)/√(E[g²] + ε)·g;
 * E[Δ²] ← ρE[Δ²] + (1 − ρ)Δ²;  p ← p − lr·Δ
 *
 * @example const tx = adadelta({ rho: 0.95 });
 * @see Zeiler, "ADADELTA: An Adaptive Learning Rate Method", 2012.
 */
export function adadelta(options: AdadeltaOptions = {}): GradientTransformation<NamedChainState> {
  const o = 'adadelta';
  checkKeys(o, options, ['lr', 'rho', 'eps', 'weightDecay', 'maximize']);
  const lr = checkScalarOrSchedule(o, 'lr', options.lr, 1.0, { min: 0 });
  const rho = checkNumber(o, 'rho', options.rho, 0.9, { min: 0, max: 1 });
  const eps = checkNumber(o, 'eps', options.eps, 1e-6, { min: 0 });
  const wd = checkNumber(o, 'weightDecay', options.weightDecay, 0, { min: 0 });
  const maximize = checkBoolean(o, 'maximize', options.maximize, false);
  return namedChain(
    maximizeLink(maximize),
    l2Link(wd),
    scaleByAdadelta({ rho, eps }),
    scaleByLearningRate(lr),
  );
}
