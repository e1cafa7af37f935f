import type { TypedArray } from '../../tensor/dtype.js';
import type { GemmArgs } from '../types.js';
import { checkGemmArgs } from '../validate.js';

// Blocking of the reference kernel: a KC-deep slice of 4 rows of op(A) stays in L1 while a
// KC×NC panel of op(B) (256×128 floats: 128 KiB in float32, 256 KiB in float64) stays in L2.
const KC = 256;
const NC = 128;

/** C = beta·C in place over m·n elements; beta = 0 writes zeros without reading (BLAS semantics). */
function scaleC(c: TypedArray, cOffset: number, count: number, beta: number): void {
  if (beta === 1) return;
  if (beta === 0) {
    c.fill(0, cOffset, cOffset + count);
    return;
  }
  for (let i = cOffset, end = cOffset + count; i < end; i++) c[i] = beta * (c[i] as number);
}

// C[i, j] += alpha · Σ_{p0 ≤ p < p1} op(A)[i, p] · op(B)[p, j] for rows [i0, i1) (fewer than 4)
// and columns [j0, j1), one row at a time, four columns per pass.
function edgeRows(
  i0: number,
  i1: number,
  j0: number,
  j1: number,
  p0: number,
  p1: number,
  n: number,
  alpha: number,
  a: TypedArray,
  aOffset: number,
  sai: number,
  sap: number,
  b: TypedArray,
  bOffset: number,
  sbp: number,
  sbj: number,
  c: TypedArray,
  cOffset: number,
): void {
  for (let i = i0; i < i1; i++) {
    const ci = cOffset + i * n;
    let j = j0;
    for (; j + 4 <= j1; j += 4) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let pa = aOffset + i * sai + p0 * sap;
      let pb = bOffset + p0 * sbp + j * sbj;
      for (let p = p0; p < p1; p++) {
        const av = a[pa] as number;
        s0 += av * (b[pb] as number);
        s1 += av * (b[pb + sbj] as number);
        s2 += av * (b[pb + 2 * sbj] as number);
        s3 += av * (b[pb + 3 * sbj] as number);
        pa += sap;
        pb += sbp;
      }
      c[ci + j] = (c[ci + j] as number) + alpha * s0;
      c[ci + j + 1] = (c[ci + j + 1] as number) + alpha * s1;
      c[ci + j + 2] = (c[ci + j + 2] as number) + alpha * s2;
      c[ci + j + 3] = (c[ci + j + 3] as number) + alpha * s3;
    }
    for (; j < j1; j++) {
      let s = 0;
      let pa = aOffset + i * sai + p0 * sap;
      let pb = bOffset + p0 * sbp + j * sbj;
      for (let p = p0; p < p1; p++) {
        s += (a[pa] as number) * (b[pb] as number);
        pa += sap;
        pb += sbp;
      }
      c[ci + j] = (c[ci + j] as number) + alpha * s;
    }
  }
}

// The blocked kernel for every transposition: op(A)[i, p] = a[aOffset + i·sai + p·sap] and
// op(B)[p, j] = b[bOffset + p·sbp + j·sbj]. A 4×4 block of C is accumulated in 16 float64 locals
// over a KC-deep slice (8 loads feed 16 multiply-adds; V8 keeps most of them in registers), then
// added to C once, so float32 results are also rounded once per slice.
function gemmBlocked(
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: TypedArray,
  aOffset: number,
  sai: number,
  sap: number,
  b: TypedArray,
  bOffset: number,
  sbp: number,
  sbj: number,
  c: TypedArray,
  cOffset: number,
): void {
  const m4 = m - (m % 4);
  for (let p0 = 0; p0 < k; p0 += KC) {
    const p1 = Math.min(k, p0 + KC);
    for (let j0 = 0; j0 < n; j0 += NC) {
      const j1 = Math.min(n, j0 + NC);
      const j4 = j1 - ((j1 - j0) % 4);
      for (let i = 0; i < m4; i += 4) {
        for (let j = j0; j < j4; j += 4) {
          let s00 = 0,
            s01 = 0,
            s02 = 0,
            s03 = 0;
          let s10 = 0,
            s11 = 0,
            s12 = 0,
            s13 = 0;
          let s20 = 0,
            s21 = 0,
            s22 = 0,
            s23 = 0;
          let s30 = 0,
            s31 = 0,
            s32 = 0,
            s33 = 0;
          let pa = aOffset + i * sai + p0 * sap;
          let pb = bOffset + p0 * sbp + j * sbj;
          for (let p = p0; p < p1; p++) {
            const a0 = a[pa] as number;
            const a1 = a[pa + sai] as number;
            const a2 = a[pa + 2 * sai] as number;
            const a3 = a[pa + 3 * sai] as number;
            const b0 = b[pb] as number;
            const b1 = b[pb + sbj] as number;
            const b2 = b[pb + 2 * sbj] as number;
            const b3 = b[pb + 3 * sbj] as number;
            s00 += a0 * b0;
            s01 += a0 * b1;
            s02 += a0 * b2;
            s03 += a0 * b3;
            s10 += a1 * b0;
            s11 += a1 * b1;
            s12 += a1 * b2;
            s13 += a1 * b3;
            s20 += a2 * b0;
            s21 += a2 * b1;
            s22 += a2 * b2;
            s23 += a2 * b3;
            s30 += a3 * b0;
            s31 += a3 * b1;
            s32 += a3 * b2;
            s33 += a3 * b3;
            pa += sap;
            pb += sbp;
          }
          let o = cOffset + i * n + j;
          c[o] = (c[o] as number) + alpha * s00;
          c[o + 1] = (c[o + 1] as number) + alpha * s01;
          c[o + 2] = (c[o + 2] as number) + alpha * s02;
          c[o + 3] = (c[o + 3] as number) + alpha * s03;
          o += n;
          c[o] = (c[o] as number) + alpha * s10;
          c[o + 1] = (c[o + 1] as number) + alpha * s11;
          c[o + 2] = (c[o + 2] as number) + alpha * s12;
          c[o + 3] = (c[o + 3] as number) + alpha * s13;
          o += n;
          c[o] = (c[o] as number) + alpha * s20;
          c[o + 1] = (c[o + 1] as number) + alpha * s21;
          c[o + 2] = (c[o + 2] as number) + alpha * s22;
          c[o + 3] = (c[o + 3] as number) + alpha * s23;
          o += n;
          c[o] = (c[o] as number) + alpha * s30;
          c[o + 1] = (c[o + 1] as number) + alpha * s31;
          c[o + 2] = (c[o + 2] as number) + alpha * s32;
          c[o + 3] = (c[o + 3] as number) + alpha * s33;
        }
        // Columns left over in this panel (fewer than 4), for these 4 rows.
        if (j4 < j1)
          edgeRows(
            i,
            i + 4,
            j4,
            j1,
            p0,
            p1,
            n,
            alpha,
            a,
            aOffset,
            sai,
            sap,
            b,
            bOffset,
            sbp,
            sbj,
            c,
            cOffset,
          );
      }
      // Rows left over (fewer than 4), all columns of the panel.
      if (m4 < m)
        edgeRows(
          m4,
          m,
          j0,
          j1,
          p0,
          p1,
          n,
          alpha,
          a,
          aOffset,
          sai,
          sap,
          b,
          bOffset,
          sbp,
          sbj,
          c,
          cOffset,
        );
    }
  }
}

/**
 * {@link gemmJs} without argument checks, for callers that validated already.
 * @example gemmJsUnchecked({ transA: false, transB: false, m, n, k, alpha: 1, a, aOffset: 0, b, bOffset: 0, beta: 0, c, cOffset: 0 });
 */
export function gemmJsUnchecked(args: GemmArgs): void {
  const { transA, transB, m, n, k, alpha, a, aOffset, b, bOffset, beta, c, cOffset } = args;
  if (m === 0 || n === 0) return;
  scaleC(c, cOffset, m * n, beta);
  if (k === 0 || alpha === 0) return;
  gemmBlocked(
    m,
    n,
    k,
    alpha,
    a,
    aOffset,
    transA ? 1 : k,
    transA ? m : 1,
    b,
    bOffset,
    transB ? 1 : n,
    transB ? k : 1,
    c,
    cOffset,
  );
}

/**
 * Reference GEMM in plain JS (float32 or float64): C[m×n] = alpha·op(A)·op(B) + beta·C, all
 * row-major and contiguous from the given element offsets (see {@link GemmArgs}). op(A) is m×k
 * (A stored m×k, or k×m when `transA`), op(B) is k×n (B stored k×n, or n×k when `transB`). As in
 * BLAS, beta = 0 overwrites C without reading it (NaN in C does not survive) and alpha = 0 or
 * k = 0 does not read A or B. Cache-blocked, with 4×4 register blocks of C summed in float64.
 *
 * @example
 * const c = new Float64Array(4);
 * gemmJs({ transA: false, transB: false, m: 2, n: 2, k: 3, alpha: 1,
 *          a: new Float64Array([1, 2, 3, 4, 5, 6]), aOffset: 0,
 *          b: new Float64Array([1, 0, 0, 1, 1, 1]), bOffset: 0, beta: 0, c, cOffset: 0 }); // c = [4, 5, 10, 11]
 * @see K. Goto, R. van de Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM TOMS 34(3), 2008.
 */
export function gemmJs(args: GemmArgs): void {
  checkGemmArgs('gemmJs', args);
  gemmJsUnchecked(args);
}
