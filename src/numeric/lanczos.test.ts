import { describe, expect, it } from 'vitest';
import { Rng } from '../tensor/rng.js';
import { lanczos, type MatVec } from './lanczos.js';

/**
 * A = H₁H₂·diag(λ)·H₂H₁ with Householder reflections Hᵢ = I − 2uᵢuᵢᵀ (orthogonal and symmetric),
 * so A is symmetric with exactly the eigenvalues λ and dense eigenvectors.
 */
function knownSpectrum(lambda: readonly number[], seed: number): MatVec {
  const n = lambda.length;
  const rng = new Rng(seed);
  const us = [0, 1].map(() => {
    const u = new Float64Array(n);
    rng.fillNormal(u);
    const s = Math.hypot(...u);
    return u.map((x) => x / s);
  });
  const reflect = (u: Float64Array, x: Float64Array): void => {
    let c = 0;
    for (let i = 0; i < n; i++) c += (u[i] as number) * (x[i] as number);
    for (let i = 0; i < n; i++) x[i] = (x[i] as number) - 2 * c * (u[i] as number);
  };
  const [u1, u2] = us as [Float64Array, Float64Array];
  return (x, y) => {
    y.set(x);
    reflect(u1, y);
    reflect(u2, y);
    for (let i = 0; i < n; i++) y[i] = (y[i] as number) * (lambda[i] as number);
    reflect(u2, y);
    reflect(u1, y);
  };
}

function randomStart(n: number, seed: number): Float64Array {
  const v = new Float64Array(n);
  new Rng(seed).fillNormal(v);
  return v;
}

describe('lanczos', () => {
  // Spectrum: two separated eigenvalues at each end and a bulk in [−1, 1].
  const n = 200;
  const rng = new Rng(7);
  const lambda = Array.from({ length: n }, () => rng.uniform(-1, 1));
  lambda[3] = 100;
  lambda[10] = 50;
  lambda[50] = -80;
  lambda[120] = -40;
  const A = knownSpectrum(lambda, 1);

  it('finds the top-2 and bottom-2 eigenvalues of a known spectrum to ~1e-10 relative', () => {
    const r = lanczos(A, randomStart(n, 0), { k: 2, vectors: true });
    expect(r.converged).toBe(true);
    expect(r.matvecs).toBeLessThan(60);
    const big = r.largest.map((p) => p.value);
    const small = r.smallest.map((p) => p.value);
    [100, 50].forEach((l, i) => expect(Math.abs((big[i] as number) - l)).toBeLessThan(1e-8));
    [-80, -40].forEach((l, i) => expect(Math.abs((small[i] as number) - l)).toBeLessThan(1e-8));
    // The reported residual is β_m|s_m|; check it against ‖Ay − θy‖ measured directly.
    const y = new Float64Array(n);
    for (const p of [...r.largest, ...r.smallest]) {
      const v = p.vector as Float64Array;
      A(v, y);
      let res = 0;
      for (let i = 0; i < n; i++) res += ((y[i] as number) - p.value * (v[i] as number)) ** 2;
      expect(Math.sqrt(res)).toBeLessThan(p.residual + 1e-9);
      expect(p.residual).toBeLessThan(1e-8);
      // Bauer–Fike: an eigenvalue lies within the residual of θ.
      const dist = Math.min(...lambda.map((l) => Math.abs(l - p.value)));
      expect(dist).toBeLessThanOrEqual(p.residual + 1e-12);
    }
  });

  it('which selects one end; a small Krylov budget reports large residuals honestly', () => {
    const top = lanczos(A, randomStart(n, 0), { which: 'largest' });
    expect(top.smallest).toEqual([]);
    expect(Math.abs((top.largest[0] as { value: number }).value - 100)).toBeLessThan(1e-8);
    const r = lanczos(A, randomStart(n, 0), { which: 'smallest', k: 1, iterations: 3, tol: 0 });
    expect(r.matvecs).toBe(3);
    expect(r.converged).toBe(false);
    const p = r.smallest[0] as { value: number; residual: number };
    // The Ritz value is not yet −80, but the residual bound still holds.
    expect(Math.abs(p.value + 80)).toBeLessThanOrEqual(p.residual);
    expect(p.residual).toBeGreaterThan(1e-3);
    expect(r.largest).toEqual([]);
  });

  it('stops on an invariant Krylov space with exact eigenvalues (start in a 2-d eigenspace)', () => {
    const D: MatVec = (x, y) => {
      for (let i = 0; i < x.length; i++) y[i] = (i + 1) * (x[i] as number);
    };
    const s = new Float64Array(10);
    s[2] = 1;
    s[7] = 2;
    const r = lanczos(D, s, { k: 1 });
    expect(r.matvecs).toBe(2);
    expect(r.converged).toBe(true);
    expect((r.largest[0] as { value: number }).value).toBeCloseTo(8, 13);
    expect((r.smallest[0] as { value: number }).value).toBeCloseTo(3, 13);
  });

  it('full Krylov space (m = n) gives every eigenvalue of a small matrix', () => {
    const lam = [3, -2, 0.5, 7, 1];
    const r = lanczos(knownSpectrum(lam, 3), randomStart(5, 1), { k: 5, which: 'largest' });
    expect(r.matvecs).toBe(5);
    const got = r.largest.map((p) => p.value);
    [7, 3, 1, 0.5, -2].forEach((l, i) => expect(got[i]).toBeCloseTo(l, 12));
  });

  it('is deterministic: the same start gives the same bits', () => {
    const a = lanczos(A, randomStart(n, 5), { k: 2 });
    const b = lanczos(A, randomStart(n, 5), { k: 2 });
    expect(b).toEqual(a);
  });

  it('rejects bad arguments with a message naming them', () => {
    const s = randomStart(4, 0);
    const I: MatVec = (x, y) => y.set(x);
    expect(() => lanczos(I, s, { k: 0 })).toThrow(/k = 0 is invalid/);
    expect(() => lanczos(I, s, { k: 5 })).toThrow(
      /k = 5 is invalid; expected an integer in \[1, 4\]/,
    );
    // @ts-expect-error -- testing a bad value
    expect(() => lanczos(I, s, { which: 'middle' })).toThrow(/which = "middle"/);
    expect(() => lanczos(I, new Float64Array(4))).toThrow(/start has norm 0/);
    expect(() => lanczos(I, s, { iterations: 0 })).toThrow(/iterations = 0/);
  });
});
