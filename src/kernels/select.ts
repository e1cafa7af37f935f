import type { DType, TypedArray } from '../tensor/dtype.js';
import { adamKernelFor, gemmKernelFor, wasmInUse, wasmKernelsAvailable } from './backend.js';
import { jsKernels } from './js/backend.js';
import type { Kernels } from './types.js';
import { wasmBackend } from './wasm/backend.js';
import type { WasmKernels } from './wasm/wasm-kernels.js';

// Chooses the backend for one call. Today two: the JS reference and wasm (float32). A native
// backend (issue 22) adds one more `Kernels` and one case below; call sites do not change.

let cached: { wk: WasmKernels; backend: Kernels } | undefined;

function wasmKernels(): Kernels {
  const wk = wasmInUse();
  if (cached?.wk !== wk) cached = { wk, backend: wasmBackend(wk) };
  return cached.backend;
}

/**
 * The backend for a problem whose main GEMM is m×n×k in `dtype`, under the current kernel choice
 * (setKernels): wasm when gemmKernelFor would send that GEMM there, the JS reference otherwise.
 * A call site asks once and uses the answer for its forward and its VJP, so the two agree.
 * @example const k = kernelsFor('float32', rows, outF, inF); k.linearForward({ ... });
 */
export function kernelsFor(dtype: DType, m: number, n: number, k: number): Kernels {
  return gemmKernelFor(dtype, m, n, k) === 'wasm' ? wasmKernels() : jsKernels;
}

/**
 * The backend for a float32 Adam step over n elements (the rule of adamKernelFor).
 * @example adamKernelsFor(g.length).adam({ p, g, m, v, coef });
 */
export function adamKernelsFor(n: number): Kernels {
  return adamKernelFor(n) === 'wasm' ? wasmKernels() : jsKernels;
}

/**
 * The backend for the gradient statistics of one array (Kernels.gradStats): wasm for float32
 * arrays under the rule of adamKernelFor (a resident gradient is read in place; below the size
 * threshold the copy would cost more than the SIMD pass saves), the JS reference otherwise. Both
 * give the same bits, so the choice never shows in results.
 * @example gradStatsKernelsFor(g).gradStats({ x: g, out, at: 0 });
 */
export function gradStatsKernelsFor(x: TypedArray): Kernels {
  return x instanceof Float32Array && adamKernelFor(x.length) === 'wasm'
    ? wasmKernels()
    : jsKernels;
}

/**
 * The backend for the update statistics of a parameter and its snapshot (Kernels.updateStats),
 * by the rule of {@link gradStatsKernelsFor}; the same bits either way.
 * @example updateStatsKernelsFor(p).updateStats({ p, q, out, at: 0 });
 */
export function updateStatsKernelsFor(p: TypedArray, q: TypedArray): Kernels {
  return p instanceof Float32Array &&
    q instanceof Float32Array &&
    adamKernelFor(p.length) === 'wasm'
    ? wasmKernels()
    : jsKernels;
}

/**
 * The backend for copying src into dst (Kernels.copy): wasm for float32 arrays under the rule of
 * adamKernelFor (memory.copy between resident arrays), the JS reference otherwise.
 * @example copyKernelsFor(p).copy(snapshot, p);
 */
export function copyKernelsFor(src: TypedArray): Kernels {
  return src instanceof Float32Array && adamKernelFor(src.length) === 'wasm'
    ? wasmKernels()
    : jsKernels;
}

/**
 * Every complete backend available here (the JS reference, and wasm when WebAssembly is), for
 * tests that run one table against each.
 * @example describe.each(availableBackends())('%s', (k) => { ... });
 */
export function availableBackends(): Kernels[] {
  return wasmKernelsAvailable() ? [jsKernels, wasmKernels()] : [jsKernels];
}
