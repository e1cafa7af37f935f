import { ConfigError, fmt } from '../errors.js';
import type { TypedArray } from '../tensor/dtype.js';
import { adamJs } from './js/adam.js';
import { gemmJsUnchecked } from './js/gemm.js';
import { col2imJsUnchecked, im2colJsUnchecked } from './js/im2col.js';
import type { AdamArgs, GemmArgs, Im2colArgs, KernelChoice, KernelImpl } from './types.js';
import { geometryArray, nativeGemm } from './native/backend.js';
import { checkConvArgs, checkGemmArgs } from './validate.js';
import { loadWasmKernels, loadWasmKernelsAsync } from './wasm/loader.js';
import type { NativeAddon } from './native/addon.js';
import { loadNativeKernels, nativeStatus } from './native/loader.js';
import { nativeAdamStats } from './native/monitor-stats.js';
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

/**
 * 'auto' sends a GEMM (either dtype) to the native kernels, when they are loaded, from this m·n·k
 * on: below it the Node-API call (~1 µs with its argument checks) costs more than the packed
 * kernel saves over the JS loop.
 * @example gemmKernelFor('float64', 16, 16, 16) // 'native' when the addon is loaded
 */
export const GEMM_NATIVE_MIN_WORK = 2048;

/**
 * 'auto' sends a float32 Adam step to the native kernels (when loaded) from this many elements.
 * @example adamKernelFor(ADAM_NATIVE_MIN_SIZE) // 'native' when the addon is loaded
 */
export const ADAM_NATIVE_MIN_SIZE = 1024;

const CHOICES: readonly KernelChoice[] = ['js', 'wasm', 'native', 'auto'];

// GRADSCOPE_KERNELS (js | wasm | native | auto) sets the initial choice, e.g. to force a
// backend in CI; anything else there is ignored (setKernels still validates).
function initialChoice(): KernelChoice {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env?.GRADSCOPE_KERNELS;
  return CHOICES.find((c) => c === env) ?? 'auto';
}

let choice: KernelChoice = initialChoice();
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

function requireNative(): NativeAddon {
  const addon = loadNativeKernels();
  if (addon !== undefined) return addon;
  const st = nativeStatus();
  throw new ConfigError(
    `setKernels: 'native' was requested but ${st.loaded ? 'it is unavailable' : st.reason}; use 'auto' (falls back to wasm and JS), 'wasm' or 'js'`,
  );
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
 * Chooses the kernels: 'js', 'wasm' (float32 on WebAssembly SIMD, float64 on JS), 'native' (the
 * optional Node addon, both dtypes) or 'auto' (the default: native when the addon is loaded,
 * else wasm, JS for problems too small to repay a call). 'wasm' and 'native' load their kernels
 * at once and throw a ConfigError if they cannot. The environment variable GRADSCOPE_KERNELS
 * sets the initial choice; GRADSCOPE_NATIVE=0 keeps the addon unloaded.
 * @example setKernels('js'); // the reference path, e.g. to cross-check results
 */
export function setKernels(next: KernelChoice): void {
  if (!CHOICES.includes(next)) {
    throw new ConfigError(
      `setKernels: expected 'js', 'wasm', 'native' or 'auto', got ${fmt(next)}`,
    );
  }
  if (next === 'wasm') wasm = requireWasm();
  if (next === 'native') requireNative();
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
 * True when the native kernels (the optional Node addon) are loaded here.
 * @example if (!nativeKernelsAvailable()) console.log(threadsInfo().backend);
 */
export function nativeKernelsAvailable(): boolean {
  return loadNativeKernels() !== undefined;
}

/**
 * Which implementation {@link gemm} uses for this dtype and size under the current choice.
 * @example gemmKernelFor('float32', 256, 256, 256) // 'native' or 'wasm' under 'auto'
 */
export function gemmKernelFor(
  dtype: 'float32' | 'float64',
  m: number,
  n: number,
  k: number,
): KernelImpl {
  if (choice === 'js') return 'js';
  if (choice === 'native') return 'native';
  const work = m * n * k;
  if (choice === 'auto' && loadNativeKernels() !== undefined) {
    // the native tiles are 6×16 (float32) and 6×8 (float64): the padding rule of wasm's below
    const nr = dtype === 'float32' ? 16 : 8;
    const padded = Math.ceil(m / 6) * 6 * Math.ceil(n / nr) * nr * k;
    return work < GEMM_NATIVE_MIN_WORK || padded > GEMM_WASM_MAX_PADDING * work ? 'js' : 'native';
  }
  if (dtype !== 'float32') return 'js';
  if (choice === 'wasm') return 'wasm';
  if (work < GEMM_WASM_MIN_WORK) return 'js';
  const padded = Math.ceil(m / 5) * 5 * Math.ceil(n / 8) * 8 * k;
  if (padded > GEMM_WASM_MAX_PADDING * work) return 'js';
  return tryWasm() !== undefined ? 'wasm' : 'js';
}

/**
 * C[m×n] = alpha·op(A)·op(B) + beta·C (see {@link GemmArgs} and {@link gemmJs} for the exact
 * contract), routed to the native, WebAssembly SIMD or JS kernel according to
 * {@link setKernels} and the problem size. Checks its arguments.
 *
 * @example
 * // batched matmul: one reused options object, offsets updated per matrix (no allocation per call)
 * const call: GemmCall = { transA: false, transB: false, m, n, k, alpha: 1, a, aOffset: 0, b, bOffset: 0, beta: 0, c, cOffset: 0 };
 * for (let i = 0; i < batch; i++) { call.aOffset = i * m * k; call.bOffset = i * k * n; call.cOffset = i * m * n; gemm(call); }
 * @see K. Goto, R. van de Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM TOMS 34(3), 2008.
 */
export function gemm(args: GemmArgs): void {
  checkGemmArgs('gemm', args);
  const c = args.c;
  const impl = gemmKernelFor(
    c instanceof Float32Array ? 'float32' : 'float64',
    args.m,
    args.n,
    args.k,
  );
  if (impl === 'native') {
    nativeGemm(nativeInUse(), args);
    return;
  }
  if (c instanceof Float32Array && impl === 'wasm') {
    (wasm ?? requireWasm()).gemmF32Unchecked(args as GemmArgs<Float32Array>);
    return;
  }
  gemmJsUnchecked(args);
}

function im2colImpl(x: TypedArray, size: number): KernelImpl {
  if (choice === 'js') return 'js';
  if (choice === 'native') return 'native';
  if (choice === 'auto' && size >= IM2COL_WASM_MIN_SIZE && loadNativeKernels() !== undefined) {
    return 'native';
  }
  if (!(x instanceof Float32Array)) return 'js';
  if (choice === 'wasm') return 'wasm';
  return size >= IM2COL_WASM_MIN_SIZE && tryWasm() !== undefined ? 'wasm' : 'js';
}

/**
 * im2col for `batch` NCHW images (see {@link im2colJs} for the layout), routed like {@link gemm}.
 * @example
 * const g = convGeometry({ channels: 3, height: 32, width: 32, kernelH: 3, kernelW: 3, padH: 1, padW: 1 });
 * im2col({ x, xOffset: n * g.imageSize, g, col, colOffset: 0, batch: 1 }); // then gemm({ transA: false, transB: false, m: outC, n: g.colCols, k: g.colRows, … })
 * @see K. Chellapilla, S. Puri, P. Simard, "High Performance Convolutional Neural Networks for Document Processing" (2006).
 */
export function im2col(args: Im2colArgs): void {
  const { x, xOffset, g, col, colOffset, batch } = args;
  checkConvArgs('im2col', args);
  const impl = im2colImpl(x, batch * g.colSize);
  if (impl === 'native') {
    nativeInUse().im2col(x, xOffset, geometryArray(g), col, colOffset, batch);
    return;
  }
  if (impl === 'wasm') {
    (wasm ?? requireWasm()).im2colF32Unchecked(args as Im2colArgs<Float32Array>);
    return;
  }
  im2colJsUnchecked(args);
}

/**
 * col2im, the adjoint of {@link im2col}: ADDS the column matrices back onto `batch` images
 * (see {@link col2imJs}), routed like {@link gemm}.
 * @example col2im({ x: dx, xOffset: n * g.imageSize, g, col: dcol, colOffset: 0, batch: 1 }); // dx += col2im(dcol)
 * @see K. Chellapilla, S. Puri, P. Simard, "High Performance Convolutional Neural Networks for Document Processing" (2006).
 */
export function col2im(args: Im2colArgs): void {
  const { x, xOffset, g, col, colOffset, batch } = args;
  checkConvArgs('col2im', args);
  const impl = im2colImpl(x, batch * g.colSize);
  if (impl === 'native') {
    nativeInUse().col2im(col, colOffset, geometryArray(g), x, xOffset, batch);
    return;
  }
  if (impl === 'wasm') {
    (wasm ?? requireWasm()).col2imF32Unchecked(args as Im2colArgs<Float32Array>);
    return;
  }
  col2imJsUnchecked(args);
}

/**
 * Smallest tensor (elements) the float32 Adam step runs on the wasm SIMD kernel under 'auto':
 * below it the copies into and out of wasm memory cost more than the scalar JS loop saves.
 */
export const ADAM_WASM_MIN_SIZE = 4096;

/** The call object {@link adamF32} fills and reuses (no allocation per step). */
const ADAM_CALL: { -readonly [K in keyof AdamArgs]: AdamArgs[K] } = {
  p: null,
  g: new Float32Array(0),
  m: new Float32Array(0),
  v: new Float32Array(0),
  coef: new Float32Array(0),
  stats: null,
};

/**
 * Runs one float32 Adam step on the WebAssembly SIMD kernel when the current choice allows it
 * ('wasm', or 'auto' with the module available and n ≥ {@link ADAM_WASM_MIN_SIZE}) and returns
 * true; returns false (nothing done) when the caller should use its JS loop. See
 * WasmKernels.adamF32 for the arguments: p non-null applies p ← p + u, null writes u into g;
 * `stats` (with p) receives the update statistics of the step (AdamArgs.stats).
 * @example if (!adamF32(null, u, m, v, coef32)) adamLoop(u, m, v, coef);
 * @see Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.
 */
export function adamF32(
  p: Float32Array | null,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  coef: Float32Array,
  stats: Float64Array | null = null,
): boolean {
  const impl = adamKernelFor(g.length);
  const measure = stats !== null && p !== null;
  if (impl === 'native' && !measure) nativeInUse().adam(p, g, m, v, coef);
  else if (impl === 'wasm' || impl === 'native') {
    ADAM_CALL.p = p;
    ADAM_CALL.g = g;
    ADAM_CALL.m = m;
    ADAM_CALL.v = v;
    ADAM_CALL.coef = coef;
    ADAM_CALL.stats = measure ? stats : null;
    if (impl === 'wasm') (wasm ?? requireWasm()).adamF32(ADAM_CALL);
    // measuring the update (see AdamArgs.stats) under 'native': native/src/monitor_stats.c, or
    // wasm with an addon built before it (the same bits)
    else if (!nativeAdamStats(nativeInUse(), ADAM_CALL)) {
      const w = tryWasm();
      if (w !== undefined) w.adamF32(ADAM_CALL);
      else adamJs(ADAM_CALL);
    }
    ADAM_CALL.stats = null;
  } else return false;
  return true;
}

/**
 * Which implementation a float32 Adam step over n elements uses under the current choice: wasm
 * under 'wasm', and under 'auto' from {@link ADAM_WASM_MIN_SIZE} elements on when available.
 * @example adamKernelFor(1 << 20) // 'wasm' under 'auto' when WebAssembly is available
 */
export function adamKernelFor(n: number): KernelImpl {
  if (choice === 'js') return 'js';
  if (choice === 'wasm') return 'wasm';
  if (choice === 'native') return 'native';
  if (n >= ADAM_NATIVE_MIN_SIZE && loadNativeKernels() !== undefined) return 'native';
  return n >= ADAM_WASM_MIN_SIZE && tryWasm() !== undefined ? 'wasm' : 'js';
}

/**
 * The WebAssembly kernels the router sends float32 work to (loading them if needed); throws a
 * ConfigError when WebAssembly is unavailable. For the backend chooser (select.ts), after
 * gemmKernelFor said 'wasm'.
 * @example if (gemmKernelFor('float32', m, n, k) === 'wasm') wasmBackend(wasmInUse());
 */
export function wasmInUse(): WasmKernels {
  return wasm ?? requireWasm();
}

/**
 * The native addon the router sends work to; throws a ConfigError when it is not loaded. For
 * the backend chooser (select.ts), after gemmKernelFor said 'native'.
 * @example if (gemmKernelFor('float64', m, n, k) === 'native') nativeInUse().gemm(...);
 */
export function nativeInUse(): NativeAddon {
  return loadNativeKernels() ?? requireNative();
}

/**
 * The WebAssembly kernels that resident arrays are allocated in, or undefined when arrays must
 * be ordinary ones (kernel choice 'js', or no WebAssembly). For the memory owner (memory.ts).
 * @example residentKernels()?.allocResident(n)
 */
export function residentKernels(): WasmKernels | undefined {
  return choice === 'js' ? undefined : tryWasm();
}
