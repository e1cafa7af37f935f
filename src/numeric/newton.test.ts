import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { hornerWithDerivative } from './horner.js';
import { newton, newtonFdf, newtonPolynomial } from './newton.js';

describe('newton', () => {
  it('x² − 2 from 1 converges to √2 quadratically: |e_{k+1}|/|e_k|² → f″/(2f′) = 1/(2√2)', () => {
    const r = newtonPolynomial([1, 0, -2], 1, { root: Math.SQRT2 });
    expect(r.status).toBe('converged');
    expect(Math.abs(r.x - Math.SQRT2)).toBeLessThanOrEqual(2.3e-16);
    // e1 = 1.5 − √2, e0 = 1 − √2: e1/e0² = (3/2 − √2)/(3 − 2√2) = 1/2 exactly.
    expect(r.errorRatios[0]).toBeCloseTo(0.5, 12);
    const last = r.errorRatios[r.errorRatios.length - 1] as number;
    expect(Math.abs(last - 1 / (2 * Math.SQRT2))).toBeLessThan(1e-3);
    expect(r.iterations).toBeLessThanOrEqual(7);
  });

  it('without a known root the errors are measured against the converged iterate', () => {
    const r = newton(
      (x) => Math.cos(x) - x,
      (x) => -Math.sin(x) - 1,
      1,
    );
    expect(r.status).toBe('converged');
    // Dottie number, the fixed point of cos: 0.739085133215160641655...
    expect(Math.abs(r.x - 0.7390851332151607)).toBeLessThan(1e-15);
    // f″/(2f′) at r: −cos r / (2(−sin r − 1)) = 0.7390851 / (2·1.6736120) = 0.2208053
    expect(r.errorRatios.length).toBeGreaterThan(1);
    expect(Math.abs((r.errorRatios[r.errorRatios.length - 1] as number) - 0.2208053)).toBeLessThan(
      2e-2,
    );
  });

  it('cycle: x³ − 2x + 2 from 0 alternates 0 → 1 → 0', () => {
    // f(0) = 2, f′(0) = −2 → x1 = 1; f(1) = 1, f′(1) = 1 → x2 = 0.
    const r = newtonPolynomial([1, 0, -2, 2], 0);
    expect(r.status).toBe('cycle');
    expect(r.period).toBe(2);
    expect(r.iterates).toEqual([0, 1, 0]);
  });

  it('divergence: atan(x) from x0 = 2 overshoots further every step', () => {
    const r = newton(Math.atan, (x) => 1 / (1 + x * x), 2);
    expect(r.status).toBe('diverged');
    // the first step: 2 − atan(2)·(1 + 4) = −3.5357435889704525
    expect(r.iterates[1]).toBeCloseTo(2 - Math.atan(2) * 5, 14);
    const abs = r.iterates.map(Math.abs);
    for (let i = 1; i < abs.length; i++) expect(abs[i]).toBeGreaterThan(abs[i - 1] as number);
  });

  it('atan from 1 (inside the basin |x0| < 1.39) converges to 0', () => {
    expect(newton(Math.atan, (x) => 1 / (1 + x * x), 1).status).toBe('converged');
  });

  it('zero derivative: x² − 1 at 0', () => {
    const r = newtonPolynomial([1, 0, -1], 0);
    expect(r.status).toBe('zeroDerivative');
    expect(r.iterations).toBe(0);
  });

  it('maxAbs and non-finite values report divergence', () => {
    expect(newton(Math.atan, (x) => 1 / (1 + x * x), 2, { maxAbs: 100 }).status).toBe('diverged');
    expect(
      newton(
        () => NaN,
        () => 1,
        0,
      ).status,
    ).toBe('diverged');
  });

  it('triple root (x − 1)³: only linear convergence, |e_{k+1}|/|e_k| = 2/3', () => {
    // For f = (x − 1)^m Newton gives e_{k+1} = e_k·(m − 1)/m exactly in exact arithmetic.
    const r = newtonPolynomial([1, -3, 3, -1], 2, { root: 1, maxIter: 8 });
    expect(r.status).toBe('maxIter');
    for (let k = 0; k < 6; k++) {
      expect((r.errors[k + 1] as number) / (r.errors[k] as number)).toBeCloseTo(2 / 3, 6);
    }
  });

  it('accepts a combined value-and-derivative callback (the autodiff form)', () => {
    const r = newtonFdf((x) => [Math.exp(x) - 2, Math.exp(x)], 0);
    expect(r.status).toBe('converged');
    expect(Math.abs(r.x - Math.LN2)).toBeLessThan(1e-15);
  });

  it('validates options', () => {
    expect(() => newton(Math.sin, Math.cos, 1, { tol: -1 })).toThrow(ConfigError);
    expect(() => newton(Math.sin, Math.cos, 1, { maxIter: 2.5 })).toThrow(
      /maxIter must be a positive integer, got 2.5/,
    );
    expect(() => newton(Math.sin, Math.cos, NaN)).toThrow(/x0 must be a finite number/);
    expect(() => newtonPolynomial([], 0)).toThrow(/coeffs must have at least one coefficient/);
  });
});

describe('hornerWithDerivative', () => {
  it('agrees with the expanded polynomial and its derivative', () => {
    // p = 2x³ − 3x² + 4x − 5, p′ = 6x² − 6x + 4; at x = 1.5: p = 6.75 − 6.75 + 6 − 5 = 1, p′ = 13.5 − 9 + 4 = 8.5
    expect(hornerWithDerivative([2, -3, 4, -5], 1.5)).toEqual([1, 8.5]);
    expect(hornerWithDerivative([7], 3)).toEqual([7, 0]);
  });
});
