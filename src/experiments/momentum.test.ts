import { describe, expect, it } from 'vitest';
import { cmTrajectory, momentum, momentumSchedule, nagTrajectory } from './momentum.js';

describe('E6 momentum', () => {
  it("Sutskever's schedule: 0.5 before 250, 0.75 at 250, 0.9 at 1000, capped, lowered at the end", () => {
    const mu = momentumSchedule(0.99, 3000);
    expect(mu(0)).toBe(0.5);
    expect(mu(249)).toBe(0.5);
    expect(mu(250)).toBe(0.75);
    // ⌊1000/250⌋ + 1 = 5: 1 − 2^(−1 − log2 5) = 1 − 1/10.
    expect(mu(1000)).toBeCloseTo(0.9, 15);
    expect(mu(2799)).toBeGreaterThan(0.9);
    expect(mu(2800)).toBeLessThanOrEqual(0.9);
    expect(momentumSchedule(0.8, 3000)(2000)).toBe(0.8);
  });

  it('a "fixed" NAG that is really classical momentum fails the damping criterion', () => {
    // The criterion Σ|x2|(NAG) < 0.1·Σ|x2|(CM) cannot hold if NAG were replaced by CM (ratio 1).
    const nag = nagTrajectory(0.009, 0.95, 100).reduce((s, [, x2]) => s + Math.abs(x2), 0);
    const cm = cmTrajectory(0.009, [0.95, 0.95], 100).reduce((s, [, x2]) => s + Math.abs(x2), 0);
    expect(nag / cm).toBeLessThan(0.1);
    // At ε = 0.015 the two differ in kind: NAG's effective momentum μ(1 − ελ2) = −0.475 is unstable.
    const last = (r: [number, number][]): number =>
      Math.hypot(...(r[r.length - 1] as [number, number]));
    expect(last(nagTrajectory(0.015, 0.95, 1000))).toBeGreaterThan(1e6);
    expect(last(cmTrajectory(0.015, [0.95, 0.95], 1000))).toBeLessThan(1e-6);
  });

  it('quick mode passes every criterion', async () => {
    const r = await momentum.run({ quick: true, seeds: momentum.defaultSeeds.quick });
    for (const c of r.criteria)
      expect(c.pass, `${c.name}: ${String(c.measured)} (expected ${c.expected})`).toBe(true);
  });
});
