import { ConfigError, fmt } from '../errors.js';
import { allocData } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { namesOf } from './names.js';
import { resultWriter } from './result.js';
import { createStepContext, enterStep, exitStep } from './step-context.js';
import type { GradientTransformation, Params, StateOf, StepContext } from './types.js';

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
 * When the last link has a fused step (`applyInPlace`, e.g. adam, adamw, sgd), so does the chain:
 * the earlier links run `update` on a private copy of the gradients (allocated at the first
 * fused step, reused after), then the last link reads that copy and updates the parameters in
 * one pass. So `chain(gradientHealth, byGlobalNorm(1), adam)` runs Adam's fused (wasm) step, with
 * the same bits as the unfused chain.
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
  const last = links[links.length - 1];
  const fusedLast = last?.applyInPlace?.bind(last);
  // The private copy of the gradients the earlier links transform on the fused path, kept for
  // the parameter record it was made for.
  let scratch: Params = {};
  let scratchFor: Params | null = null;
  const copyGradients = (params: Params): Params => {
    const names = namesOf(params);
    if (scratchFor !== params) {
      // Plain arrays: this copy lives in the closure, outside the state that Optimizer.dispose()
      // gives back to the kernels' memory owner, so it must not take resident memory.
      scratch = {};
      for (const n of names) {
        const p = params[n] as Tensor;
        scratch[n] = new Tensor(allocData(p.dtype, p.size), p.shape);
      }
      scratchFor = params;
    }
    for (let k = 0; k < names.length; k++) {
      const n = names[k] as string;
      const g = (params[n] as Tensor).grad;
      const s = scratch[n] as Tensor;
      if (g === null || g.size !== s.size)
        throw new ConfigError(
          `chain: fused step without a gradient of the right size for parameter ${fmt(n)}`,
        );
      s.data.set(g.data);
    }
    return scratch;
  };
  const applyInPlace =
    fusedLast === undefined
      ? undefined
      : (params: Params, state: ChainState<T>, ctx?: StepContext, grads?: Params) => {
          const c = enterStep(ctx, fallback);
          try {
            const states = state as unknown[];
            const n = links.length - 1;
            if (n === 0) {
              states[0] = fusedLast(params, states[0], c, grads);
              return state;
            }
            // `grads`, when given, is the caller's to overwrite; `.grad` is not.
            let u = grads ?? copyGradients(params);
            for (let i = 0; i < n; i++) {
              const r = (links[i] as GradientTransformation<unknown>).update(
                u,
                states[i],
                params,
                c,
              );
              u = r[0];
              states[i] = r[1];
            }
            states[n] = fusedLast(params, states[n], c, u);
            return state;
          } finally {
            exitStep();
          }
        };
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
    ...(applyInPlace === undefined ? {} : { applyInPlace }),
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
