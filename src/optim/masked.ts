import { ConfigError, fmt } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { namesOf } from './names.js';
import { resultWriter } from './result.js';
import { createStepContext, enterStep, exitStep } from './step-context.js';
import { SubsetView } from './subset.js';
import type { GradientTransformation, Params } from './types.js';
import { upgradeInner } from './upgrade.js';

/** Selects parameters by name (and tensor): true = the inner transformation applies. */
export type ParamPredicate = (name: string, param: Tensor) => boolean;

/** State of {@link masked}. */
export interface MaskedState<S> {
  /** Names of the parameters the inner transformation sees, in order. */
  names: string[];
  /** The inner transformation's state (created for those parameters only). */
  inner: S;
}

/**
 * @internal Resolves a predicate or a record of flags to a predicate.
 * @example toPredicate('masked', { 'fc.bias': true })('fc.bias', t) // true
 */
export function toPredicate(
  owner: string,
  mask: ParamPredicate | Record<string, boolean>,
): ParamPredicate {
  if (typeof mask === 'function') return mask;
  if (mask === null || typeof mask !== 'object') {
    throw new ConfigError(
      `${owner}: mask = ${fmt(mask)} is invalid; expected a function (name, param) => boolean or a record of booleans`,
    );
  }
  return (name) => mask[name] === true;
}

/**
 * Applies `inner` only to the parameters selected by `mask` (a predicate on name and tensor, or a
 * record name → boolean); the other updates pass through unchanged. The usual use is per-group
 * options, e.g. no weight decay on biases and normalisation scales.
 *
 * u_i ← inner(u)_i if mask(i), else u_i
 *
 * @example
 * const tx = chain(scaleByAdam(), masked(addDecayedWeights(1e-2), isDecayed), scaleByLearningRate(1e-3));
 * @see Optax `masked`.
 */
export function masked<S>(
  inner: GradientTransformation<S>,
  mask: ParamPredicate | Record<string, boolean>,
): GradientTransformation<MaskedState<S>> {
  const predicate = toPredicate('masked', mask);
  const view = new SubsetView('masked');
  const fallback = createStepContext();
  const out = resultWriter<MaskedState<S>>();
  return {
    init(params) {
      const names = namesOf(params).filter((n) => predicate(n, params[n] as Tensor));
      const sub: Params = {};
      for (const n of names) sub[n] = params[n] as Tensor;
      return { names, inner: inner.init(sub) };
    },
    update(updates, state, params, ctx) {
      const c = enterStep(ctx, fallback);
      try {
        if (state.names.length === 0) return out(updates, state);
        view.fill(state.names, updates, params);
        const r = inner.update(view.updates, state.inner, view.params, c);
        view.writeBack(state.names, r[0], updates);
        state.inner = r[1];
        return out(updates, state);
      } finally {
        exitStep();
      }
    },
    currentLr: (state) => inner.currentLr?.(state.inner),
    restore: (state) => inner.restore?.(state.inner),
    upgrade: (loaded, fresh) => upgradeInner(inner, loaded, fresh.inner),
    // a monitor inside sees a subset of the gradients, which a clip after this bounds too; a clip
    // inside bounds only the subset, so no normBound
    boundedAfter: (bound) => inner.boundedAfter?.(bound),
  };
}

/**
 * The usual decay mask: true for tensors with two or more dimensions (weights), false for
 * vectors and scalars (biases, LayerNorm/BatchNorm scales and shifts), which are conventionally
 * not decayed.
 * @example masked(addDecayedWeights(0.05), isDecayed)
 */
export function isDecayed(_name: string, param: Tensor): boolean {
  return param.shape.length >= 2;
}
