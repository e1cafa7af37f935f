// The arguments of the fused kernel entry points (see Kernels in types.ts), one declaration for
// every backend: generic over the array type, TypedArray for the interface, Float32Array for the
// wasm hosts.
import type { TypedArray } from '../tensor/dtype.js';
import type { ConvGeometry } from './conv-geometry.js';
import type { LinearAct } from './types.js';

/** Arguments of Kernels.linearForward (row-major). */
export interface LinearForwardArgs<A extends TypedArray = TypedArray> {
  /** Input [rows, inF]. */
  readonly x: A;
  /** Weight [outF, inF]. */
  readonly w: A;
  /** Bias [outF], or null. */
  readonly bias: A | null;
  /** Activation: 0 none, 1 ReLU, 2 tanh. */
  readonly act: LinearAct;
  /** Rows of x (the batch). */
  readonly rows: number;
  /** Input features. */
  readonly inF: number;
  /** Output features. */
  readonly outF: number;
  /** Receives the output [rows, outF]. */
  readonly y: A;
}

/** Arguments of Kernels.linearBackward: the forward's plus the gradients to produce. */
export interface LinearBackwardArgs<A extends TypedArray = TypedArray> {
  /** dL/dy [rows, outF]. */
  readonly g: A;
  /** The forward's output (read for act 1 and 2). */
  readonly y: A;
  /** The forward's input [rows, inF]. */
  readonly x: A;
  /** Weight [outF, inF]. */
  readonly w: A;
  /** The forward's activation. */
  readonly act: LinearAct;
  /** Rows of x. */
  readonly rows: number;
  /** Input features. */
  readonly inF: number;
  /** Output features. */
  readonly outF: number;
  /** Receives dL/dx [rows, inF], or null. */
  readonly dx: A | null;
  /** Receives dL/dW [outF, inF], or null. */
  readonly dW: A | null;
  /** Add dL/dW to dW's contents instead of overwriting them (a parameter's gradient). */
  readonly dWAccumulate: boolean;
  /** Receives dL/db [outF], or null. */
  readonly db: A | null;
  /** Add dL/db to db's contents. */
  readonly dbAccumulate: boolean;
}

/** Arguments of Kernels.conv2dForward (float32, NCHW). */
export interface Conv2dForwardArgs<A extends TypedArray = TypedArray> {
  /** Input images [n, C, H, W]. */
  readonly x: A;
  /** Weight [O, C·kh·kw]. */
  readonly w: A;
  /** Bias [O], or null. */
  readonly bias: A | null;
  /** Fuse y ← max(y, 0) (NaN kept) after the bias. */
  readonly relu: boolean;
  /** The convolution's geometry (see convGeometry). */
  readonly g: ConvGeometry;
  /** Images in the batch. */
  readonly n: number;
  /** Output channels. */
  readonly o: number;
  /** Receives the output [n, O, outH·outW]. */
  readonly y: A;
}

/** Arguments of Kernels.conv2dBackward. */
export interface Conv2dBackwardArgs<A extends TypedArray = TypedArray> {
  /** dL/dy [n, O, outH·outW]. */
  readonly gy: A;
  /** The fused ReLU's output (its mask gates gy), or null without the ReLU. */
  readonly y: A | null;
  /** The forward's input. */
  readonly x: A;
  /** Weight [O, C·kh·kw]. */
  readonly w: A;
  /** The convolution's geometry. */
  readonly g: ConvGeometry;
  /** Images in the batch. */
  readonly n: number;
  /** Output channels. */
  readonly o: number;
  /** Receives dL/dx, or null. */
  readonly dx: A | null;
  /** Receives dL/dW, or null. */
  readonly dW: A | null;
  /** Add dL/dW to dW's contents. */
  readonly dWAccumulate: boolean;
  /** Receives dL/db, or null. */
  readonly db: A | null;
  /** Add dL/db to db's contents. */
  readonly dbAccumulate: boolean;
}

/** Arguments of Kernels.rnnTanhForward (row-major). */
export interface RnnForwardArgs<A extends TypedArray = TypedArray> {
  /** Inputs [T, B, I]. */
  readonly x: A;
  /** Input weight [H, I]. */
  readonly wIh: A;
  /** Input bias [H], or null. */
  readonly bIh: A | null;
  /** Hidden bias [H], or null. */
  readonly bHh: A | null;
  /** Hidden weight [H, H]. */
  readonly whh: A;
  /** Initial state [B, H], or null for zeros. */
  readonly h0: A | null;
  /** Steps. */
  readonly T: number;
  /** Batch. */
  readonly B: number;
  /** Input features. */
  readonly I: number;
  /** Hidden size. */
  readonly H: number;
  /** Receives the hidden states [T, B, H]. */
  readonly hs: A;
}

/**
 * Optional outputs of Kernels.rnnTanhBackward, computed while dpre is in wasm memory.
 * @example { h0: null, dWhh, accumulate: true, biasSums: null }
 */
export interface RnnBackwardExtras<A extends TypedArray = TypedArray> {
  /** The initial state ([B, H]) if the sequence had one: the first step's term of dW_hh. */
  h0: A | null;
  /** Receives dW_hh ([H, H]) = Σ_t dpre_tᵀ·h_{t−1}, or null for none. */
  dWhh: A | null;
  /** Add dW_hh to dWhh's contents instead of overwriting them. */
  accumulate: boolean;
  /** Receives Σ over all T·B rows of dpre ([H], float64), added to its contents; or null. */
  biasSums: Float64Array | null;
}

/** Arguments of Kernels.rnnTanhBackward. */
export interface RnnBackwardArgs<A extends TypedArray = TypedArray> {
  /** dL/dhs [T, B, H]. */
  readonly g: A;
  /** The forward's hidden states [T, B, H]. */
  readonly hs: A;
  /** Hidden weight [H, H]. */
  readonly whh: A;
  /** Steps. */
  readonly T: number;
  /** Batch. */
  readonly B: number;
  /** Hidden size. */
  readonly H: number;
  /** Receives dpre [T, B, H] (the gradient before tanh, every step). */
  readonly dPre: A;
  /** Receives dL/dh0 [B, H], or null. */
  readonly dh0: A | null;
  /** dW_hh and the bias sums, when wanted. */
  readonly extras?: RnnBackwardExtras<A>;
}
