import type { TypedArray } from '../tensor/dtype.js';
import { bufferFor, buffersLike, type Buffers } from './buffers.js';
import { declareOptimizer, readOptimizerOptions, type OptimizerOptions } from './declare.js';
import { maximizeLink, namedChain, type NamedChainState } from './named-chain.js';
import { namesOf } from './names.js';
import { BETA, MAXIMIZE, NONNEG } from './option-fields.js';
import { resultWriter } from './result.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import type { GradientTransformation } from './types.js';

/** State of AdaBelief's preconditioner (the first link of {@link adabelief}'s chain). */
export interface ScaleByBeliefState {
  /** Updates made so far. */
  count: number;
  /** First moments m. */
  mu: Buffers;
  /** Second moments of the prediction error, s (ε_root included, as Optax stores it). */
  nu: Buffers;
}

// Per-step scalars through a Float64Array (a double passed to a non-inlined call is boxed).
/** m ← β1m + (1 − β1)g;  s ← β2s + (1 − β2)(g − m)² + ε_root;  u ← (m/bc1)/(√(s/bc2) + ε). */
function beliefLoop(u: TypedArray, m: TypedArray, s: TypedArray, k: Float64Array): void {
  const b1 = k[0] as number;
  const b2 = k[1] as number;
  const eps = k[2] as number;
  const epsRoot = k[3] as number;
  const bc1 = k[4] as number;
  const bc2 = k[5] as number;
  for (let i = 0; i < u.length; i++) {
    const g = u[i] as number;
    m[i] = (1 - b1) * g + b1 * (m[i] as number);
    const e = g - (m[i] as number);
    s[i] = (1 - b2) * (e * e) + b2 * (s[i] as number) + epsRoot;
    u[i] = (m[i] as number) / bc1 / (Math.sqrt((s[i] as number) / bc2) + eps);
  }
}

/** The options of {@link adabelief} (Optax's names and defaults). */
export const ADABELIEF_OPTIONS = {
  /** β1, decay of the first moment, in [0, 1). Default 0.9. */
  b1: { ...BETA, default: 0.9 },
  /** β2, decay of the belief (the squared prediction error), in [0, 1). Default 0.999. */
  b2: { ...BETA, default: 0.999 },
  /** ε ≥ 0 added to √ŝ. Default 1e-16 (Optax's). */
  eps: { ...NONNEG, default: 1e-16 },
  /** ε_root ≥ 0 added to s at every step (inside the root). Default 1e-16 (Optax's). */
  epsRoot: { ...NONNEG, default: 1e-16 },
  /** Ascend instead of descend. Default false. */
  maximize: MAXIMIZE,
} as const;

/** Options of {@link adabelief} (lr default 1e-3, the paper's). */
export type AdabeliefOptions = OptimizerOptions<typeof ADABELIEF_OPTIONS>;

/**
 * AdaBelief — Adam whose second moment tracks the "belief" in the gradient, the squared
 * deviation of g from its running mean, instead of g² (Optax's `adabelief`):
 *
 * m ← β1·m + (1 − β1)·g;  s ← β2·s + (1 − β2)·(g − m)² + ε_root;
 * p ← p − α·(m/(1 − β1^t)) / (√(s/(1 − β2^t)) + ε)
 *
 * Steps are large where the gradient is predictable (small s) and small where it is noisy.
 * A chain of scale(−1) (maximize), the belief preconditioner and scaleByLearningRate.
 *
 * @example const tx = adabelief({ lr: 1e-3 });
 * @see Zhuang et al., "AdaBelief Optimizer: Adapting Stepsizes by the Belief in Observed Gradients", NeurIPS 2020.
 */
export function adabelief(options: AdabeliefOptions = {}): GradientTransformation<NamedChainState> {
  const o = readOptimizerOptions(ADABELIEF, options);
  const out = resultWriter<ScaleByBeliefState>();
  const k = new Float64Array(6);
  const belief: GradientTransformation<ScaleByBeliefState> = {
    init: (params) => ({ count: 0, mu: buffersLike(params), nu: buffersLike(params) }),
    update(updates, state) {
      const t = state.count + 1;
      k[0] = o.b1;
      k[1] = o.b2;
      k[2] = o.eps;
      k[3] = o.epsRoot;
      k[4] = 1 - o.b1 ** t;
      k[5] = 1 - o.b2 ** t;
      const names = namesOf(updates);
      for (let j = 0; j < names.length; j++) {
        const name = names[j] as string;
        const u = (updates[name] as { data: Float32Array | Float64Array }).data;
        const m = bufferFor('adabelief', state.mu, name, u.length);
        const s = bufferFor('adabelief', state.nu, name, u.length);
        beliefLoop(u, m, s, k);
      }
      state.count = t;
      return out(updates, state);
    },
  };
  return namedChain(
    maximizeLink(o.maximize),
    belief as GradientTransformation<unknown>,
    scaleByLearningRate(o.lr),
  );
}

/** The declaration of {@link adabelief} (see optim/registry.ts). */
export const ADABELIEF = declareOptimizer({
  name: 'adabelief',
  summary:
    'AdaBelief (Zhuang et al. 2020): Adam with the variance of the prediction error, as optax.adabelief',
  options: ADABELIEF_OPTIONS,
  defaultLr: 1e-3,
  create: adabelief,
});
