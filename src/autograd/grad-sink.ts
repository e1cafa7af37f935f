import type { TypedArray } from '../tensor/dtype.js';
import type { GradSink, Tensor } from '../tensor/tensor.js';
import { isAnomalyEnabled } from './anomaly.js';
import { gradHooksOf } from './grad-hooks.js';

/**
 * The gradient sink of one backward pass (PyTorch's AccumulateGrad), passed to every VJP. A leaf
 * that requires grad and already holds a `.grad` of its own size and dtype (a module parameter
 * after `zeroGrad()`, a view into the module's gradient arena) receives dL/dt by plain addition;
 * a VJP that adds its contribution straight into that buffer (a GEMM with β = 1) and returns null
 * gives the same sum without allocating the gradient and without a second pass. After
 * `zeroGrad()` the buffer is a pending zero, and a VJP that writes the whole gradient takes it
 * with `bufferToWrite` and overwrites it (β = 0), which skips the zero fill. No buffer — the
 * VJP returns the gradient to the backward pass — in anomaly mode (every gradient is checked on
 * its way) and for a leaf with gradient hooks (they see the whole gradient).
 * @example const acc = sink.buffer(weight); if (acc) gemm(..., acc, 0, true);
 */
export const leafGradSink: GradSink = {
  buffer(t: Tensor): TypedArray | null {
    if (!t.requiresGrad || t.gradFn !== null || isAnomalyEnabled()) return null;
    const g = t.grad;
    if (g === null || g.size !== t.size || g.dtype !== t.dtype) return null;
    if (gradHooksOf(t).length > 0) return null;
    return g.data;
  },
  bufferToWrite(t: Tensor): TypedArray | null {
    if (!t.requiresGrad || t.gradFn !== null || isAnomalyEnabled()) return null;
    const g = t.peekGrad();
    if (g === null || g.size !== t.size || g.dtype !== t.dtype) return null;
    if (gradHooksOf(t).length > 0) return null;
    return t.takeZeroGradBuffer();
  },
};
