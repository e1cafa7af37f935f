import { describe, it, expect } from 'vitest';
import { polynomial } from './polynomial.js';
import { linear } from './linear.js';
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

describe('polynomial', () => {
  it('matches PyTorch PolynomialLR (reference case "polynomial")', () => {
    const c = refCase('polynomial');
    const s = polynomial(c.options as never);
    c.lrs.forEach((lr, t) => expect(Math.abs(s(t) - lr)).toBeLessThanOrEqual(1e-10 * lr));
  });

  it('starts at baseLr, reaches endLr at totalIters and holds it', () => {
    const s = polynomial({ baseLr: 0.5, totalIters: 10, power: 2, endLr: 0.1 });
    expect(s(0)).toBe(0.5);
    expect(s(10)).toBe(0.1);
    expect(s(25)).toBe(0.1);
    // (0.5 − 0.1)·(1 − 5/10)² + 0.1 = 0.2
    expect(s(5)).toBeCloseTo(0.2, 15);
  });

  it('validates options', () => {
    expect(() => polynomial({ baseLr: 1, totalIters: 0 })).toThrow(
      /totalIters.*integer >= 1.*got 0/,
    );
    expect(() => polynomial({ baseLr: 1, totalIters: 5, power: -1 })).toThrow(/power.*>= 0/);
  });
});

describe('linear', () => {
  it('matches PyTorch LinearLR (reference case "linear_warmup")', () => {
    const c = refCase('linear_warmup');
    const s = linear(c.options as never);
    c.lrs.forEach((lr, t) => expect(Math.abs(s(t) - lr)).toBeLessThanOrEqual(1e-10 * lr));
  });

  it('ramps from baseLr·startFactor to baseLr·endFactor over totalIters, then holds', () => {
    const s = linear({ baseLr: 2, startFactor: 0.25, endFactor: 0.75, totalIters: 4 });
    // 2·(0.25 + 0.5·t/4) = 0.5, 0.75, 1, 1.25, 1.5, then 1.5.
    expect([0, 1, 2, 3, 4, 9].map(s)).toEqual([0.5, 0.75, 1, 1.25, 1.5, 1.5]);
  });

  it('validates factors as PyTorch does', () => {
    expect(() => linear({ baseLr: 1, startFactor: 0 })).toThrow(/startFactor.*\(0, 1\].*got 0/);
    expect(() => linear({ baseLr: 1, endFactor: 1.2 })).toThrow(/endFactor.*\[0, 1\].*1\.2/);
  });
});
