import { describe, expect, it } from 'vitest';
import { mul, sum } from '../ops/index.js';
import { Optimizer, chain, sgd } from '../optim/index.js';
import type { Params } from '../optim/types.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { CurvatureProbe } from './curvature.js';
import { gradientHealth } from './gradient-health.js';
import type { Verdict } from './types.js';

describe('curvature probe', () => {
  it('finds both extreme eigenvalues of ½xᵀAx, A = diag(3, −1, 0.5), and restores params and grads', () => {
    const x = tensor([0.3, -0.2, 0.7], { dtype: 'float64', requiresGrad: true });
    const a = tensor([3, -1, 0.5], { dtype: 'float64' });
    const params: Params = { x };
    x.grad = tensor([7, 8, 9], { dtype: 'float64' });
    const probe = new CurvatureProbe({
      loss: (p) => mul(sum(mul(mul(p['x'] as Tensor, p['x'] as Tensor), a)), 0.5),
      iterations: 200,
      tol: 1e-12,
    });
    const r = probe.run(params);
    // exact for a quadratic up to rounding in the central differences
    expect(r.maxEigenvalue).toBeCloseTo(3, 6);
    expect(r.minEigenvalue).toBeCloseTo(-1, 6);
    expect(r.spectralRadius).toBeCloseTo(3, 6);
    expect(Array.from(x.data)).toEqual([0.3, -0.2, 0.7]);
    expect(Array.from((x.grad as Tensor).data)).toEqual([7, 8, 9]);
  });
});

describe('saddle', () => {
  it('f(x, y) = x² − y² from (1e-4, 1e-6): saddle with negative curvature ≈ −2 (1%)', () => {
    // ∇f = (2x, −2y) = (2e-4, −2e-6): ‖g‖ ≈ 2e-4 < 1e-3; H = diag(2, −2).
    const xy = tensor([1e-4, 1e-6], { dtype: 'float64', requiresGrad: true });
    const c = tensor([1, -1], { dtype: 'float64' });
    const f = (p: Params): Tensor => sum(mul(mul(p['xy'] as Tensor, p['xy'] as Tensor), c));
    const params: Params = { xy };
    const seen: Verdict[] = [];
    const health = gradientHealth({
      curvature: { loss: f, every: 1 },
      onVerdict: (v) => seen.push(v),
    });
    const opt = new Optimizer(params, chain(health, sgd({ lr: 0.01 })));
    for (let step = 0; step < 5; step++) {
      opt.zeroGrad();
      const loss = f(params);
      loss.backward();
      opt.step({ loss: loss.item() });
    }
    expect(seen.map((v) => v.kind)).toEqual(['saddle']);
    const v = seen[0] as Extract<Verdict, { kind: 'saddle' }>;
    expect(v.step).toBe(1); // the first update is step 1
    expect(Math.abs(v.evidence.minEigenvalue + 2)).toBeLessThan(0.02);
    expect(Math.abs(v.evidence.maxEigenvalue - 2)).toBeLessThan(0.02);
    expect(v.evidence.gradNorm).toBeCloseTo(Math.hypot(2e-4, 2e-6), 12);
    expect(v.remedies.length).toBeGreaterThan(0);
    // the probe restored the parameters: GD from (1e-4, 1e-6) with lr 0.01 multiplies x by 0.98 and y by 1.02 per step
    expect(xy.data[0]).toBeCloseTo(1e-4 * 0.98 ** 5, 15);
    expect(xy.data[1]).toBeCloseTo(1e-6 * 1.02 ** 5, 17);
  });

  it('a minimum (x² + y²) with small gradient is not a saddle', () => {
    const xy = tensor([1e-4, 1e-6], { dtype: 'float64', requiresGrad: true });
    const f = (p: Params): Tensor => sum(mul(p['xy'] as Tensor, p['xy'] as Tensor));
    const params: Params = { xy };
    const health = gradientHealth({
      curvature: { loss: f, every: 1 },
      detectors: { plateau: false },
    });
    const opt = new Optimizer(params, chain(health, sgd({ lr: 0.01 })));
    for (let step = 0; step < 5; step++) {
      opt.zeroGrad();
      f(params).backward();
      opt.step();
    }
    expect(health.verdicts).toHaveLength(0);
    expect(health.state?.minEigenvalue).toBeCloseTo(2, 6);
  });
});
