import { describe, it, expect } from 'vitest';
import { cosine } from './cosine.js';
import { cosineWarmRestarts } from './cosine-warm-restarts.js';
import { readBundledReference } from '../conformance/reference-node.js';

interface RefCase {
  name: string;
  options: Record<string, number>;
  lrs: number[];
}
const ref = readBundledReference<{ schedules: RefCase[] }>('torch-optim-reference.json');
const refCase = (name: string): RefCase => {
  const c = ref.schedules.find((s) => s.name === name);
  if (!c) throw new Error(`no reference case ${name}`);
  return c;
};

describe('cosine', () => {
  it('matches PyTorch CosineAnnealingLR stepped 60 times, past tMax = 23 (reference case "cosine")', () => {
    const c = refCase('cosine');
    const s = cosine(c.options as never);
    c.lrs.forEach((lr, t) => expect(Math.abs(s(t) - lr)).toBeLessThanOrEqual(1e-10 * lr));
  });

  it('is baseLr at 0, etaMin at tMax, the mean at tMax/2, and back to baseLr at 2·tMax', () => {
    const s = cosine({ baseLr: 0.1, tMax: 10, etaMin: 0.01 });
    expect(s(0)).toBe(0.1);
    expect(s(10)).toBe(0.01); // cos(π) = −1 exactly in floating point
    expect(s(5)).toBeCloseTo(0.055, 15);
    expect(s(20)).toBeCloseTo(0.1, 15);
    for (let t = 1; t <= 10; t++) expect(s(t)).toBeLessThan(s(t - 1));
  });

  it('validates tMax and etaMin', () => {
    expect(() => cosine({ baseLr: 0.1, tMax: 0 })).toThrow(/tMax.*integer >= 1.*got 0/);
    expect(() => cosine({ baseLr: 0.1, tMax: 5, etaMin: -1 })).toThrow(/etaMin.*>= 0/);
  });
});

describe('cosineWarmRestarts', () => {
  it('matches PyTorch CosineAnnealingWarmRestarts (reference case "cosine_warm_restarts")', () => {
    const c = refCase('cosine_warm_restarts');
    const s = cosineWarmRestarts(c.options as never);
    c.lrs.forEach((lr, t) => expect(Math.abs(s(t) - lr)).toBeLessThanOrEqual(1e-10 * lr));
  });

  it('restarts at t0, t0 + t0·tMult, ... with periods growing by tMult', () => {
    const s = cosineWarmRestarts({ baseLr: 1, t0: 10, tMult: 2, etaMin: 0 });
    for (const r of [0, 10, 30, 70]) expect(s(r)).toBe(1);
    // Second period [10, 30) has length 20: its midpoint t = 20 gives (1 + cos(π/2))/2 = 0.5.
    expect(s(20)).toBeCloseTo(0.5, 15);
    expect(s(29)).toBeLessThan(s(28));
    expect(s(5)).toBeCloseTo(0.5, 15);
  });

  it('is periodic with period t0 when tMult = 1', () => {
    const s = cosineWarmRestarts({ baseLr: 0.3, t0: 7, etaMin: 0.01 });
    for (let t = 0; t < 30; t++) expect(s(t + 7)).toBe(s(t));
  });

  it('validates t0 and tMult', () => {
    expect(() => cosineWarmRestarts({ baseLr: 1, t0: 0 })).toThrow(/t0.*integer >= 1/);
    expect(() => cosineWarmRestarts({ baseLr: 1, t0: 3, tMult: 1.5 })).toThrow(
      /tMult.*integer >= 1.*1\.5/,
    );
  });
});
