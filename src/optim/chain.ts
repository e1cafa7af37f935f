import { ConfigError, fmt } from '../errors.js';
import { resultWriter } from './result.js';
import { createStepContext, enterStep, exitStep } from './step-context.js';
import type { GradientTransformation, Params, StateOf } from './types.js';

/** The state of a chain: the tuple of its links' states, in order. */
export type ChainState<T extends readonly GradientTransformation<unknown>[]> = {
  -readonly [K in keyof T]: StateOf<T[K]>;
};

/**
 * Composes transformations in order: the updates leaving link i enter link i + 1, and the state
 * is the array of the links' states. The chain makes sure the step context exists and carries an
 * `events` record, and resets the events at the start of each step (only the outermost chain of
 * a step does, so nested chains keep what earlier links reported). Nothing is allocated per step.
 *
 * u ← T_n(… T_2(T_1(g)))
 *
 * @example
 * const tx = chain(clip.byGlobalNorm(1), scaleByAdam(), scaleByLearningRate(1e-3));
 * @see Babuschkin et al., "The DeepMind JAX Ecosystem" (Optax `chain`), 2020.
 */
export function chain<const T extends readonly GradientTransformation<unknown>[]>(
  ...txs: T
): GradientTransformation<ChainState<T>> {
  txs.forEach((t, i) => {
    if (
      t === null ||
      typeof t !== 'object' ||
      typeof t.init !== 'function' ||
      typeof t.update !== 'function'
    ) {
      throw new ConfigError(
        `chain: argument ${i} = ${fmt(t)} is not a GradientTransformation (an object with init and update)`,
      );
    }
  });
  const links: readonly GradientTransformation<unknown>[] = txs;
  const fallback = createStepContext();
  const out = resultWriter<ChainState<T>>();
  return {
    init(params: Params): ChainState<T> {
      return links.map((t) => t.init(params)) as ChainState<T>;
    },
    update(updates, state, params, ctx) {
      const c = enterStep(ctx, fallback);
      try {
        const states = state as unknown[];
        let u = updates;
        for (let i = 0; i < links.length; i++) {
          const r = (links[i] as GradientTransformation<unknown>).update(u, states[i], params, c);
          u = r[0];
          states[i] = r[1];
        }
        return out(u, state);
      } finally {
        exitStep();
      }
    },
    restore(state) {
      const states = state as unknown[];
      links.forEach((t, i) => t.restore?.(states[i]));
    },
    currentLr(state) {
      const states = state as unknown[];
      for (let i = 0; i < links.length; i++) {
        const lr = (links[i] as GradientTransformation<unknown>).currentLr?.(states[i]);
        if (lr !== undefined) return lr;
      }
      return undefined;
    },
  };
}
