import { AutogradError, DtypeError, ShapeError, fmt } from '../errors.js';
import { installBackward, Tensor, type BackwardOptions } from '../tensor/tensor.js';
import { shapesEqual } from '../tensor/shape.js';
import { allocData } from '../tensor/dtype.js';
import { checkAnomaly, isAnomalyEnabled } from './anomaly.js';
import { setGradEnabled } from './grad-mode.js';
import { gradHooksOf } from './grad-hooks.js';
import { leafGradSink } from './grad-sink.js';
import { tapedAdd } from './taped.js';

/** Tensors reachable from `root` through gradFn inputs, in topological order (inputs first). */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative post-order DFS: deep RNN graphs would overflow a recursive one.
  const stack: [Tensor, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as [Tensor, number];
    const [t, i] = top;
    const inputs = t.gradFn?.inputs ?? [];
    if (i < inputs.length) {
      top[1] = i + 1;
      const child = inputs[i] as Tensor;
      if (child.requiresGrad && !visited.has(child)) {
        visited.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

function addInto(dst: Float32Array | Float64Array, src: Float32Array | Float64Array): void {
  for (let i = 0; i < dst.length; i++) dst[i] = (dst[i] as number) + (src[i] as number);
}

/** The leaf's gradient after its hooks (each may replace it with a tensor of the same shape and dtype). */
function runHooks(t: Tensor, g: Tensor): Tensor {
  let out = g;
  for (const hook of gradHooksOf(t)) {
    const r = hook(out);
    if (r instanceof Tensor) {
      if (!shapesEqual(r.shape, t.shape) || r.dtype !== t.dtype) {
        throw new ShapeError(
          `backward(): a gradient hook returned shape ${fmt(r.shape)} ${r.dtype} for a leaf of shape ${fmt(t.shape)} ${t.dtype}`,
        );
      }
      out = r;
    }
  }
  return out;
}

/**
 * Reverse-mode sweep: walks the tape from `root` in reverse topological order, calling each op's
 * VJP once with the summed gradient of its output and the gradient sink (a VJP may add a leaf's
 * gradient straight into its `.grad` there, see leafGradSink), runs each leaf's gradient hooks
 * and accumulates into `.grad` of leaves that require grad (in place when `.grad` exists, so
 * parameter gradients stay views of their arena).
 * Gradients are computed with recording off, unless `createGraph`: then grad mode stays on, every
 * VJP computes with recorded ops (see VjpFn), contributions are summed with a recorded add, and
 * the leaves' `.grad` become tensors of the graph (replaced, not added into in place).
 */
function runBackward(root: Tensor, seed: Tensor | undefined, options: BackwardOptions): void {
  sweep(root, seed, options, null);
}

/**
 * A createGraph backward met an op whose VJP is not differentiable (`op` names it): a higher
 * derivative through it would be wrong, so none is computed. Callers that can fall back (the
 * monitor's curvature probe uses finite differences of gradients then) catch this class.
 */
export class NotDifferentiableError extends AutogradError {
  constructor(
    readonly op: string,
    message: string,
  ) {
    super(message);
  }
}

/** A sink that never hands out a buffer (gradients() and createGraph return every gradient). */
const noSink = { buffer: (): null => null };

/**
 * The reverse sweep shared by backward() (targets null: accumulate into the leaves' `.grad`) and
 * gradients() (targets given: capture the complete gradient of each target, touch no `.grad`).
 */
function sweep(
  root: Tensor,
  seed: Tensor | undefined,
  options: BackwardOptions,
  targets: Map<Tensor, Tensor | null> | null,
): void {
  if (!root.requiresGrad) {
    throw new AutogradError(
      'backward(): this tensor does not require grad (no input had requiresGrad, or it was computed under noGrad())',
    );
  }
  if (seed === undefined) {
    if (root.size !== 1) {
      throw new AutogradError(
        `backward(): a non-scalar output of shape ${fmt(root.shape)} needs a seed gradient of the same shape (dL/d(output))`,
      );
    }
    const d = allocData(root.dtype, 1);
    d[0] = 1;
    seed = new Tensor(d, root.shape);
  } else {
    if (!shapesEqual(seed.shape, root.shape)) {
      throw new ShapeError(
        `backward(): seed has shape ${fmt(seed.shape)} but the output has shape ${fmt(root.shape)}`,
      );
    }
    if (seed.dtype !== root.dtype)
      throw new DtypeError(
        `backward(): seed dtype ${seed.dtype} differs from output dtype ${root.dtype}`,
      );
  }
  const order = topoOrder(root);
  const createGraph = options.createGraph === true;
  const retain = options.retainGraph ?? createGraph;
  for (const t of order) {
    if (t.gradFn?.freed) {
      throw new AutogradError(
        `backward(): trying to backward through the graph a second time (op '${t.gradFn.op}' was freed by the first backward); pass { retainGraph: true } to the first call`,
      );
    }
  }
  // gradients(): only the part of the graph that leads to a target is swept.
  let needed: Set<Tensor> | null = null;
  if (targets !== null) {
    needed = new Set<Tensor>();
    for (const t of order) {
      if (targets.has(t) || (t.gradFn?.inputs ?? []).some((i) => (needed as Set<Tensor>).has(i)))
        needed.add(t);
    }
  }
  if (createGraph) {
    for (const t of order) {
      const node = t.gradFn;
      if (node === null || node.differentiable === true) continue;
      if (needed !== null && !node.inputs.some((i) => (needed as Set<Tensor>).has(i))) continue;
      throw new NotDifferentiableError(
        node.op,
        `backward({ createGraph: true }): the VJP of op '${node.op}' is not differentiable yet, so a higher derivative through it would be wrong; compute this one without createGraph (or use the finite-difference fdHvp)`,
      );
    }
  }
  const sink = targets === null && !createGraph ? leafGradSink : noSink;
  const grads = new Map<Tensor, Tensor>();
  const owned = new Set<Tensor>(); // gradient tensors created here, safe to add into in place
  grads.set(root, seed);
  const prev = setGradEnabled(createGraph);
  try {
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k] as Tensor;
      const g = grads.get(t);
      if (g === undefined) continue;
      grads.delete(t);
      if (targets !== null && targets.has(t)) targets.set(t, g);
      const node = t.gradFn;
      if (node === null) {
        if (targets !== null) continue;
        if (!t.requiresGrad) continue;
        const gl = runHooks(t, g);
        if (createGraph) t.grad = t.grad === null ? gl : tapedAdd(t.grad, gl);
        else if (t.grad === null) t.grad = new Tensor(gl.data.slice(), t.shape);
        else addInto(t.grad.data, gl.data);
        continue;
      }
      if (needed !== null && !node.inputs.some((i) => (needed as Set<Tensor>).has(i))) continue;
      const inGrads = node.backward(g, sink, createGraph);
      for (let i = 0; i < node.inputs.length; i++) {
        const inp = node.inputs[i] as Tensor;
        const gi = inGrads[i];
        if (!inp.requiresGrad || gi === null || gi === undefined) continue;
        if (needed !== null && !needed.has(inp)) continue;
        if (!shapesEqual(gi.shape, inp.shape)) {
          throw new ShapeError(
            `internal: VJP of '${node.op}' returned shape ${fmt(gi.shape)} for input ${i} of shape ${fmt(inp.shape)}`,
          );
        }
        if (isAnomalyEnabled()) checkAnomaly(node.op, 'backward', [g], gi.data);
        const acc = grads.get(inp);
        if (acc === undefined) grads.set(inp, gi);
        else if (createGraph) grads.set(inp, tapedAdd(acc, gi));
        else if (owned.has(acc)) addInto(acc.data, gi.data);
        else {
          const sum = new Tensor(acc.data.slice(), acc.shape);
          addInto(sum.data, gi.data);
          owned.add(sum);
          grads.set(inp, sum);
        }
      }
    }
  } finally {
    setGradEnabled(prev);
  }
  if (!retain) for (const t of order) if (t.gradFn) t.gradFn.freed = true;
}

installBackward(runBackward);

/**
 * Computes gradients of `output` (seeded with `seed` for non-scalars) and accumulates them into
 * the `.grad` of every leaf that requires grad. Same as `output.backward(seed, options)`.
 */
export function backward(output: Tensor, seed?: Tensor, options: BackwardOptions = {}): void {
  runBackward(output, seed, options);
}

/** Options of {@link gradients}. */
export interface GradientsOptions extends BackwardOptions {
  /** dL/d(output) for a non-scalar output (default 1 for a scalar). */
  seed?: Tensor;
}

/**
 * PyTorch's `torch.autograd.grad`: the gradients of `output` with respect to `inputs` (leaves or
 * intermediate tensors of its graph), returned instead of accumulated — no `.grad` is touched.
 * An input the output does not depend on gets zeros. The graph is freed unless `retainGraph`.
 * @example const [gx] = gradients(sum(mul(x, x)), [x]) // 2x
 */
export function gradients(
  output: Tensor,
  inputs: readonly Tensor[],
  options: GradientsOptions = {},
): Tensor[] {
  const targets = new Map<Tensor, Tensor | null>();
  for (const x of inputs) targets.set(x, null);
  sweep(output, options.seed, options, targets);
  return inputs.map((x) => {
    const g = targets.get(x) ?? null;
    if (g !== null) return g;
    return new Tensor(allocData(x.dtype, x.size), x.shape);
  });
}
