import { ConfigError, fmt } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * A gradient hook on a leaf: called with dL/d(leaf) of one backward pass (every contribution
 * summed, fused kernels' included) before it is added into `.grad`; may return a replacement of
 * the same shape and dtype.
 */
export type GradHook = (grad: Tensor) => Tensor | undefined | void;

const hooks = new WeakMap<Tensor, GradHook[]>();

/**
 * Registers `hook` on the leaf `t` (PyTorch's `Tensor.register_hook` on a leaf) and returns a
 * function that removes it. While a leaf has hooks, no VJP adds into its `.grad` directly (the
 * gradient sink gives it no buffer), so the hook sees the whole gradient.
 * @example const remove = registerGradHook(layer.weight, (g) => { norms.push(g.norm()); });
 */
export function registerGradHook(t: Tensor, hook: GradHook): () => void {
  if (t.gradFn !== null || !t.requiresGrad) {
    throw new ConfigError(
      `registerGradHook: t must be a leaf that requires grad, got ${t.gradFn !== null ? `the output of '${t.gradFn.op}'` : `a tensor with requiresGrad ${fmt(t.requiresGrad)}`}`,
    );
  }
  const list = hooks.get(t) ?? [];
  list.push(hook);
  hooks.set(t, list);
  return () => {
    const i = list.indexOf(hook);
    if (i >= 0) list.splice(i, 1);
  };
}

/**
 * The hooks registered on `t` (empty when none), for the backward pass and the gradient sink.
 * @example if (gradHooksOf(t).length > 0) ...
 */
export function gradHooksOf(t: Tensor): readonly GradHook[] {
  return hooks.get(t) ?? [];
}
