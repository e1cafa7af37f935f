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
  // Temporary reference loop until the kernel backend is wired in.
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[aOff + p * m + i] : a[aOff + i * k + p];
        const bv = transB ? b[bOff + j * k + p] : b[bOff + p * n + j];
        s += (av as number) * (bv as number);
      }
      const idx = cOff + i * n + j;
      c[idx] = accumulate ? (c[idx] as number) + s : s;
    }
  }
}
