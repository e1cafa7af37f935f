import { describe, expect, it } from 'vitest';
import { gradgradcheck } from '../autograd/gradgradcheck.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { gradcheckCases } from './gradcheck-table.js';
import * as o from './index.js';

const cases = gradcheckCases();
const opts = { eps: 1e-6, atol: 1e-6, rtol: 1e-5 };

describe('gradgradcheck: second derivatives of every op in the gradcheck table (float64)', () => {
  for (const { name, f, inputs: make } of cases) {
    it(name, () => {
      const res = gradgradcheck(f, make(), opts);
      expect(res.pass, JSON.stringify(res)).toBe(true);
    });
  }
});

describe('gradgradcheck: fused layers and losses', () => {
  const rng = new Rng(99);
  const r = (shape: number[], lo = -1, hi = 1): Tensor => {
    const t = new Tensor(new Float64Array(shape.reduce((a, b) => a * b, 1)), shape);
    rng.fillUniform(t.data, lo, hi);
    return t;
  };
  const labels = [2, 0, 1, 2];
  const extra: [string, (...x: Tensor[]) => Tensor, () => Tensor[]][] = [
    ['linear', (x, w, b) => o.linear(x!, w!, b!), () => [r([2, 3, 4]), r([5, 4]), r([5])]],
    [
      'linear+tanh',
      (x, w, b) => o.linear(x!, w!, b!, 'tanh'),
      () => [r([4, 3]), r([2, 3]), r([2])],
    ],
    ['linear+relu', (x, w) => o.linear(x!, w!, null, 'relu'), () => [r([4, 3]), r([5, 3])]],
    ['layerNorm', (x, w, b) => o.layerNorm(x!, 4, w!, b!), () => [r([3, 4]), r([4]), r([4])]],
    ['crossEntropy mean', (z) => o.crossEntropy(z!, labels), () => [r([4, 3], -2, 2)]],
    [
      'crossEntropy weighted, smoothed, ignoreIndex, none',
      (z, w) =>
        o.crossEntropy(z!, [2, -100, 1, 0], { weight: w!, labelSmoothing: 0.2, reduction: 'none' }),
      // The class weights are constants of crossEntropy (no gradient, as in PyTorch's weight).
      () => {
        const z = r([4, 3], -2, 2);
        z.requiresGrad = true;
        return [z, r([3], 0.5, 2)];
      },
    ],
    ['nllLoss', (z) => o.nllLoss(o.logSoftmax(z!, 1), labels), () => [r([4, 3], -2, 2)]],
    ['mse', (a, b) => o.mse(a!, b!), () => [r([3, 4]), r([3, 4])]],
    [
      'huber sum',
      (a, b) => o.huber(a!, b!, { delta: 0.5, reduction: 'sum' }),
      () => [r([3, 4], -2, 2), r([3, 4])],
    ],
    [
      'bceWithLogits posWeight',
      (z, y, p) => o.bceWithLogits(z!, y!, { posWeight: p! }),
      () => [r([3, 4], -3, 3), r([3, 4], 0, 1), r([4], 0.5, 2)],
    ],
  ];
  for (const [name, f, make] of extra) {
    it(name, () => {
      const res = gradgradcheck(f, make(), opts);
      expect(res.pass, JSON.stringify(res)).toBe(true);
    });
  }
});
