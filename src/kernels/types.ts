import type { TypedArray } from '../tensor/dtype.js';
import type {
  Conv2dBackwardArgs,
  CrossEntropyBackwardArgs,
  CrossEntropyForwardArgs,
  Conv2dForwardArgs,
  GruGatesArgs,
  GruGatesBackwardArgs,
  LstmGatesArgs,
  LstmGatesBackwardArgs,
  LinearBackwardArgs,
  LinearForwardArgs,
  RnnBackwardArgs,
  RnnForwardArgs,
} from './args.js';
import type { ConvGeometry } from './conv-geometry.js';
import type { GradStatsArgs, UpdateStatsArgs } from './grad-stats.js';

/**
 * Which kernels run the hot loops: 'js' (reference, both dtypes), 'wasm' (WebAssembly SIMD for
 * float32; float64 stays on JS), 'native' (the optional Node-API addon with AVX2+FMA kernels,
 * both dtypes; issue 22) or 'auto' (native when the addon is loaded, else wasm for float32
 * problems big enough to repay the copy into wasm memory; JS for small problems and when
 * neither is available).
 * @example setKernels('js') // e.g. to compare against the reference
 */
export type KernelChoice = 'js' | 'wasm' | 'native' | 'auto';

/**
 * The implementation one call was routed to.
 * @example gemmKernelFor('float32', 512, 512, 512) // 'native' | 'wasm' | 'js'
 */
export type KernelImpl = 'js' | 'wasm' | 'native';

/**
 * The activation fused into a linear layer's kernel: 0 none, 1 ReLU, 2 tanh.
 * @example const act: LinearAct = 1; // relu
 */
export type LinearAct = 0 | 1 | 2;

/**
 * The one options object of every GEMM entry point (Kernels.gemm, the routed `gemm`, `gemmJs`,
 * `WasmKernels.gemmF32`): C[m×n] = alpha·op(A)·op(B) + beta·C, row-major, with element offsets
 * into a, b, c (BLAS sgemm's arguments, named). op(A) is m×k (A stored m×k, or k×m when
 * `transA`), op(B) is k×n (stored k×n, or n×k when `transB`). As in BLAS, beta = 0 overwrites C
 * without reading it and alpha = 0 or k = 0 does not read A or B.
 *
 * A call site inside a loop keeps one {@link GemmCall} and updates its offsets per iteration, so
 * the loop allocates nothing; the entries read the fields once and run a positional internal
 * kernel, so the object costs a few property loads per call.
 * @example gemm({ transA: false, transB: true, m, n, k, alpha: 1, a: x, aOffset: 0, b: w, bOffset: 0, beta: 0, c: y, cOffset: 0 });
 * @see K. Goto, R. van de Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM TOMS 34(3), 2008.
 */
export interface GemmArgs<A extends TypedArray = TypedArray> {
  /** Use Aᵀ (A stored [k, m]) instead of A ([m, k]). */
  readonly transA: boolean;
  /** Use Bᵀ (B stored [n, k]) instead of B ([k, n]). */
  readonly transB: boolean;
  /** Rows of C. */
  readonly m: number;
  /** Columns of C. */
  readonly n: number;
  /** The summed dimension. */
  readonly k: number;
  /** Scale of the product. */
  readonly alpha: number;
  /** Left operand. */
  readonly a: A;
  /** Element offset of A in a. */
  readonly aOffset: number;
  /** Right operand. */
  readonly b: A;
  /** Element offset of B in b. */
  readonly bOffset: number;
  /** Scale of C's old contents (0: overwrite, NaN-free). */
  readonly beta: number;
  /** The output. */
  readonly c: A;
  /** Element offset of C in c. */
  readonly cOffset: number;
}

/**
 * A mutable {@link GemmArgs}: the one object a call site reuses across the GEMM calls of a loop
 * (offsets or beta updated per iteration), so that the loop allocates nothing. Declare its fields
 * in GemmArgs' order so every call site shares one object shape (monomorphic property loads).
 * @example
 * const call: GemmCall = { transA: false, transB: true, m: B, n: H, k: H, alpha: 1, a: hs, aOffset: 0, b: whh, bOffset: 0, beta: 1, c: hs, cOffset: 0 };
 * for (let t = 1; t < T; t++) { call.aOffset = (t - 1) * B * H; call.cOffset = t * B * H; gemm(call); }
 */
export type GemmCall<A extends TypedArray = TypedArray> = {
  -readonly [K in keyof GemmArgs<A>]: GemmArgs<A>[K];
};

/**
 * Arguments of WasmKernels.gemmF32Ptr: {@link GemmArgs} on byte addresses in wasm memory
 * (float32, row-major, contiguous from each address) instead of arrays and element offsets.
 * @example wk.gemmF32Ptr({ transA: false, transB: false, m, n, k, alpha: 1, aPtr, bPtr, beta: 0, cPtr });
 */
export interface GemmPtrArgs {
  /** Use Aᵀ (A stored [k, m]) instead of A ([m, k]). */
  readonly transA: boolean;
  /** Use Bᵀ (B stored [n, k]) instead of B ([k, n]). */
  readonly transB: boolean;
  /** Rows of C. */
  readonly m: number;
  /** Columns of C. */
  readonly n: number;
  /** The summed dimension. */
  readonly k: number;
  /** Scale of the product. */
  readonly alpha: number;
  /** Byte address of A. */
  readonly aPtr: number;
  /** Byte address of B. */
  readonly bPtr: number;
  /** Scale of C's old contents (0: overwrite, NaN-free). */
  readonly beta: number;
  /** Byte address of C. */
  readonly cPtr: number;
}

/**
 * Arguments of every im2col/col2im entry (Kernels.im2col and col2im, the routed im2col/col2im,
 * im2colJs, WasmKernels.im2colF32): `batch` images and their column matrices (see im2colJs for
 * the layout). col2im ADDS the column matrices onto the images.
 */
export interface Im2colArgs<A extends TypedArray = TypedArray> {
  /** `batch` NCHW images. */
  readonly x: A;
  /** Element offset of the first image. */
  readonly xOffset: number;
  /** The convolution's geometry. */
  readonly g: ConvGeometry;
  /** The column matrices, one per image. */
  readonly col: A;
  /** Element offset of the first column matrix. */
  readonly colOffset: number;
  /** Images. */
  readonly batch: number;
}

/**
 * A mutable {@link Im2colArgs}: the one object a call site reuses across the images of a loop
 * (its offsets updated per image), so that the loop allocates nothing.
 * @example const unfold: Im2colCall = { x, xOffset: 0, g, col, colOffset: 0, batch: 1 };
 */
export type Im2colCall<A extends TypedArray = TypedArray> = {
  -readonly [K in keyof Im2colArgs<A>]: Im2colArgs<A>[K];
};

/**
 * Arguments of Kernels.adam, one Adam step in float32 arithmetic (whatever the backend):
 * g ← sign·(g·gradScale); m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g·g;
 * u = stepScaled·m / (√v + epsScaled); then p ← p + u (p given) or g ← u (p null).
 * coef = [sign, β1, 1−β1, β2, 1−β2, stepScaled, epsScaled, gradScale] with
 * stepScaled = −α·√(1−β2^t)/(1−β1^t), epsScaled = ε·√(1−β2^t), and gradScale the factor a
 * clipping link multiplied the gradients by (1 when none: the scaling is folded into the step).
 * @see Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.
 */
export interface AdamArgs {
  /** Parameters (the fused step), or null to write the update into g. */
  readonly p: Float32Array | null;
  /** Gradients (receive the update when p is null). */
  readonly g: Float32Array;
  /** First moment, advanced in place. */
  readonly m: Float32Array;
  /** Second moment, advanced in place. */
  readonly v: Float32Array;
  /** The 8 float32 coefficients. */
  readonly coef: Float32Array;
  /**
   * With p given: receives at [0..2] the update statistics of the step it makes,
   * Kernels.updateStats(p after, p before)'s Σp², Σ(p − q)², Σq² with the same bits (the
   * monitor's update ratio without a copy of the parameters; see UpdateStatsArgs). Default none.
   */
  readonly stats?: Float64Array | null;
}

/**
 * The kernel entry points every backend implements completely: the JS reference
 * (`kernels/js/backend.ts`, both dtypes), WebAssembly SIMD (`kernels/wasm/backend.ts`, float32)
 * and the optional native addon (`kernels/native/backend.ts`, both dtypes, Node only).
 * A call site asks {@link kernelsFor} (kernels/select.ts) once for the backend that runs its
 * problem (by dtype and size under the user's {@link KernelChoice}) and calls it; ops hold no
 * loops of their own. No entry validates its arguments: callers pass checked shapes.
 *
 * Bits: a backend's fused entries (linear, conv2d, rnnTanh) give the same bits as the JS
 * reference composed over that backend's GEMM; the gate steps (lstmGates*, gruGates*) the bits
 * of the JS reference; im2col, col2im, adam, gradStats and updateStats give the same bits on
 * every backend; gemm agrees within float32 rounding (different summation tiles).
 * @example kernelsFor('float32', rows, outF, inF).linearForward({ x, w, bias, act: 1, rows, inF, outF, y })
 */
export interface Kernels {
  /** Which backend this is. */
  readonly impl: KernelImpl;
  /** C = alpha·op(A)·op(B) + beta·C. */
  gemm(args: GemmArgs): void;
  /** Unfolds `batch` images into column matrices. */
  im2col(args: Im2colArgs): void;
  /** The adjoint of im2col: ADDS the column matrices onto the images. */
  col2im(args: Im2colArgs): void;
  /** y = act(x·Wᵀ + b). */
  linearForward(args: LinearForwardArgs): void;
  /** gz = g·act'(y); dx = gz·W, dW (+)= gzᵀ·x, db (+)= Σ_rows gz. */
  linearBackward(args: LinearBackwardArgs): void;
  /** y = W·cols(x) (+ b) (then ReLU), every image. */
  conv2dForward(args: Conv2dForwardArgs): void;
  /** The conv2d VJP: the ReLU mask when y is given, dW, dx, db. */
  conv2dBackward(args: Conv2dBackwardArgs): void;
  /** hs_t = tanh(X_t·W_ihᵀ + b_ih + b_hh + h_{t−1}·W_hhᵀ), every step. */
  rnnTanhForward(args: RnnForwardArgs): void;
  /** Backpropagation through time of rnnTanhForward: dPre, dh0, and the extras. */
  rnnTanhBackward(args: RnnBackwardArgs): void;
  /** One LSTM step's gates: i, f, o = σ, g = tanh; c_t = f⊙c_{t−1} + i⊙g, h_t = o⊙tanh(c_t). */
  lstmGatesForward(args: LstmGatesArgs): void;
  /** One LSTM step's gates backward: the pre-activation gradients and dc_{t−1}. */
  lstmGatesBackward(args: LstmGatesBackwardArgs): void;
  /** One GRU step's gates: r, z = σ, n = tanh(x_n + r⊙hp_n), h_t = (1 − z)⊙n + z⊙h_{t−1}. */
  gruGatesForward(args: GruGatesArgs): void;
  /** One GRU step's gates backward: both sides' pre-activation gradients and the direct dh. */
  gruGatesBackward(args: GruGatesBackwardArgs): void;
  /** One float32 Adam step (see AdamArgs). */
  adam(args: AdamArgs): void;
  /** Σx², max |x|, zeros and NaN/±Inf count of one array in one pass (see GradStatsArgs). */
  gradStats(args: GradStatsArgs): void;
  /** Σp², Σ(p − q)², Σq² of a parameter and its earlier value in one pass (see UpdateStatsArgs). */
  updateStats(args: UpdateStatsArgs): void;
  /** dst ← src (same length and dtype): a long-lived buffer's copy (the monitor's snapshot). */
  copy(dst: TypedArray, src: TypedArray): void;
  /** Softmax cross-entropy of [n, c] logits against class indices (the JS reference's bits). */
  crossEntropyForward(args: CrossEntropyForwardArgs): void;
  /** Its gradient with respect to the logits, from the forward's log-sum-exps (same bits). */
  crossEntropyBackward(args: CrossEntropyBackwardArgs): void;
}
