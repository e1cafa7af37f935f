import { countNonFiniteIn } from './loops.js';
import { namesOf } from './names.js';
import { resultWriter } from './result.js';
import { createStepContext, enterStep, exitStep, raiseEvent } from './step-context.js';
import type { GradientTransformation, Params } from './types.js';
import { upgradeInner } from './upgrade.js';
import { checkKeys, checkNumber } from './validate.js';

/** Options of {@link skipNonFinite}. */
export interface SkipNonFiniteOptions {
  /** After this many consecutive skipped steps, apply the step anyway (Optax's max_consecutive_errors). Default Infinity. */
  maxConsecutive?: number;
}

/** State of {@link skipNonFinite}. */
export interface SkipNonFiniteState<S> {
  /** Steps skipped so far. */
  skipped: number;
  /** Consecutive skipped steps up to now (0 after an applied step). */
  consecutive: number;
  /** Whether the last step was skipped. */
  lastSkipped: boolean;
  /** Non-finite elements found in the last step's gradients. */
  lastNonFiniteCount: number;
  /** The inner transformation's state (not advanced on skipped steps). */
  inner: S;
}

/**
 * Counts NaN and ±Inf elements of all updates.
 * @example countNonFinite({ w: tensor([1, NaN]) }) // 1
 */
export function countNonFinite(updates: Params): number {
  let bad = 0;
  const names = namesOf(updates);
  for (let k = 0; k < names.length; k++) {
    bad += countNonFiniteIn(
      (updates[names[k] as string] as { data: Float32Array | Float64Array }).data,
    );
  }
  return bad;
}

/**
 * Skips steps whose gradients hold NaN or ±Inf: the updates are zeroed (the parameters do not
 * move), the inner transformation is not called (its moments, counters and schedules do not
 * advance), the skip is counted in the state and reported as ctx.events.nonFinite — the usual
 * defence against an occasional overflow (as in mixed-precision loss scaling).
 *
 * u ← 0 if any gᵢ ∉ ℝ, else inner(g)
 *
 * @example const tx = skipNonFinite(chain(clip.byGlobalNorm(1), adam({ lr: 1e-3 })));
 * @see Optax `apply_if_finite`; Micikevicius et al., "Mixed Precision Training", ICLR 2018.
 */
export function skipNonFinite<S>(
  inner: GradientTransformation<S>,
  options: SkipNonFiniteOptions = {},
): GradientTransformation<SkipNonFiniteState<S>> {
  checkKeys('skipNonFinite', options, ['maxConsecutive']);
  const maxConsecutive = checkNumber(
    'skipNonFinite',
    'maxConsecutive',
    options.maxConsecutive,
    Infinity,
    { min: 0, allowInfinity: true },
  );
  const fallback = createStepContext();
  const out = resultWriter<SkipNonFiniteState<S>>();
  return {
    init: (params) => ({
      skipped: 0,
      consecutive: 0,
      lastSkipped: false,
      lastNonFiniteCount: 0,
      inner: inner.init(params),
    }),
    update(updates, state, params, ctx) {
      const c = enterStep(ctx, fallback);
      try {
        const bad = countNonFinite(updates);
        state.lastNonFiniteCount = bad;
        if (bad > 0) raiseEvent(c, 'nonFinite');
        if (bad > 0 && state.consecutive < maxConsecutive) {
          const names = namesOf(updates);
          for (let k = 0; k < names.length; k++)
            (updates[names[k] as string] as { data: Float32Array | Float64Array }).data.fill(0);
          state.skipped = state.skipped + 1;
          state.consecutive = state.consecutive + 1;
          state.lastSkipped = true;
          return out(updates, state);
        }
        state.consecutive = 0;
        state.lastSkipped = false;
        const r = inner.update(updates, state.inner, params, c);
        state.inner = r[1];
        return out(r[0], state);
      } finally {
        exitStep();
      }
    },
    currentLr: (state) => inner.currentLr?.(state.inner),
    restore: (state) => inner.restore?.(state.inner),
    upgrade: (loaded, fresh) => upgradeInner(inner, loaded, fresh.inner),
    // a skipped step's updates are 0: the inner clip's bound holds for every step
    ...(inner.normBound === undefined ? {} : { normBound: inner.normBound }),
    boundedAfter: (bound) => inner.boundedAfter?.(bound),
  };
}
