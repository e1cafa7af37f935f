import { describe, expect, it } from 'vitest';
import { orthogonal } from '../../init/orthogonal.js';
import { Rng } from '../../tensor/rng.js';
import { spectralRadius } from './spectral-radius.js';

/** Q·S·Qᵀ for a random orthogonal Q: a non-symmetric matrix with the eigenvalues of S. */
function similar(s: Float64Array, n: number, seed: number): Float64Array {
  const q = orthogonal([n, n], new Rng(seed), { dtype: 'float64' });
  const qs = new Float64Array(n * n);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++)
      for (let j = 0; j < n; j++)
        qs[i * n + j] =
          (qs[i * n + j] as number) + (q[i * n + k] as number) * (s[k * n + j] as number);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++)
      for (let j = 0; j < n; j++)
        out[i * n + j] =
          (out[i * n + j] as number) + (qs[i * n + k] as number) * (q[j * n + k] as number);
  return out;
}

describe('spectralRadius', () => {
  it('a complex dominant pair (real Schur block) with a non-normal upper triangle', () => {
    // S: block [[0.3, 1.2], [−1.2, 0.3]] (eigenvalues 0.3 ± 1.2i, |λ| = √1.53) then 1.1, −0.9, 0.5
    // on the diagonal, arbitrary entries above it: the spectrum is the blocks' eigenvalues.
    const n = 5;
    const s = new Float64Array(n * n);
    s.set([0.3, 1.2, 0.7, -2, 3], 0);
    s.set([-1.2, 0.3, 1, 0.5, -1], 5);
    s.set([0, 0, 1.1, 4, 2], 10);
    s.set([0, 0, 0, -0.9, 1.5], 15);
    s.set([0, 0, 0, 0, 0.5], 20);
    expect(spectralRadius(similar(s, n, 1), n)).toBeCloseTo(Math.sqrt(1.53), 10);
  });

  it('a real dominant eigenvalue of either sign, and a nilpotent matrix', () => {
    const n = 3;
    const s = new Float64Array([-2.5, 1, 7, 0, 2.4, -3, 0, 0, 0.1]);
    expect(spectralRadius(similar(s, n, 2), n)).toBeCloseTo(2.5, 10);
    expect(spectralRadius(new Float64Array([0, 1, 0, 0]), 2)).toBe(0);
  });
});
