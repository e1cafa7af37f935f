import type { TypedArray } from '../../tensor/dtype.js';
import type { LayerNormArgs, LayerNormBackwardArgs } from '../args.js';

// The layer normalisation reference kernels over the last axis (rows of d elements), in double
// precision, each result rounded once at its store. A row's sums use eight accumulators, element
// j going to accumulator j mod 8, combined as ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7)):
// two 4-double vectors and their halves in native/src/transformer_ops.c, hence the same bits.
// dγ and dβ add the rows in order, column by column (the native kernel gives each thread whole
// columns): the same bits for every thread count.

/** Σ_j x[o + j] over j < d, in the eight-accumulator order. */
function rowSum(x: TypedArray, o: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let s5 = 0;
  let s6 = 0;
  let s7 = 0;
  const d8 = d - (d % 8);
  let j = 0;
  for (; j < d8; j += 8) {
    const p = o + j;
    s0 += x[p] as number;
    s1 += x[p + 1] as number;
    s2 += x[p + 2] as number;
    s3 += x[p + 3] as number;
    s4 += x[p + 4] as number;
    s5 += x[p + 5] as number;
    s6 += x[p + 6] as number;
    s7 += x[p + 7] as number;
  }
  const r = d - d8;
  if (r > 0) s0 += x[o + j] as number;
  if (r > 1) s1 += x[o + j + 1] as number;
  if (r > 2) s2 += x[o + j + 2] as number;
  if (r > 3) s3 += x[o + j + 3] as number;
  if (r > 4) s4 += x[o + j + 4] as number;
  if (r > 5) s5 += x[o + j + 5] as number;
  if (r > 6) s6 += x[o + j + 6] as number;
  return s0 + s4 + (s2 + s6) + (s1 + s5 + (s3 + s7));
}

/** Σ_j (x[o + j] − mean)² over j < d, in the eight-accumulator order. */
function rowSumSqDev(x: TypedArray, o: number, d: number, mean: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let s5 = 0;
  let s6 = 0;
  let s7 = 0;
  const d8 = d - (d % 8);
  let j = 0;
  for (; j < d8; j += 8) {
    const p = o + j;
    const c0 = (x[p] as number) - mean;
    const c1 = (x[p + 1] as number) - mean;
    const c2 = (x[p + 2] as number) - mean;
    const c3 = (x[p + 3] as number) - mean;
    const c4 = (x[p + 4] as number) - mean;
    const c5 = (x[p + 5] as number) - mean;
    const c6 = (x[p + 6] as number) - mean;
    const c7 = (x[p + 7] as number) - mean;
    s0 += c0 * c0;
    s1 += c1 * c1;
    s2 += c2 * c2;
    s3 += c3 * c3;
    s4 += c4 * c4;
    s5 += c5 * c5;
    s6 += c6 * c6;
    s7 += c7 * c7;
  }
  // the last d mod 8 elements, into accumulators 0… (squares: adding nothing is adding +0)
  const c = TAIL;
  c.fill(0);
  for (let k = 0; j + k < d; k++) {
    const v = (x[o + j + k] as number) - mean;
    c[k] = v * v;
  }
  s0 += c[0] as number;
  s1 += c[1] as number;
  s2 += c[2] as number;
  s3 += c[3] as number;
  s4 += c[4] as number;
  s5 += c[5] as number;
  s6 += c[6] as number;
  return s0 + s4 + (s2 + s6) + (s1 + s5 + (s3 + s7));
}

/** Scratch of the tails (8 values) and of the column sums (2d values). */
const TAIL = new Float64Array(8);
let cols = new Float64Array(0);

/** RES[0] = Σ dx̂_j, RES[1] = Σ dx̂_j·x̂_j over one row, in the eight-accumulator order. */
const RES = new Float64Array(2);

// dx̂_j = g_j·γ_j (g_j without γ), x̂_j = (x_j − mean)·rstd; eight pairs of accumulators in
// locals for the whole groups of 8, the last d mod 8 elements through SUMS.
function rowBackwardSums(
  g: TypedArray,
  x: TypedArray,
  gamma: TypedArray | null,
  o: number,
  d: number,
  mean: number,
  rstd: number,
): void {
  let a0 = 0;
  let b0 = 0;
  let a1 = 0;
  let b1 = 0;
  let a2 = 0;
  let b2 = 0;
  let a3 = 0;
  let b3 = 0;
  let a4 = 0;
  let b4 = 0;
  let a5 = 0;
  let b5 = 0;
  let a6 = 0;
  let b6 = 0;
  let a7 = 0;
  let b7 = 0;
  const d8 = d - (d % 8);
  let j = 0;
  for (; j < d8; j += 8) {
    const p = o + j;
    const g0 = g[p + 0] as number;
    const d0 = gamma !== null ? g0 * (gamma[j + 0] as number) : g0;
    a0 += d0;
    b0 += d0 * (((x[p + 0] as number) - mean) * rstd);
    const g1 = g[p + 1] as number;
    const d1 = gamma !== null ? g1 * (gamma[j + 1] as number) : g1;
    a1 += d1;
    b1 += d1 * (((x[p + 1] as number) - mean) * rstd);
    const g2 = g[p + 2] as number;
    const d2 = gamma !== null ? g2 * (gamma[j + 2] as number) : g2;
    a2 += d2;
    b2 += d2 * (((x[p + 2] as number) - mean) * rstd);
    const g3 = g[p + 3] as number;
    const d3 = gamma !== null ? g3 * (gamma[j + 3] as number) : g3;
    a3 += d3;
    b3 += d3 * (((x[p + 3] as number) - mean) * rstd);
    const g4 = g[p + 4] as number;
    const d4 = gamma !== null ? g4 * (gamma[j + 4] as number) : g4;
    a4 += d4;
    b4 += d4 * (((x[p + 4] as number) - mean) * rstd);
    const g5 = g[p + 5] as number;
    const d5 = gamma !== null ? g5 * (gamma[j + 5] as number) : g5;
    a5 += d5;
    b5 += d5 * (((x[p + 5] as number) - mean) * rstd);
    const g6 = g[p + 6] as number;
    const d6 = gamma !== null ? g6 * (gamma[j + 6] as number) : g6;
    a6 += d6;
    b6 += d6 * (((x[p + 6] as number) - mean) * rstd);
    const g7 = g[p + 7] as number;
    const d7 = gamma !== null ? g7 * (gamma[j + 7] as number) : g7;
    a7 += d7;
    b7 += d7 * (((x[p + 7] as number) - mean) * rstd);
  }
  const s = SUMS;
  s[0] = a0;
  s[1] = a1;
  s[2] = a2;
  s[3] = a3;
  s[4] = a4;
  s[5] = a5;
  s[6] = a6;
  s[7] = a7;
  s[8] = b0;
  s[9] = b1;
  s[10] = b2;
  s[11] = b3;
  s[12] = b4;
  s[13] = b5;
  s[14] = b6;
  s[15] = b7;
  for (let k = 0; j + k < d; k++) {
    const gv = g[o + j + k] as number;
    const dv = gamma !== null ? gv * (gamma[j + k] as number) : gv;
    s[k] = (s[k] as number) + dv;
    s[8 + k] = (s[8 + k] as number) + dv * (((x[o + j + k] as number) - mean) * rstd);
  }
  RES[0] = combine(s, 0);
  RES[1] = combine(s, 8);
}
const SUMS = new Float64Array(16);

/** ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7)) of a[at…at+7]. */
function combine(a: Float64Array, at: number): number {
  return (
    (a[at] as number) +
    (a[at + 4] as number) +
    ((a[at + 2] as number) + (a[at + 6] as number)) +
    ((a[at + 1] as number) +
      (a[at + 5] as number) +
      ((a[at + 3] as number) + (a[at + 7] as number)))
  );
}

/**
 * Layer normalisation of `rows` rows of d elements (see LayerNormArgs): per row μ = Σx/d,
 * σ² = Σ(x − μ)²/d (two passes), rstd = 1/√(σ² + ε), y = (x − μ)·rstd·γ + β; saves μ and rstd.
 * RMS normalisation (`rms`): the same with μ = 0 and no β.
 * @example layerNormForwardJs({ x, gamma, beta, rows, d, eps: 1e-5, y, mean, rstd });
 */
export function layerNormForwardJs(a: LayerNormArgs): void {
  const { x, gamma, rows, d, eps, y, rms } = a;
  const beta = rms ? null : a.beta;
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    const mean = rms ? 0 : rowSum(x, o, d) / d;
    const rstd = 1 / Math.sqrt(rowSumSqDev(x, o, d, mean) / d + eps);
    a.mean[r] = mean;
    a.rstd[r] = rstd;
    for (let j = 0; j < d; j++) {
      let v = ((x[o + j] as number) - mean) * rstd;
      if (gamma !== null) v *= gamma[j] as number;
      if (beta !== null) v += beta[j] as number;
      y[o + j] = v;
    }
  }
}

/**
 * The layer normalisation VJP (see LayerNormBackwardArgs): per row
 * dx = rstd·((dx̂ − mean(dx̂)) − x̂·mean(dx̂·x̂)) with dx̂ = g·γ, x̂ = (x − μ)·rstd (`rms`: without
 * the mean(dx̂) term, μ = 0); over the rows,
 * dγ = Σ g·x̂ and dβ = Σ g (double sums, rows in order, rounded once; added to the buffers'
 * contents when accumulating).
 * @example layerNormBackwardJs({ g, x, gamma, mean, rstd, rows, d, dx, dGamma, dGammaAccumulate: false, dBeta, dBetaAccumulate: false });
 */
export function layerNormBackwardJs(a: LayerNormBackwardArgs): void {
  const { g, x, gamma, mean, rstd, rows, d, dx, dGamma, dBeta } = a;
  if (dx !== null) {
    for (let r = 0; r < rows; r++) {
      const o = r * d;
      const mu = mean[r] as number;
      const rs = rstd[r] as number;
      rowBackwardSums(g, x, gamma, o, d, mu, rs);
      const mD = a.rms ? 0 : (RES[0] as number) / d;
      const mDX = (RES[1] as number) / d;
      for (let j = 0; j < d; j++) {
        const gv = g[o + j] as number;
        const dv = gamma !== null ? gv * (gamma[j] as number) : gv;
        const xh = ((x[o + j] as number) - mu) * rs;
        dx[o + j] = rs * (dv - mD - xh * mDX);
      }
    }
  }
  if (dGamma === null && dBeta === null) return;
  if (cols.length < 2 * d) cols = new Float64Array(2 * d);
  const sw = cols;
  sw.fill(0, 0, 2 * d);
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    const mu = mean[r] as number;
    const rs = rstd[r] as number;
    for (let j = 0; j < d; j++) {
      const gv = g[o + j] as number;
      sw[j] = (sw[j] as number) + gv * (((x[o + j] as number) - mu) * rs);
      sw[d + j] = (sw[d + j] as number) + gv;
    }
  }
  const f32 = g instanceof Float32Array;
  if (dGamma !== null) store(dGamma, sw, 0, d, a.dGammaAccumulate, f32);
  if (dBeta !== null) store(dBeta, sw, d, d, a.dBetaAccumulate, f32);
}

/** out[j] ← s[at + j] (rounded to out's dtype), or out[j] + that when accumulating. */
function store(
  out: TypedArray,
  s: Float64Array,
  at: number,
  d: number,
  acc: boolean,
  f32: boolean,
): void {
  for (let j = 0; j < d; j++) {
    const v = s[at + j] as number;
    out[j] = acc ? (out[j] as number) + (f32 ? Math.fround(v) : v) : v;
  }
}
