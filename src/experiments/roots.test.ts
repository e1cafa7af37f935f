import { describe, expect, it } from 'vitest';
import { naiveQuadraticRoots, ulpDistance } from '../numeric/index.js';
import { roots } from './roots.js';

describe('E14 roots', () => {
  it('the naive formula would fail the 2-ulp criterion on x² + 1e8·x + 1', () => {
    const r = naiveQuadraticRoots(1, 1e8, 1);
    if (r.kind !== 'real') throw new Error(r.kind);
    // Exact small root −1.0000000000000001e-8 (≈ −1/b − 1/b³); the naive one is 25% off.
    expect(ulpDistance(r.roots[1], -1.0000000000000001e-8)).toBeGreaterThan(1e14);
  });

  it('quick mode passes every criterion', async () => {
    const r = await roots.run({ quick: true, seeds: roots.defaultSeeds.quick });
    for (const c of r.criteria)
      expect(c.pass, `${c.name}: ${String(c.measured)} (expected ${c.expected})`).toBe(true);
    expect(r.charts.map((c) => c.id)).toEqual(['ulp', 'newton']);
  });
});
