import type { GemmArgs, GemmPtrArgs } from '../types.js';
import type { WasmRuntime } from './runtime.js';
import { alignBytes as align } from './heap.js';

// The GEMM family on the wasm runtime: C = alpha·op(A)·op(B) + beta·C (gemmJs's contract), on
// addresses in wasm memory or on Float32Arrays copied in and out (in place when they are
// resident). Both take one options object (GemmPtrArgs, GemmArgs); below them the wasm export
// itself (rt.compute) is positional, as every WebAssembly function is (numbers only).

/**
 * C[m×n] = alpha·op(A)·op(B) + beta·C on byte addresses in wasm memory (float32, row-major),
 * with the semantics of {@link gemmJs}. No copies, no growth.
 * @example gemmF32Ptr(rt, { transA: false, transB: false, m, n, k, alpha: 1, aPtr, bPtr, beta: 0, cPtr });
 */
export function gemmF32Ptr(rt: WasmRuntime, args: GemmPtrArgs): void {
  const { transA, transB, m, n, k, alpha, aPtr, bPtr, beta, cPtr } = args;
  rt.scratchTop(m * n * k);
  rt.compute(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, aPtr, bPtr, beta, cPtr);
}

/**
 * {@link WasmKernels.gemmF32} without argument checks, on the runtime `rt`.
 * @example gemmF32Unchecked(rt, args); // after validating args
 */
export function gemmF32Unchecked(rt: WasmRuntime, args: GemmArgs<Float32Array>): void {
  const { transA, transB, m, n, k, alpha, a, aOffset, b, bOffset, beta, c, cOffset } = args;
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
