import { AutogradError, DtypeError, ShapeError, fmt } from '../errors.js';
import { installBackward, Tensor, type BackwardOptions, type GradSink } from '../tensor/tensor.js';
import { shapesEqual } from '../tensor/shape.js';
import { allocData, type TypedArray } from '../tensor/dtype.js';
import { activeBufferPool, type BufferPool, type BufferTracker } from '../tensor/buffer-pool.js';
import { checkAnomaly, isAnomalyEnabled } from './anomaly.js';
import { setGradEnabled } from './grad-mode.js';
import { gradHooksOf } from './grad-hooks.js';
import { leafGradSink } from './grad-sink.js';
import { tapedAdd } from './taped.js';
import { currentStepArena } from './step-arena.js';

/** Tensors reachable from `root` through gradFn inputs, in topological order (inputs first). */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative post-order DFS (deep RNN graphs would overflow a recursive one), on two parallel
  // stacks: no array per visited tensor.
  const nodes: Tensor[] = [root];
  const next: number[] = [0];
  visited.add(root);
  while (nodes.length > 0) {
    const top = nodes.length - 1;
    const t = nodes[top] as Tensor;
    const i = next[top] as number;
    const inputs = t.gradFn === null ? null : t.gradFn.inputs;
    if (inputs !== null && i < inputs.length) {
      next[top] = i + 1;
      const child = inputs[i] as Tensor;
      if (child.requiresGrad && !visited.has(child)) {
        visited.add(child);
        nodes.push(child);
        next.push(0);
      }
    } else {
      nodes.pop();
      next.pop();
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
const noSink: GradSink = { buffer: (): null => null, bufferToWrite: (): null => null };

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
  // Buffer reuse (a pool is installed, see StepArena): a gradient buffer this sweep made goes back
  // to the pool once no pending gradient shares its memory (`refs` counts the entries of `grads`
  // per ArrayBuffer: VJPs may return g itself or views of it) and the VJP that consumed it ran.
  const pool = createGraph ? null : activeBufferPool();
  const reuse = pool === null ? null : new GradReuse(pool, seed);
  // A createGraph pass leaves graph tensors in leaves' `.grad` and in targets: a later backward
  // through them puts them on its tape, which a step arena recycles; the user holds them.
  const arena = createGraph ? currentStepArena() : null;
  reuse?.ref(seed);
  const prev = setGradEnabled(createGraph);
  try {
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k] as Tensor;
      const g = grads.get(t);
      if (g === undefined) continue;
      grads.delete(t);
      if (targets !== null && targets.has(t)) {
        targets.set(t, g);
        reuse?.keep(g);
        arena?.keep(g);
      }
      const node = t.gradFn;
      if (node === null) {
        if (targets !== null || !t.requiresGrad) {
          reuse?.unref(g);
          continue;
        }
        let gl = g;
        if (reuse !== null && gradHooksOf(t).length > 0) {
          reuse.keep(g); // a hook may keep it, and what hooks allocate is theirs
          gl = reuse.untracked(() => runHooks(t, g));
        } else gl = runHooks(t, g);
        if (createGraph) {
          t.grad = t.grad === null ? gl : tapedAdd(t.grad, gl);
          arena?.keep(t.grad);
        } else if (t.grad === null) t.grad = new Tensor(gl.data.slice(), t.shape);
        else addInto(t.grad.data, gl.data);
        reuse?.unref(g);
        continue;
      }
      if (needed !== null && !node.inputs.some((i) => (needed as Set<Tensor>).has(i))) {
        reuse?.unref(g);
        continue;
      }
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
        if (acc === undefined) {
          grads.set(inp, gi);
          reuse?.ref(gi);
        } else if (createGraph) grads.set(inp, tapedAdd(acc, gi));
        else if (owned.has(acc) || (reuse !== null && reuse.exclusive(acc))) {
          // a sum made here, or a buffer the sweep made that only this entry uses: in place
          addInto(acc.data, gi.data);
          reuse?.drop(gi);
        } else {
          const d = allocData(acc.dtype, acc.size);
          d.set(acc.data);
          const sum = new Tensor(d, acc.shape);
          addInto(sum.data, gi.data);
          owned.add(sum);
          grads.set(inp, sum);
          reuse?.ref(sum);
          reuse?.unref(acc);
          reuse?.drop(gi);
        }
      }
      reuse?.endCall();
      reuse?.unref(g);
    }
  } finally {
    setGradEnabled(prev);
    reuse?.end();
  }
  if (!retain) {
    for (const t of order) if (t.gradFn) t.gradFn.freed = true;
    if (pool !== null && !createGraph) currentStepArena()?.noteFreedTape(order, root);
  }
}

/**
 * The backward sweep's bookkeeping for giving buffers back to the pool. It is the pool's tracker
 * while the sweep runs, so it knows which buffers the sweep made (VJP results and the VJPs'
 * scratch; not what gradient hooks allocate), and counts how many pending gradients use each
 * buffer. A buffer made here goes back when no pending gradient uses it any more — right after
 * the VJP that made it, if it returned it for no input (scratch), else after the VJP that
 * consumed it — unless it must stay: the seed, targets' gradients, gradients a hook saw.
 * This relies on VJPs (and the kernels they call) keeping no `allocData` buffer beyond their
 * call, which holds because a node's VJP runs once per pass and no op caches such buffers.
 */
class GradReuse implements BufferTracker {
  private readonly mine = new Map<ArrayBuffer, TypedArray>();
  private readonly refs = new Map<ArrayBuffer, number>();
  private readonly kept = new Set<ArrayBuffer>();
  private readonly prevTracker: BufferTracker | null;
  /** Buffers made since the last endCall(). */
  private call: TypedArray[] = [];

  constructor(
    private readonly pool: BufferPool,
    seed: Tensor,
  ) {
    this.prevTracker = pool.tracker;
    pool.tracker = this;
    this.kept.add(seed.data.buffer as ArrayBuffer);
  }

  /** BufferTracker: the pool handed out `data` during this sweep. */
  made(data: TypedArray): void {
    this.mine.set(data.buffer as ArrayBuffer, data);
    this.call.push(data);
  }

  /** Runs `fn` (gradient hooks: user code) without counting its buffers as the sweep's. */
  untracked<T>(fn: () => T): T {
    this.pool.tracker = this.prevTracker;
    try {
      return fn();
    } finally {
      this.pool.tracker = this;
    }
  }

  /** A pending gradient now uses `t`'s memory. */
  ref(t: Tensor): void {
    const b = t.data.buffer as ArrayBuffer;
    this.refs.set(b, (this.refs.get(b) ?? 0) + 1);
  }

  /** A pending gradient no longer uses `t`'s memory: give it back if nothing else does. */
  unref(t: Tensor): void {
    const b = t.data.buffer as ArrayBuffer;
    const n = (this.refs.get(b) ?? 0) - 1;
    if (n > 0) {
      this.refs.set(b, n);
      return;
    }
    this.refs.delete(b);
    this.release(b);
  }

  /** `t` was added into another gradient and never became pending: give it back if unused. */
  drop(t: Tensor): void {
    const b = t.data.buffer as ArrayBuffer;
    if (!this.refs.has(b)) this.release(b);
  }

  /** A VJP's results are pending: what it made and no pending gradient uses was scratch. */
  endCall(): void {
    const list = this.call;
    if (list.length === 0) return;
    this.call = [];
    for (const d of list) {
      const b = d.buffer as ArrayBuffer;
      if (!this.refs.has(b)) this.release(b);
    }
  }

  /**
   * Whether `t`'s memory is the sweep's alone: made here, used by one pending gradient (`t`)
   * and not kept. Then a contribution can be added into it in place.
   */
  exclusive(t: Tensor): boolean {
    const b = t.data.buffer as ArrayBuffer;
    return this.mine.has(b) && this.refs.get(b) === 1 && !this.kept.has(b);
  }

  /** `t`'s memory must never go back (someone outside the sweep may hold it). */
  keep(t: Tensor): void {
    this.kept.add(t.data.buffer as ArrayBuffer);
  }

  /**
   * Restores the pool's tracker of an enclosing sweep (a hook may run a backward); what this
   * sweep made is not the enclosing one's, so that one never gives it back.
   */
  end(): void {
    this.pool.tracker = this.prevTracker;
  }

  private release(b: ArrayBuffer): void {
    if (this.kept.has(b)) return;
    const whole = this.mine.get(b);
    if (whole === undefined) return;
    this.mine.delete(b);
    this.pool.give(whole);
  }
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
