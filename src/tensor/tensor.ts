import { AutogradError, DtypeError, ShapeError, fmt } from '../errors.js';
import { allocData, dtypeOf, type DType, type TypedArray } from './dtype.js';
import { sizeOf, type Shape } from './shape.js';

/**
 * One recorded operation on the autograd tape: its inputs and the vector–Jacobian product that
 * maps the gradient of its output to gradients of its inputs (null where an input needs none).
 */
export interface GradNode {
  /** Name of the op, for error messages and anomaly mode ("matmul", "log", ...). */
  readonly op: string;
  /** The op's tensor inputs, in the order `backward` returns their gradients. */
  readonly inputs: readonly Tensor[];
  /**
   * VJP: given dL/d(output), returns dL/d(input_i) with input_i's shape, or null: null also for
   * an input whose gradient the VJP added into the buffer `sink` gave it (see GradSink).
   * With `createGraph` (only passed when `differentiable`), the VJP computes with recorded ops
   * so that its result can be differentiated again.
   */
  backward(gradOutput: Tensor, sink: GradSink, createGraph?: boolean): readonly (Tensor | null)[];
  /** True when the VJP honours `createGraph` (a double backward through this op is exact). */
  differentiable?: boolean;
  /** Set after a backward pass without `retainGraph`; a second pass then throws. */
  freed: boolean;
  /**
   * Buffers the forward made that only this node's VJP reads (see autograd's `record`): given
   * back to a step arena's pool with the tape.
   */
  saved?: readonly TypedArray[];
}

/**
 * The backward pass's gradient sink (PyTorch's AccumulateGrad), given to every VJP: where a VJP
 * may add a leaf's gradient straight into its `.grad` buffer (a GEMM with β = 1) instead of
 * returning it. Implemented in autograd/grad-sink.ts.
 */
export interface GradSink {
  /**
   * The gradient buffer of `t` to add dL/dt into, or null: then the VJP returns the gradient
   * (always null for non-leaves, in anomaly mode and for leaves with gradient hooks, so that
   * those see every contribution).
   */
  buffer(t: Tensor): TypedArray | null;
  /**
   * The gradient buffer of `t` when the VJP may *write* dL/dt into it instead of adding: the
   * buffer is there (as for {@link GradSink.buffer}) and its contents are a pending zero (see
   * {@link Tensor.zeroGrad}), so the first contribution can overwrite it — a GEMM with β = 0 —
   * without the zero fill and the read. The caller must then write every element; the buffer
   * stops being a pending zero. Null otherwise: use `buffer(t)` and add.
   */
  bufferToWrite(t: Tensor): TypedArray | null;
}

/** Options of {@link Tensor.backward}. */
export interface BackwardOptions {
  /** Keep the graph so that backward can run through it again (PyTorch's retain_graph). */
  retainGraph?: boolean;
  /**
   * Record the backward pass itself, so that the gradients can be differentiated again
   * (PyTorch's create_graph; implies `retainGraph` unless it is given). Every op on the path
   * must have a differentiable VJP; one that has not throws, naming the op.
   */
  createGraph?: boolean;
}

type BackwardImpl = (root: Tensor, seed: Tensor | undefined, options: BackwardOptions) => void;
let backwardImpl: BackwardImpl | null = null;

/** @internal Installed by autograd/backward.ts, so that tensor/ does not import autograd/. */
export function installBackward(impl: BackwardImpl): void {
  backwardImpl = impl;
}

/** Nested number arrays as returned by {@link Tensor.toArray}. */
export type NestedArray = number | NestedArray[];

/**
 * An n-dimensional array of float32 or float64 with contiguous row-major storage, and a node in
 * the define-by-run autograd tape (as in PyTorch and micrograd): ops record their inputs and a
 * VJP, and `loss.backward()` accumulates dL/dx into `x.grad` for every leaf with `requiresGrad`.
 *
 * `data` may be a view into a larger array (a model's parameter arena); it always holds exactly
 * `size` elements in row-major order.
 *
 * @example
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const y = sum(mul(x, x)); y.backward(); x.grad // 2x
 */
export class Tensor {
  /** Sizes per axis. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: DType;
  /** Row-major elements (exactly `size` of them). */
  data: TypedArray;
  /** Whether gradients flow to this tensor. For leaves, `.grad` is filled by backward. */
  requiresGrad: boolean;
  /** The gradient tensor behind {@link Tensor.grad}. */
  private gradTensor: Tensor | null = null;
  /**
   * True after `zeroGrad()`: the gradient's contents are logically zero but not yet written (the
   * fill is done when `.grad` is read, or skipped when backward writes the whole buffer first).
   */
  private gradZeroPending = false;
  /** The op that produced this tensor (null for leaves and for results computed without grad). */
  gradFn: GradNode | null = null;
  /** Optional name (parameters carry theirs: "0.weight"). */
  name: string | undefined;

  constructor(data: TypedArray, shape: Shape, requiresGrad = false) {
    const size = sizeOf(shape);
    if (data.length !== size) {
      throw new ShapeError(
        `Tensor: data has ${data.length} elements but shape ${fmt(shape)} needs ${size}`,
      );
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtypeOf(data);
    this.requiresGrad = requiresGrad;
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Number of axes. */
  get ndim(): number {
    return this.shape.length;
  }

  /** True for tensors not produced by a recorded op. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.data.length !== 1) {
      throw new ShapeError(
        `item(): expected a tensor with one element, got shape ${fmt(this.shape)}`,
      );
    }
    return this.data[0] as number;
  }

  /** The elements as nested arrays (a number for a scalar). */
  toArray(): NestedArray {
    const rec = (axis: number, offset: number): NestedArray => {
      if (axis === this.shape.length) return this.data[offset] as number;
      const n = this.shape[axis] as number;
      let stride = 1;
      for (let i = axis + 1; i < this.shape.length; i++) stride *= this.shape[i] as number;
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) out.push(rec(axis + 1, offset + i * stride));
      return out;
    };
    return rec(0, 0);
  }

  /** A new tensor with the same values that is not part of any graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, false);
  }

  /** A deep copy of the values (no graph, no grad). */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape, false);
  }

  /** Marks this leaf as requiring grad (returns this). */
  requireGrad(flag = true): this {
    if (!this.isLeaf)
      throw new AutogradError('requireGrad(): only leaf tensors can change requiresGrad');
    this.requiresGrad = flag;
    return this;
  }

  /**
   * Accumulated gradient dL/d(this), same shape and dtype; null until a backward pass. After
   * `zeroGrad()` it reads as zeros (the buffer is zero-filled on this read if backward has not
   * written it yet).
   */
  get grad(): Tensor | null {
    if (this.gradZeroPending) {
      this.gradZeroPending = false;
      (this.gradTensor as Tensor).data.fill(0);
    }
    return this.gradTensor;
  }

  /** Replaces the gradient tensor (a pending zero of the old one is dropped). */
  set grad(g: Tensor | null) {
    this.gradTensor = g;
    this.gradZeroPending = false;
  }

  /**
   * Resets `.grad` to zeros, keeping the buffer, or sets it to null. The zeros are deferred, as
   * PyTorch's `zero_grad(set_to_none=True)` defers them to the next backward (which writes the
   * gradient instead of adding it) but without giving up the buffer: the next backward's first
   * contribution overwrites it (see {@link GradSink.bufferToWrite}), and any other read of
   * `.grad` fills it with zeros first. Either way every reader sees zeros, bit for bit the same
   * values as an eager fill (a sum started from +0 never yields −0, so 0 + x and x agree).
   */
  zeroGrad(setToNull = false): void {
    if (setToNull) this.grad = null;
    else if (this.gradTensor !== null) this.gradZeroPending = true;
  }

  /**
   * The gradient tensor without filling a pending zero: for identity checks (is `.grad` still
   * the module arena's view?) that must not touch the data.
   */
  peekGrad(): Tensor | null {
    return this.gradTensor;
  }

  /**
   * For the gradient sink: the gradient buffer if its contents are a pending zero (it then stops
   * being one: the caller writes every element), else null.
   */
  takeZeroGradBuffer(): TypedArray | null {
    if (!this.gradZeroPending) return null;
    this.gradZeroPending = false;
    return (this.gradTensor as Tensor).data;
  }

  /**
   * Reverse-mode differentiation from this tensor: accumulates d(this · seed)/dx into `x.grad`
   * for every leaf x with `requiresGrad`. A non-scalar needs `seed` (dL/d(this)).
   */
  backward(seed?: Tensor, options: BackwardOptions = {}): void {
    if (!backwardImpl)
      throw new AutogradError('backward(): autograd is not loaded (import from "gradscope")');
    backwardImpl(this, seed, options);
  }

  /** A readable multi-line rendering, NumPy style, with shape and dtype. */
  toString(): string {
    const fmtNum = (v: number): string => {
      if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
      const a = Math.abs(v);
      return a !== 0 && (a < 1e-4 || a >= 1e6)
        ? v.toExponential(4)
        : String(Number(v.toPrecision(6)));
    };
    const maxEdge = 3;
    const rec = (axis: number, offset: number, indent: string): string => {
      if (axis === this.shape.length) return fmtNum(this.data[offset] as number);
      const n = this.shape[axis] as number;
      let stride = 1;
      for (let i = axis + 1; i < this.shape.length; i++) stride *= this.shape[i] as number;
      const idx: (number | null)[] = [];
      if (n > 2 * maxEdge) {
        for (let i = 0; i < maxEdge; i++) idx.push(i);
        idx.push(null);
        for (let i = n - maxEdge; i < n; i++) idx.push(i);
      } else for (let i = 0; i < n; i++) idx.push(i);
      const last = axis === this.shape.length - 1;
      const parts = idx.map((i) =>
        i === null ? '...' : rec(axis + 1, offset + i * stride, indent + ' '),
      );
      return '[' + parts.join(last ? ', ' : ',\n' + indent + ' ') + ']';
    };
    const body = rec(0, 0, '');
    const extra = this.requiresGrad ? ', requiresGrad' : '';
    return `Tensor(${body}, shape=[${this.shape.join(', ')}], dtype=${this.dtype}${extra})`;
  }
}

/** Throws a DtypeError if the tensors do not all share one dtype (names the op). */
export function assertSameDtype(op: string, ...ts: Tensor[]): DType {
  const d = ts[0]?.dtype ?? 'float32';
  for (const t of ts) {
    if (t.dtype !== d) {
      throw new DtypeError(
        `${op}: mixed dtypes ${ts.map((x) => x.dtype).join(' and ')}; convert explicitly with astype()`,
      );
    }
  }
  return d;
}

/** A new tensor of zeros with the given shape and dtype. */
export function emptyLike(t: Tensor): Tensor {
  return new Tensor(allocData(t.dtype, t.size), t.shape);
}
