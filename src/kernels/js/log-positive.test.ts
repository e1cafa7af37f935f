import { describe, expect, it } from 'vitest';
import { Rng } from '../../tensor/rng.js';
import { logPositive } from './log-positive.js';

describe('logPositive', () => {
  it('is within 1e-15 (relative) of Math.log from subnormals to the largest double', () => {
    const rng = new Rng(3);
    let worst = 0;
    for (let i = 0; i < 200_000; i++) {
      // the cross-entropy range [1, c] densely, then every binade
      const x = i % 2 === 0 ? 1 + rng.uniform() * 50_000 : Math.exp((rng.uniform() - 0.5) * 1480);
      if (!(x > 0 && x < Infinity)) continue;
      const r = Math.log(x);
      worst = Math.max(worst, Math.abs(logPositive(x) - r) / Math.max(Math.abs(r), 1e-300));
    }
    for (const x of [5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, Math.SQRT2, 2]) {
      const r = Math.log(x);
      worst = Math.max(worst, Math.abs(logPositive(x) - r) / Math.abs(r));
    }
    expect(worst).toBeLessThan(1e-15);
  });

  it('is exact at 1 and follows Math.log at the edges', () => {
    expect(logPositive(1)).toBe(0);
    expect(logPositive(0)).toBe(-Infinity);
    expect(logPositive(Infinity)).toBe(Infinity);
    expect(logPositive(NaN)).toBeNaN();
    expect(logPositive(-1)).toBeNaN();
  });
});
