import { describe, expect, it } from 'vitest';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { randomTensor } from '../../test/op-test-utils.js';
import { crossEntropy } from '../ops/losses.js';
import { tanh } from '../ops/unary.js';
import { ReLU, Tanh } from './activations.js';
import { Conv2d } from './conv2d.js';
import { Flatten } from './flatten.js';
import { Linear } from './linear.js';
import { mlp } from './mlp.js';
import { Sequential } from './sequential.js';

// Sequential runs Linear → ReLU/Tanh as one fused op unless a hook needs the Linear's own output.
// A hook on every module turns fusion off, so the same model with and without hooks must give the
// same loss and the same gradients, bit for bit.
function lossAndGrads(model: Sequential, x: Tensor, y: number[]): [number, number[][]] {
  model.zeroGrad();
  const loss = crossEntropy(model.forward(x), y);
  loss.backward();
  const grads = Object.values(model.namedParameters()).map((p) =>
    Array.from((p.grad as Tensor).data),
  );
  return [loss.item(), grads];
}

describe('Sequential fusion of Linear + activation', () => {
  for (const activation of ['relu', 'tanh'] as const) {
    it(`${activation} MLP: fused and hooked (unfused) runs agree bit for bit`, () => {
      const model = mlp({ sizes: [12, 16, 16, 5], activation, seed: 3 });
      const x = randomTensor([8, 12], new Rng(4), 'float32');
      const y = [0, 1, 2, 3, 4, 0, 1, 2];
      const fused = lossAndGrads(model, x, y);
      const seen: string[] = [];
      const handle = model.registerForwardHook((_m, name) => seen.push(name));
      const unfused = lossAndGrads(model, x, y);
      handle.remove();
      expect(seen).toContain('1'); // the activation's own output was produced and seen
      expect(unfused).toEqual(fused);
    });
  }

  it('does not fuse subclasses that override forward', () => {
    class NotReally extends ReLU {
      override forward(x: Tensor): Tensor {
        return tanh(x);
      }
    }
    const lin = new Linear(3, 2, { seed: 1 });
    const x = randomTensor([4, 3], new Rng(2), 'float32');
    const y1 = new Sequential(lin, new NotReally()).forward(x);
    const y0 = tanh(lin.forward(x));
    expect(Array.from(y1.data)).toEqual(Array.from(y0.data));
    // and Tanh after a non-Linear is left alone
    expect(new Sequential(new Tanh(), new Tanh()).forward(x).shape).toEqual([4, 3]);
  });
});

describe('Sequential fusion of Conv2d + ReLU', () => {
  // Two sizes: the first runs the whole batch on the wasm kernels, the second is small enough
  // for the JS per-image path under 'auto'.
  for (const [channels, size] of [
    [8, 12],
    [2, 4],
  ] as const) {
    it(`conv ${channels}ch ${size}×${size}: fused and hooked (unfused) runs agree bit for bit`, () => {
      const model = new Sequential(
        new Conv2d(1, channels, 3, { padding: 1, seed: 1 }),
        new ReLU(),
        new Conv2d(channels, channels, 3, { padding: 1, seed: 2 }),
        new ReLU(),
        new Flatten(),
        new Linear(channels * size * size, 5, { seed: 3 }),
      );
      const x = randomTensor([6, 1, size, size], new Rng(5), 'float32');
      const y = [0, 1, 2, 3, 4, 0];
      const fused = lossAndGrads(model, x, y);
      const seen: string[] = [];
      const handle = model.registerForwardHook((_m, name) => seen.push(name));
      const unfused = lossAndGrads(model, x, y);
      handle.remove();
      expect(seen).toContain('1');
      expect(unfused).toEqual(fused);
    });
  }
});
