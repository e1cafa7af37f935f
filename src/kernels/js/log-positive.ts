// ln x written with IEEE double operations only (+ − × ÷ and exact bit moves of the exponent), for
// the float32 softmax cross-entropy kernels: the native kernel (native/src/losses.c) evaluates the
// same operations in the same order and gets the same bits; V8's Math.log (an fdlibm port) cannot
// be reproduced that way. The companion e^x is gate-math.ts's expNonPositive.

/** ln 2 split in two (fdlibm's ln2HI/ln2LO): e·LN2_HI is exact for |e| < 2²⁰. */
const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
/** √2: the mantissa is reduced to [√2/2, √2]. */
const SQRT2 = 1.4142135623730951;
/** 2⁵⁴: scales a subnormal argument into the normal range (exact). */
const TWO54 = 18014398509481984;
/** 1/(2n + 1) for n = 1…11: ln f = 2u·Σ u²ⁿ/(2n + 1), u = (f − 1)/(f + 1), |u| ≤ 0.1716. */
const L3 = 1 / 3;
const L5 = 1 / 5;
const L7 = 1 / 7;
const L9 = 1 / 9;
const L11 = 1 / 11;
const L13 = 1 / 13;
const L15 = 1 / 15;
const L17 = 1 / 17;
const L19 = 1 / 19;
const L21 = 1 / 21;
const L23 = 1 / 23;

// The exponent bits, through a fixed byte order (DataView: big-endian by default).
const bitsView = new DataView(new ArrayBuffer(8));

/**
 * ln x for x ≥ 0 with a relative error below 1e-15 (checked against Math.log in
 * log-positive.test.ts); 0 → −∞, +∞ → +∞, NaN and x < 0 → NaN. x = 2^e·f with f in [√2/2, √2],
 * then ln f = 2·atanh((f − 1)/(f + 1)) by its odd series to u²³ (Horner), and
 * ln x = e·ln2_hi + (e·ln2_lo + ln f).
 * @example logPositive(Math.E) // ≈ 1
 * @see W. J. Cody, W. Waite, "Software Manual for the Elementary Functions", 1980 (the reduction).
 */
export function logPositive(x: number): number {
  if (!(x > 0 && x < Infinity)) return x === 0 ? -Infinity : x === Infinity ? x : NaN;
  let e = 0;
  let v = x;
  if (v < 2.2250738585072014e-308) {
    v *= TWO54;
    e = -54;
  }
  bitsView.setFloat64(0, v);
  const hi = bitsView.getUint32(0);
  e += (hi >>> 20) - 1023;
  bitsView.setUint32(0, (hi & 0xfffff) | 0x3ff00000);
  let f = bitsView.getFloat64(0); // in [1, 2)
  if (f > SQRT2) {
    f /= 2;
    e += 1;
  }
  const u = (f - 1) / (f + 1);
  const u2 = u * u;
  const q =
    L3 +
    u2 *
      (L5 +
        u2 *
          (L7 +
            u2 * (L9 + u2 * (L11 + u2 * (L13 + u2 * (L15 + u2 * (L17 + u2 * (L19 + u2 * (L21 + u2 * L23)))))))));
  const lnf = 2 * u + 2 * u * (u2 * q);
  return e * LN2_HI + (e * LN2_LO + lnf);
}
