import { describe, it, expect } from 'vitest';
import { ConfigError } from '../errors.js';
import { oneCycle } from './one-cycle.js';
import { readBundledReference } from '../conformance/reference-node.js';

interface RefCase {
  name: string;
  options: Record<string, unknown>;
  lrs: number[];
}
const ref = readBundledReference<{ schedules: RefCase[] }>('torch-optim-reference.json');

// Relative closeness: the phase formulas round (e.g. 1 + ((0.04 − 1)/2)·2 is 0.04 + 4e-17).
const near = (a: number, b: number, rtol = 1e-14): void =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(rtol * Math.abs(b));

describe('oneCycle', () => {
  for (const name of ['one_cycle_cos', 'one_cycle_linear']) {
    it(`matches PyTorch OneCycleLR (reference case "${name}")`, () => {
      const c = ref.schedules.find((s) => s.name === name) as RefCase;
      const s = oneCycle(c.options as never);
      c.lrs.forEach((lr, t) => expect(Math.abs(s(t) - lr)).toBeLessThanOrEqual(1e-10 * lr));
    });
  }

  it('starts at maxLr/divFactor, peaks at pctStart·total − 1 and ends at minLr at total − 1', () => {
    for (const anneal of ['cos', 'linear'] as const) {
      const s = oneCycle({ maxLr: 1, totalSteps: 100, pctStart: 0.3, anneal });
      near(s(0), 1 / 25);
      expect(s(29)).toBe(1); // pct = 29/29 = 1 lands on the end value
      // 'linear' computes (end − start)·1 + start, exact only to an ulp of maxLr (as in PyTorch).
      expect(Math.abs(s(99) - 1 / 25 / 1e4)).toBeLessThanOrEqual(1e-15);
      for (let t = 1; t <= 29; t++) expect(s(t)).toBeGreaterThan(s(t - 1));
      for (let t = 30; t <= 99; t++) expect(s(t)).toBeLessThan(s(t - 1));
      expect(s(100)).toBe(s(99)); // held past totalSteps (PyTorch raises there)
    }
  });

  it('cos annealing is at the mean halfway through the rise', () => {
    const s = oneCycle({ maxLr: 1, totalSteps: 21, pctStart: 0.5 });
    // Rise over [0, 9.5]: pct = 4.75/9.5 = 0.5 at t = 4.75; check t = 0..9 bracket it.
    const mid = (1 + 1 / 25) / 2;
    expect(s(4)).toBeLessThan(mid);
    expect(s(5)).toBeGreaterThan(mid);
  });

  it('three phases: up, back to initialLr at 2·P − 2, then to minLr', () => {
    const s = oneCycle({
      maxLr: 2,
      totalSteps: 100,
      pctStart: 0.25,
      threePhase: true,
      anneal: 'linear',
    });
    expect(s(24)).toBe(2);
    near(s(48), 2 / 25);
    expect(Math.abs(s(99) - 2 / 25 / 1e4)).toBeLessThanOrEqual(2e-15);
  });

  it('validates options', () => {
    expect(() => oneCycle({ maxLr: 1, totalSteps: 100, pctStart: 0.005 })).toThrow(ConfigError);
    expect(() => oneCycle({ maxLr: 1, totalSteps: 100, pctStart: 0.005 })).toThrow(
      /pctStart.*\(0\.01, 1\).*0\.005/,
    );
    expect(() => oneCycle({ maxLr: 1, totalSteps: 10, pctStart: 0.6, threePhase: true })).toThrow(
      /pctStart.*threePhase/,
    );
    expect(() => oneCycle({ maxLr: 1, totalSteps: 100, pctStart: 1 })).toThrow(
      /pctStart.*\(0, 1\)/,
    );
    expect(() => oneCycle({ maxLr: 1, totalSteps: 100, anneal: 'exp' as never })).toThrow(
      /anneal.*"cos", "linear".*"exp"/,
    );
    expect(() => oneCycle({ maxLr: 0, totalSteps: 100 })).toThrow(/maxLr.*> 0/);
  });
});
