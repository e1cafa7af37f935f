import { describe, expect, it } from 'vitest';
import { AutogradError, ShapeError } from '../errors.js';
import * as o from '../ops/index.js';
import { tensor } from '../tensor/creation.js';
import { Tensor } from '../tensor/tensor.js';
import { detectAnomaly } from './anomaly.js';
import { grad, gradcheck, valueAndGrad } from './functional.js';
import { hvp } from './hvp.js';
import { isGradEnabled, noGrad } from './grad-mode.js';

const f64 = (v: number[], shape?: number[]): Tensor =>
  tensor(new Float64Array(v), { shape: shape ?? [v.length] });

describe('backward', () => {
  it('accumulates into .grad of leaves, in place across calls', () => {
    const x = f64([1, 2, 3]).requireGrad();
    o.sum(o.mul(x, x)).backward();
    expect(Array.from(x.grad!.data)).toEqual([2, 4, 6]);
    const buf = x.grad!.data;
    o.sum(o.mul(x, 3)).backward();
    expect(Array.from(x.grad!.data)).toEqual([5, 7, 9]);
    expect(x.grad!.data).toBe(buf);
  });

  it('sums gradients of a tensor used several times (diamond graph)', () => {
    const x = f64([2]).requireGrad();
    const y = o.mul(x, x); // x²
    const z = o.add(o.mul(y, x), y); // x³ + x²  → d/dx = 3x² + 2x = 16 at x = 2
    z.backward(f64([1]));
    expect(x.grad!.item()).toBe(16);
  });

  it('needs a seed for non-scalar outputs, with a message saying so', () => {
    const x = f64([1, 2]).requireGrad();
    expect(() => o.mul(x, 2).backward()).toThrow(AutogradError);
    expect(() => o.mul(x, 2).backward()).toThrow(/non-scalar output of shape \[2\] needs a seed/);
    expect(() => o.mul(x, 2).backward(f64([1, 2, 3]))).toThrow(ShapeError);
  });

  it('refuses a second backward through a freed graph, allows it with retainGraph', () => {
    const x = f64([3]).requireGrad();
    const y = o.sum(o.exp(x));
    y.backward();
    expect(() => y.backward()).toThrow(/second time.*retainGraph/);
    const z = o.sum(o.exp(x));
    z.backward(undefined, { retainGraph: true });
    z.backward();
    expect(x.grad!.item()).toBeCloseTo(3 * Math.exp(3), 10);
  });

  it('backward on a tensor that does not require grad is an error', () => {
    expect(() => o.sum(f64([1])).backward()).toThrow(/does not require grad/);
  });

  it('noGrad records nothing; detach cuts the graph', () => {
    const x = f64([1, 2]).requireGrad();
    const y = noGrad(() => o.mul(x, 2));
    expect(y.requiresGrad).toBe(false);
    expect(isGradEnabled()).toBe(true);
    const d = o.mul(x, 2).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.gradFn).toBeNull();
  });

  it('handles deep graphs without recursion (10,000 chained ops)', () => {
    const x = f64([1]).requireGrad();
    let y: Tensor = x;
    for (let i = 0; i < 10_000; i++) y = o.mul(y, 1);
    y.backward();
    expect(x.grad!.item()).toBe(1);
  });
});

describe('functional transforms', () => {
  it('grad and valueAndGrad do not touch the inputs', () => {
    const w = f64([1, -2, 3]);
    const [v, [g]] = valueAndGrad((a: Tensor) => o.sum(o.mul(a, a)))(w);
    expect(v.item()).toBe(14);
    expect(Array.from(g!.data)).toEqual([2, -4, 6]);
    expect(w.grad).toBeNull();
    const [ga, gb] = grad((a: Tensor, b: Tensor) => o.sum(o.mul(a, b)))(f64([1, 2]), f64([3, 4]));
    expect(Array.from(ga!.data)).toEqual([3, 4]);
    expect(Array.from(gb!.data)).toEqual([1, 2]);
  });

  it('hvp of x² − y² is diag(2, −2)·v (exact for a quadratic up to rounding)', () => {
    const f = (p: Tensor): Tensor =>
      o.sub(o.square(o.narrow(p, 0, 0, 1)), o.square(o.narrow(p, 0, 1, 1))).sum();
    const hv = hvp(f, f64([1e-4, 1e-6]), f64([0.3, 0.7]));
    expect(hv.data[0]).toBeCloseTo(0.6, 9);
    expect(hv.data[1]).toBeCloseTo(-1.4, 9);
  });

  it('hvp of a non-quadratic matches the analytic Hessian', () => {
    // f = Σ exp(x_i)·x_{i+1}: H has exp(x_i)x_{i+1} on the diagonal and exp(x_i) off it.
    const x = f64([0.1, -0.4, 0.7]);
    const v = f64([1, -2, 0.5]);
    const f = (p: Tensor): Tensor =>
      o.sum(o.mul(o.exp(o.narrow(p, 0, 0, 2)), o.narrow(p, 0, 1, 2)));
    const e = x.data.map(Math.exp);
    const [x0, x1, x2] = [x.data[0]!, x.data[1]!, x.data[2]!];
    const H = [
      [e[0]! * x1, e[0]!, 0],
      [e[0]!, e[1]! * x2, e[1]!],
      [0, e[1]!, 0],
    ];
    void x0;
    const expected = H.map((row) => row.reduce((s, h, j) => s + h * v.data[j]!, 0));
    const hv = hvp(f, x, v);
    for (let i = 0; i < 3; i++) expect(hv.data[i]).toBeCloseTo(expected[i]!, 8);
  });

  it('gradcheck refuses float32 inputs', () => {
    expect(() => gradcheck((a) => a, [tensor([1])])).toThrow(/float64/);
  });
});

describe('IEEE domains and anomaly mode', () => {
  it('log of a negative number is NaN (documented, no exception)', () => {
    const y = o.log(f64([-1, 0]));
    expect(Number.isNaN(y.data[0])).toBe(true);
    expect(y.data[1]).toBe(-Infinity);
  });

  it('anomaly mode names the op that produced the first NaN from finite inputs', () => {
    const x = f64([-1, 2]).requireGrad();
    const { anomaly } = detectAnomaly(() => o.sum(o.mul(o.log(o.mul(x, 3)), 2)));
    expect(anomaly?.op).toBe('log');
    expect(anomaly?.phase).toBe('forward');
    expect(() => detectAnomaly(() => o.sqrt(o.sub(x, 5)), { throwError: true })).toThrow(
      /'sqrt' produced NaN/,
    );
  });
});
