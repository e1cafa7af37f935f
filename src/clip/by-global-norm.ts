import { DataError } from '../errors.js';
import { resultWriter } from '../optim/result.js';
import { raiseEvent } from '../optim/step-context.js';
import type { GradientTransformation } from '../optim/types.js';
import { checkBoolean, checkKeys, checkNumber } from '../optim/validate.js';
import { ConfigError, fmt } from '../errors.js';
import { globalNormInto, scaleAllAt, type NormType } from './norms.js';

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
 * Clipping by the norm of all gradients together, as torch.nn.utils.clip_grad_norm_: with
 * N = ‖(‖g₁‖, …, ‖g_k‖)‖_p,
 *
 * g ← g·c/(N + 1e-6) when that factor is below 1
 *
 * Keeps the direction of the whole update (Pascanu et al.'s remedy for exploding gradients).
 * Sets ctx.events.clipped. Re-applying it is the identity only up to ~1e-6 relative (PyTorch's
 * 1e-6 leaves the clipped norm slightly below c).
 *
 * @example chain(clip.byGlobalNorm(1.0), adamw({ lr: 1e-3 }))
 * @see Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural networks", ICML 2013.
 */
export function byGlobalNorm(
  maxNorm: number,
  options: ByGlobalNormOptions = {},
): GradientTransformation<ByGlobalNormState> {
  const c = checkNumber('byGlobalNorm', 'maxNorm', maxNorm, undefined, {
    min: 0,
    allowInfinity: true,
  });
  checkKeys('byGlobalNorm', options, ['normType', 'errorIfNonfinite']);
  const p = options.normType ?? 2;
  if (p !== 'inf' && (typeof p !== 'number' || !(p > 0) || !Number.isFinite(p))) {
    throw new ConfigError(
      `byGlobalNorm: option normType = ${fmt(p)} is invalid; expected a number p > 0 or 'inf'`,
    );
  }
  const strict = checkBoolean('byGlobalNorm', 'errorIfNonfinite', options.errorIfNonfinite, false);
  const out = resultWriter<ByGlobalNormState>();
  const scratch = new Float64Array(3);
  return {
    init: () => ({ steps: 0, normBefore: 0, normAfter: 0, scale: 1, clipped: false, clipSteps: 0 }),
    update(updates, state, _params, ctx) {
      globalNormInto(updates, p, scratch, 0);
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
      if (clipped) scaleAllAt(updates, scratch, 2);
      state.steps = state.steps + 1;
      state.normBefore = total;
      state.normAfter = total * coef;
      state.scale = coef;
      state.clipped = clipped;
      if (clipped) {
        state.clipSteps = state.clipSteps + 1;
        raiseEvent(ctx, 'clipped');
      }
      return out(updates, state);
    },
  };
}
