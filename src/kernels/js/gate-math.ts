import { TANH_EDGE, tanhF32 } from './tanh.js';

// The activations of the float32 LSTM/GRU gate kernels (kernels/js/rnn-gates.ts), written with
// IEEE double operations only (+ − × ÷, floor, an exact power of two): the WebAssembly kernels
// (wasm/assembly/gates.ts) and the native ones (native/src/rnn_gates.c) evaluate the same
// operations in the same order, lane by lane, so every backend gives the same float32 bits. The
// JS engine's Math.exp and Math.tanh cannot be reproduced that way (V8's are fdlibm ports with
// their own tables), hence this exp. float64 gate steps keep Math.exp and Math.tanh.

/** log₂ e. */
const LOG2E = 1.4426950408889634;
/** ln 2 split in two (fdlibm's ln2HI/ln2LO): k·LN2_HI is exact for |k| < 2²⁰. */
const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
/** Below it e^x rounds to 0 in float32 (e^−104 < 2^−150, half the smallest subnormal). */
export const EXP_FLOOR = -104;
/** 1/n! for n = 2…11 (the Taylor series of e^r, |r| ≤ ln2/2: truncation error < 6e-15). */
const C2 = 0.5;
const C3 = 0.16666666666666666;
const C4 = 0.041666666666666664;
const C5 = 0.008333333333333333;
const C6 = 0.001388888888888889;
const C7 = 0.0001984126984126984;
const C8 = 0.0000248015873015873;
const C9 = 0.0000027557319223985893;
const C10 = 2.755731922398589e-7;
const C11 = 2.505210838544172e-8;
/** 2^k for k = −150…0 (exact). */
const POW2 = Float64Array.from({ length: 151 }, (_, i) => 2 ** (i - 150));

/**
 * e^x for x ≤ 0 (or NaN), for results that are rounded to float32: relative error below 1e-14
 * (checked against Math.exp in gate-math.test.ts), 0 below {@link EXP_FLOOR}, NaN for NaN.
 * Cody–Waite reduction x = k·ln2 + r, |r| ≤ ln2/2, then the degree-11 Taylor polynomial of e^r
 * by Horner's rule, scaled by the exact 2^k.
 * @example expNonPositive(-1) // ≈ 0.36787944117144233
 * @see W. J. Cody, W. Waite, "Software Manual for the Elementary Functions", 1980 (the reduction).
 */
export function expNonPositive(x: number): number {
  if (!(x >= EXP_FLOOR)) return x < EXP_FLOOR ? 0 : x; // −∞ and tiny → 0; NaN stays NaN
  const k = Math.floor(x * LOG2E + 0.5);
  const r = x - k * LN2_HI - k * LN2_LO;
  // Estrin's scheme (pairs, then r², r⁴, r⁸): a short dependency chain, the same tree everywhere.
  const r2 = r * r;
  const r4 = r2 * r2;
  const p01 = 1 + r;
  const p23 = C2 + C3 * r;
  const p45 = C4 + C5 * r;
  const p67 = C6 + C7 * r;
  const p89 = C8 + C9 * r;
  const pab = C10 + C11 * r;
  const p03 = p01 + p23 * r2;
  const p47 = p45 + p67 * r2;
  const p8b = p89 + pab * r2;
  const p = p03 + (p47 + p8b * r4) * r4;
  return p * (POW2[k + 150] as number);
}

/**
 * σ(v) = 1/(1 + e^−v) for a float32 result, with one {@link expNonPositive} of −|v|:
 * 1/(1 + e) for v ≥ 0, e/(1 + e) below (no overflow, no cancellation). NaN for NaN.
 * @example sigmoidF32(0) // 0.5
 */
export function sigmoidF32(v: number): number {
  const e = expNonPositive(-Math.abs(v));
  return v >= 0 ? 1 / (1 + e) : e / (1 + e);
}

/**
 * tanh x for a float32 result in the gate kernels: {@link tanhF32} (the rational fit) inside
 * |x| ≤ TANH_EDGE, and (1 − e)/(1 + e) with e = e^−2|x| (signed) outside, where tanhF32 would
 * call Math.tanh: within a float32 ulp of Math.tanh there, and reproducible by the wasm and
 * native kernels. (The tanh RNN keeps tanhF32's Math.tanh tail: its bits are unchanged.)
 * @example tanhGateF32(10) // 1 after rounding to float32
 */
export function tanhGateF32(x: number): number {
  return x > TANH_EDGE || x < -TANH_EDGE ? tanhTail(x) : tanhF32(x);
}

/** tanh x for |x| > TANH_EDGE: (1 − e)/(1 + e), e = e^−2|x|, with x's sign. */
function tanhTail(x: number): number {
  const e = expNonPositive(-2 * Math.abs(x));
  const t = (1 - e) / (1 + e);
  return x > 0 ? t : -t;
}
