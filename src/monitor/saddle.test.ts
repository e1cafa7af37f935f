import { describe, expect, it } from 'vitest';
import { avgPool2d, mul, square, sum } from '../ops/index.js';
import { Optimizer, chain, sgd } from '../optim/index.js';
import type { Params } from '../optim/types.js';
import { tensor } from '../tensor/creation.js';
import { Tensor } from '../tensor/tensor.js';
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
    // Exact HVPs; the Krylov space is all of R³ after 3 steps, so Lanczos is exact up to rounding.
    expect(r.method).toBe('exact');
    expect(r.hvps).toBe(3);
    expect(Math.abs(r.maxEigenvalue - 3)).toBeLessThan(1e-13);
    expect(Math.abs(r.minEigenvalue + 1)).toBeLessThan(1e-13);
    expect(r.spectralRadius).toBeCloseTo(3, 13);
    expect(r.maxResidual).toBeLessThan(1e-12);
    expect(r.minResidual).toBeLessThan(1e-12);
    expect(Array.from(x.data)).toEqual([0.3, -0.2, 0.7]);
    expect(Array.from((x.grad as Tensor).data)).toEqual([7, 8, 9]);
  });

  it('50-d quadratic with spectrum {4, 1, bulk in [0, 0.5], −3}: 20 HVPs give λmax, λmin with residual bounds', () => {
    const n = 50;
    const diag = Array.from({ length: n }, (_, i) => (0.5 * i) / n);
    diag[7] = 4;
    diag[20] = 1;
    diag[33] = -3;
    const a = tensor(diag, { dtype: 'float64' });
    const x = tensor(
      Array.from({ length: n }, (_, i) => Math.sin(i)),
      { dtype: 'float64', requiresGrad: true },
    );
    const probe = new CurvatureProbe({
      loss: (p) => mul(sum(mul(mul(p['x'] as Tensor, p['x'] as Tensor), a)), 0.5),
    });
    const r = probe.run({ x });
    expect(r.hvps).toBeLessThanOrEqual(20);
    // An eigenvalue lies within the residual of each Ritz value; here they are tight.
    expect(Math.abs(r.maxEigenvalue - 4)).toBeLessThanOrEqual(r.maxResidual + 1e-12);
    expect(Math.abs(r.minEigenvalue + 3)).toBeLessThanOrEqual(r.minResidual + 1e-12);
    expect(r.maxResidual).toBeLessThan(1e-3);
    expect(r.minResidual).toBeLessThan(1e-3);
  });

  it('falls back to finite-difference HVPs when the loss has an op without a differentiable VJP', () => {
    // f = Σ c·avgPool(x)², x [1, 1, 2, 4] pooled 2×2 into two cells m₁, m₂ (each the mean of 4):
    // H = (2c_k/16) on each cell's 4×4 block: eigenvalues c₁/2, c₂/2 and 0.
    const x = new Tensor(
      Float64Array.of(0.1, 0.2, -0.3, 0.4, 0.5, -0.6, 0.7, 0.8),
      [1, 1, 2, 4],
      true,
    );
    const c = new Tensor(Float64Array.of(2, -6), [1, 1, 1, 2]);
    const probe = new CurvatureProbe({
      loss: (p) => sum(mul(square(avgPool2d(p['x'] as Tensor, { kernel: 2 })), c)),
      iterations: 8,
    });
    const r = probe.run({ x });
    expect(r.method).toBe('finite-difference');
    expect(r.maxEigenvalue).toBeCloseTo(1, 7);
    expect(r.minEigenvalue).toBeCloseTo(-3, 7);
    expect(Array.from(x.data)).toEqual([0.1, 0.2, -0.3, 0.4, 0.5, -0.6, 0.7, 0.8]);
    expect(x.grad).toBeNull();
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
    // Exact HVPs and a 2-d Krylov space: the residuals (confidence) are at rounding level.
    expect(v.evidence.minResidual).toBeLessThan(1e-12);
    expect(v.evidence.maxResidual).toBeLessThan(1e-12);
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
