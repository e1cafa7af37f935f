import { describe, expect, it } from 'vitest';
import { erf, erfc, normalCdf, normalQuantile } from './normal-distribution.js';

// Reference values from standard tables (Abramowitz & Stegun; DLMF 7.x), quoted to 16 digits.
describe('erf / erfc / normal quantile', () => {
  it('matches tabulated values', () => {
    expect(erf(1)).toBeCloseTo(0.8427007929497149, 15);
    expect(erf(-0.5)).toBeCloseTo(-0.5204998778130465, 15);
    expect(erfc(3) / 2.209049699858544e-5).toBeCloseTo(1, 13);
    expect(erfc(10) / 2.088487583762545e-45).toBeCloseTo(1, 12);
    expect(normalCdf(2)).toBeCloseTo(0.9772498680518208, 15);
    // upper-tail Q(5) = 2.866515718791939e-7, lower tail Φ(−5) the same
    expect(normalCdf(-5) / 2.866515718791939e-7).toBeCloseTo(1, 12);
  });

  it('quantile inverts the CDF', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 14);
    expect(normalQuantile(0.5)).toBe(0);
    for (const p of [1e-300, 1e-12, 0.01, 0.3, 0.7, 0.99, 1 - 1e-12]) {
      const x = normalQuantile(p);
      const back = p < 0.5 ? normalCdf(x) / p : (1 - normalCdf(x)) / (1 - p);
      expect(back).toBeCloseTo(1, p > 0.999 ? 3 : 10);
    }
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(1.5)).toBeNaN();
  });
});
