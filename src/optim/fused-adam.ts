import type { ScalarOrSchedule } from '../schedule/types.js';
import { bufferFor, buffersLike, paramFor } from './buffers.js';
import { namesOf } from './names.js';
import { resultWriter } from './result.js';
import { checkAdamBetas, type ScaleByAdamState } from './scale-by-adam.js';
import type { GradientTransformation, Params } from './types.js';
import { checkBoolean, checkKeys, checkNumber, checkScalarOrSchedule } from './validate.js';

/** Options of {@link fusedAdam}. */
export interface FusedAdamOptions {
  /** Learning rate α ≥ 0, or a schedule of the step. Default 1e-3. */
  lr?: ScalarOrSchedule;
  /** β1 in [0, 1). Default 0.9. */
  b1?: number;
  /** β2 in [0, 1). Default 0.999. */
  b2?: number;
  /** ε ≥ 0, added to √v̂. Default 1e-8. */
  eps?: number;
  /** λ ≥ 0. Default 0. */
  weightDecay?: number;
  /** Decoupled decay p ← p − lr·λ·p (AdamW) instead of L2 (g ← g + λ·p). Default false. */
  decoupled?: boolean;
  /** AMSGrad. Default false. */
  amsgrad?: boolean;
  /** Ascend instead of descend (the gradient is negated first). Default false. */
  maximize?: boolean;
  /** Bias correction. Default true. */
  debias?: boolean;
}

/** State of {@link fusedAdam}: that of scaleByAdam (the learning rate is read at `count`). */
export type FusedAdamState = ScaleByAdamState;

/** The option names {@link fusedAdam} accepts. */
export const FUSED_ADAM_KEYS = ['lr', 'b1', 'b2', 'eps', 'weightDecay', 'decoupled', 'amsgrad', 'maximize', 'debias'] as const;

/**
 * The whole Adam / AdamW step in one loop per tensor (the building block behind `adam` and
 * `adamw`; equal to chain(scale(−1)?, addDecayedWeights(λ)?, scaleByAdam, addDecayedWeights(λ)?,
 * scaleByLearningRate(lr)) up to rounding, but one pass over memory instead of three):
 *
 * g ← ±g (+ λ·p for L2);  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;
 * u ← −(α / (1 − β1^t))·m / (√v / √(1 − β2^t) + ε)  (− α·λ·p when decoupled)
 *
 * in PyTorch 1.13's order of operations (float64 results agree with torch.optim.Adam/AdamW to
 * about 1e-16 relative). Allocates nothing.
 *
 * @example const tx = fusedAdam({ lr: 1e-3, weightDecay: 1e-2, decoupled: true });
 * @see Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.
 * @see Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019.
 */
export function fusedAdam(options: FusedAdamOptions = {}, owner = 'fusedAdam'): GradientTransformation<FusedAdamState> {
  checkKeys(owner, options, FUSED_ADAM_KEYS);
  const lr = checkScalarOrSchedule(owner, 'lr', options.lr, 1e-3, { min: 0 });
  const { b1, b2, eps } = checkAdamBetas(owner, options, { b1: 0.9, b2: 0.999, eps: 1e-8 });
  const wd = checkNumber(owner, 'weightDecay', options.weightDecay, 0, { min: 0 });
  const decoupled = checkBoolean(owner, 'decoupled', options.decoupled, false);
  const amsgrad = checkBoolean(owner, 'amsgrad', options.amsgrad, false);
  const maximize = checkBoolean(owner, 'maximize', options.maximize, false);
  const debias = checkBoolean(owner, 'debias', options.debias, true);
  const sign = maximize ? -1 : 1;
  const out = resultWriter<FusedAdamState>();
  return {
    init: (params) => ({ count: 0, mu: buffersLike(params), nu: buffersLike(params), nuMax: amsgrad ? buffersLike(params) : null }),
    update(updates, state, params: Params) {
      const t = state.count + 1;
      const alpha = lr(state.count);
      const bc1 = debias ? 1 - b1 ** t : 1;
      const bc2Sqrt = debias ? Math.sqrt(1 - b2 ** t) : 1;
      const negStep = -(alpha / bc1);
      const l2 = decoupled ? 0 : wd;
      const decay = decoupled ? alpha * wd : 0;
      const c1 = 1 - b1;
      const c2 = 1 - b2;
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        const name = names[k] as string;
        const u = (updates[name] as { data: Float32Array | Float64Array }).data;
        const n = u.length;
        const m = bufferFor(owner, state.mu, name, n);
        const v = bufferFor(owner, state.nu, name, n);
        const p = l2 !== 0 || decay !== 0 ? paramFor(owner, params, name, n).data : u;
        if (state.nuMax !== null) {
          const vm = bufferFor(owner, state.nuMax, name, n);
          for (let i = 0; i < n; i++) {
            let g = sign * (u[i] as number);
            const pi = p[i] as number;
            if (l2 !== 0) g = g + l2 * pi;
            const mi = (m[i] as number) * b1 + c1 * g;
            const vi = (v[i] as number) * b2 + c2 * g * g;
            m[i] = mi;
            v[i] = vi;
            const vmi = Math.max(vm[i] as number, vi);
            vm[i] = vmi;
            const step = negStep * (mi / (Math.sqrt(vmi) / bc2Sqrt + eps));
            u[i] = decay !== 0 ? step - decay * pi : step;
          }
        } else if (l2 === 0 && decay === 0) {
          for (let i = 0; i < n; i++) {
            const g = sign * (u[i] as number);
            const mi = (m[i] as number) * b1 + c1 * g;
            const vi = (v[i] as number) * b2 + c2 * g * g;
            m[i] = mi;
            v[i] = vi;
            u[i] = negStep * (mi / (Math.sqrt(vi) / bc2Sqrt + eps));
          }
        } else {
          for (let i = 0; i < n; i++) {
            let g = sign * (u[i] as number);
            const pi = p[i] as number;
            if (l2 !== 0) g = g + l2 * pi;
            const mi = (m[i] as number) * b1 + c1 * g;
            const vi = (v[i] as number) * b2 + c2 * g * g;
            m[i] = mi;
            v[i] = vi;
            const step = negStep * (mi / (Math.sqrt(vi) / bc2Sqrt + eps));
            u[i] = decay !== 0 ? step - decay * pi : step;
          }
        }
      }
      state.count = t;
      return out(updates, state);
    },
    currentLr: (state) => lr(state.count),
  };
}
