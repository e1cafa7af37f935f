import { ConfigError, fmt } from '../errors.js';
import { exponentOf, scaleByPow2 } from './pow2.js';
import { twoProductError } from './two-product.js';

/** A complex number re + i·im. */
export interface Complex {
  /** Real part. */
  re: number;
  /** Imaginary part. */
  im: number;
}

/**
 * Roots of a·x² + b·x + c, tagged by what kind of equation it turned out to be:
 * - `real`: two real roots, ascending (a double root appears twice);
 * - `complex`: a conjugate pair, [re − i·im, re + i·im] with im > 0;
 * - `linear`: a = 0, b ≠ 0: the single root −c/b;
 * - `none`: a = b = 0, c ≠ 0: no x satisfies c = 0 (not an exception: the caller asked a valid
 *   question whose answer is "no root");
 * - `all`: a = b = c = 0: every x is a root.
 */
export type QuadraticRoots =
  | { kind: 'real'; roots: [number, number] }
  | { kind: 'complex'; roots: [Complex, Complex] }
  | { kind: 'linear'; roots: [number] }
  | { kind: 'none'; roots: [] }
  | { kind: 'all'; roots: [] };

function assertFiniteCoefficients(fn: string, a: number, b: number, c: number): void {
  for (const [name, v] of [
    ['a', a],
    ['b', b],
    ['c', c],
  ] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new ConfigError(`${fn}: coefficient ${name} must be a finite number, got ${fmt(v)}`);
    }
  }
}

/** The degenerate cases shared by the stable and the naive solver; null when a ≠ 0 and c ≠ 0. */
function degenerate(a: number, b: number, c: number): QuadraticRoots | null {
  if (a === 0) {
    if (b === 0) return c === 0 ? { kind: 'all', roots: [] } : { kind: 'none', roots: [] };
    return { kind: 'linear', roots: [-c / b] };
  }
  if (c === 0) {
    // x·(a·x + b) = 0: both roots are exact without any discriminant.
    const r = -b / a;
    return { kind: 'real', roots: r < 0 ? [r, 0] : [0, r] };
  }
  return null;
}

function sorted(x1: number, x2: number): [number, number] {
  return x1 <= x2 ? [x1, x2] : [x2, x1];
}

/**
 * The scaled problem. Every scale is a power of two, so scaling is exact and never rounds:
 * m = 2^km ≥ max(|b|, 2√|ac|) (found from exponents alone, so nothing can overflow), B = b/m,
 * and a, c rescaled by complementary powers of two (A·C = ac/m² with |A| ≈ |C| ≤ ~1), which keeps
 * Dekker's split products away from overflow and underflow. D = B² − 4AC = (b² − 4ac)/m² is then
 * evaluated with exact products (Kahan's trick, with Dekker's product in place of fma): |D| ≤ ~2
 * and its only rounding errors are in the final two additions.
 */
interface Scaled {
  /** log2 of m. */
  km: number;
  /** b/m. */
  B: number;
  /** (b² − 4ac)/m². */
  d: number;
  /** a = aBar · 2^ea with 1 ≤ |aBar| < 2 (roughly). */
  aBar: number;
  ea: number;
  cBar: number;
  ec: number;
}

function scaledDiscriminant(a: number, b: number, c: number): Scaled {
  const ea = exponentOf(a);
  const ec = exponentOf(c);
  // 2√|ac| < 2^(1 + (ea + ec + 2)/2); one extra power of two absorbs log2's rounding.
  const eg = 2 + Math.ceil((ea + ec) / 2);
  const km = b === 0 ? eg : Math.max(exponentOf(b) + 1, eg);
  const t = Math.round((ec - ea) / 2);
  const B = scaleByPow2(b, -km);
  const A4 = 4 * scaleByPow2(a, -km + t);
  const C = scaleByPow2(c, -km - t);
  const p = B * B;
  const q = A4 * C;
  const d = p - q + (twoProductError(B, B, p) - twoProductError(A4, C, q));
  return { km, B, d, aBar: scaleByPow2(a, -ea), ea, cBar: scaleByPow2(c, -ec), ec };
}

/**
 * The discriminant b² − 4ac, computed without overflow in the intermediate b² and with exact
 * products, so it is accurate to a few ulp even when b² ≈ 4ac (where the naive formula loses
 * every digit). The result itself overflows to ±Infinity only if b² − 4ac is not representable.
 * @example discriminant(1, -4, 3.9999999) // ≈ 4e-7, correct to ~1 ulp
 * @see W. Kahan, "On the Cost of Floating-Point Computation Without Extra-Precise Arithmetic", 2004
 */
export function discriminant(a: number, b: number, c: number): number {
  assertFiniteCoefficients('discriminant', a, b, c);
  if (a === 0 || c === 0) return b * b;
  const s = scaledDiscriminant(a, b, c);
  return scaleByPow2(s.d, 2 * s.km);
}

/**
 * Roots of a·x² + b·x + c = 0 without cancellation or overflow:
 * q = −½(b + sgn(b)·√(b² − 4ac)), x1 = q/a, x2 = c/q, with sgn(0) = +1, evaluated on
 * coefficients scaled by powers of two chosen from their exponents (exact, and b² cannot overflow
 * or underflow: the coefficients may range over the whole double exponent range).
 * b and sgn(b)√D have the same sign, so q never suffers cancellation; the small root comes from
 * c/q instead of from the difference −b + √D. The discriminant uses exact products (see
 * {@link discriminant}), so both roots are within ~2 ulp of the exact roots of the given
 * (double) coefficients whenever those roots are normal numbers.
 * Degenerate inputs are answered, not thrown: a = 0 → `linear`; a = b = 0 → `none` (c ≠ 0) or
 * `all` (c = 0). Non-finite coefficients throw a ConfigError.
 * @example quadraticRoots(1, 1e8, 1) // { kind: 'real', roots: [-99999999.99999999, -1.0000000000000001e-8] }
 * @example quadraticRoots(1, 2, 5) // { kind: 'complex', roots: [{re: -1, im: -2}, {re: -1, im: 2}] }
 * @see Press et al., Numerical Recipes, 3rd ed., §5.6 "Quadratic and Cubic Equations"
 * @see N. J. Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., §1.8
 */
export function quadraticRoots(a: number, b: number, c: number): QuadraticRoots {
  assertFiniteCoefficients('quadraticRoots', a, b, c);
  const special = degenerate(a, b, c);
  if (special) return special;
  const s = scaledDiscriminant(a, b, c);
  if (s.d >= 0) {
    // q/m, with |q/m| ≥ ~1/4: the root with the larger magnitude is q/a, the other c/q.
    const r = Math.sqrt(s.d);
    const qs = -0.5 * (s.B + (s.B >= 0 ? r : -r));
    const x1 = scaleByPow2(qs / s.aBar, s.km - s.ea);
    const x2 = scaleByPow2(s.cBar / qs, s.ec - s.km);
    return { kind: 'real', roots: sorted(x1, x2) };
  }
  const re = scaleByPow2(-s.B / (2 * s.aBar), s.km - s.ea);
  const im = Math.abs(scaleByPow2(Math.sqrt(-s.d) / (2 * s.aBar), s.km - s.ea));
  return {
    kind: 'complex',
    roots: [
      { re, im: -im },
      { re, im },
    ],
  };
}

/**
 * The textbook formula x = (−b ± √(b² − 4ac)) / (2a), evaluated as written — kept only to show
 * what goes wrong: when b² ≫ 4ac the root −b + √D cancels catastrophically (for a = 1, b = 1e8,
 * c = 1 it returns −7.450580596923828e-9 instead of −1.0000000000000001e-8), and b² overflows for
 * |b| > ~1.3e154. Same result type and degenerate cases as {@link quadraticRoots}.
 * @example naiveQuadraticRoots(1, 1e8, 1).roots[1] // -7.450580596923828e-9 (25% wrong)
 * @see Forsythe, "How do you solve a quadratic equation?", Stanford TR CS-40, 1966
 */
export function naiveQuadraticRoots(a: number, b: number, c: number): QuadraticRoots {
  assertFiniteCoefficients('naiveQuadraticRoots', a, b, c);
  const special = degenerate(a, b, c);
  if (special) return special;
  const d = b * b - 4 * a * c;
  if (d >= 0) {
    const r = Math.sqrt(d);
    return { kind: 'real', roots: sorted((-b - r) / (2 * a), (-b + r) / (2 * a)) };
  }
  const re = -b / (2 * a);
  const im = Math.abs(Math.sqrt(-d) / (2 * a));
  return {
    kind: 'complex',
    roots: [
      { re, im: -im },
      { re, im },
    ],
  };
}
