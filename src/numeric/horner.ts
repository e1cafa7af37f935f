import { ConfigError, fmt } from '../errors.js';

/**
 * Value and derivative of the polynomial c[0]·x^n + c[1]·x^(n−1) + … + c[n] (highest degree
 * first, as NumPy's polyval) in one Horner pass: p ← p·x + c[i], dp ← dp·x + p.
 * @example hornerWithDerivative([1, 0, -2], 3) // [7, 6] for x² − 2 at 3
 * @see W. G. Horner, "A new method of solving numerical equations of all orders", 1819
 */
export function hornerWithDerivative(coeffs: ArrayLike<number>, x: number): [number, number] {
  let p = 0;
  let dp = 0;
  for (let i = 0; i < coeffs.length; i++) {
    dp = dp * x + p;
    p = p * x + (coeffs[i] as number);
  }
  return [p, dp];
}

/** @internal Throws a ConfigError unless `coeffs` is a non-empty list of finite numbers. */
export function assertCoefficients(fn: string, coeffs: ArrayLike<number>): void {
  if (coeffs.length === 0)
    throw new ConfigError(`${fn}: coeffs must have at least one coefficient, got []`);
  for (let i = 0; i < coeffs.length; i++) {
    const v = coeffs[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new ConfigError(`${fn}: coeffs[${i}] must be a finite number, got ${fmt(v)}`);
    }
  }
}
