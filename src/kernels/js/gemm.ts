import type { TypedArray } from '../../tensor/dtype.js';
import { checkGemmArgs } from '../validate.js';

// Cache blocking of the reference kernel: a KC×NC block of B (128×256 floats: 128 KiB in float32,
// 256 KiB in float64) stays in L2 while every row of A streams over it.
const KC = 128;
const NC = 256;
// Dot-product form (transB): B rows are grouped so that a group stays in L2 (~128 KiB).
const DOT_BLOCK_BYTES = 128 * 1024;

let rowScratch = new Float64Array(0);

/** C = beta·C in place over m·n elements; beta = 0 writes zeros without reading (BLAS semantics). */
function scaleC(c: TypedArray, cOffset: number, count: number, beta: number): void {
  if (beta === 1) return;
  if (beta === 0) {
    c.fill(0, cOffset, cOffset + count);
    return;
  }
  for (let i = cOffset, end = cOffset + count; i < end; i++) c[i] = beta * (c[i] as number);
}

// op(B) rows are contiguous (B stored k×n): C[i, :] += alpha·op(A)[i, p] · B[p, :], four rows of C
// at a time so that each loaded B element feeds four multiply-adds.
function gemmRowUpdate(
  transA: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: TypedArray,
  aOffset: number,
  b: TypedArray,
  bOffset: number,
  c: TypedArray,
  cOffset: number,
): void {
  // op(A)[i][p] = a[aOffset + i·si + p·sp]
  const si = transA ? 1 : k;
  const sp = transA ? m : 1;
  for (let p0 = 0; p0 < k; p0 += KC) {
    const p1 = Math.min(k, p0 + KC);
    for (let j0 = 0; j0 < n; j0 += NC) {
      const j1 = Math.min(n, j0 + NC);
      let i = 0;
      for (; i + 4 <= m; i += 4) {
        const c0 = cOffset + i * n;
        const c1 = c0 + n;
        const c2 = c1 + n;
        const c3 = c2 + n;
        for (let p = p0; p < p1; p++) {
          const ai = aOffset + i * si + p * sp;
          const a0 = alpha * (a[ai] as number);
          const a1 = alpha * (a[ai + si] as number);
          const a2 = alpha * (a[ai + 2 * si] as number);
          const a3 = alpha * (a[ai + 3 * si] as number);
          const br = bOffset + p * n;
          for (let j = j0; j < j1; j++) {
            const bv = b[br + j] as number;
            c[c0 + j] = (c[c0 + j] as number) + a0 * bv;
            c[c1 + j] = (c[c1 + j] as number) + a1 * bv;
            c[c2 + j] = (c[c2 + j] as number) + a2 * bv;
            c[c3 + j] = (c[c3 + j] as number) + a3 * bv;
          }
        }
      }
      for (; i < m; i++) {
        const c0 = cOffset + i * n;
        for (let p = p0; p < p1; p++) {
          const a0 = alpha * (a[aOffset + i * si + p * sp] as number);
          const br = bOffset + p * n;
          for (let j = j0; j < j1; j++) c[c0 + j] = (c[c0 + j] as number) + a0 * (b[br + j] as number);
        }
      }
    }
  }
}

// transB: op(B)[p][j] = B[j·k + p], so C[i, j] is a dot product of two contiguous length-k rows
// (op(A)'s row is gathered into a scratch row first when transA). Four columns at a time share
// each A load; sums run in float64 and are rounded once.
function gemmDot(
  transA: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: TypedArray,
  aOffset: number,
  b: TypedArray,
  bOffset: number,
  c: TypedArray,
  cOffset: number,
): void {
  if (transA && rowScratch.length < k) rowScratch = new Float64Array(k);
  const row: TypedArray = transA ? rowScratch : a;
  const jBlock = Math.max(4, Math.floor(DOT_BLOCK_BYTES / (k * b.BYTES_PER_ELEMENT)));
  for (let j0 = 0; j0 < n; j0 += jBlock) {
    const j1 = Math.min(n, j0 + jBlock);
    for (let i = 0; i < m; i++) {
      let r = aOffset + i * k;
      if (transA) {
        for (let p = 0; p < k; p++) rowScratch[p] = a[aOffset + p * m + i] as number;
        r = 0;
      }
      const ci = cOffset + i * n;
      let j = j0;
      for (; j + 4 <= j1; j += 4) {
        const b0 = bOffset + j * k;
        const b1 = b0 + k;
        const b2 = b1 + k;
        const b3 = b2 + k;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let p = 0; p < k; p++) {
          const av = row[r + p] as number;
          s0 += av * (b[b0 + p] as number);
          s1 += av * (b[b1 + p] as number);
          s2 += av * (b[b2 + p] as number);
          s3 += av * (b[b3 + p] as number);
        }
        c[ci + j] = (c[ci + j] as number) + alpha * s0;
        c[ci + j + 1] = (c[ci + j + 1] as number) + alpha * s1;
        c[ci + j + 2] = (c[ci + j + 2] as number) + alpha * s2;
        c[ci + j + 3] = (c[ci + j + 3] as number) + alpha * s3;
      }
      for (; j < j1; j++) {
        const b0 = bOffset + j * k;
        let s = 0;
        for (let p = 0; p < k; p++) s += (row[r + p] as number) * (b[b0 + p] as number);
        c[ci + j] = (c[ci + j] as number) + alpha * s;
      }
    }
  }
}

/** {@link gemmJs} without argument checks, for callers that validated already. */
export function gemmJsUnchecked(
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
  if (m === 0 || n === 0) return;
  scaleC(c, cOffset, m * n, beta);
  if (k === 0 || alpha === 0) return;
  if (transB) gemmDot(transA, m, n, k, alpha, a, aOffset, b, bOffset, c, cOffset);
  else gemmRowUpdate(transA, m, n, k, alpha, a, aOffset, b, bOffset, c, cOffset);
}

/**
 * Reference GEMM in plain JS (float32 or float64): C[m×n] = alpha·op(A)·op(B) + beta·C, all
 * row-major and contiguous from the given element offsets. op(A) is m×k (A stored m×k, or k×m
 * when `transA`), op(B) is k×n (B stored k×n, or n×k when `transB`). As in BLAS, beta = 0
 * overwrites C without reading it (NaN in C does not survive) and alpha = 0 or k = 0 does not
 * read A or B. Cache-blocked (i-k-j order, four rows of C per pass over B).
 *
 * @example
 * const c = new Float64Array(4);
 * gemmJs(false, false, 2, 2, 3, 1, new Float64Array([1, 2, 3, 4, 5, 6]), 0,
 *        new Float64Array([1, 0, 0, 1, 1, 1]), 0, 0, c, 0); // c = [4, 5, 10, 11]
 * @see K. Goto, R. van de Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM TOMS 34(3), 2008.
 */
export function gemmJs(
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
  checkGemmArgs('gemmJs', m, n, k, alpha, a, aOffset, b, bOffset, beta, c, cOffset);
  gemmJsUnchecked(transA, transB, m, n, k, alpha, a, aOffset, b, bOffset, beta, c, cOffset);
}
