import { describe, expect, it } from 'vitest';
import { newtonDirection, type NewtonDirectionOptions } from './newton-cg-direction.js';

/** H = diag(h) as a matvec. */
function diag(h: number[]): (v: Float64Array, o: Float64Array) => void {
  return (v, o) => {
    for (let i = 0; i < h.length; i++) o[i] = (h[i] as number) * (v[i] as number);
  };
}

function dir(h: number[], g: number[], o: Partial<NewtonDirectionOptions>): number[] {
  const out = new Float64Array(g.length);
  newtonDirection(diag(h), Float64Array.from(g), out, {
    mode: 'newton',
    damping: 0,
    iterations: 20,
    tol: 1e-14,
    ...o,
  });
  return Array.from(out);
}

describe('newtonDirection', () => {
  // f = x² − y² at (x, y): g = (2x, −2y), H = diag(2, −2).
  const x = 0.7;
  const y = -0.3;
  const g = [2 * x, -2 * y];
  it("'newton' is −H⁻¹g: from (x, y) straight to the saddle (0, 0)", () => {
    const d = dir([2, -2], g, { mode: 'newton' });
    expect(d[0]).toBeCloseTo(-x, 14);
    expect(d[1]).toBeCloseTo(-y, 14);
  });
  it("'saddleFree' is −|H|⁻¹g: x to 0, y doubled (away from the saddle)", () => {
    const d = dir([2, -2], g, { mode: 'saddleFree', tol: 0 });
    expect(d[0]).toBeCloseTo(-x, 12);
    expect(d[1]).toBeCloseTo(+y, 12);
  });
  it("'newtonCg' stops at the negative curvature: −g when it is met first", () => {
    // g along the negative-curvature axis only: the first CG direction has curvature −2.
    expect(dir([2, -2], [0, 1], { mode: 'newtonCg' })).toEqual([-0, -1]);
    // A positive-definite H: the exact Newton step (CG is exact in n steps).
    const d = dir([4, 1, 0.5], [1, 1, 1], { mode: 'newtonCg' });
    expect(d[0]).toBeCloseTo(-0.25, 12);
    expect(d[1]).toBeCloseTo(-1, 12);
    expect(d[2]).toBeCloseTo(-2, 12);
  });
  it('damping λ solves (H + λI)d = −g (CG) and uses |θ| + λ (saddle-free)', () => {
    expect(dir([1, 3], [2, 2], { damping: 1 })[0]).toBeCloseTo(-1, 12);
    expect(dir([1, 3], [2, 2], { damping: 1 })[1]).toBeCloseTo(-0.5, 12);
    const d = dir([2, -2], [2, 2], { mode: 'saddleFree', damping: 2, tol: 0 });
    expect(d[0]).toBeCloseTo(-0.5, 12);
    expect(d[1]).toBeCloseTo(-0.5, 12);
  });
  it('a zero gradient gives a zero direction; bad options are refused', () => {
    expect(dir([1, 1], [0, 0], { mode: 'saddleFree' })).toEqual([0, 0]);
    expect(() => dir([1], [1], { damping: -1 })).toThrow(
      'newtonDirection(): damping = -1 is invalid; expected a number >= 0',
    );
    expect(() => dir([1], [1], { iterations: 0 })).toThrow(/iterations = 0 is invalid/);
  });
});
