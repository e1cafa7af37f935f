import type { TypedArray } from '../tensor/dtype.js';

/**
 * Slots of one tensor's gradient statistics in a Float64Array (see {@link GradStatsArgs}):
 * Σx², max |x| over the finite entries, the number of exact zeros, the number of NaN/±Inf.
 */
export const GRAD_STATS_SUM_SQ = 0;
/** Slot of max |x| over the finite entries (see {@link GRAD_STATS_SUM_SQ}). */
export const GRAD_STATS_MAX_ABS = 1;
/** Slot of the number of exact zeros (see {@link GRAD_STATS_SUM_SQ}). */
export const GRAD_STATS_ZEROS = 2;
/** Slot of the number of NaN/±Inf entries (see {@link GRAD_STATS_SUM_SQ}). */
export const GRAD_STATS_NON_FINITE = 3;
/** Float64 slots per tensor (see {@link GRAD_STATS_SUM_SQ}). */
export const GRAD_STATS_WIDTH = 4;

/**
 * Arguments of Kernels.gradStats: the statistics of one array in one pass, written to
 * out[at … at + 3] = [Σx², max |x| over the finite entries, exact zeros, NaN/±Inf count].
 *
 * Float32 data: Σx² is summed in float32 in blocks of 512 elements over 8 lanes, each block's
 * sums added in float64 (the order is spelled out in kernels/wasm/assembly/grad-stats.ts; every
 * backend gives the same bits; relative error below 4e-6, typically 1e-7). Σx² falls back to a
 * float64 sum when float32 squares could lose it: a finite array whose float32 sum overflows,
 * or one whose max |x| is below 2^-50 (squares near the float32 subnormals). max |x| is exact.
 * Float64 data: four float64 partial sums (s0 + s1 + (s2 + s3), then the tail). NaN/±Inf
 * entries make Σx² NaN/+Inf and are counted; max |x| skips them.
 */
export interface GradStatsArgs {
  /** The data (Kernels other than the JS reference take float32 only). */
  readonly x: TypedArray;
  /** Receives the four statistics. */
  readonly out: Float64Array;
  /** First slot written. */
  readonly at: number;
  /**
   * false: only Σx² and the NaN/±Inf count, with the same bits as the full pass (max |x| and the
   * zeros are written as NaN) — the pass a norm needs (clipping, ‖p‖), three SIMD operations per
   * vector instead of six. Default true.
   */
  readonly detail?: boolean;
}

/** Below this max x² a float32 array's Σx² is summed in float64 (squares near the subnormals). */
const TINY_SQUARE = 2 ** -100;
/** The smallest normal float32: below it a float32 square may have lost its value. */
const MIN_NORMAL_F32 = 2 ** -126;
/**
 * Σx² of float data in float64 with four partial sums, s0 + s1 + (s2 + s3) then the tail (the
 * order of the float64 gradient statistics and of the fallbacks of the float32 ones).
 * @example sumSquaresF64(new Float64Array([3, 4])) // 25
 */
export function sumSquaresF64(x: TypedArray): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const n = x.length;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const a = x[i] as number;
    const b = x[i + 1] as number;
    const c = x[i + 2] as number;
    const d = x[i + 3] as number;
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += d * d;
  }
  let s = s0 + s1 + (s2 + s3);
  for (; i < n; i++) {
    const a = x[i] as number;
    s += a * a;
  }
  return s;
}

/**
 * Completes a backend's fast pass, which wrote Σx², then max x² (float32 data: the largest
 * float32 square) or max |x| (float64 data), and the zeros to out[at … at + 2]. When Σx² is not
 * finite it counts the NaN/±Inf entries and takes max |x| over the finite ones (and, with none,
 * sums a float32 array's overflowed squares in float64). For float32 data max |x| =
 * fround(√max x²), exact (√fl(x²) = |x| in the same precision, barring underflow); a largest
 * square below 2^-100 has Σx² redone in float64, and one below the float32 normals max |x| too.
 * Shared by every backend, so they agree here by construction; costs nothing on an ordinary
 * gradient.
 * @example kernel(x, out, at); finishGradStats(x, out, at);
 */
export function finishGradStats(x: TypedArray, out: Float64Array, at: number): void {
  out[at + GRAD_STATS_NON_FINITE] = 0;
  const sum = out[at + GRAD_STATS_SUM_SQ] as number;
  if (!(sum < Infinity)) {
    exactPass(x, out, at);
    return;
  }
  if (!(x instanceof Float32Array)) return;
  const m2 = out[at + GRAD_STATS_MAX_ABS] as number;
  if (m2 >= MIN_NORMAL_F32) {
    out[at + GRAD_STATS_MAX_ABS] = Math.fround(Math.sqrt(m2));
    if (m2 < TINY_SQUARE) out[at + GRAD_STATS_SUM_SQ] = sumSquaresF64(x);
  } else if (out[at + GRAD_STATS_ZEROS] === x.length) out[at + GRAD_STATS_MAX_ABS] = 0;
  else exactPass(x, out, at);
}

/** Above n·2^-100·(1 + 2^-10) a float32 Σx² proves max x² ≥ 2^-100 (see {@link sumIsFinal}). */
const TINY_BOUND = TINY_SQUARE * (1 + 2 ** -10);

/**
 * Completes a backend's sum-only pass (GradStatsArgs.detail false), which wrote the float32
 * path's Σx² (float32 data, gradStats' order and bits) or sumSquaresF64 (float64 data) to
 * out[at]: returns true when that sum is already what the full pass would give, and then writes
 * the NaN/±Inf count (0) and NaN for max |x| and the zeros; false when the backend must run the
 * full pass (a non-finite sum, or a float32 sum so small that its fallback depends on max x²).
 * Why it is exact: with every float32 square ≤ M, the float32 lane sums (≤ 128 terms) and the
 * float64 rest stay below n·M·(1 + 1e-5); so Σx² > n·2^-100·(1 + 2^-10) implies M ≥ 2^-100,
 * where finishGradStats keeps the sum as it is. Shared by every backend.
 * @example sumKernel(x, out, at); if (!sumIsFinal(x, out, at)) { fullKernel(x, out, at); finishGradStats(x, out, at); dropDetail(out, at); }
 */
export function sumIsFinal(x: TypedArray, out: Float64Array, at: number): boolean {
  const sum = out[at + GRAD_STATS_SUM_SQ] as number;
  if (!(sum < Infinity)) return false;
  if (x instanceof Float32Array && !(sum > x.length * TINY_BOUND)) return false;
  out[at + GRAD_STATS_NON_FINITE] = 0;
  dropDetail(out, at);
  return true;
}

/**
 * Writes NaN for max |x| and the zeros (what a sum-only gradStats pass leaves unmeasured).
 * @example dropDetail(out, at);
 */
export function dropDetail(out: Float64Array, at: number): void {
  out[at + GRAD_STATS_MAX_ABS] = NaN;
  out[at + GRAD_STATS_ZEROS] = NaN;
}

/** max |x| over the finite entries, the NaN/±Inf count, and Σx² in float64 when all are finite. */
function exactPass(x: TypedArray, out: Float64Array, at: number): void {
  let bad = 0;
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const g = x[i] as number;
    if (g - g !== 0)
      bad++; // NaN and ±Inf (x − x is NaN for both)
    else {
      const a = g < 0 ? -g : g;
      if (a > m) m = a;
    }
  }
  out[at + GRAD_STATS_NON_FINITE] = bad;
  out[at + GRAD_STATS_MAX_ABS] = m;
  if (bad === 0) out[at + GRAD_STATS_SUM_SQ] = sumSquaresF64(x);
}

/**
 * Arguments of Kernels.updateStats: a parameter p and its earlier value q (the monitor's
 * snapshot), same length and dtype; out[at … at + 2] = [Σp², Σ(p − q)², Σq²] (‖p‖, the update
 * ‖Δp‖ and ‖p_before‖ squared). Float32 data: the order of the float32 gradStats sums for each
 * (p − q rounded to float32), with a float64 fallback for a tensor whose float32 sums overflow
 * or come near the float32 subnormals (below 2^-100); every backend gives the same bits.
 * Float64 data: float64 sums.
 */
export interface UpdateStatsArgs {
  /** The parameter now. */
  readonly p: TypedArray;
  /** Its earlier value. */
  readonly q: TypedArray;
  /** Receives the three sums. */
  readonly out: Float64Array;
  /** First slot written. */
  readonly at: number;
}

/** Below this a float32 update-statistics sum is redone in float64 (see UpdateStatsArgs). */
const TINY_SUM = 2 ** -100;

/**
 * Σp², Σ(p − q)², Σq² in float64, two partial sums each (the float64 update statistics, and the
 * fallback of the float32 ones), written to out[at … at + 2].
 * @example updateSumsF64(p, q, out, 0);
 */
export function updateSumsF64(p: TypedArray, q: TypedArray, out: Float64Array, at: number): void {
  let p0 = 0;
  let p1 = 0;
  let u0 = 0;
  let u1 = 0;
  let b0 = 0;
  let b1 = 0;
  const n = p.length;
  const m = n - (n % 2);
  let i = 0;
  for (; i < m; i += 2) {
    const a = p[i] as number;
    const b = p[i + 1] as number;
    const qa = q[i] as number;
    const qb = q[i + 1] as number;
    p0 += a * a;
    p1 += b * b;
    const da = a - qa;
    const db = b - qb;
    u0 += da * da;
    u1 += db * db;
    b0 += qa * qa;
    b1 += qb * qb;
  }
  for (; i < n; i++) {
    const a = p[i] as number;
    const qa = q[i] as number;
    p0 += a * a;
    const da = a - qa;
    u0 += da * da;
    b0 += qa * qa;
  }
  out[at] = p0 + p1;
  out[at + 1] = u0 + u1;
  out[at + 2] = b0 + b1;
}

/**
 * Completes a backend's float32 update statistics: redoes them in float64 when a sum is not
 * finite or below 2^-100 (see UpdateStatsArgs). Shared by every backend.
 * @example kernel(p, q, out, at); finishUpdateStats(p, q, out, at);
 */
export function finishUpdateStats(
  p: TypedArray,
  q: TypedArray,
  out: Float64Array,
  at: number,
): void {
  if (needsFloat64UpdateSums(out, at)) updateSumsF64(p, q, out, at);
}

/**
 * Whether float32 update statistics at out[at … at + 2] must be redone in float64 (a sum not
 * finite, or in (0, 2^-100); see UpdateStatsArgs): the rule of {@link finishUpdateStats}, also
 * applied by the Adam kernel that measures its own update (AdamArgs.stats).
 * @example if (needsFloat64UpdateSums(out, 0)) updateSumsF64(p, q, out, 0);
 */
export function needsFloat64UpdateSums(out: Float64Array, at: number): boolean {
  for (let j = 0; j < 3; j++) {
    const s = out[at + j] as number;
    if (!(s < Infinity) || (s > 0 && s < TINY_SUM)) return true;
  }
  return false;
}
