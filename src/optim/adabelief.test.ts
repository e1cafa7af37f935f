import { describe, expect, it } from 'vitest';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { adabelief } from './adabelief.js';
import { Optimizer } from './optimizer.js';
import { createOptimizer, OPTIMIZER_NAMES } from './registry.js';

function param(values: number[]): Tensor {
  return new Tensor(Float64Array.from(values), [values.length], true);
}

describe('adabelief (the worked example of adding an optimizer: this file, adabelief.ts, one registry line)', () => {
  it('first step, worked out by hand', () => {
    // t = 1, g = 2, β1 = 0.9, β2 = 0.999, ε = ε_root = 1e-16, α = 0.1:
    //   m = 0.1·2 = 0.2;  g − m = 1.8;  s = 0.001·1.8² + 1e-16 = 0.00324 + 1e-16
    //   m̂ = 0.2/0.1 = 2;  ŝ = s/0.001 = 3.24 + 1e-13;  u = 2/(√ŝ + 1e-16) ≈ 2/1.8 = 1/0.9
    //   p = 1 − 0.1/0.9 = 0.888…
    const p = param([1]);
    const opt = new Optimizer({ p }, adabelief({ lr: 0.1 }));
    p.grad = new Tensor(Float64Array.from([2]), [1]);
    opt.step();
    expect(p.data[0]).toBeCloseTo(1 - 0.1 / 0.9, 12);
  });

  it('matches the Optax definition (scale_by_belief + scale_by_learning_rate) over 6 float64 steps', () => {
    // optax.adabelief: mu = (1−b1)g + b1·mu; e = g − mu; nu = (1−b2)e² + b2·nu + eps_root;
    // u = −lr·(mu/(1−b1^t)) / (√(nu/(1−b2^t)) + eps); the same expressions in the same order.
    const b1 = 0.8;
    const b2 = 0.95;
    const eps = 1e-8;
    const epsRoot = 1e-12;
    const lr = 0.05;
    const rng = new Rng(4);
    const p0 = Array.from({ length: 7 }, () => rng.normal());
    const p = param(p0);
    const opt = new Optimizer({ p }, adabelief({ lr, b1, b2, eps, epsRoot }));
    const ref = p0.slice();
    const mu = ref.map(() => 0);
    const nu = ref.map(() => 0);
    for (let t = 1; t <= 6; t++) {
      const g = ref.map(() => rng.normal());
      p.grad = new Tensor(Float64Array.from(g), [g.length]);
      opt.step();
      for (let i = 0; i < ref.length; i++) {
        const gi = g[i] as number;
        mu[i] = (1 - b1) * gi + b1 * (mu[i] as number);
        const e = gi - (mu[i] as number);
        nu[i] = (1 - b2) * (e * e) + b2 * (nu[i] as number) + epsRoot;
        const u =
          (mu[i] as number) / (1 - b1 ** t) / (Math.sqrt((nu[i] as number) / (1 - b2 ** t)) + eps);
        ref[i] = (ref[i] as number) + u * -lr;
      }
      expect(Array.from(p.data)).toEqual(ref);
    }
  });

  it('is in the registry, so configs, the conformance runner and the pickers know it', () => {
    expect(OPTIMIZER_NAMES).toContain('adabelief');
    const tx = createOptimizer('adabelief', { lr: 1e-3, b2: 0.99 });
    expect(tx.init({ p: param([1, 2]) })).toHaveLength(2);
    expect(() => createOptimizer('adabelief', { b1: 1 })).toThrow(
      'adabelief: option b1 = 1 is out of range; expected 0 <= b1 < 1',
    );
    expect(() => createOptimizer('adabelief', { beta1: 0.9 })).toThrow(/unknown option "beta1"/);
  });
});
