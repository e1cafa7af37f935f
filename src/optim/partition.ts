import { ConfigError, fmt } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { namesOf } from './names.js';
import { resultWriter } from './result.js';
import { createStepContext, enterStep, exitStep } from './step-context.js';
import { SubsetView } from './subset.js';
import type { GradientTransformation, Params } from './types.js';
import type { MaskedState } from './masked.js';
import { upgradeInner } from './upgrade.js';

/** Maps a parameter to the label of its group. */
export type LabelFn = (name: string, param: Tensor) => string;

/** State of {@link partition}: per label, the group's names and its transformation's state. */
export type PartitionState = Record<string, MaskedState<unknown>>;

/**
 * Parameter groups: every parameter gets a label (from a function of its name and tensor, or a
 * record name → label) and is transformed by the transformation of that label only — PyTorch's
 * param_groups with their own options, as one transformation.
 *
 * u_i ← T_{label(i)}(u restricted to the group)_i
 *
 * @example
 * const tx = partition(
 *   { decay: adamw({ lr: 1e-3, weightDecay: 0.05 }), noDecay: adamw({ lr: 1e-3, weightDecay: 0 }) },
 *   (name, p) => (p.shape.length >= 2 ? 'decay' : 'noDecay'),
 * );
 * @see Optax `multi_transform`.
 */
export function partition(
  transforms: Record<string, GradientTransformation<unknown>>,
  labels: LabelFn | Record<string, string>,
): GradientTransformation<PartitionState> {
  if (transforms === null || typeof transforms !== 'object') {
    throw new ConfigError(
      `partition: transforms = ${fmt(transforms)} is invalid; expected a record label → GradientTransformation`,
    );
  }
  const groupLabels = Object.keys(transforms);
  if (groupLabels.length === 0)
    throw new ConfigError('partition: transforms is empty; expected at least one label');
  const labelOf: LabelFn =
    typeof labels === 'function'
      ? labels
      : (name) => {
          const l = labels[name];
          if (l === undefined)
            throw new ConfigError(
              `partition: no label for parameter ${fmt(name)} in the labels record`,
            );
          return l;
        };
  const views = new Map(groupLabels.map((l) => [l, new SubsetView(`partition[${l}]`)]));
  const fallback = createStepContext();
  const out = resultWriter<PartitionState>();
  return {
    init(params) {
      const groups: Record<string, string[]> = {};
      for (const l of groupLabels) groups[l] = [];
      for (const n of namesOf(params)) {
        const l = labelOf(n, params[n] as Tensor);
        const g = groups[l];
        if (g === undefined) {
          throw new ConfigError(
            `partition: parameter ${fmt(n)} has label ${fmt(l)}, which has no transformation; expected one of ${groupLabels.join(', ')}`,
          );
        }
        g.push(n);
      }
      const state: PartitionState = {};
      for (const l of groupLabels) {
        const names = groups[l] as string[];
        const sub: Params = {};
        for (const n of names) sub[n] = params[n] as Tensor;
        state[l] = { names, inner: (transforms[l] as GradientTransformation<unknown>).init(sub) };
      }
      return state;
    },
    update(updates, state, params, ctx) {
      const c = enterStep(ctx, fallback);
      try {
        for (let i = 0; i < groupLabels.length; i++) {
          const l = groupLabels[i] as string;
          const g = state[l];
          if (g === undefined) throw new ConfigError(`partition: state has no group ${fmt(l)}`);
          if (g.names.length === 0) continue;
          const view = views.get(l) as SubsetView;
          view.fill(g.names, updates, params);
          const r = (transforms[l] as GradientTransformation<unknown>).update(
            view.updates,
            g.inner,
            view.params,
            c,
          );
          view.writeBack(g.names, r[0], updates);
          g.inner = r[1];
        }
        return out(updates, state);
      } finally {
        exitStep();
      }
    },
    restore(state) {
      for (const l of groupLabels) {
        const g = state[l];
        if (g !== undefined) (transforms[l] as GradientTransformation<unknown>).restore?.(g.inner);
      }
    },
    upgrade(loaded, fresh) {
      if (loaded === null || typeof loaded !== 'object') return loaded;
      const groups = loaded as Record<string, unknown>;
      for (const l of groupLabels) {
        const g = fresh[l];
        if (g !== undefined && l in groups)
          groups[l] = upgradeInner(transforms[l] as GradientTransformation<unknown>, groups[l], g.inner);
      }
      return loaded;
    },
    // a monitor in a group sees that group's gradients, which a clip after this bounds too; a
    // clip in a group bounds only that group, so no normBound
    boundedAfter(bound) {
      for (const l of groupLabels) (transforms[l] as GradientTransformation<unknown>).boundedAfter?.(bound);
    },
    currentLr(state) {
      for (const l of groupLabels) {
        const g = state[l];
        if (g === undefined || g.names.length === 0) continue;
        const lr = (transforms[l] as GradientTransformation<unknown>).currentLr?.(g.inner);
        if (lr !== undefined) return lr;
      }
      return undefined;
    },
  };
}
