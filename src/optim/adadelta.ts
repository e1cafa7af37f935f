import {
  declareOptimizer,
  readOptimizerOptions,
  type OptimizerOptions,
  type OptionSpecs,
} from './declare.js';
import { L2_PENALTY, MAXIMIZE, NONNEG, UNIT } from './option-fields.js';
import { l2Link, maximizeLink, namedChain, type NamedChainState } from './named-chain.js';
import { scaleByAdadelta } from './scale-by-adadelta.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import type { GradientTransformation } from './types.js';

/** The options of {@link adadelta} (PyTorch's names and defaults), by declaration. */
export const ADADELTA_OPTIONS = {
  /** ρ in [0, 1]. Default 0.9. */
  rho: { ...UNIT, default: 0.9 },
  /** ε ≥ 0. Default 1e-6. */
  eps: { ...NONNEG, default: 1e-6 },
  /** L2 penalty λ ≥ 0. Default 0. */
  weightDecay: L2_PENALTY,
  /** Ascend instead of descend. Default false. */
  maximize: MAXIMIZE,
} as const satisfies OptionSpecs;

/** Options of {@link adadelta} (lr default 1.0). */
export type AdadeltaOptions = OptimizerOptions<typeof ADADELTA_OPTIONS>;

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
  const o = readOptimizerOptions(ADADELTA, options);
  const { lr, rho, eps, maximize } = o;
  const wd = o.weightDecay;
  return namedChain(
    maximizeLink(maximize),
    l2Link(wd),
    scaleByAdadelta({ rho, eps }),
    scaleByLearningRate(lr),
  );
}

/** The declaration of {@link adadelta} (see optim/registry.ts). */
export const ADADELTA = declareOptimizer({
  name: 'adadelta',
  summary: 'AdaDelta (Zeiler 2012) as torch.optim.Adadelta (lr scales Δ)',
  options: ADADELTA_OPTIONS,
  defaultLr: 1.0,
  create: adadelta,
});
