import type { WasmRuntime } from './runtime.js';
import { alignBytes as align } from './heap.js';

// The GEMM family on the wasm runtime: C = alpha·op(A)·op(B) + beta·C (gemmJs's contract), on
// addresses in wasm memory or on Float32Arrays copied in and out (in place when they are
// resident). The signature is BLAS sgemm's (transA, transB, m, n, k, alpha, A, B, beta, C with
// element offsets), kept positional as everywhere in the kernels.

/**
 * C[m×n] = alpha·op(A)·op(B) + beta·C on byte addresses in wasm memory (float32, row-major),
 * with the semantics of {@link gemmJs}. No copies, no growth.
 * @example wk.gemmF32Ptr(false, false, m, n, k, 1, aPtr, bPtr, 0, cPtr);
 */
export function gemmF32Ptr(
  rt: WasmRuntime,
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  aPtr: number,
  bPtr: number,
  beta: number,
  cPtr: number,
): void {
  rt.scratchTop(m * n * k);
  rt.compute(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, aPtr, bPtr, beta, cPtr);
}

/**
 * {@link WasmKernels.gemmF32} without argument checks, on the runtime `rt`.
 * @example wk.gemmF32Unchecked(...args); // after validating args
 */
export function gemmF32Unchecked(
  rt: WasmRuntime,
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  aOffset: number,
  b: Float32Array,
  bOffset: number,
  beta: number,
  c: Float32Array,
  cOffset: number,
): void {
  if (m === 0 || n === 0) return;
  const readsAB = k > 0 && alpha !== 0;
  // Addresses are taken before any growth: growing detaches in-memory views, not their data.
  let aPtr = rt.addressOf(a, aOffset);
  let bPtr = rt.addressOf(b, bOffset);
  let cPtr = rt.addressOf(c, cOffset);
  const copyA = aPtr < 0 && readsAB;
  const copyB = bPtr < 0 && readsAB;
  const cInPlace = cPtr >= 0;
  let top = rt.scratchTop(m * n * k);
  if (copyA) {
    aPtr = top;
    top = align(top + m * k * 4);
  }
  if (copyB) {
    bPtr = top;
    top = align(top + k * n * 4);
  }
  if (!cInPlace) {
    cPtr = top;
    top = align(top + m * n * 4);
  }
  rt.ensureBytes(top);
  const heap = rt.heap;
  if (copyA) heap.set(a.subarray(aOffset, aOffset + m * k), aPtr >> 2);
  if (copyB) heap.set(b.subarray(bOffset, bOffset + k * n), bPtr >> 2);
  if (!cInPlace && beta !== 0) heap.set(c.subarray(cOffset, cOffset + m * n), cPtr >> 2);
  rt.compute(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, aPtr, bPtr, beta, cPtr);
  if (!cInPlace) c.set(heap.subarray(cPtr >> 2, (cPtr >> 2) + m * n), cOffset);
}
