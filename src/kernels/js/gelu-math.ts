import { expNonPositive } from './gate-math.js';

// The normal CDF Φ of the GELU kernels (kernels/js/gelu.ts), written with IEEE double operations
// only (+ − × ÷ and an exp), in an order that native/src/transformer_ops.c evaluates lane by
// lane: float32 GELU gives the same bits on every backend. The coefficients are near-minimax
// Chebyshev fits made and checked by scripts/fit-normal-cdf.py (worst relative error of Φ
// 5.7e-14 on [−37, 8] in double precision, with an exact e^(−x²/2)).
// The erf of numeric/normal-distribution.ts (a series with a data-dependent number of terms and
// a continued fraction) cannot be vectorised with the same bits; it stays the library's erf.

/** |x| up to which Φ(x) = ½ + x·P(x²). */
export const PHI_CENTRAL = 2;

/** P (degree 13 in s = x², Horner from the highest degree): Φ(x) = ½ + x·P(x²) on |x| ≤ 2. */
const P13 = -1.1606779311358433e-16;
const P12 = 6.30127480647449e-15;
const P11 = -1.9980460870692806e-13;
const P10 = 5.055861492246278e-12;
const P9 = -1.1283088889529666e-10;
const P8 = 2.2731201469848888e-9;
const P7 = -4.122601622240647e-8;
const P6 = 6.659686122475279e-7;
const P5 = -9.444655693847572e-6;
const P4 = 0.00011543468733518617;
const P3 = -0.0011873282153967084;
const P2 = 0.009973557010022772;
const P1 = -0.06649038006690465;
const P0 = 0.39894228040143265;

/**
 * G (degree 22 in t = 1/u, Horner from the highest degree): the upper tail
 * Q(u) = 1 − Φ(u) = e^(−u²/2)·t·G(t) for u > 2.
 */
export const PHI_TAIL: readonly number[] = [
  172584.30694876556, -1070584.8742650223, 3116696.1778598004, -5652868.4876273535,
  7147586.959759211, -6674331.297201576, 4750920.266152204, -2618270.4220977714, 1119729.713680856,
  -367109.4700213858, 89378.45734061503, -15248.337658766462, 1767.1992907187594,
  -239.00687372328034, 63.0209729992617, -1.4738980037449574, -5.903943531147803,
  -0.00334431823013429, 1.1969310259151398, -2.3323218905459365e-6, -0.39894224514988696,
  -3.205583905858049e-10, 0.39894228040275187,
];
const G = Float64Array.from(PHI_TAIL);
const GN = G.length;

/** 1/√(2π). */
export const INV_SQRT_2PI = 0.3989422804014327;

/**
 * ½ + x·P(x²), Φ(x) for |x| ≤ {@link PHI_CENTRAL}.
 * @example phiCentral(0) // 0.5
 */
export function phiCentral(x: number): number {
  const s = x * x;
  let p = P13;
  p = P12 + s * p;
  p = P11 + s * p;
  p = P10 + s * p;
  p = P9 + s * p;
  p = P8 + s * p;
  p = P7 + s * p;
  p = P6 + s * p;
  p = P5 + s * p;
  p = P4 + s * p;
  p = P3 + s * p;
  p = P2 + s * p;
  p = P1 + s * p;
  p = P0 + s * p;
  return 0.5 + x * p;
}

/**
 * Φ(x) for |x| > {@link PHI_CENTRAL} from e = e^(−x²/2) (computed by the caller, who may need it
 * for φ too): q = e·t·G(t) with t = 1/|x|, then 1 − q for x > 0 and q for x < 0.
 * @example phiTail(-3, Math.exp(-4.5)) // ≈ 0.0013498980316301
 */
export function phiTail(x: number, e: number): number {
  const u = x < 0 ? -x : x;
  const t = 1 / u;
  let g = G[0] as number;
  for (let i = 1; i < GN; i++) g = (G[i] as number) + t * g;
  const q = e * t * g;
  return x > 0 ? 1 - q : q;
}

/**
 * Φ(x) for a float32 result: {@link phiCentral} inside |x| ≤ 2, else {@link phiTail} with
 * e^(−x²/2) from gate-math's {@link expNonPositive} (0 past x² > 208: Φ rounds to 0 or 1 in
 * float32 long before). NaN for NaN.
 * @example normalCdfF32(1) // ≈ 0.8413447460685429
 */
export function normalCdfF32(x: number): number {
  if (x >= -PHI_CENTRAL && x <= PHI_CENTRAL) return phiCentral(x);
  return phiTail(x, expNonPositive(-(0.5 * x * x)));
}
