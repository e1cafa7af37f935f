import { describe, expect, it } from 'vitest';
import { add, mul, sub, sum } from '../ops/index.js';
import { Tensor } from '../tensor/tensor.js';
import { hessianEigs } from './hessian-eigs.js';

const f64 = (xs: number[]): Tensor => new Tensor(Float64Array.from(xs), [xs.length], true);

describe('hessianEigs', () => {
  it('f = Σ cᵢwᵢ² + (a − b)²: H = diag(2c) ⊕ [[2, −2], [−2, 2]], eigenvalues 2c, 4 and 0', () => {
    const c = new Tensor(Float64Array.from([3, -1, 0.5, -2.5]), [4]);
    const w = f64([0.3, -0.2, 0.9, 1.1]);
    const a = f64([0.7]);
    const b = f64([-0.4]);
    const f = (p: Readonly<Record<string, Tensor>>): Tensor => {
      const d = sub(p['a'] as Tensor, p['b'] as Tensor);
      return add(sum(mul(c, mul(p['w'] as Tensor, p['w'] as Tensor))), sum(mul(d, d)));
    };
    const before = w.data.slice();
    const r = hessianEigs(f, { w, a, b }, { k: 2, seed: 3 });
    expect(r.n).toBe(6);
    // Spectrum {6, 4, 1, 0, −2, −5}; Krylov space is the whole R⁶.
    expect(r.largest.map((p) => p.value)).toEqual([expect.closeTo(6, 7), expect.closeTo(4, 7)]);
    expect(r.smallest.map((p) => p.value)).toEqual([expect.closeTo(-5, 7), expect.closeTo(-2, 7)]);
    expect(w.data).toEqual(before);
    expect(w.grad).toBeNull();
  });

  it('same seed, same bits; parameters that did not require grad are left so', () => {
    const w = new Tensor(Float64Array.from([1, 2, 3]), [3]);
    const f = (p: Readonly<Record<string, Tensor>>): Tensor => {
      const x = p['w'] as Tensor;
      return sum(mul(mul(x, x), x));
    };
    const r1 = hessianEigs(f, { w }, { seed: 1 });
    const r2 = hessianEigs(f, { w }, { seed: 1 });
    expect(r2).toEqual(r1);
    expect(w.requiresGrad).toBe(false);
    // H = diag(6w) = diag(6, 12, 18).
    expect(r1.largest[0]?.value).toBeCloseTo(18, 6);
    expect(r1.smallest[0]?.value).toBeCloseTo(6, 6);
  });

  it('rejects empty params and a non-integer seed', () => {
    expect(() => hessianEigs(() => f64([1]), {})).toThrow(/params is empty/);
    expect(() => hessianEigs(() => f64([1]), { w: f64([1]) }, { seed: 0.5 })).toThrow(/seed = 0.5/);
  });
});
