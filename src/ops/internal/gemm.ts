import { gemm as kernelGemm } from '../../kernels/backend.js';
import type { TypedArray } from '../../tensor/dtype.js';

/**
 * The one GEMM entry point the ops use: C[m×n] = op(A)·op(B) (+ C when `accumulate`), where
 * op(A) is m×k (A stored m×k, or k×m when `transA`) and op(B) is k×n (stored k×n, or n×k when
 * `transB`); `aOff`, `bOff`, `cOff` are element offsets (batched matmul). Routed to the kernel
 * backend (JS or WebAssembly SIMD) chosen by `setKernels`.
 */
export function gemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: TypedArray,
  aOff: number,
  b: TypedArray,
  bOff: number,
  c: TypedArray,
  cOff: number,
  accumulate: boolean,
): void {
  kernelGemm(transA, transB, m, n, k, 1, a, aOff, b, bOff, accumulate ? 1 : 0, c, cOff);
}
