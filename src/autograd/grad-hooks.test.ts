import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { setKernels } from '../kernels/backend.js';
import * as o from '../ops/index.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { detectAnomaly } from './anomaly.js';
import { registerGradHook } from './grad-hooks.js';

// The fused VJPs (linear, conv2d, rnnTanh) add a leaf's gradient straight into its `.grad` when
// the gradient sink gives them the buffer, and return null for it. Before the sink, such a
// contribution never reached the backward pass, so a hook on that leaf would not have seen it.
// Here each leaf holds a zeroed `.grad` (as a module parameter after zeroGrad), so the direct
// path is taken unless the leaf is hooked; the hook must receive exactly the gradient the
// hook-less run accumulated (zero + g is g, bit for bit).

function leaf(shape: number[], seed: number): Tensor {
  const t = new Tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape, true);
  new Rng(seed).fillNormal(t.data);
  t.data.forEach((v, i) => (t.data[i] = v * 0.3));
  return t;
}

function zeroGrads(ts: Tensor[]): void {
  for (const t of ts) t.grad = new Tensor(new Float32Array(t.size), t.shape);
}

interface Case {
  name: string;
  leaves: () => Tensor[];
  loss: (ls: Tensor[]) => Tensor;
}

const cases: Case[] = [
  {
    name: 'linear+relu',
    leaves: () => [leaf([16, 32], 1), leaf([24, 32], 2), leaf([24], 3)],
    loss: ([x, w, b]) => o.sum(o.square(o.linear(x!, w!, b, 'relu'))),
  },
  {
    name: 'conv2d',
    leaves: () => [leaf([2, 3, 8, 8], 4), leaf([6, 3, 3, 3], 5), leaf([6], 6)],
    loss: ([x, w, b]) => o.sum(o.square(o.conv2d(x!, w!, b, { padding: 1 }))),
  },
  {
    name: 'rnnTanh',
    leaves: () => [leaf([5, 4, 6], 7), leaf([16, 6], 8), leaf([16, 16], 9), leaf([16], 10)],
    loss: ([x, wIh, wHh, b]) => o.sum(o.square(o.rnnTanh(x!, wIh!, wHh!, b, null).output)),
  },
];

afterEach(() => setKernels('auto'));

describe.each(['js', 'wasm'] as const)(
  'gradient hooks see the fused paths (%s kernels)',
  (impl) => {
    it.each(cases.map((c) => [c.name, c] as const))(
      '%s: every parameter hook gets the whole gradient',
      (_, c) => {
        try {
          setKernels(impl);
        } catch {
          return; // no WebAssembly here: the js row covers the sink
        }
        const plain = c.leaves();
        zeroGrads(plain);
        c.loss(plain).backward();
        const hooked = c.leaves();
        zeroGrads(hooked);
        const seen: (Float32Array | null)[] = hooked.map(() => null);
        hooked.forEach((t, i) =>
          registerGradHook(t, (g) => {
            seen[i] = Float32Array.from(g.data);
          }),
        );
        c.loss(hooked).backward();
        hooked.forEach((t, i) => {
          const want = Array.from(plain[i]!.grad!.data);
          expect(Array.from(seen[i] ?? [])).toEqual(want);
          expect(Array.from(t.grad!.data)).toEqual(want);
        });
      },
    );
  },
);

describe('registerGradHook', () => {
  it('a hook may replace the gradient, and its removal restores the direct path', () => {
    const [x, w] = [leaf([3, 4], 1), leaf([2, 4], 2)];
    zeroGrads([x, w]);
    const remove = registerGradHook(
      w,
      (g) =>
        new Tensor(
          g.data.map((v) => 2 * v),
          g.shape,
        ),
    );
    o.sum(o.linear(x, w)).backward();
    const doubled = Array.from(w.grad!.data);
    remove();
    zeroGrads([x, w]);
    o.sum(o.linear(x, w)).backward();
    // d/dW Σ x·Wᵀ = Σ_rows x, the same for each output row.
    expect(doubled).toEqual(Array.from(w.grad!.data).map((v) => 2 * v));
  });

  it('anomaly mode also sees the fused contributions (no direct path)', () => {
    const [x, w] = [leaf([3, 4], 1), leaf([2, 4], 2)];
    zeroGrads([x, w]);
    let calls = 0;
    registerGradHook(w, () => {
      calls++;
    });
    detectAnomaly(() => o.sum(o.linear(x, w)).backward());
    expect(calls).toBe(1);
  });

  it('refuses a non-leaf', () => {
    const w = leaf([2, 2], 1);
    expect(() => registerGradHook(o.mul(w, 2), () => undefined)).toThrow(ConfigError);
  });
});
