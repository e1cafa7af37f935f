import { describe, it, expect } from 'vitest';
import { warmupCosine } from './warmup-cosine.js';

describe('warmupCosine', () => {
  const peak = 3e-3;
  const W = 200;
  const T = 5000;

  it('starts at init and rises linearly to peak at the end of the warmup', () => {
    const s = warmupCosine({ init: 1e-4, peak, warmup: W, total: T });
    expect(s(0)).toBeCloseTo(1e-4, 18);
    // Linear: init + (peak − init)·t/W.
    expect(s(50)).toBeCloseTo(1e-4 + (peak - 1e-4) * 0.25, 17);
    expect(s(W)).toBe(peak);
  });

  it('is continuous at the boundary: the last warmup step is one increment below peak', () => {
    const s = warmupCosine({ peak, warmup: W, total: T });
    expect(s(W - 1)).toBeCloseTo(peak - peak / W, 17);
    // First decay step: peak·(1 + cos(π/(T−W)))/2, a relative drop of about (π/(T−W))²/4.
    const d = Math.PI / (T - W);
    expect(s(W + 1)).toBeCloseTo((peak * (1 + Math.cos(d))) / 2, 17);
    expect(peak - s(W + 1)).toBeLessThan(peak / W);
  });

  it('decays by a half cosine to end at total and holds it', () => {
    const s = warmupCosine({ peak, warmup: W, total: T, end: 1e-5 });
    expect(s(W + (T - W) / 2)).toBeCloseTo((peak + 1e-5) / 2, 17);
    expect(s(T)).toBeCloseTo(1e-5, 18);
    expect(s(T + 1000)).toBe(s(T));
    for (let t = W + 1; t <= T; t += 97) expect(s(t)).toBeLessThan(s(t - 1));
  });

  it('applies the exponent to the cosine factor (Optax)', () => {
    const s = warmupCosine({ peak: 1, warmup: 0, total: 10, exponent: 2 });
    // Midpoint: ((1 + cos(π/2))/2)² = 0.25.
    expect(s(5)).toBeCloseTo(0.25, 15);
    expect(s(0)).toBe(1);
  });

  it('validates options', () => {
    expect(() => warmupCosine({ peak, warmup: 10, total: 10 })).toThrow(
      /total.*integer >= 11.*got 10/,
    );
    expect(() => warmupCosine({ peak, warmup: -1, total: 10 })).toThrow(/warmup.*>= 0.*-1/);
    expect(() => warmupCosine({ peak, warmup: 1, total: 10, exponent: 0 })).toThrow(
      /exponent.*> 0/,
    );
    expect(() => warmupCosine({ peakValue: 1, warmup: 1, total: 10 } as never)).toThrow(
      /unknown option "peakValue"/,
    );
  });
});
