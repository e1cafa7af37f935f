import type { FieldSpecs } from '../optim/field-spec.js';
import { ConfigError, DataError, fmt } from '../errors.js';
import { GRAD_STATS_SUM_SQ, GradStatsCache, gradStatsFor } from '../optim/grad-stats.js';
import { scaleInPlaceRounded } from '../optim/loops.js';
import { namesOf } from '../optim/names.js';
import { resultWriter } from '../optim/result.js';
import { raiseEvent } from '../optim/step-context.js';
import type { GradientTransformation, Params, StepContext } from '../optim/types.js';
import { checkBoolean, checkKeys, checkNumber, numberInRange } from '../optim/validate.js';
import type { Tensor } from '../tensor/tensor.js';
import { globalNormInto, type NormType } from './norms.js';

/** Options of {@link byGlobalNorm}. */
export interface ByGlobalNormOptions {
  /** Norm order: 2 (default), 1, any p > 0, or 'inf'. */
  normType?: NormType;
  /** Throw a DataError when the total norm is NaN or ±Inf (PyTorch's error_if_nonfinite). Default false. */
  errorIfNonfinite?: boolean;
}

/** State of {@link byGlobalNorm}: what the last step did, and totals. */
export interface ByGlobalNormState {
  /** Steps seen. */
  steps: number;
  /** Total norm before the last step's clipping. */
  normBefore: number;
  /** Total norm after it (normBefore × scale). */
  normAfter: number;
  /** The factor applied (1 when not clipped). */
  scale: number;
  /** Whether the last step was clipped. */
  clipped: boolean;
  /** Steps clipped so far. */
  clipSteps: number;
}

/**
 * The options of byGlobalNorm with their types and ranges: the one declaration its factory checks
 * and the clip registry (configs, the CLI, the playground) reads.
 */
export const BY_GLOBAL_NORM_FIELDS = {
  maxNorm: { type: 'number', min: 0, allowInfinity: true, required: true },
  normType: {
    type: 'numberOrEnum',
    item: { type: 'number', min: 0, minExclusive: true },
    values: ['inf'],
  },
  errorIfNonfinite: { type: 'boolean' },
} as const satisfies FieldSpecs;

/**
 * Clipping by the norm of all gradients together, as torch.nn.utils.clip_grad_norm_: with
 * N = ‖(‖g₁‖, …, ‖g_k‖)‖_p,
 *
 * g ← g·c/(N + 1e-6) when that factor is below 1
 *
 * Keeps the direction of the whole update (Pascanu et al.'s remedy for exploding gradients).
 * Sets ctx.events.clipped. Declares its `normBound` (maxNorm, for orders p ≤ 2), so that a monitor
 * before it in a chain judges gradient spikes by what the optimizer receives. The 2-norm comes from the step's gradient statistics (Kernels.gradStats:
 * float32 data summed in float32 blocks, float64 data in float64), float32 gradients are
 * multiplied by the coefficient rounded to float32 (as PyTorch's float32 clip_coef), and in a
 * chain before a fused optimizer the multiplication is folded into the optimizer's step
 * (`scaleOf`). Re-applying it is the identity only up to ~1e-6 relative (PyTorch's
 * 1e-6 leaves the clipped norm slightly below c).
 *
 * @example chain(clip.byGlobalNorm(1.0), adamw({ lr: 1e-3 }))
 * @see Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural networks", ICML 2013.
 */
export function byGlobalNorm(
  maxNorm: number,
  options: ByGlobalNormOptions = {},
): GradientTransformation<ByGlobalNormState> {
  const F = BY_GLOBAL_NORM_FIELDS;
  const c = checkNumber('byGlobalNorm', 'maxNorm', maxNorm, undefined, F.maxNorm);
  checkKeys('byGlobalNorm', options, ['normType', 'errorIfNonfinite']);
  const p = options.normType ?? 2;
  if (p !== 'inf' && (typeof p !== 'number' || !numberInRange(p, F.normType.item))) {
    throw new ConfigError(
      `byGlobalNorm: option normType = ${fmt(p)} is invalid; expected a number p > 0 or 'inf'`,
    );
  }
  const strict = checkBoolean('byGlobalNorm', 'errorIfNonfinite', options.errorIfNonfinite, false);
  const out = resultWriter<ByGlobalNormState>();
  const scratch = new Float64Array(3);
  const own = new GradStatsCache();
  // The step without touching the updates: the norm, the state, the event; the coefficient in
  // scratch[2].
  const measure = (
    updates: Params,
    state: ByGlobalNormState,
    ctx: StepContext | undefined,
  ): void => {
    if (p === 2) {
      // ‖(‖g₁‖, …, ‖g_k‖)‖₂ from each tensor's Σg² (the step's shared statistics when a chain
      // gives them: one pass over the gradients for the monitor and the clip together)
      const cache = gradStatsFor(ctx, own);
      const names = namesOf(updates);
      let acc = 0;
      for (let k = 0; k < names.length; k++) {
        const at = cache.of((updates[names[k] as string] as Tensor).data, false); // Σg² only
        const norm = Math.sqrt(cache.values[at + GRAD_STATS_SUM_SQ] as number);
        acc += norm * norm;
      }
      scratch[0] = Math.sqrt(acc);
    } else globalNormInto(updates, p, scratch, 0);
    const total = scratch[0] as number;
    if (strict && !Number.isFinite(total)) {
      throw new DataError(
        `byGlobalNorm: the total norm of order ${String(p)} of the gradients is ${total}, so they cannot be clipped`,
      );
    }
    // torchClipCoef, inlined: c/(N + 1e-6) capped at 1 (a NaN coefficient stays NaN, as torch.clamp).
    const raw = c / (total + 1e-6);
    const coef = raw < 1 || raw !== raw ? raw : 1;
    const clipped = coef !== 1;
    scratch[2] = coef;
    state.steps = state.steps + 1;
    state.normBefore = total;
    state.normAfter = total * coef;
    state.scale = coef;
    state.clipped = clipped;
    if (clipped) {
      state.clipSteps = state.clipSteps + 1;
      raiseEvent(ctx, 'clipped');
    }
  };
  return {
    // ‖g‖₂ ≤ ‖g‖_p for p ≤ 2, so an order-p clip at c also bounds the 2-norm by c
    ...(p !== 'inf' && p <= 2 ? { normBound: c } : {}),
    init: () => ({ steps: 0, normBefore: 0, normAfter: 0, scale: 1, clipped: false, clipSteps: 0 }),
    update(updates, state, _params, ctx) {
      measure(updates, state, ctx);
      if (state.clipped) {
        const names = namesOf(updates);
        for (let k = 0; k < names.length; k++)
          scaleInPlaceRounded((updates[names[k] as string] as Tensor).data, scratch, 2);
      }
      return out(updates, state);
    },
    scaleOf(updates, state, _params, ctx, factor) {
      measure(updates, state, ctx);
      factor[0] = (factor[0] as number) * (scratch[2] as number);
      return state;
    },
  };
}
