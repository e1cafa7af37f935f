import { describe, expect, it } from 'vitest';
import * as o from '../ops/index.js';
import { Tensor } from '../tensor/tensor.js';
import { backward, gradients } from './backward.js';
import { grad, valueAndGrad } from './functional.js';
import { fdHvp, hessianOperator, hvp } from './hvp.js';
import { hutchinsonTrace } from './hutchinson.js';
import { MAX_DENSE_ELEMENTS, hessian, jacobian, jvp, vjp } from './transforms.js';

const f64 = (xs: number[], shape = [xs.length]): Tensor => new Tensor(Float64Array.from(xs), shape);
const f32 = (xs: number[]): Tensor => new Tensor(Float32Array.from(xs), [xs.length]);

/** f(x) = Σ sin(x_i)·x_{i+1} (cyclic): H_ii = −sin(x_i)x_{i+1}, H_{i,i+1} = H_{i+1,i} = cos(x_i). */
function cyclic(x: Tensor): Tensor {
  const n = x.size;
  const next = o.concat([o.narrow(x, 0, 1, n - 1), o.narrow(x, 0, 0, 1)]);
  return o.sum(o.mul(o.sin(x), next));
}
function cyclicHessian(x: number[]): number[][] {
  const n = x.length;
  const H = x.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    (H[i] as number[])[i] = -Math.sin(x[i] as number) * (x[j] as number);
    (H[i] as number[])[j] = (H[i] as number[])[j]! + Math.cos(x[i] as number);
    (H[j] as number[])[i] = (H[j] as number[])[i]! + Math.cos(x[i] as number);
  }
  return H;
}

describe('createGraph', () => {
  it('grad of grad: d²/dx² x³ = 6x, and d³/dx³ = 6', () => {
    const cube = (x: Tensor): Tensor => o.sum(o.mul(o.mul(x, x), x));
    const g1 = (x: Tensor): Tensor => o.sum(grad(cube, { createGraph: true })(x)[0] as Tensor);
    const x = f64([0.5, -2]);
    expect(Array.from((grad(g1)(x)[0] as Tensor).data)).toEqual([3, -12]); // 6x
    const g2 = (y: Tensor): Tensor => o.sum(grad(g1, { createGraph: true })(y)[0] as Tensor);
    expect(Array.from((grad(g2)(x)[0] as Tensor).data)).toEqual([6, 6]);
  });

  it('backward({createGraph}) leaves a differentiable .grad; the graph is retained', () => {
    const x = new Tensor(Float64Array.of(1.5), [1], true);
    const y = o.sum(o.mul(o.exp(x), x)); // y' = eˣ(1 + x), y'' = eˣ(2 + x)
    backward(y, undefined, { createGraph: true });
    const g = x.grad as Tensor;
    expect(g.requiresGrad).toBe(true);
    expect(g.data[0]).toBeCloseTo(Math.exp(1.5) * 2.5, 12);
    const [h] = gradients(o.sum(g), [x]);
    expect(h?.data[0]).toBeCloseTo(Math.exp(1.5) * 3.5, 12);
  });

  it('an op without a differentiable VJP throws naming it; without createGraph it still works', () => {
    const x = new Tensor(Float64Array.of(0.3, -0.2, 0.5, 0.1), [1, 1, 2, 2], true);
    const f = (t: Tensor): Tensor => o.sum(o.square(o.avgPool2d(t, { kernel: 2 })));
    expect(() => grad(f, { createGraph: true })(x)).toThrow(
      /VJP of op 'avgPool2d' is not differentiable yet/,
    );
    expect(() => hvp(f, x, x)).toThrow(/avgPool2d/);
    // Without createGraph: ∂/∂x (mean x)² = 2·mean/4 = 0.0875 each.
    (grad(f)(x)[0] as Tensor).data.forEach((g) => expect(g).toBeCloseTo(0.0875, 15));
  });
});

describe('hvp (exact) and fdHvp', () => {
  it('matches the analytic Hessian of a non-quadratic to rounding, in float64 and float32', () => {
    const xs = [0.3, -1.2, 0.8, 2.1];
    const v = [1, -0.5, 0.25, 2];
    const H = cyclicHessian(xs);
    const want = H.map((row) => row.reduce((s, h, j) => s + h * (v[j] as number), 0));
    const got = hvp(cyclic, f64(xs), f64(v));
    want.forEach((w, i) => expect(Math.abs((got.data[i] as number) - w)).toBeLessThan(1e-14));
    const got32 = hvp(cyclic, f32(xs), f32(v));
    expect(got32.dtype).toBe('float32');
    want.forEach((w, i) => expect(Math.abs((got32.data[i] as number) - w)).toBeLessThan(2e-6));
    // The finite-difference version is ~1e-10 off in float64 (u^(2/3)), far worse in float32.
    const fd = fdHvp(cyclic, f64(xs), f64(v));
    want.forEach((w, i) => expect(Math.abs((fd.data[i] as number) - w)).toBeLessThan(1e-8));
  });

  it('of a linear function is 0; of a function not depending on x is 0', () => {
    expect(Array.from(hvp((x) => o.sum(o.mul(x, 3)), f64([1, 2]), f64([1, 1])).data)).toEqual([
      0, 0,
    ]);
    expect(Array.from(hvp(() => f64([1], []), f64([1, 2]), f64([1, 1])).data)).toEqual([0, 0]);
  });

  it('rejects a v of another shape or dtype', () => {
    expect(() => hvp(cyclic, f64([1, 2]), f64([1, 2, 3]))).toThrow(
      /v has shape \[3\] but x has shape \[2\]/,
    );
    expect(() => hvp(cyclic, f64([1, 2]), f32([1, 2]))).toThrow(/x is float64 but v is float32/);
  });
});

describe('vjp, jvp, jacobian, hessian', () => {
  // g(x) = [x0·x1, sin(x2), x0²]: J = [[x1, x0, 0], [0, 0, cos x2], [2x0, 0, 0]].
  const g = (x: Tensor): Tensor =>
    o
      .stack([
        o.mul(o.narrow(x, 0, 0, 1), o.narrow(x, 0, 1, 1)),
        o.sin(o.narrow(x, 0, 2, 1)),
        o.square(o.narrow(x, 0, 0, 1)),
      ])
      .reshape([3]);
  const x = f64([0.7, -1.3, 0.4]);
  const J = [
    [-1.3, 0.7, 0],
    [0, 0, Math.cos(0.4)],
    [1.4, 0, 0],
  ];

  it('jacobian is [y.shape, x.shape] and matches J', () => {
    const j = jacobian(g, x);
    expect(j.shape).toEqual([3, 3]);
    J.flat().forEach((w, i) => expect(j.data[i]).toBeCloseTo(w, 14));
  });

  it('vjp = uᵀJ and jvp = Jv (double-VJP trick), with the value', () => {
    const u = f64([1, 2, -1]);
    const [y, gu] = vjp(g, x, u);
    expect(y.data[0]).toBeCloseTo(0.7 * -1.3, 15);
    [0, 1, 2].forEach((c) =>
      expect(gu.data[c]).toBeCloseTo(
        J.reduce((s, row, r) => s + (row[c] as number) * (u.data[r] as number), 0),
        14,
      ),
    );
    const v = f64([0.5, 1, -2]);
    const [, jv] = jvp(g, x, v);
    J.forEach((row, r) =>
      expect(jv.data[r]).toBeCloseTo(
        row.reduce((s, a, c) => s + a * (v.data[c] as number), 0),
        14,
      ),
    );
  });

  it('hessian matches the analytic one and is symmetric', () => {
    const xs = [0.3, -1.2, 0.8];
    const h = hessian(cyclic, f64(xs));
    expect(h.shape).toEqual([3, 3]);
    cyclicHessian(xs)
      .flat()
      .forEach((w, i) => expect(Math.abs((h.data[i] as number) - w)).toBeLessThan(1e-15));
  });

  it('refuse absurd sizes before allocating', () => {
    const big = new Tensor(new Float64Array(10000), [10000]);
    expect(() => hessian(cyclic, big)).toThrow(/would have 100000000 > 67108864/);
    expect(MAX_DENSE_ELEMENTS).toBe(2 ** 26);
    expect(() => jacobian((t) => o.reshape(o.broadcastTo(t, [9000, 10000]), [-1]), big)).toThrow(
      /exceeds 67108864/,
    );
  });
});

describe('hessianOperator and hutchinsonTrace', () => {
  it('hessianOperator: value, gradient and H·v of named parameters; .grad untouched', () => {
    const a = new Tensor(Float64Array.of(0.5, -1), [2], true);
    const b = new Tensor(Float64Array.of(2), [1], true);
    // f = Σ a² · b: ∇a = 2ab, ∇b = Σa²; H = [[2b, 0, 2a0], [0, 2b, 2a1], [2a0, 2a1, 0]].
    const H = hessianOperator((p) => o.mul(o.sum(o.square(p['a'] as Tensor)), p['b'] as Tensor), {
      a,
      b,
    });
    expect(H.value).toBe(2.5);
    expect(Array.from(H.gradient)).toEqual([2, -4, 1.25]);
    const out = new Float64Array(3);
    H.matvec(Float64Array.of(1, 0, 0), out);
    expect(Array.from(out)).toEqual([4, 0, 1]);
    H.matvec(Float64Array.of(0, 0, 1), out);
    expect(Array.from(out)).toEqual([1, -2, 0]);
    expect(H.hvps).toBe(2);
    expect(a.grad).toBeNull();
  });

  it('hutchinsonTrace: exact for a diagonal Hessian (zᵀHz = tr H for every ±1 z), seeded', () => {
    const w = new Tensor(Float64Array.of(1, 2, 3), [3]);
    const c = f64([3, -1, 0.5]);
    const r = hutchinsonTrace(
      (p) => o.sum(o.mul(c, o.square(p['w'] as Tensor))),
      { w },
      { probes: 4, seed: 2 },
    );
    expect(r.trace).toBeCloseTo(2 * (3 - 1 + 0.5), 14);
    expect(r.stdError).toBeCloseTo(0, 14);
    expect(r.probes).toBe(4);
  });

  it('hutchinsonTrace: the estimate is within a few standard errors of tr H (off-diagonal H)', () => {
    const xs = [0.3, -1.2, 0.8, 2.1, -0.4];
    const tr = cyclicHessian(xs).reduce((s, row, i) => s + (row[i] as number), 0);
    const x = f64(xs);
    const r = hutchinsonTrace((p) => cyclic(p['x'] as Tensor), { x }, { probes: 200, seed: 7 });
    expect(r.stdError).toBeGreaterThan(0);
    expect(Math.abs(r.trace - tr)).toBeLessThan(4 * r.stdError);
    const again = hutchinsonTrace((p) => cyclic(p['x'] as Tensor), { x }, { probes: 200, seed: 7 });
    expect(again).toEqual(r);
    expect(() => hutchinsonTrace((p) => cyclic(p['x'] as Tensor), { x }, { probes: 0 })).toThrow(
      /probes = 0/,
    );
  });

  it('valueAndGrad with createGraph returns a value on the graph', () => {
    const [y] = valueAndGrad((t) => o.sum(o.square(t)), { createGraph: true })(f64([1, 2]));
    expect(y.requiresGrad).toBe(true);
  });
});
