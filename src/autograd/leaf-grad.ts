import type { TypedArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { isAnomalyEnabled } from './anomaly.js';

/**
 * The gradient buffer a VJP may accumulate into directly, or null. A leaf that requires grad and
 * already holds a `.grad` of its own size and dtype (a module parameter after `zeroGrad()`, a view
 * into the module's gradient arena) receives dL/dt by plain addition when backward() reaches it;
 * a VJP that adds its contribution straight into that buffer (a GEMM with β = 1) and returns null
 * for the input gives the same sum without allocating the gradient and without a second pass.
 * Off in anomaly mode, so that every gradient is still checked on its way.
 *
 * @example const acc = leafGradBuffer(weight); if (acc) gemm(..., acc, 0, true);
 */
export function leafGradBuffer(t: Tensor): TypedArray | null {
  if (!t.requiresGrad || t.gradFn !== null || isAnomalyEnabled()) return null;
  const g = t.grad;
  if (g === null || g.size !== t.size || g.dtype !== t.dtype) return null;
  return g.data;
}
