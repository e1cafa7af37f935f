import { describe, expect, it } from 'vitest';
import '../autograd/backward.js';
import { newton, saddleRun } from './newton.js';

describe('E20 newton', () => {
  it('the saddle iterations match the closed forms', () => {
    // GD η on x² − y² from (1, y₀): x ← (1 − 2η)x, y ← (1 + 2η)y.
    const gd = saddleRun({ kind: 'gd', lr: 0.1 }, 1, [1, 1e-3], 3).path;
    expect(gd[3]?.[0]).toBeCloseTo(0.8 ** 3, 14);
    expect(gd[3]?.[1]).toBeCloseTo(1e-3 * 1.2 ** 3, 16);
    // Saddle-free Newton: x ← 0, y ← 2y (|H| = 2I).
    const sf = saddleRun(
      { kind: 'newton', mode: 'saddleFree', damping: 0, iterations: 10 },
      1,
      [1, 1e-3],
      2,
    ).path;
    expect(sf[2]?.[1]).toBeCloseTo(4e-3, 14);
  });

  it('quick mode passes every criterion', async () => {
    const r = await newton.run({ quick: true, seeds: newton.defaultSeeds.quick });
    for (const c of r.criteria)
      expect(c.pass, `${c.name}: ${String(c.measured)} (expected ${c.expected})`).toBe(true);
    expect(r.charts.map((c) => c.id)).toEqual(['saddle-escape', 'net-loss']);
  }, 300_000);
});
