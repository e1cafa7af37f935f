import type { DType, TypedArray } from '../tensor/dtype.js';
import {
  ADAM_WASM_MIN_SIZE,
  adamKernelFor,
  getKernels,
  gemmKernelFor,
  nativeInUse,
  nativeKernelsAvailable,
  wasmInUse,
  wasmKernelsAvailable,
} from './backend.js';
import { jsKernels } from './js/backend.js';
import type { NativeAddon } from './native/addon.js';
import { nativeBackend } from './native/backend.js';
import type { KernelImpl, Kernels } from './types.js';
import { wasmBackend } from './wasm/backend.js';
import type { WasmKernels } from './wasm/wasm-kernels.js';

// Chooses the backend for one call: the JS reference, wasm (float32) or native (the optional
// Node addon, both dtypes); call sites do not change.

let cached: { wk: WasmKernels; backend: Kernels } | undefined;

function wasmKernels(): Kernels {
  const wk = wasmInUse();
  if (cached?.wk !== wk) cached = { wk, backend: wasmBackend(wk) };
  return cached.backend;
}

let nativeCached: { addon: NativeAddon; backend: Kernels } | undefined;

// The native backend hands gradStats, updateStats and copy (the same bits everywhere) to wasm
// for float32 arrays (resident arrays are read in place) and to the JS reference otherwise.
function nativeKernels(): Kernels {
  const addon = nativeInUse();
  if (nativeCached?.addon !== addon) {
    nativeCached = {
      addon,
      backend: nativeBackend(addon, (f32) =>
        f32 && wasmKernelsAvailable() ? wasmKernels() : jsKernels,
      ),
    };
  }
  return nativeCached.backend;
}

function backendOf(impl: KernelImpl): Kernels {
  return impl === 'native' ? nativeKernels() : impl === 'wasm' ? wasmKernels() : jsKernels;
}

// The statistics and copies of float32 arrays run on wasm by the rule of adamKernelFor without
// the addon (every choice but 'js'; from ADAM_WASM_MIN_SIZE elements under 'auto').
function statsKernels(float32: boolean, n: number): Kernels {
  const c = getKernels();
  return float32 &&
    c !== 'js' &&
    (c !== 'auto' || n >= ADAM_WASM_MIN_SIZE) &&
    wasmKernelsAvailable()
    ? wasmKernels()
    : jsKernels;
}

/**
 * The backend for a problem whose main GEMM is m×n×k in `dtype`, under the current kernel choice
 * (setKernels): wasm when gemmKernelFor would send that GEMM there, the JS reference otherwise.
 * A call site asks once and uses the answer for its forward and its VJP, so the two agree.
 * @example const k = kernelsFor('float32', rows, outF, inF); k.linearForward({ ... });
 */
export function kernelsFor(dtype: DType, m: number, n: number, k: number): Kernels {
  return backendOf(gemmKernelFor(dtype, m, n, k));
}

/**
 * The backend for a float32 Adam step over n elements (the rule of adamKernelFor).
 * @example adamKernelsFor(g.length).adam({ p, g, m, v, coef });
 */
export function adamKernelsFor(n: number): Kernels {
  return backendOf(adamKernelFor(n));
}

/**
 * The backend for the gradient statistics of one array (Kernels.gradStats): native for float32
 * arrays where adamKernelFor says native (its sum-only pass in C, the full pass on wasm), else
 * wasm for float32 arrays under the rule of adamKernelFor (a resident gradient is read in place;
 * below the size threshold the copy would cost more than the SIMD pass saves), the JS reference
 * otherwise. All give the same bits, so the choice never shows in results.
 * @example gradStatsKernelsFor(g).gradStats({ x: g, out, at: 0 });
 */
export function gradStatsKernelsFor(x: TypedArray): Kernels {
  // the native addon's sum-only pass (issue 22 item 3) where a float32 Adam step would run there
  if (x instanceof Float32Array && adamKernelFor(x.length) === 'native') return nativeKernels();
  return statsKernels(x instanceof Float32Array, x.length);
}

/**
 * The backend for the update statistics of a parameter and its snapshot (Kernels.updateStats),
 * by the rule of {@link gradStatsKernelsFor}; the same bits either way.
 * @example updateStatsKernelsFor(p).updateStats({ p, q, out, at: 0 });
 */
export function updateStatsKernelsFor(p: TypedArray, q: TypedArray): Kernels {
  return statsKernels(p instanceof Float32Array && q instanceof Float32Array, p.length);
}

/**
 * The backend for copying src into dst (Kernels.copy): wasm for float32 arrays under the rule of
 * adamKernelFor (memory.copy between resident arrays), the JS reference otherwise.
 * @example copyKernelsFor(p).copy(snapshot, p);
 */
export function copyKernelsFor(src: TypedArray): Kernels {
  return statsKernels(src instanceof Float32Array, src.length);
}

/**
 * Every complete backend available here (the JS reference, wasm when WebAssembly is, native when
 * the addon is loaded), for tests that run one table against each.
 * @example describe.each(availableBackends())('%s', (k) => { ... });
 */
export function availableBackends(): Kernels[] {
  const all = [jsKernels];
  if (wasmKernelsAvailable()) all.push(wasmKernels());
  if (nativeKernelsAvailable()) all.push(nativeKernels());
  return all;
}

/**
 * The backend for a softmax cross-entropy over [n, c] logits (Kernels.crossEntropyForward and
 * Backward): the native kernels when the addon is loaded (under 'auto' or 'native'), else the JS
 * reference ('wasm' runs the JS reference too). Every backend gives the JS reference's bits.
 * @example lossKernelsFor().crossEntropyForward({ z, targets, n, c, ... });
 */
export function lossKernelsFor(): Kernels {
  const c = getKernels();
  if (c === 'js') return jsKernels;
  if (c === 'wasm') return wasmKernels();
  return nativeKernelsAvailable() ? nativeKernels() : jsKernels;
}

/** Input elements from which max pooling goes to the native addon under 'auto'. */
const POOL_NATIVE_MIN_SIZE = 4096;

/**
 * The backend for a max pooling over n input elements (Kernels.maxPool2dForward/Backward): the
 * native addon under 'native', and under 'auto' when it is loaded and n ≥ 4,096 (below, the
 * call costs more than the loop); else the JS reference (wasm has no pooling kernel). Every
 * backend gives the same bits, so the choice never shows in results.
 * @example const k = poolKernelsFor(x.size); k.maxPool2dForward({ x: x.data, g, y, arg });
 */
export function poolKernelsFor(n: number): Kernels {
  const c = getKernels();
  if (c === 'native') return nativeKernels();
  return c === 'auto' && n >= POOL_NATIVE_MIN_SIZE && nativeKernelsAvailable()
    ? nativeKernels()
    : jsKernels;
}

/**
 * Elements from which 'auto' sends a pointwise or row-wise kernel (GELU, layer normalisation) to
 * the native addon: below it the call's fixed cost outweighs the JS loop.
 * @example pointwiseKernelsFor('float32', POINTWISE_NATIVE_MIN_SIZE).impl // 'native' when loaded
 */
export const POINTWISE_NATIVE_MIN_SIZE = 256;

/**
 * The backend for a GELU or layer normalisation over n elements of `dtype`: the choice of
 * setKernels ('js', 'wasm' and 'native' as asked); under 'auto' native when the addon is loaded
 * and n ≥ {@link POINTWISE_NATIVE_MIN_SIZE}, else the JS reference (the wasm backend runs these
 * entries on the JS reference: same bits, no copy). The bits are the same on every backend.
 * @example pointwiseKernelsFor(x.dtype, x.size).geluForward({ x: x.data, y, n: x.size, approximate: 1 });
 */
export function pointwiseKernelsFor(dtype: DType, n: number): Kernels {
  const c = getKernels();
  if (c === 'auto')
    return n >= POINTWISE_NATIVE_MIN_SIZE && nativeKernelsAvailable() ? nativeKernels() : jsKernels;
  return c === 'native'
    ? nativeKernels()
    : c === 'wasm' && dtype === 'float32'
      ? wasmKernels()
      : jsKernels;
}
