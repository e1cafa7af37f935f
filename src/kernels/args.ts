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

/**
 * Arguments of Kernels.lstmGatesForward, one LSTM time step on its pre-activations (row-major,
 * element offsets into each array). A call site inside a loop keeps one {@link LstmGatesCall}
 * and updates the offsets per step, so the loop allocates nothing.
 * @example k.lstmGatesForward({ gates, gatesOffset: 0, cPrev: null, cPrevOffset: 0, c: cs, cOffset: 0, h: hs, hOffset: 0, B, H });
 */
export interface LstmGatesArgs<A extends TypedArray = TypedArray> {
  /** [B, 4H] pre-activations (i, f, g, o blocks per row), overwritten with σ(i), σ(f), tanh(g), σ(o). */
  readonly gates: A;
  /** Element offset of the step's gates. */
  readonly gatesOffset: number;
  /** c_{t−1} [B, H], or null for zeros. */
  readonly cPrev: A | null;
  /** Element offset of c_{t−1}. */
  readonly cPrevOffset: number;
  /** Receives c_t [B, H]. */
  readonly c: A;
  /** Element offset of c_t. */
  readonly cOffset: number;
  /** Receives h_t = o⊙tanh(c_t) [B, H]. */
  readonly h: A;
  /** Element offset of h_t. */
  readonly hOffset: number;
  /** Batch. */
  readonly B: number;
  /** Hidden size. */
  readonly H: number;
}

/**
 * A mutable {@link LstmGatesArgs}: the one object an op reuses across its steps.
 * @example const step: LstmGatesCall = { gates, gatesOffset: 0, cPrev: null, cPrevOffset: 0, c: cs, cOffset: 0, h: hs, hOffset: 0, B, H };
 */
export type LstmGatesCall<A extends TypedArray = TypedArray> = {
  -readonly [K in keyof LstmGatesArgs<A>]: LstmGatesArgs<A>[K];
};

/**
 * Arguments of Kernels.lstmGatesBackward, one LSTM time step backward (the chain rule through
 * the activated gates saved by the forward).
 * @example k.lstmGatesBackward({ gates, gatesOffset, c: cs, cOffset, cPrev, cPrevOffset, gh, ghOffset, dh, dc, dG, dGOffset, B, H });
 */
export interface LstmGatesBackwardArgs<A extends TypedArray = TypedArray> {
  /** The step's activated gates [B, 4H] (the forward's output). */
  readonly gates: A;
  /** Element offset of the step's gates. */
  readonly gatesOffset: number;
  /** c_t [B, H]. */
  readonly c: A;
  /** Element offset of c_t. */
  readonly cOffset: number;
  /** c_{t−1} [B, H], or null for zeros. */
  readonly cPrev: A | null;
  /** Element offset of c_{t−1}. */
  readonly cPrevOffset: number;
  /** dL/dh_t from the output [B, H]. */
  readonly gh: A;
  /** Element offset of dL/dh_t. */
  readonly ghOffset: number;
  /** dL/dh_t through the recurrence [B, H] (from offset 0). */
  readonly dh: A;
  /** dL/dc_t through the recurrence [B, H] (from offset 0); receives dL/dc_{t−1}. */
  readonly dc: A;
  /** Receives the pre-activation gradients [B, 4H]. */
  readonly dG: A;
  /** Element offset of the step's pre-activation gradients. */
  readonly dGOffset: number;
  /** Batch. */
  readonly B: number;
  /** Hidden size. */
  readonly H: number;
}

/**
 * A mutable {@link LstmGatesBackwardArgs}: the one object an op's VJP reuses across its steps.
 * @example const back: LstmGatesBackwardCall = { ... }; back.gatesOffset = t * B * 4 * H;
 */
export type LstmGatesBackwardCall<A extends TypedArray = TypedArray> = {
  -readonly [K in keyof LstmGatesBackwardArgs<A>]: LstmGatesBackwardArgs<A>[K];
};

/**
 * Arguments of Kernels.gruGatesForward, one GRU time step on its pre-activations.
 * @example k.gruGatesForward({ gates, gatesOffset, hp, bHh, hn, hnOffset, hPrev: null, hPrevOffset: 0, h: hs, hOffset, B, H });
 */
export interface GruGatesArgs<A extends TypedArray = TypedArray> {
  /** [B, 3H] input-side pre-activations (r, z, n blocks), overwritten with r, z, n. */
  readonly gates: A;
  /** Element offset of the step's gates. */
  readonly gatesOffset: number;
  /** h_{t−1}·W_hhᵀ [B, 3H] (from offset 0). */
  readonly hp: A;
  /** Hidden bias [3H], or null. */
  readonly bHh: A | null;
  /** Receives W_hn·h_{t−1} + b_hn [B, H] (needed for ∂/∂r). */
  readonly hn: A;
  /** Element offset of the step's hn. */
  readonly hnOffset: number;
  /** h_{t−1} [B, H], or null for zeros. */
  readonly hPrev: A | null;
  /** Element offset of h_{t−1}. */
  readonly hPrevOffset: number;
  /** Receives h_t [B, H]. */
  readonly h: A;
  /** Element offset of h_t. */
  readonly hOffset: number;
  /** Batch. */
  readonly B: number;
  /** Hidden size. */
  readonly H: number;
}

/**
 * A mutable {@link GruGatesArgs}: the one object an op reuses across its steps.
 * @example const step: GruGatesCall = { ... }; step.gatesOffset = t * B * 3 * H;
 */
export type GruGatesCall<A extends TypedArray = TypedArray> = {
  -readonly [K in keyof GruGatesArgs<A>]: GruGatesArgs<A>[K];
};

/**
 * Arguments of Kernels.gruGatesBackward, one GRU time step backward.
 * @example k.gruGatesBackward({ gates, gatesOffset, hn, hnOffset, hPrev, hPrevOffset, gh, ghOffset, dh, dXP, dHP, dOffset, B, H });
 */
export interface GruGatesBackwardArgs<A extends TypedArray = TypedArray> {
  /** The step's activated gates r, z, n [B, 3H]. */
  readonly gates: A;
  /** Element offset of the step's gates. */
  readonly gatesOffset: number;
  /** The step's W_hn·h_{t−1} + b_hn [B, H]. */
  readonly hn: A;
  /** Element offset of the step's hn. */
  readonly hnOffset: number;
  /** h_{t−1} [B, H], or null for zeros. */
  readonly hPrev: A | null;
  /** Element offset of h_{t−1}. */
  readonly hPrevOffset: number;
  /** dL/dh_t from the output [B, H]. */
  readonly gh: A;
  /** Element offset of dL/dh_t. */
  readonly ghOffset: number;
  /** dL/dh_t through the recurrence [B, H] (from offset 0); receives the direct path dh·z. */
  readonly dh: A;
  /** Receives the input-side pre-activation gradients [B, 3H]. */
  readonly dXP: A;
  /** Receives the recurrent-side pre-activation gradients [B, 3H]. */
  readonly dHP: A;
  /** Element offset of the step's rows in dXP and dHP. */
  readonly dOffset: number;
  /** Batch. */
  readonly B: number;
  /** Hidden size. */
  readonly H: number;
}

/**
 * A mutable {@link GruGatesBackwardArgs}: the one object an op's VJP reuses across its steps.
 * @example const back: GruGatesBackwardCall = { ... }; back.dOffset = t * B * 3 * H;
 */
export type GruGatesBackwardCall<A extends TypedArray = TypedArray> = {
  -readonly [K in keyof GruGatesBackwardArgs<A>]: GruGatesBackwardArgs<A>[K];
};

/**
 * Arguments of inputProjectionJs: XP[rows, gh] = X·W_ihᵀ + b1 (+ b2).
 * @example inputProjectionJs({ x, wIh, b1: bIh, b2: bHh, rows: T * B, gh: 4 * H, inF: I, xp });
 */
export interface InputProjectionArgs<A extends TypedArray = TypedArray> {
  /** Inputs [rows, inF]. */
  readonly x: A;
  /** Input weight [gh, inF]. */
  readonly wIh: A;
  /** First bias [gh], or null (then b2 is ignored). */
  readonly b1: A | null;
  /** Second bias [gh], or null. */
  readonly b2: A | null;
  /** Rows (T·B). */
  readonly rows: number;
  /** Output columns (gates·H). */
  readonly gh: number;
  /** Input features. */
  readonly inF: number;
  /** Receives the projection [rows, gh]. */
  readonly xp: A;
}

/**
 * Arguments of Kernels.crossEntropyForward: softmax cross-entropy of [n, c] logits against class
 * indices (ops/losses.ts crossEntropy; see crossEntropyForwardJs for the arithmetic).
 * @example k.crossEntropyForward({ z, targets, n, c, ignoreIndex: -100, weight: null, labelSmoothing: 0, lse, perRow: null, sums });
 */
export interface CrossEntropyForwardArgs<A extends TypedArray = TypedArray> {
  /** Logits [n, c]. */
  readonly z: A;
  /** One class index per row, in [0, c) or equal to ignoreIndex (checked by the caller). */
  readonly targets: Int32Array;
  /** Rows. */
  readonly n: number;
  /** Classes. */
  readonly c: number;
  /** Rows whose target equals this contribute nothing. */
  readonly ignoreIndex: number;
  /** Per-class weights [c], or null for ones. */
  readonly weight: A | null;
  /** ε in [0, 1]: the target distribution is (1 − ε)·onehot + ε/c. */
  readonly labelSmoothing: number;
  /** Receives each row's log-sum-exp [n] (the backward's input). */
  readonly lse: Float64Array;
  /** Receives each row's loss [n] (0 for ignored rows), or null. */
  readonly perRow: A | null;
  /** Receives [Σ row losses, Σ target weights] over the non-ignored rows, summed in row order. */
  readonly sums: Float64Array;
}

/**
 * Arguments of Kernels.crossEntropyBackward: the logits' gradient of the loss of
 * {@link CrossEntropyForwardArgs}, from its log-sum-exps.
 * @example k.crossEntropyBackward({ z, targets, n, c, ignoreIndex: -100, weight: null, labelSmoothing: 0, lse, scale: 1 / n, g: null, dz });
 */
export interface CrossEntropyBackwardArgs<A extends TypedArray = TypedArray> {
  /** Logits [n, c]. */
  readonly z: A;
  /** The forward's class indices [n]. */
  readonly targets: Int32Array;
  /** Rows. */
  readonly n: number;
  /** Classes. */
  readonly c: number;
  /** The forward's ignoreIndex. */
  readonly ignoreIndex: number;
  /** The forward's class weights [c], or null. */
  readonly weight: A | null;
  /** The forward's ε. */
  readonly labelSmoothing: number;
  /** The forward's log-sum-exps [n]. */
  readonly lse: Float64Array;
  /** The upstream gradient of every row's loss ('mean': g/Σw, 'sum': g), used when g is null. */
  readonly scale: number;
  /** Per-row upstream gradients [n] (reduction 'none'), or null. */
  readonly g: A | null;
  /** Receives dL/dz [n, c] (zeros on ignored rows). */
  readonly dz: A;
}
