import { ConfigError, fmt } from '../errors.js';
import { allocData } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { GradStatsCache } from './grad-stats.js';
import { scaleInPlaceRounded } from './loops.js';
import { namesOf } from './names.js';
import { resultWriter } from './result.js';
import { createStepContext, enterStep, exitStep } from './step-context.js';
import type {
  GradientTransformation,
  Params,
  StateOf,
  StepContext,
  UpdateNormsRequest,
} from './types.js';

/** The state of a chain: the tuple of its links' states, in order. */
export type ChainState<T extends readonly GradientTransformation<unknown>[]> = {
  -readonly [K in keyof T]: StateOf<T[K]>;
};

/**
 * The global 2-norm the leading links clip the updates to before any other link changes them
 * (the smallest `normBound` of the clipping links before the first other link that is not an
 * observer), Infinity when none does; `tail`, the bound of what follows the links (a chain's
 * own `boundedAfter`), counts when every link only observes or clips.
 */
function leadingBound(links: readonly GradientTransformation<unknown>[], tail = Infinity): number {
  let bound = Infinity;
  for (const t of links) {
    if (t.observesOnly === true) continue;
    if (t.normBound === undefined) return bound;
    bound = Math.min(bound, t.normBound);
  }
  return Math.min(bound, tail);
}

/**
 * Composes transformations in order: the updates leaving link i enter link i + 1, and the state
 * is the array of the links' states. The chain makes sure the step context exists and carries an
 * `events` record, and resets the events at the start of each step (only the outermost chain of
 * a step does, so nested chains keep what earlier links reported). Nothing is allocated per step.
 *
 * u ← T_n(… T_2(T_1(g)))
 *
 * Gradient statistics are computed once per step: while the chain runs a link that reads them
 * (`observesOnly`, as the monitor, or `scaleOf`, as byGlobalNorm) it hands it the chain's
 * {@link GradStatsCache} in `ctx.gradStats`, valid until a link that may write the updates.
 *
 * When the last link has a fused step (`applyInPlace`, e.g. adam, adamw, sgd), so does the chain.
 * If the earlier links only observe, the last of them possibly scaling (`chain(gradientHealth,
 * byGlobalNorm(1), adam)`), they run on the gradients themselves and the last link's fused step
 * takes the scaling factor as its `gradScale`: one statistics pass and one optimizer pass over
 * memory per step. Otherwise the earlier links run `update` on a private copy of the gradients
 * (allocated at the first fused step, reused after) and the last link applies from it. Both give
 * the bits of the unfused chain. When the last link also measures the update it makes
 * (`measuresUpdate`: adam, adamw), the fused step offers the earlier links `ctx.updateNorms`, so
 * the monitor reads ‖Δp‖ from the optimizer's own pass instead of copying the parameters.
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
  const stats = new GradStatsCache();
  const reads = links.map((t) => t.observesOnly === true || t.scaleOf !== undefined);
  const last = links[links.length - 1];
  const fusedLast = last?.applyInPlace?.bind(last);
  const n = links.length - 1;
  // The direct fused plan: every earlier link observes only, except that the last of them may
  // scale (a link after a scaling one would have to see the scaled gradients).
  const direct =
    fusedLast !== undefined &&
    links
      .slice(0, n)
      .every((t, i) => t.observesOnly === true || (i === n - 1 && t.scaleOf !== undefined));
  // Tell each link that asks (the monitor, or a wrapper or chain holding one) the norm the links
  // after it clip the updates to (the monitor's spike rule judges the gradient the optimizer
  // receives, issue 20); again with the bound after this chain when an outer chain tells it.
  const tellBounds = (tail: number): void => {
    links.forEach((t, i) => t.boundedAfter?.(leadingBound(links.slice(i + 1), tail)));
  };
  tellBounds(Infinity);
  const bound = leadingBound(links);
  const factor = new Float64Array(1);
  // The last link measures the update it makes (adam's fused step): the fused step offers the
  // earlier links (the monitor) this request, reset every step, instead of their own copy of
  // the parameters. A chain inside another passes the outer chain's request through.
  const measures = fusedLast !== undefined && last?.measuresUpdate === true;
  const request: UpdateNormsRequest = { out: null };
  // The record of the parameters' `.grad` tensors the direct plan hands to the earlier links,
  // made for the parameter record it was made for and refilled each step (no allocation).
  let gradRecord: Params = {};
  let gradFor: Params | null = null;
  const gradients = (params: Params): Params => {
    const names = namesOf(params);
    if (gradFor !== params) {
      gradRecord = {};
      gradFor = params;
    }
    for (let k = 0; k < names.length; k++) {
      const name = names[k] as string;
      const g = (params[name] as Tensor).grad;
      if (g === null)
        throw new ConfigError(`chain: fused step without a gradient for parameter ${fmt(name)}`);
      gradRecord[name] = g;
    }
    return gradRecord;
  };
  // The private copy of the gradients the earlier links transform on the copying fused path,
  // kept for the parameter record it was made for.
  let scratch: Params = {};
  let scratchFor: Params | null = null;
  const copyGradients = (
    params: Params,
    grads: Params | undefined,
    gradScale: Float64Array | undefined,
  ): Params => {
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
      const g = grads === undefined ? (params[n] as Tensor).grad : grads[n];
      const s = scratch[n] as Tensor;
      if (g === null || g === undefined || g.size !== s.size)
        throw new ConfigError(
          `chain: fused step without a gradient of the right size for parameter ${fmt(n)}`,
        );
      s.data.set(g.data);
      if (gradScale !== undefined) scaleInPlaceRounded(s.data, gradScale, 0);
    }
    return scratch;
  };
  // Runs link i's update on u (the statistics cache handed over only to reading links, and
  // emptied after a link that may have written u).
  const runLink = (
    i: number,
    u: Params,
    states: unknown[],
    params: Params,
    c: StepContext,
  ): Params => {
    const t = links[i] as GradientTransformation<unknown>;
    c.gradStats = reads[i] === true ? stats : undefined;
    const r = t.update(u, states[i], params, c);
    states[i] = r[1];
    if (t.observesOnly !== true || r[0] !== u) stats.invalidate();
    return r[0];
  };
  const applyInPlace =
    fusedLast === undefined
      ? undefined
      : (
          params: Params,
          state: ChainState<T>,
          ctx?: StepContext,
          grads?: Params,
          gradScale?: Float64Array,
        ) => {
          const c = enterStep(ctx, fallback);
          const saved = c.gradStats;
          const savedNorms = c.updateNorms;
          if (measures && savedNorms === undefined) {
            request.out = null;
            c.updateNorms = request;
          }
          stats.invalidate();
          try {
            const states = state as unknown[];
            if (n === 0) {
              states[0] = fusedLast(params, states[0], c, grads, gradScale);
              return state;
            }
            if (direct && gradScale === undefined) {
              const g = grads ?? gradients(params);
              factor[0] = 1;
              c.gradStats = stats;
              for (let i = 0; i < n; i++) {
                const t = links[i] as GradientTransformation<unknown>;
                if (t.observesOnly === true) states[i] = t.update(g, states[i], params, c)[1];
                else states[i] = t.scaleOf!(g, states[i], params, c, factor);
              }
              c.gradStats = saved;
              states[n] = fusedLast(
                params,
                states[n],
                c,
                grads,
                factor[0] === 1 ? undefined : factor,
              );
              return state;
            }
            // `grads`, when given, is the caller's to overwrite; `.grad` is not.
            let u =
              grads !== undefined && gradScale === undefined
                ? grads
                : copyGradients(params, grads, gradScale);
            for (let i = 0; i < n; i++) u = runLink(i, u, states, params, c);
            c.gradStats = saved;
            states[n] = fusedLast(params, states[n], c, u);
            return state;
          } finally {
            c.gradStats = saved;
            c.updateNorms = savedNorms;
            request.out = null;
            exitStep();
          }
        };
  return {
    init(params: Params): ChainState<T> {
      return links.map((t) => t.init(params)) as ChainState<T>;
    },
    update(updates, state, params, ctx) {
      const c = enterStep(ctx, fallback);
      const saved = c.gradStats;
      stats.invalidate();
      try {
        const states = state as unknown[];
        let u = updates;
        for (let i = 0; i < links.length; i++) u = runLink(i, u, states, params, c);
        return out(u, state);
      } finally {
        c.gradStats = saved;
        exitStep();
      }
    },
    ...(applyInPlace === undefined ? {} : { applyInPlace }),
    ...(bound < Infinity ? { normBound: bound } : {}),
    ...(measures ? { measuresUpdate: true } : {}),
    restore(state) {
      const states = state as unknown[];
      links.forEach((t, i) => t.restore?.(states[i]));
    },
    upgrade(loaded, fresh) {
      const states = fresh as unknown[];
      if (!Array.isArray(loaded) || loaded.length !== links.length) return loaded;
      return loaded.map((s: unknown, i) => {
        const t = links[i] as GradientTransformation<unknown>;
        return t.upgrade === undefined ? s : t.upgrade(s, states[i]);
      });
    },
    boundedAfter: tellBounds,
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
