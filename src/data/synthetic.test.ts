import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { MIXTURE_PRESETS, gaussianMixture } from './gaussian-mixture.js';
import { circles, gauss, moons, spiral, toy2d, xor } from './toy-2d.js';

describe('gaussianMixture', () => {
  it('samples scatter around their class mean with the noise std', () => {
    const ds = gaussianMixture(
      { numClasses: 4, dim: 8, numSamples: 8000, meanStd: 2, noiseStd: 0.5 },
      1,
    );
    expect(ds.x.length).toBe(8000 * 8);
    let ss = 0;
    for (let i = 0; i < ds.length; i++) {
      const k = ds.y[i] as number;
      for (let j = 0; j < 8; j++)
        ss += ((ds.x[i * 8 + j] as number) - (ds.means[k * 8 + j] as number)) ** 2;
    }
    // residual std of 64,000 N(0, 0.25) draws: within 2%
    expect(Math.abs(Math.sqrt(ss / (8000 * 8)) / 0.5 - 1)).toBeLessThan(0.02);
    const counts = [0, 0, 0, 0];
    for (const k of ds.y) counts[k]!++;
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(200);
  });

  it('presets match E4 and E7b; deterministic', () => {
    const e4 = gaussianMixture(MIXTURE_PRESETS.heInit, 0);
    expect([e4.length, e4.featureShape[0], e4.numClasses]).toEqual([4096, 32, 10]);
    expect(MIXTURE_PRESETS.glorotSaturation).toMatchObject({
      numClasses: 9,
      dim: 256,
      numSamples: 20000,
      meanStd: 0.15,
    });
    expect(Array.from(gaussianMixture(MIXTURE_PRESETS.heInit, 0).x)).toEqual(Array.from(e4.x));
    expect(() => gaussianMixture({ numClasses: 0, dim: 2, numSamples: 3 }, 0)).toThrow(
      /numClasses must be a positive integer, got 0/,
    );
  });
});

describe('toy 2-D sets', () => {
  it('circles without noise: class 0 on the unit circle, class 1 on radius factor', () => {
    const ds = circles(0, { numSamples: 101, noise: 0, factor: 0.3 });
    expect(ds.length).toBe(101);
    for (let i = 0; i < ds.length; i++) {
      const r = Math.hypot(ds.x[2 * i] as number, ds.x[2 * i + 1] as number);
      expect(r).toBeCloseTo(ds.y[i] === 0 ? 1 : 0.3, 6);
    }
  });

  it('moons without noise lie on their arcs', () => {
    const ds = moons(0, { numSamples: 100, noise: 0 });
    for (let i = 0; i < ds.length; i++) {
      const x = ds.x[2 * i] as number;
      const y = ds.x[2 * i + 1] as number;
      // class 0: x² + y² = 1, y ≥ 0; class 1: (x − 1)² + (y − 0.5)² = 1, y ≤ 0.5
      if (ds.y[i] === 0) expect(Math.hypot(x, y)).toBeCloseTo(1, 6);
      else expect(Math.hypot(x - 1, y - 0.5)).toBeCloseTo(1, 6);
    }
  });

  it('xor without noise: class 1 exactly where x·y < 0', () => {
    const ds = xor(0, { numSamples: 300 });
    for (let i = 0; i < ds.length; i++) {
      expect(ds.y[i]).toBe((ds.x[2 * i] as number) * (ds.x[2 * i + 1] as number) < 0 ? 1 : 0);
    }
  });

  it('gauss: class means near (∓1, ∓1); spiral: K arms, radius ≤ 1', () => {
    const g = gauss(0, { numSamples: 2000, noise: 0.5 });
    const sum = [0, 0];
    for (let i = 0; i < g.length; i++) sum[g.y[i]!]! += g.x[2 * i] as number;
    expect(sum[0]! / 1000).toBeCloseTo(-1, 1);
    expect(sum[1]! / 1000).toBeCloseTo(1, 1);
    const s = spiral(0, { classes: 4, numSamples: 50 });
    expect(s.length).toBe(200);
    expect(s.numClasses).toBe(4);
    for (let i = 0; i < s.length; i++)
      expect(Math.hypot(s.x[2 * i] as number, s.x[2 * i + 1] as number)).toBeLessThanOrEqual(
        1 + 1e-6,
      );
  });

  it('by name, deterministic, validated', () => {
    expect(Array.from(toy2d('moons', 5).x)).toEqual(Array.from(moons(5).x));
    expect(() => toy2d('swirl' as never, 0)).toThrow(ConfigError);
    expect(() => circles(0, { noise: -1 })).toThrow(/noise must be a finite number >= 0, got -1/);
  });
});
