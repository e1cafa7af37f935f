import { describe, expect, it } from 'vitest';
import { sgd } from '../optim/sgd.js';
import { errorCurve, goh, spectralRadius2 } from './goh.js';

describe('E9 goh', () => {
  it('spectralRadius2 on matrices with known eigenvalues', () => {
    // diag(0.5, −0.9): tr −0.4, det −0.45 → ρ = 0.9; rotation by θ scaled by 0.8: ρ = 0.8.
    expect(spectralRadius2(-0.4, -0.45)).toBeCloseTo(0.9, 15);
    const th = 0.3;
    expect(spectralRadius2(2 * 0.8 * Math.cos(th), 0.64)).toBeCloseTo(0.8, 15);
  });

  it('GD on λ = (1, 100) at α = 2/101: the error shrinks by exactly 99/101 per step', () => {
    const e = errorCurve(sgd({ lr: 2 / 101 }), 5);
    for (let k = 0; k < 5; k++)
      expect((e[k + 1] as number) / (e[k] as number)).toBeCloseTo(99 / 101, 14);
  });

  it('quick mode passes every criterion', async () => {
    const r = await goh.run({ quick: true, seeds: goh.defaultSeeds.quick });
    for (const c of r.criteria)
      expect(c.pass, `${c.name}: ${String(c.measured)} (expected ${c.expected})`).toBe(true);
  });
});
