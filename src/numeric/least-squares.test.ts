import { describe, expect, it } from 'vitest';
import { leastSquaresSlope } from './least-squares.js';

describe('leastSquaresSlope', () => {
  it('fits y = 2.5x + c exactly and is NaN without two distinct x', () => {
    // x̄ = 2, ȳ = 13/3: Σ(x − x̄)(y − ȳ) = (−1)(−7/3) + 0 + (1)(8/3) = 5, Σ(x − x̄)² = 2 → 2.5.
    expect(leastSquaresSlope([1, 2, 3], [2, 4, 7])).toBeCloseTo(2.5, 14);
    expect(leastSquaresSlope([0, 10], [1, 1 + 10 * -0.5])).toBeCloseTo(-0.5, 14);
    expect(leastSquaresSlope([3, 3], [1, 2])).toBeNaN();
    expect(leastSquaresSlope([1, 2], [1])).toBeNaN();
  });
});
