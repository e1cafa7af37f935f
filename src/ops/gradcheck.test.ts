import { describe, expect, it } from 'vitest';
import { gradcheck } from '../autograd/functional.js';
import { gradcheckCases } from './gradcheck-table.js';
import { Tensor } from '../tensor/tensor.js';
import * as o from './index.js';

const cases = gradcheckCases();

describe('gradcheck: every basic op (float64 central differences)', () => {
  for (const { name, f, inputs: make } of cases) {
    it(name, () => {
      const inputs = make();
      const res = gradcheck(f, inputs, { eps: 1e-6, atol: 1e-7, rtol: 1e-6 });
      expect(res.pass, JSON.stringify(res)).toBe(true);
    });
  }

  it('reports the worst element when a VJP is wrong', () => {
    // A deliberately wrong VJP (d/dx x³ claimed to be x²) must be caught.
    const x = new Tensor(new Float64Array([0.5, -1.2, 1.7, 2]), [4]);
    const bad = (a: Tensor): Tensor => {
      const out = o.pow(a, 3);
      if (out.gradFn) out.gradFn.backward = (g) => [o.mul(g, o.mul(a, a))];
      return out;
    };
    const res = gradcheck(bad, [x]);
    expect(res.pass).toBe(false);
    expect(res.worst).not.toBeNull();
    expect(res.maxAbsErr).toBeGreaterThan(0.01);
  });
});

describe('astype', () => {
  it('passes the gradient back converted to the input dtype', () => {
    const x = new Tensor(new Float64Array([0.5, 0.25, -1]), [3], true);
    const y = o.astype(x, 'float32');
    expect(y.dtype).toBe('float32');
    // d/dx Σ 3·x = 3 for every element, exactly representable in both dtypes.
    o.sum(o.mul(y, 3)).backward();
    expect(x.grad?.dtype).toBe('float64');
    expect(Array.from(x.grad!.data)).toEqual([3, 3, 3]);
  });
});
