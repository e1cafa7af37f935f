import type { TypedArray } from '../tensor/dtype.js';
import { Tensor, type GradNode, type GradSink } from '../tensor/tensor.js';
import { checkAnomaly, isAnomalyEnabled } from './anomaly.js';
import { isGradEnabled } from './grad-mode.js';

/**
 * A VJP: dL/d(output) -> dL/d(input_i) for each input (null where not needed, or where it added
 * the gradient into the buffer `sink.buffer(input_i)` gave it). `createGraph` is true only in a
 * `backward({ createGraph: true })` of an op recorded as differentiable: then the VJP must be
 * computed with recorded (differentiable) ops on `gradOutput` and the saved input tensors, the
 * sink is never used, and grad mode is on.
 */
export type VjpFn = (
  gradOutput: Tensor,
  sink: GradSink,
  createGraph?: boolean,
) => readonly (Tensor | null)[];

/** True when an op on these inputs must be recorded (grad mode on and some input requires grad). */
export function needsGrad(...inputs: readonly Tensor[]): boolean {
  if (!isGradEnabled()) return false;
  for (const t of inputs) if (t.requiresGrad) return true;
  return false;
}

/**
 * Records `output = op(inputs)` on the tape with its VJP, if any input requires grad; also runs
 * the anomaly check when anomaly mode is on. Returns `output`.
 *
 * Ops call this once after computing their forward result. `differentiable` declares that the
 * VJP honours `createGraph` (see VjpFn); a double backward through an op without it throws. The VJP closure keeps what it needs
 * (saved inputs or outputs), as in PyTorch's `ctx.save_for_backward`. `saved` lists the
 * `allocData` buffers the forward made that only the VJP reads (scores, masks, statistics): a
 * StepArena gives them back with the tape's outputs once a backward consumed the tape (they must
 * not be reachable from anything else).
 */
export function record(
  op: string,
  output: Tensor,
  inputs: readonly Tensor[],
  vjp: VjpFn,
  differentiable = false,
  saved?: readonly TypedArray[],
): Tensor {
  if (isAnomalyEnabled()) checkAnomaly(op, 'forward', inputs, output.data);
  if (!needsGrad(...inputs)) return output;
  const node: GradNode = { op, inputs, backward: vjp, freed: false, differentiable };
  if (saved !== undefined) node.saved = saved;
  output.requiresGrad = true;
  output.gradFn = node;
  return output;
}
