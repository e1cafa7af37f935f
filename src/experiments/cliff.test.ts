import { describe, expect, it } from 'vitest';
import { cliff, cliffError, cliffErrorAndGrad, wallPosition } from './cliff.js';

describe('E1 cliff', () => {
  it('hand-written BPTT matches central finite differences of E (float64)', () => {
    // Points off the wall (E is smooth there); h = 1e-6 gives ~1e-9 relative accuracy.
    for (const [w, b] of [
      [5, -2.7],
      [5, -2.5],
      [1, 0],
      [8, -4],
      [-1.5, 1.2],
    ] as const) {
      const [e, gw, gb] = cliffErrorAndGrad(w, b);
      expect(e).toBeCloseTo(cliffError(w, b), 15);
      const h = 1e-6;
      const fw = (cliffError(w + h, b) - cliffError(w - h, b)) / (2 * h);
      const fb = (cliffError(w, b + h) - cliffError(w, b - h)) / (2 * h);
      expect(Math.abs(gw - fw)).toBeLessThan(1e-7 * Math.max(1, Math.abs(fw)));
      expect(Math.abs(gb - fb)).toBeLessThan(1e-7 * Math.max(1, Math.abs(fb)));
    }
  });

  it('the wall along w = 5 is where E jumps: high left of b*, low right of it', () => {
    const b = wallPosition();
    expect(cliffError(5, b - 1e-4)).toBeGreaterThan(0.3);
    expect(cliffError(5, b + 1e-4)).toBeLessThan(0.02);
  });

  it('quick mode passes every criterion', async () => {
    const r = await cliff.run({ quick: true, seeds: cliff.defaultSeeds.quick });
    for (const c of r.criteria)
      expect(c.pass, `${c.name}: ${String(c.measured)} (expected ${c.expected})`).toBe(true);
    expect(r.pass).toBe(true);
    expect(r.mode).toBe('quick');
    // The unclipped variant is the "broken" one: its steps break the clipped runs' bound.
    const summary = r.runs[0] as { maxUnclippedStep: number; maxClippedStep: number };
    expect(summary.maxUnclippedStep).toBeGreaterThan(0.5);
    expect(summary.maxClippedStep).toBeLessThanOrEqual(0.5);
    expect(() => JSON.parse(JSON.stringify(r))).not.toThrow();
  });
});
