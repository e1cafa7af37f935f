import { afterEach, describe, expect, it } from 'vitest';
import { setKernels } from '../kernels/backend.js';
import { availableBackends } from '../kernels/select.js';
import { mlp } from '../nn/mlp.js';
import { conv2d, maxPool2d } from '../ops/conv.js';
import { linear } from '../ops/linear.js';
import { crossEntropy } from '../ops/losses.js';
import { layerNorm } from '../ops/norm.js';
import { rmsNorm } from '../ops/rms-norm.js';
import { add, mul, sum } from '../ops/index.js';
import { BufferPool, withBufferPool } from '../tensor/buffer-pool.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';

// Tensor.zeroGrad() defers its zeros: the next backward's first contribution to a parameter
// overwrites the buffer (β = 0) instead of adding into a zero fill. The values must be the same
// bits as the eager fill: 0 + x = x for every float x but −0, and a sum started from +0 (every
// kernel's accumulator) is never −0. Cases with −0 products are built in on purpose: a column of
// x that is all zeros meets negative upstream gradients, so every product in that dW column is −0.

afterEach(() => setKernels('auto'));

const bits = (a: TypedArray): number[] =>
  Array.from(a instanceof Float32Array ? new Uint32Array(a.buffer, a.byteOffset, a.length) : a);

function filled(dtype: DType, shape: number[], seed: number, requiresGrad = false): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  new Rng(seed).fillUniform(d, -1, 1);
  return new Tensor(d, shape, requiresGrad);
}

/** The parameters of a small graph through every op that writes a pending zero, and its loss. */
function graph(dtype: DType) {
  const x = filled(dtype, [6, 5], 1);
  for (let r = 0; r < 6; r++) x.data[r * 5 + 2] = 0; // a dead input column: −0 products in dW
  const w1 = filled(dtype, [4, 5], 2, true);
  const b1 = filled(dtype, [4], 3, true);
  const img = filled(dtype, [2, 2, 5, 5], 4, true);
  const kw = filled(dtype, [3, 2, 3, 3], 5, true);
  const kb = filled(dtype, [3], 6, true);
  const g = filled(dtype, [4], 7, true);
  const be = filled(dtype, [4], 8, true);
  const r = filled(dtype, [4], 9, true);
  const unused = filled(dtype, [3], 10, true);
  const params = [w1, b1, kw, kb, g, be, r, unused];
  const up = filled(dtype, [6, 4], 11);
  for (let i = 0; i < up.size; i++) up.data[i] = -Math.abs(up.data[i] as number) - 0.1;
  const loss = (): Tensor => {
    const h = linear(x, w1, b1, 'relu');
    const n1 = layerNorm(h, 4, g, be);
    const n2 = rmsNorm(n1, 4, r);
    const c = maxPool2d(conv2d(img, kw, kb, { padding: 1 }), { kernel: 2 });
    const t = crossEntropy(n2, [0, 1, 2, 3, 0, 1]);
    return add(add(t, sum(mul(n2, up))), sum(mul(c, c)));
  };
  return { params, loss, unused, img };
}

describe('Tensor.zeroGrad: deferred zeros', () => {
  const cases = availableBackends().flatMap((k) =>
    (k.impl === 'js' ? (['float32', 'float64'] as const) : (['float32'] as const)).map(
      (dt) => [k.impl, dt] as const,
    ),
  );
  it.each(cases)(
    '%s %s: the second backward after zeroGrad() gives the bits of an eager zero fill',
    (impl, dtype) => {
      setKernels(impl);
      const run = (deferred: boolean): number[][] => {
        const { params, loss } = graph(dtype);
        loss().backward(); // every parameter now holds a non-zero gradient buffer
        for (const p of params) {
          if (p.grad === null) p.grad = new Tensor(p.data.slice().fill(7), p.shape);
          if (deferred) p.zeroGrad();
          else p.grad.data.fill(0);
        }
        loss().backward();
        return params.map((p) => bits((p.grad as Tensor).data));
      };
      expect(run(true)).toEqual(run(false));
    },
  );

  it('a parameter that the next backward does not reach reads zeros', () => {
    const { loss, unused } = graph('float64');
    unused.grad = new Tensor(new Float64Array([1, 2, 3]), [3]);
    unused.zeroGrad();
    loss().backward();
    expect(Array.from((unused.grad as Tensor).data)).toEqual([0, 0, 0]);
  });

  it('a read before backward sees zeros, and backward then adds into them', () => {
    const w = new Tensor(new Float64Array([1, 2]), [1, 2], true);
    const x = new Tensor(new Float64Array([3, 4]), [1, 2]);
    w.grad = new Tensor(new Float64Array([5, 5]), [1, 2]);
    w.zeroGrad();
    expect(Array.from((w.grad as Tensor).data)).toEqual([0, 0]);
    linear(x, w).backward(new Tensor(new Float64Array([2]), [1, 1]));
    expect(Array.from((w.grad as Tensor).data)).toEqual([6, 8]);
  });

  it("zeroGrad(true) still drops the buffer; setting .grad clears a pending zero", () => {
    const w = new Tensor(new Float64Array([1]), [1], true);
    w.grad = new Tensor(new Float64Array([4]), [1]);
    w.zeroGrad(true);
    expect(w.grad).toBeNull();
    w.grad = new Tensor(new Float64Array([4]), [1]);
    w.zeroGrad();
    const g = new Tensor(new Float64Array([9]), [1]);
    w.grad = g;
    expect(w.grad.data[0]).toBe(9);
  });

  it("a module's arena: arena() after a per-parameter zeroGrad() hands out zeros", () => {
    const m = mlp({ sizes: [3, 4, 2], activation: 'tanh', seed: 1, dtype: 'float64' });
    const x = filled('float64', [2, 3], 3);
    sum(m.forward(x)).backward();
    const ps = Object.values(m.namedParameters());
    expect(m.arena().grads.some((v) => v !== 0)).toBe(true);
    for (const p of ps) p.zeroGrad();
    expect(m.arena().grads.every((v) => v === 0)).toBe(true);
  });
});

describe('allocDataUninit: outputs written in full', () => {
  it.each(availableBackends().map((k) => [k.impl] as const))(
    '%s: linear, conv2d, maxPool2d and crossEntropy give the same bits on NaN-poisoned pool buffers',
    (impl) => {
      setKernels(impl);
      const run = (pool: BufferPool | null): number[][] =>
        withBufferPool(pool, () => {
          const { params, loss, img } = graph('float32');
          const l = loss();
          l.backward();
          const grads = [...params.slice(0, 4), img].map((p) => bits((p.grad as Tensor).data));
          return [bits(l.data), ...grads];
        });
      const ref = run(null);
      // A pool whose free lists hold NaN buffers of every size the graph allocates.
      const pool = new BufferPool();
      const sizes = new Set<number>();
      const probe = new BufferPool();
      probe.tracker = { made: (d) => sizes.add(d.length) };
      run(probe);
      for (const n of sizes) {
        const held = [0, 1, 2, 3].map(() => pool.take('float32', n).fill(Number.NaN));
        for (const d of held) pool.give(d);
      }
      expect(run(pool)).toEqual(ref);
      expect(pool.stats().reused).toBeGreaterThanOrEqual(sizes.size);
    },
  );
});
