import { ConfigError, fmt } from '../errors.js';
import type { Schedule, ScalarOrSchedule } from '../schedule/types.js';
import { resultWriter } from './result.js';
import { createStepContext, enterStep, exitStep } from './step-context.js';
import type { GradientTransformation } from './types.js';
import { upgradeInner } from './upgrade.js';

/** State of {@link injectHyperparams}. */
export interface InjectHyperparamsState<S> {
  /** Updates made so far (scheduled hyper-parameters are evaluated at this count). */
  count: number;
  /** Current values; change them between steps to change the optimizer (kept in checkpoints). */
  hyperparams: Record<string, number>;
  /** The inner transformation's state. */
  inner: S;
}

/** What the factory receives: live keys as a schedule reading the state, the others as numbers. */
export type InjectedValues<K extends string, L extends K> = {
  [P in K]: P extends L ? Schedule : number;
};

/** Options of {@link injectHyperparams}. */
export interface InjectHyperparamsOptions<L extends string> {
  /**
   * Hyper-parameters the factory accepts as a schedule (`lr` for every optimizer). They are passed
   * as a function reading the state, so changing them never rebuilds the inner transformation.
   * Default: ['lr'] if there is an lr.
   */
  live?: readonly L[];
}

/**
 * Makes hyper-parameters (learning rate, betas, a clipping threshold…) part of the optimizer state,
 * so they can be changed while training and are saved in checkpoints (Optax's
 * inject_hyperparams). Values given as schedules are re-evaluated at every step (at the count kept
 * in the state); numbers stay until changed through `state.hyperparams`.
 *
 * Keys in `live` (default `lr`) reach the factory as a schedule reading the state. Any other key
 * reaches it as a number, and when its value changes the inner transformation is rebuilt from the
 * factory (a few closures — the per-parameter state is kept, so the factory must not change the
 * state's structure); a schedule on such a key therefore rebuilds at every step.
 *
 * @example
 * const tx = injectHyperparams((h) => adam({ lr: h.lr, b1: h.b1 }), { lr: 1e-3, b1: 0.9 });
 * // later: (opt.state as InjectHyperparamsState<unknown>).hyperparams.lr = 1e-4;
 * @see Optax `inject_hyperparams`.
 */
export function injectHyperparams<S, K extends string, L extends K = Extract<K, 'lr'>>(
  factory: (hp: InjectedValues<K, L>) => GradientTransformation<S>,
  hyperparams: Record<K, ScalarOrSchedule>,
  options: InjectHyperparamsOptions<L> = {},
): GradientTransformation<InjectHyperparamsState<S>> {
  if (typeof factory !== 'function')
    throw new ConfigError(`injectHyperparams: factory = ${fmt(factory)} is not a function`);
  const keys = Object.keys(hyperparams) as K[];
  for (const k of keys) {
    const v: unknown = hyperparams[k];
    if (typeof v !== 'function' && (typeof v !== 'number' || Number.isNaN(v))) {
      throw new ConfigError(
        `injectHyperparams: hyper-parameter ${k} = ${fmt(v)} is invalid; expected a number or a schedule (step) => number`,
      );
    }
  }
  const live = new Set<string>(options.live ?? keys.filter((k) => k === 'lr'));
  for (const k of live) {
    if (!keys.includes(k as K))
      throw new ConfigError(
        `injectHyperparams: live key ${fmt(k)} is not among the hyper-parameters ${keys.join(', ')}`,
      );
  }
  const scheduled = keys.filter((k) => typeof hyperparams[k] === 'function');
  const fixed = keys.filter((k) => !live.has(k));
  const initial = (k: K, step: number): number => {
    const v = hyperparams[k];
    return typeof v === 'function' ? v(step) : v;
  };

  // The state whose values the live schedules read: the one being updated (or last initialised).
  let current: InjectHyperparamsState<S> | null = null;
  const readers = {} as Record<string, Schedule>;
  for (const k of live) {
    readers[k] = () => {
      const v = current?.hyperparams[k];
      if (v === undefined)
        throw new ConfigError(`injectHyperparams: hyper-parameter ${k} is missing from the state`);
      return v;
    };
  }
  const built: Record<string, number> = {};
  let inner: GradientTransformation<S> | null = null;
  // The bound a chain told this wrapper (boundedAfter), told again to every rebuilt inner one.
  let boundAfter: number | null = null;
  const build = (values: Record<string, number>): GradientTransformation<S> => {
    const hp = {} as Record<string, number | Schedule>;
    for (const k of keys) hp[k] = live.has(k) ? (readers[k] as Schedule) : (values[k] as number);
    for (const k of fixed) built[k] = values[k] as number;
    const t = factory(hp as InjectedValues<K, L>);
    if (boundAfter !== null) t.boundedAfter?.(boundAfter);
    inner = t;
    return t;
  };
  const innerFor = (values: Record<string, number>): GradientTransformation<S> => {
    if (inner === null) return build(values);
    for (let i = 0; i < fixed.length; i++) {
      const k = fixed[i] as string;
      if (!Object.is(built[k], values[k])) return build(values);
    }
    return inner;
  };

  const fallback = createStepContext();
  const out = resultWriter<InjectHyperparamsState<S>>();
  // The factory's transformation (built now for the initial hyper-parameters if init has not
  // built one yet): what a chain asks for its normBound when it is built.
  const current0 = (): GradientTransformation<S> => {
    if (inner !== null) return inner;
    const values: Record<string, number> = {};
    for (const k of keys) values[k] = initial(k, 0);
    return build(values);
  };
  return {
    // the inner clip's bound for the initial hyper-parameters (a clip threshold changed later
    // through the state is not seen by a chain already built)
    get normBound(): number | undefined {
      return current0().normBound;
    },
    boundedAfter(bound: number): void {
      boundAfter = bound;
      inner?.boundedAfter?.(bound);
    },
    upgrade: (loaded, fresh) => upgradeInner(current0(), loaded, fresh.inner),
    init(params) {
      const values: Record<string, number> = {};
      for (const k of keys) values[k] = initial(k, 0);
      const state: InjectHyperparamsState<S> = {
        count: 0,
        hyperparams: values,
        inner: undefined as S,
      };
      current = state;
      state.inner = innerFor(values).init(params);
      return state;
    },
    update(updates, state, params, ctx) {
      const c = enterStep(ctx, fallback);
      try {
        const hp = state.hyperparams;
        for (let i = 0; i < scheduled.length; i++) {
          const k = scheduled[i] as K;
          hp[k] = (hyperparams[k] as Schedule)(state.count);
        }
        current = state;
        const r = innerFor(hp).update(updates, state.inner, params, c);
        state.inner = r[1];
        state.count = state.count + 1;
        return out(r[0], state);
      } finally {
        exitStep();
      }
    },
    restore(state) {
      current = state;
      innerFor(state.hyperparams).restore?.(state.inner);
    },
    currentLr(state) {
      const lr = state.hyperparams['lr'];
      if (lr !== undefined) return lr;
      current = state;
      return innerFor(state.hyperparams).currentLr?.(state.inner);
    },
  };
}
