import type { TypedArray } from '../tensor/dtype.js';
import { bufferFor, buffersLike, type Buffers } from './buffers.js';
import { namesOf } from './names.js';
import { resultWriter } from './result.js';
import { createStepContext, enterStep, exitStep } from './step-context.js';
import type { GradientTransformation } from './types.js';
import { upgradeInner } from './upgrade.js';
import { checkBoolean, checkKeys, checkNumber } from './validate.js';

/** a ← a + u, u ← 0; or on the last mini-step u ← (a + u)/divisor, a ← 0. */
function accumulateLoop(u: TypedArray, a: TypedArray, last: boolean, divisor: number): void {
  for (let i = 0; i < u.length; i++) {
    if (last) {
      u[i] = ((a[i] as number) + (u[i] as number)) / divisor;
      a[i] = 0;
    } else {
      a[i] = (a[i] as number) + (u[i] as number);
      u[i] = 0;
    }
  }
}

/** Options of {@link multiSteps}. */
export interface MultiStepsOptions {
  /** Pass the mean of the k gradients (default) rather than their sum. */
  average?: boolean;
}

/** State of {@link multiSteps}. */
export interface MultiStepsState<S> {
  /** Gradients accumulated so far in the current window (0 … k − 1). */
  miniStep: number;
  /** Inner updates made so far. */
  innerSteps: number;
  /** Accumulated gradients. */
  acc: Buffers;
  /** The inner transformation's state (advanced once per k steps). */
  inner: S;
}

/**
 * Gradient accumulation: k calls make one inner step. The first k − 1 calls add their gradients to
 * an accumulator and emit zero updates; the k-th passes their mean (or sum) to the inner
 * transformation and emits its updates — a k-times larger batch at the memory of one.
 *
 * u_t = 0 for t mod k ≠ k − 1;  u_t = inner((1/k)·Σ_{last k} g)
 *
 * @example const tx = multiSteps(adam({ lr: 1e-3 }), 4);
 * @see Optax `MultiSteps`.
 */
export function multiSteps<S>(
  inner: GradientTransformation<S>,
  k: number,
  options: MultiStepsOptions = {},
): GradientTransformation<MultiStepsState<S>> {
  const every = checkNumber('multiSteps', 'k', k, undefined, { min: 1, integer: true });
  checkKeys('multiSteps', options, ['average']);
  const average = checkBoolean('multiSteps', 'average', options.average, true);
  const fallback = createStepContext();
  const out = resultWriter<MultiStepsState<S>>();
  return {
    init: (params) => ({
      miniStep: 0,
      innerSteps: 0,
      acc: buffersLike(params),
      inner: inner.init(params),
    }),
    update(updates, state, params, ctx) {
      const c = enterStep(ctx, fallback);
      try {
        const last = state.miniStep + 1 === every;
        const divisor = average ? every : 1;
        const names = namesOf(updates);
        for (let j = 0; j < names.length; j++) {
          const name = names[j] as string;
          const u = (updates[name] as { data: Float32Array | Float64Array }).data;
          const a = bufferFor('multiSteps', state.acc, name, u.length);
          accumulateLoop(u, a, last, divisor);
        }
        if (!last) {
          state.miniStep = state.miniStep + 1;
          return out(updates, state);
        }
        state.miniStep = 0;
        state.innerSteps = state.innerSteps + 1;
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
    // the accumulated gradient goes through the inner clip, the other steps emit 0
    ...(inner.normBound === undefined ? {} : { normBound: inner.normBound }),
    boundedAfter: (bound) => inner.boundedAfter?.(bound),
  };
}
