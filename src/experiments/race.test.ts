import { describe, expect, it } from 'vitest';
import { grad } from '../autograd/index.js';
import { Tensor } from '../tensor/tensor.js';
import { BEALE, raceExperiment, ROSENBROCK } from './race.js';

const t = (v: number): Tensor => new Tensor(new Float64Array([v]), [1]);

describe('E10 race', () => {
  it('the test functions and their autodiff gradients match the closed forms', () => {
    // Rosenbrock at (−1.2, 1): f = 4.84 + 100·0.44² = 24.2; ∂f/∂x = −2(1 − x) − 400x(y − x²) = −215.6,
    // ∂f/∂y = 200(y − x²) = −88.
    expect(ROSENBROCK.f(t(-1.2), t(1)).item()).toBeCloseTo(24.2, 12);
    const [gx, gy] = grad(ROSENBROCK.f)(t(-1.2), t(1));
    expect(gx?.item()).toBeCloseTo(-215.6, 10);
    expect(gy?.item()).toBeCloseTo(-88, 10);
    // Beale at its minimum (3, 0.5): f = 0 and ∇f = 0.
    expect(BEALE.f(t(3), t(0.5)).item()).toBeCloseTo(0, 15);
    for (const g of grad(BEALE.f)(t(3), t(0.5))) expect(Math.abs(g.item())).toBeLessThan(1e-12);
  });

  it('quick mode passes every criterion', async () => {
    const r = await raceExperiment.run({ quick: true, seeds: raceExperiment.defaultSeeds.quick });
    for (const c of r.criteria)
      expect(c.pass, `${c.name}: ${String(c.measured)} (expected ${c.expected})`).toBe(true);
  });
});
