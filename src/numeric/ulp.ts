import { ConfigError, fmt } from '../errors.js';

const view = new DataView(new ArrayBuffer(8));
const SIGN_MASK = 0x7fffffffffffffffn;

/** Maps a double to an integer whose order matches the order of the doubles (−0 and +0 both map to 0). */
function orderedBits(x: number): bigint {
  view.setFloat64(0, x);
  const bits = view.getBigInt64(0);
  return bits < 0n ? -(bits & SIGN_MASK) : bits;
}

/**
 * Number of representable doubles between `a` and `b` (0 when equal, 1 for neighbours); the
 * measure behind "within 2 ulp". NaN gives NaN.
 *
 * It counts steps on the number line, so it works across powers of two and through zero.
 * @example ulpDistance(1, 1 + Number.EPSILON) // 1
 */
export function ulpDistance(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  const d = orderedBits(a) - orderedBits(b);
  return Number(d < 0n ? -d : d);
}

/**
 * The unit in the last place of `x`: the gap between |x| and the next larger double.
 * @example ulp(1) // 2.220446049250313e-16 (Number.EPSILON)
 */
export function ulp(x: number): number {
  if (!Number.isFinite(x)) throw new ConfigError(`ulp: x must be finite, got ${fmt(x)}`);
  const a = Math.abs(x);
  view.setFloat64(0, a);
  view.setBigInt64(0, view.getBigInt64(0) + 1n);
  return view.getFloat64(0) - a;
}
