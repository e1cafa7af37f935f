import { describe, expect, it } from 'vitest';
import { normalCdf } from '../../numeric/normal-distribution.js';
import { PHI_CENTRAL, normalCdfF32, phiCentral, phiTail } from './gelu-math.js';

// Φ of the float32 GELU kernels is built from IEEE double operations only (so that the native
// kernels reproduce it bit for bit); here its accuracy. The values below are mpmath's ncdf at
// 30 digits (python3 -c "import mpmath as mp; mp.mp.dps = 30; print(mp.ncdf(-5))").
const MPMATH: readonly (readonly [number, number])[] = [
  [-30, 4.9067139271481871e-198],
  [-10, 7.6198530241605261e-24],
  [-5, 2.8665157187919391e-7],
  [-3.5, 0.00023262907903552504],
  [-3.25, 0.00057702504239076704],
  [-3, 0.0013498980316300945],
  [-2.75, 0.0029797632350545568],
  [-2.5, 0.0062096653257761352],
  [-2.25, 0.012224472655044703],
  [-2, 0.022750131948179207],
  [-1, 0.15865525393145705],
  [0.5, 0.6914624612740131],
  [1, 0.84134474606854295],
  [2, 0.97724986805182079],
  [2.25, 0.9877755273449553],
  [2.75, 0.99702023676494544],
  [3, 0.99865010196836991],
  [3.5, 0.99976737092096447],
  [6, 0.99999999901341235],
];

/** Φ in double precision from the same polynomials, with Math.exp (the float64 kernels' Φ). */
const phi64 = (x: number): number =>
  Math.abs(x) <= PHI_CENTRAL ? phiCentral(x) : phiTail(x, Math.exp(-(0.5 * x * x)));

describe('gelu-math (Φ of the GELU kernels)', () => {
  it('matches mpmath within 1e-13 relative, deep into the lower tail', () => {
    for (const [x, ref] of MPMATH) {
      expect(Math.abs(phi64(x) - ref) / ref, `Φ(${x})`).toBeLessThan(1e-13);
      if (x > -14) expect(Math.abs(normalCdfF32(x) - ref) / ref, `Φ32(${x})`).toBeLessThan(1e-13);
    }
  });

  // Except on x ∈ (−3.6, −2), where the library's erfc is 1 − erf(|x|/√2) by a series and loses
  // up to ~2e-12 to cancellation (Φ(−3.4804): this 2.5033284282586e-4, mpmath …86472, the
  // library …53848); the mpmath points above cover that stretch.
  it('agrees with the library normal CDF (erfc) within 5e-13 relative on a dense grid (both errors: this Φ 5.7e-14 against mpmath, the rest the library’s)', () => {
    let worst = 0;
    for (let i = 0; i <= 100_000; i++) {
      const x = -37 + (45 * i) / 100_000; // [−37, 8]
      if (x > -3.6 && x < -2) continue;
      const ref = normalCdf(x);
      worst = Math.max(worst, Math.abs(phi64(x) - ref) / ref);
      if (x > -14.4) worst = Math.max(worst, Math.abs(normalCdfF32(x) - ref) / ref);
    }
    expect(worst).toBeLessThan(5e-13);
  });

  it('limits: 0 and 1 at ∓∞, ½ at 0, NaN for NaN; the float32 Φ is 0 where e^(−x²/2) < 2^−150', () => {
    expect(normalCdfF32(0)).toBe(0.5);
    expect(normalCdfF32(Infinity)).toBe(1);
    expect(normalCdfF32(-Infinity)).toBe(0);
    expect(normalCdfF32(Number.NaN)).toBeNaN();
    expect(normalCdfF32(-14.5)).toBe(0);
    expect(phi64(-38)).toBeGreaterThan(0);
  });
});
