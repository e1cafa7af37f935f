import { ConfigError, fmt } from '../errors.js';
import type { TypedArray } from '../tensor/dtype.js';
import type { ConvGeometry } from './conv-geometry.js';
import { gemmJsUnchecked } from './js/gemm.js';
import { col2imJsUnchecked, im2colJsUnchecked } from './js/im2col.js';
import type { KernelChoice, KernelImpl } from './types.js';
import { checkConvArgs, checkGemmArgs } from './validate.js';
import { loadWasmKernels, loadWasmKernelsAsync } from './wasm/loader.js';
import type { Conv2dBackwardArgs, Conv2dForwardArgs } from './wasm/conv-host.js';
import type { LinearBackwardArgs, LinearForwardArgs } from './wasm/linear-host.js';
import type { RnnBackwardArgs, RnnForwardArgs } from './wasm/rnn-host.js';
import type { WasmKernels } from './wasm/wasm-kernels.js';

/**
 * 'auto' sends a float32 GEMM to wasm when m·n·k is at least this. Below it the call overhead and
 * the copies into wasm memory cost more than the SIMD kernel saves (measured on the engine
 * machine: the two break even around 8×8×8; `npm run bench:gemm` prints the crossover table).
 * @example gemmKernelFor('float32', 16, 16, 16) // 'wasm' (4096 ≥ GEMM_WASM_MIN_WORK)
 */
export const GEMM_WASM_MIN_WORK = 1024;

/**
 * 'auto' keeps a GEMM on JS when the wasm kernel's padding to whole 5×8 tiles would multiply the
 * work by more than this (e.g. a 1×1×k dot product computes a 5×8 tile: 40×).
 * @example gemmKernelFor('float32', 1, 1, 100_000) // 'js'
 */
export const GEMM_WASM_MAX_PADDING = 8;

/**
 * 'auto' sends a float32 im2col/col2im to wasm when batch·colSize is at least this. Copies in and
 * out included, wasm's memory.copy rows beat the JS loops ~4× from a few thousand elements on;
 * below ~1000 the two are within noise of each other.
 * @example batch * g.colSize >= IM2COL_WASM_MIN_SIZE // im2col runs on wasm under 'auto'
 */
export const IM2COL_WASM_MIN_SIZE = 1024;

let choice: KernelChoice = 'auto';
let wasm: WasmKernels | undefined;
let wasmTried = false;

function tryWasm(): WasmKernels | undefined {
  if (!wasmTried) {
    wasmTried = true;
    try {
      wasm = loadWasmKernels();
    } catch {
      wasm = undefined;
    }
  }
  return wasm;
}

function requireWasm(): WasmKernels {
  try {
    return loadWasmKernels();
  } catch (e) {
    throw new ConfigError(
      `setKernels: 'wasm' was requested but ${(e as Error).message}; use 'auto' (falls back to JS) or 'js'`,
    );
  }
}

/**
 * Chooses the kernels: 'js', 'wasm' (float32 on WebAssembly SIMD, float64 on JS) or 'auto'
 * (the default). 'wasm' instantiates the module at once and throws a ConfigError if it cannot.
 * @example setKernels('js'); // the reference path, e.g. to cross-check results
 */
export function setKernels(next: KernelChoice): void {
  if (next !== 'js' && next !== 'wasm' && next !== 'auto') {
    throw new ConfigError(`setKernels: expected 'js', 'wasm' or 'auto', got ${fmt(next)}`);
  }
  if (next === 'wasm') wasm = requireWasm();
  choice = next;
}

/**
 * The current kernel choice ('auto' unless changed by {@link setKernels}).
 * @example getKernels() // 'auto'
 */
export function getKernels(): KernelChoice {
  return choice;
}

/**
 * True when the WebAssembly kernels can be (or have been) instantiated here.
 * @example if (!wasmKernelsAvailable()) console.warn('matmul runs on the JS kernels');
 */
export function wasmKernelsAvailable(): boolean {
  return tryWasm() !== undefined;
}

/**
 * Instantiates the WebAssembly kernels asynchronously, for environments that forbid synchronous
 * compilation; resolves to whether they are available. Optional elsewhere (they load lazily).
 * @example await initKernels();
 */
export async function initKernels(): Promise<boolean> {
  if (wasm === undefined) {
    wasm = await loadWasmKernelsAsync();
    wasmTried = true;
  }
  return wasm !== undefined;
}

/**
 * Which implementation {@link gemm} uses for this dtype and size under the current choice.
 * @example gemmKernelFor('float32', 256, 256, 256) // 'wasm' under 'auto' when available
 */
export function gemmKernelFor(
  dtype: 'float32' | 'float64',
  m: number,
  n: number,
  k: number,
): KernelImpl {
  if (dtype !== 'float32' || choice === 'js') return 'js';
  if (choice === 'wasm') return 'wasm';
  const work = m * n * k;
  if (work < GEMM_WASM_MIN_WORK) return 'js';
  const padded = Math.ceil(m / 5) * 5 * Math.ceil(n / 8) * 8 * k;
  if (padded > GEMM_WASM_MAX_PADDING * work) return 'js';
  return tryWasm() !== undefined ? 'wasm' : 'js';
}

/**
 * C[m×n] = alpha·op(A)·op(B) + beta·C (see {@link gemmJs} for the exact contract), routed to the
 * WebAssembly SIMD kernel or the JS one according to {@link setKernels} and the problem size.
 *
 * @example
 * // batched matmul: one call per matrix, with element offsets
 * for (let i = 0; i < batch; i++) gemm(false, false, m, n, k, 1, a, i * m * k, b, i * k * n, 0, c, i * m * n);
 * @see K. Goto, R. van de Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM TOMS 34(3), 2008.
 */
export function gemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: TypedArray,
  aOffset: number,
  b: TypedArray,
  bOffset: number,
  beta: number,
  c: TypedArray,
  cOffset: number,
): void {
  checkGemmArgs('gemm', m, n, k, alpha, a, aOffset, b, bOffset, beta, c, cOffset);
  if (c instanceof Float32Array && gemmKernelFor('float32', m, n, k) === 'wasm') {
    const wk = wasm ?? requireWasm();
    wk.gemmF32Unchecked(
      transA,
      transB,
      m,
      n,
      k,
      alpha,
      a as Float32Array,
      aOffset,
      b as Float32Array,
      bOffset,
      beta,
      c,
      cOffset,
    );
    return;
  }
  gemmJsUnchecked(transA, transB, m, n, k, alpha, a, aOffset, b, bOffset, beta, c, cOffset);
}

function im2colImpl(x: TypedArray, size: number): KernelImpl {
  if (!(x instanceof Float32Array) || choice === 'js') return 'js';
  if (choice === 'wasm') return 'wasm';
  return size >= IM2COL_WASM_MIN_SIZE && tryWasm() !== undefined ? 'wasm' : 'js';
}

/**
 * im2col for `batch` NCHW images (see {@link im2colJs} for the layout), routed like {@link gemm}.
 * @example
 * const g = convGeometry({ channels: 3, height: 32, width: 32, kernelH: 3, kernelW: 3, padH: 1, padW: 1 });
 * im2col(x, n * g.imageSize, g, col, 0); // then gemm(false, false, outC, g.colCols, g.colRows, 1, w, 0, col, 0, 0, y, ...)
 * @see K. Chellapilla, S. Puri, P. Simard, "High Performance Convolutional Neural Networks for Document Processing" (2006).
 */
export function im2col(
  x: TypedArray,
  xOffset: number,
  g: ConvGeometry,
  col: TypedArray,
  colOffset: number,
  batch = 1,
): void {
  checkConvArgs('im2col', g, x, 'x', xOffset, col, colOffset, batch);
  if (im2colImpl(x, batch * g.colSize) === 'wasm') {
    (wasm ?? requireWasm()).im2colF32Unchecked(
      x as Float32Array,
      xOffset,
      g,
      col as Float32Array,
      colOffset,
      batch,
    );
    return;
  }
  im2colJsUnchecked(x, xOffset, g, col, colOffset, batch);
}

/**
 * col2im, the adjoint of {@link im2col}: ADDS the column matrices back onto `batch` images
 * (see {@link col2imJs}), routed like {@link gemm}.
 * @example col2im(dcol, 0, g, dx, n * g.imageSize); // dx += col2im(dcol)
 * @see K. Chellapilla, S. Puri, P. Simard, "High Performance Convolutional Neural Networks for Document Processing" (2006).
 */
export function col2im(
  col: TypedArray,
  colOffset: number,
  g: ConvGeometry,
  x: TypedArray,
  xOffset: number,
  batch = 1,
): void {
  checkConvArgs('col2im', g, x, 'x', xOffset, col, colOffset, batch);
  if (im2colImpl(x, batch * g.colSize) === 'wasm') {
    (wasm ?? requireWasm()).col2imF32Unchecked(
      col as Float32Array,
      colOffset,
      g,
      x as Float32Array,
      xOffset,
      batch,
    );
    return;
  }
  col2imJsUnchecked(col, colOffset, g, x, xOffset, batch);
}

/**
 * Smallest tensor (elements) the float32 Adam step runs on the wasm SIMD kernel under 'auto':
 * below it the copies into and out of wasm memory cost more than the scalar JS loop saves.
 */
export const ADAM_WASM_MIN_SIZE = 4096;

/**
 * Runs one float32 Adam step on the WebAssembly SIMD kernel when the current choice allows it
 * ('wasm', or 'auto' with the module available and n ≥ {@link ADAM_WASM_MIN_SIZE}) and returns
 * true; returns false (nothing done) when the caller should use its JS loop. See
 * WasmKernels.adamF32 for the arguments: p non-null applies p ← p + u, null writes u into g.
 * @example if (!adamF32(null, u, m, v, coef32)) adamLoop(u, m, v, coef);
 * @see Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.
 */
export function adamF32(
  p: Float32Array | null,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  coef: Float32Array,
): boolean {
  if (choice === 'js') return false;
  if (choice === 'auto' && g.length < ADAM_WASM_MIN_SIZE) return false;
  const wk = choice === 'wasm' ? requireWasm() : tryWasm();
  if (wk === undefined) return false;
  wk.adamF32(p, g, m, v, coef);
  return true;
}

// The wasm kernels for a tanh recurrence with B×H steps, or undefined for the JS loops: the
// same rule as the per-step GEMM (B×H×H) would follow, so that 'auto' never changes the bits.
function recurrenceWasm(b: number, h: number): WasmKernels | undefined {
  if (choice === 'js') return undefined;
  if (choice === 'wasm') return requireWasm();
  return gemmKernelFor('float32', b, h, h) === 'wasm' ? tryWasm() : undefined;
}

/**
 * Runs the forward pass of a float32 tanh RNN over a sequence on the WebAssembly kernels (see
 * WasmKernels.rnnTanhForwardF32: hs ← tanh(X·W_ihᵀ + b_ih + b_hh + h_{t−1}·W_hhᵀ), step after step)
 * when the kernel choice and the step size allow it, and returns true; returns false (nothing
 * done) when the caller should run its JS loops. Both give the same bits.
 * @example if (!rnnTanhForwardF32({ x, wIh, bIh, bHh, whh, h0: null, T, B, I, H, hs })) jsLoops();
 * @see J. L. Elman, "Finding Structure in Time", Cognitive Science 14(2), 1990.
 */
export function rnnTanhForwardF32(args: RnnForwardArgs): boolean {
  const wk = recurrenceWasm(args.B, args.H);
  if (wk === undefined) return false;
  wk.rnnTanhForwardF32(args);
  return true;
}

/**
 * The backward pass matching {@link rnnTanhForwardF32} (WasmKernels.rnnTanhBackwardF32: dPre_t
 * = (g_t + dh_t)·(1 − h_t²), dh_{t−1} = dPre_t·W_hh, and optionally dW_hh and the bias sums),
 * under the same rule; false means the caller runs its JS loops.
 * @example if (!rnnTanhBackwardF32({ g, hs, whh, T, B, H, dPre, dh0: null })) jsLoops();
 * @see P. J. Werbos, "Backpropagation Through Time: What It Does and How to Do It", Proc. IEEE 78(10), 1990.
 */
export function rnnTanhBackwardF32(args: RnnBackwardArgs): boolean {
  const wk = recurrenceWasm(args.B, args.H);
  if (wk === undefined) return false;
  wk.rnnTanhBackwardF32(args);
  return true;
}

/**
 * Runs the fused float32 linear layer y = act(x·Wᵀ + b) on the WebAssembly kernels (see
 * WasmKernels.linearForwardF32; act 0 none, 1 ReLU, 2 tanh) when the kernel choice sends its
 * GEMM (rows × outF × inF) to wasm, and returns true; false (nothing done) means the caller runs
 * its GEMM and JS loops. Both give the same bits.
 * @example if (!linearForwardF32({ x, w, bias: b, act: 1, rows, inF, outF, y })) jsPath();
 * @see https://pytorch.org/docs/stable/generated/torch.nn.functional.linear.html
 */
export function linearForwardF32(args: LinearForwardArgs): boolean {
  if (gemmKernelFor('float32', args.rows, args.outF, args.inF) !== 'wasm') return false;
  (wasm ?? requireWasm()).linearForwardF32(args);
  return true;
}

/**
 * The backward pass matching {@link linearForwardF32} (WasmKernels.linearBackwardF32: gz =
 * g·act'(y), dx = gz·W, dW (+)= gzᵀ·x, db (+)= Σ_rows gz), under the same rule; false means the
 * caller runs its own.
 * @example if (!linearBackwardF32({ g, y, x, w, act: 1, rows, inF, outF, dx, dW, dWAccumulate: true, db, dbAccumulate: true })) jsPath();
 */
export function linearBackwardF32(args: LinearBackwardArgs): boolean {
  if (gemmKernelFor('float32', args.rows, args.outF, args.inF) !== 'wasm') return false;
  (wasm ?? requireWasm()).linearBackwardF32(args);
  return true;
}

/**
 * Runs a float32 2-D convolution's forward pass over the whole batch on the WebAssembly kernels
 * (WasmKernels.conv2dForwardF32: per image im2col + W·cols, then the bias and the optional fused
 * ReLU) when the kernel choice sends its per-image GEMM (O × P × C·kh·kw) to wasm, and returns
 * true; false (nothing done) means the caller runs its per-image loop. Both give the same bits.
 * @example if (!conv2dForwardF32({ x, w, bias: b, relu: false, g, n, o, y })) perImageLoop();
 * @see K. Chellapilla, S. Puri, P. Simard, "High Performance Convolutional Neural Networks for Document Processing" (2006).
 */
export function conv2dForwardF32(args: Conv2dForwardArgs): boolean {
  const g = args.g;
  if (gemmKernelFor('float32', args.o, g.colCols, g.colRows) !== 'wasm') return false;
  (wasm ?? requireWasm()).conv2dForwardF32(args);
  return true;
}

/**
 * The backward pass matching {@link conv2dForwardF32} (WasmKernels.conv2dBackwardF32: the fused
 * ReLU's mask when `y` is given, dW, dx and db), under the same rule; false means the caller runs
 * its own.
 * @example if (!conv2dBackwardF32({ gy, y: null, x, w, g, n, o, dx, dW, dWAccumulate: true, db, dbAccumulate: true })) perImageLoop();
 */
export function conv2dBackwardF32(args: Conv2dBackwardArgs): boolean {
  const g = args.g;
  if (gemmKernelFor('float32', args.o, g.colCols, g.colRows) !== 'wasm') return false;
  (wasm ?? requireWasm()).conv2dBackwardF32(args);
  return true;
}

/**
 * The WebAssembly kernels that resident arrays are allocated in, or undefined when arrays must
 * be ordinary ones (kernel choice 'js', or no WebAssembly). For the memory owner (memory.ts).
 * @example residentKernels()?.allocResident(n)
 */
export function residentKernels(): WasmKernels | undefined {
  return choice === 'js' ? undefined : tryWasm();
}
