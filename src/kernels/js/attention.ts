import { allocData, dtypeOf, type TypedArray } from '../../tensor/dtype.js';
import type { AttentionBackwardArgs, AttentionForwardArgs } from '../args.js';
import { gemm } from '../backend.js';
import type { GemmCall } from '../types.js';
import { expNonPositive } from './gate-math.js';

// The reference composition of the fused multi-head self-attention entries (Kernels.attention*),
// over the routed gemm (kernels/backend.ts), both dtypes. Every backend reproduces it: the
// native kernel (native/src/attention.c) runs the same GEMMs (same m, n, k, operands and order,
// read in place through strides instead of the contiguous copies made here: a GEMM's element does
// not depend on where its operands lie) and the same double-precision row passes, so it gives
// these float32 bits when this file runs with setKernels('native'). float32 exponentials are
// gate-math.ts's expNonPositive (IEEE operations only, which C repeats); float64 keeps Math.exp.

/**
 * Rows per block of a causal attention: the block of queries [r0, r1) multiplies only the keys
 * [0, r1) it can see (and, backward, the key block [c0, c1) only the queries [c0, T) that see
 * it), so a causal head costs ~(1/2 + R/2T) of the full products; non-causal attention runs one
 * block of T rows. Part of the composition's definition: every backend uses this value.
 * @example ATTENTION_ROW_BLOCK // 16
 */
export const ATTENTION_ROW_BLOCK = 16;

/** The row (and key) block of one call: ATTENTION_ROW_BLOCK when causal, else all T rows. */
function blockOf(T: number, causal: boolean): number {
  return causal ? Math.min(ATTENTION_ROW_BLOCK, T) : T;
}

/**
 * One softmax row in place: s[o + j] ← e_j / Σe for j < live, with z_j = s_j·scale in double,
 * e_j = exp(z_j − max z) (expNonPositive on float32 data, Math.exp on float64), the sum taken in
 * four interleaved partial sums (lane j mod 4, each in j order) added as (l0 + l1) + (l2 + l3),
 * and each weight e_j·(1/Σe) rounded to the dtype on its store; s[o + j] ← 0 for live ≤ j < n.
 * The lanes are what a 4-wide vector loop computes (native/src/attention.c).
 */
function softmaxRow(
  s: TypedArray,
  o: number,
  live: number,
  n: number,
  scale: number,
  e: Float64Array,
  lanes: Float64Array,
  f32: boolean,
): void {
  let max = -Infinity;
  for (let j = 0; j < live; j++) {
    const z = (s[o + j] as number) * scale;
    if (z > max) max = z;
  }
  lanes.fill(0);
  for (let j = 0; j < live; j++) {
    const x = (s[o + j] as number) * scale - max;
    const v = f32 ? expNonPositive(x) : Math.exp(x);
    e[j] = v;
    lanes[j & 3] = (lanes[j & 3] as number) + v;
  }
  const inv =
    1 /
    ((lanes[0] as number) + (lanes[1] as number) + ((lanes[2] as number) + (lanes[3] as number)));
  for (let j = 0; j < live; j++) s[o + j] = (e[j] as number) * inv;
  for (let j = live; j < n; j++) s[o + j] = 0;
}

/** Head h of batch b of part `part` (0 q, 1 k, 2 v) of a packed [B, T, 3E] array into dst [T, d]. */
function gatherHead(
  src: TypedArray,
  width: number,
  col: number,
  b: number,
  T: number,
  d: number,
  dst: TypedArray,
): void {
  for (let t = 0; t < T; t++) {
    const o = (b * T + t) * width + col;
    for (let c = 0; c < d; c++) dst[t * d + c] = src[o + c] as number;
  }
}

/** rows × d contiguous values into rows r0.. of column block `col` of a [B, T, width] array. */
function scatterRows(
  src: TypedArray,
  rows: number,
  d: number,
  dst: TypedArray,
  width: number,
  col: number,
  b: number,
  T: number,
  r0: number,
): void {
  for (let i = 0; i < rows; i++) {
    const o = (b * T + r0 + i) * width + col;
    for (let c = 0; c < d; c++) dst[o + c] = src[i * d + c] as number;
  }
}

/** The submatrix m[r0..r1) × [c0..c1) of a row-major matrix with row stride ld, contiguous. */
function sub(
  m: TypedArray,
  off: number,
  ld: number,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  dst: TypedArray,
): void {
  const w = c1 - c0;
  for (let i = r0; i < r1; i++)
    for (let j = c0; j < c1; j++) dst[(i - r0) * w + j - c0] = m[off + i * ld + j] as number;
}

function gemmCall(a: TypedArray): GemmCall {
  return {
    transA: false,
    transB: false,
    m: 0,
    n: 0,
    k: 0,
    alpha: 1,
    a,
    aOffset: 0,
    b: a,
    bOffset: 0,
    beta: 0,
    c: a,
    cOffset: 0,
  };
}

/**
 * The reference of Kernels.attentionForward (see AttentionForwardArgs), per (batch, head) pair
 * and per block of R query rows [r0, r1) (R = {@link ATTENTION_ROW_BLOCK} when causal, T
 * otherwise), n = r1 (causal) or T the keys the block sees:
 * 1. S = Q[r0:r1]·K[0:n]ᵀ (one GEMM, m = r1 − r0, n, k = d);
 * 2. each row i: the softmax of its first i + 1 (causal) or T scores, the rest 0 (softmaxRow),
 *    stored as the weights P[i, 0:n] (and P[i, n:T] = 0);
 * 3. y[rows r0:r1, head columns] = P[r0:r1, 0:n]·V[0:n] (one GEMM, m, n = d, k = n).
 * @example attentionForwardJs({ qkv, B: 2, T: 5, E: 8, heads: 2, causal: true, scale: 0.5, p, y });
 * @see A. Vaswani et al., "Attention Is All You Need", NeurIPS 2017.
 */
export function attentionForwardJs(args: AttentionForwardArgs): void {
  const { qkv, B, T, E, heads, causal, scale, p, y } = args;
  const d = E / heads;
  const dt = dtypeOf(y);
  const f32 = y instanceof Float32Array;
  const R = blockOf(T, causal);
  const q = allocData(dt, T * d);
  const k = allocData(dt, T * d);
  const v = allocData(dt, T * d);
  const s = allocData(dt, R * T);
  const o = allocData(dt, R * d);
  const e = new Float64Array(T);
  const lanes = new Float64Array(4);
  const call = gemmCall(s);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < heads; h++) {
      gatherHead(qkv, 3 * E, h * d, b, T, d, q);
      gatherHead(qkv, 3 * E, E + h * d, b, T, d, k);
      gatherHead(qkv, 3 * E, 2 * E + h * d, b, T, d, v);
      const pOff = (b * heads + h) * T * T;
      for (let r0 = 0; r0 < T; r0 += R) {
        const r1 = Math.min(r0 + R, T);
        const rows = r1 - r0;
        const n = causal ? r1 : T;
        call.transB = true;
        call.m = rows;
        call.n = n;
        call.k = d;
        call.a = q;
        call.aOffset = r0 * d;
        call.b = k;
        call.c = s;
        gemm(call);
        for (let i = r0; i < r1; i++) {
          const so = (i - r0) * n;
          softmaxRow(s, so, causal ? i + 1 : T, n, scale, e, lanes, f32);
          const po = pOff + i * T;
          for (let j = 0; j < n; j++) p[po + j] = s[so + j] as number;
          for (let j = n; j < T; j++) p[po + j] = 0;
        }
        call.transB = false;
        call.m = rows;
        call.n = d;
        call.k = n;
        call.a = s;
        call.aOffset = 0;
        call.b = v;
        call.c = o;
        gemm(call);
        scatterRows(o, rows, d, y, E, h * d, b, T, r0);
      }
    }
}

/**
 * The reference of Kernels.attentionBackward, per (batch, head) pair, from the saved weights P:
 * 1. per query block [r0, r1) (keys [0, n) as in the forward): dP = dO[r0:r1]·V[0:n]ᵀ (one
 *    GEMM); each row i, over its live keys j: δ = Σ_j dP_ij·P_ij in double (four lanes, as the
 *    softmax's sum), dS_ij = P_ij·(dP_ij − δ)·scale rounded to the dtype, 0 past the live keys;
 *    dQ[r0:r1] = dS[r0:r1, 0:n]·K[0:n] (one GEMM);
 * 2. per key block [c0, c1) (the same blocks; queries [c0, T) when causal, all otherwise):
 *    dK[c0:c1] = dS[c0:T, c0:c1]ᵀ·Q[c0:T] and dV[c0:c1] = P[c0:T, c0:c1]ᵀ·dO[c0:T] (one GEMM
 *    each, transposed A).
 * dQ, dK and dV are written into dqkv's q, k and v columns of the head.
 * @example attentionBackwardJs({ g, qkv, p, B, T, E, heads, causal: true, scale, dqkv });
 */
export function attentionBackwardJs(args: AttentionBackwardArgs): void {
  const { g, qkv, p, B, T, E, heads, causal, scale, dqkv } = args;
  const d = E / heads;
  const dt = dtypeOf(dqkv);
  const R = blockOf(T, causal);
  const q = allocData(dt, T * d);
  const k = allocData(dt, T * d);
  const v = allocData(dt, T * d);
  const go = allocData(dt, T * d);
  const ds = allocData(dt, T * T); // dS of the pair, row stride T
  const tmp = allocData(dt, R * T); // one block of dP / dS, or of a transposed operand
  const pb = allocData(dt, R * T);
  const o = allocData(dt, R * d);
  const lanes = new Float64Array(4);
  const call = gemmCall(tmp);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < heads; h++) {
      gatherHead(qkv, 3 * E, h * d, b, T, d, q);
      gatherHead(qkv, 3 * E, E + h * d, b, T, d, k);
      gatherHead(qkv, 3 * E, 2 * E + h * d, b, T, d, v);
      gatherHead(g, E, h * d, b, T, d, go);
      const pOff = (b * heads + h) * T * T;
      for (let r0 = 0; r0 < T; r0 += R) {
        const r1 = Math.min(r0 + R, T);
        const rows = r1 - r0;
        const n = causal ? r1 : T;
        // dP = dO·Vᵀ for the block's rows and visible keys
        call.transA = false;
        call.transB = true;
        call.m = rows;
        call.n = n;
        call.k = d;
        call.a = go;
        call.aOffset = r0 * d;
        call.b = v;
        call.c = tmp;
        gemm(call);
        for (let i = r0; i < r1; i++) {
          const to = (i - r0) * n;
          const po = pOff + i * T;
          const live = causal ? i + 1 : T;
          lanes.fill(0);
          for (let j = 0; j < live; j++)
            lanes[j & 3] =
              (lanes[j & 3] as number) + (tmp[to + j] as number) * (p[po + j] as number);
          const dot =
            (lanes[0] as number) +
            (lanes[1] as number) +
            ((lanes[2] as number) + (lanes[3] as number));
          for (let j = 0; j < live; j++)
            tmp[to + j] = (p[po + j] as number) * ((tmp[to + j] as number) - dot) * scale;
          for (let j = live; j < n; j++) tmp[to + j] = 0;
          for (let j = 0; j < n; j++) ds[i * T + j] = tmp[to + j] as number;
        }
        // dQ = dS·K
        call.transB = false;
        call.m = rows;
        call.n = d;
        call.k = n;
        call.a = tmp;
        call.aOffset = 0;
        call.b = k;
        call.c = o;
        gemm(call);
        scatterRows(o, rows, d, dqkv, 3 * E, h * d, b, T, r0);
      }
      for (let c0 = 0; c0 < T; c0 += R) {
        const c1 = Math.min(c0 + R, T);
        const cols = c1 - c0;
        const rs = causal ? c0 : 0;
        call.transA = true;
        call.transB = false;
        call.m = cols;
        call.n = d;
        call.k = T - rs;
        call.bOffset = rs * d;
        call.c = o;
        // dK = dSᵀ·Q over the queries that see the block
        sub(ds, 0, T, rs, T, c0, c1, tmp);
        call.a = tmp;
        call.b = q;
        gemm(call);
        scatterRows(o, cols, d, dqkv, 3 * E, E + h * d, b, T, c0);
        // dV = Pᵀ·dO
        sub(p, pOff, T, rs, T, c0, c1, pb);
        call.a = pb;
        call.b = go;
        gemm(call);
        scatterRows(o, cols, d, dqkv, 3 * E, 2 * E + h * d, b, T, c0);
        call.bOffset = 0;
      }
      call.transA = false;
    }
}
