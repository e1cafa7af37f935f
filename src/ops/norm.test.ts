import { describe, expect, it } from 'vitest';
import { ConfigError, DtypeError, ShapeError } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import {
  gradcheckMismatches,
  randomTensor,
  refCaseMismatches,
  type RefCase,
} from '../../test/op-test-utils.js';
import { batchNorm, layerNorm } from './norm.js';
import { LayerNorm } from '../nn/layer-norm.js';
import { mul } from './elementwise.js';
import { sum } from './reduce.js';
import { readBundledReference } from '../conformance/reference-node.js';

const ref = readBundledReference<{ cases: RefCase[] }>('torch-ops-reference.json');

describe('norm: PyTorch reference', () => {
  const ln = ref.cases.filter((c) => c.op === 'layerNorm');
  const bn = ref.cases.filter((c) => c.op === 'batchNorm');
  it('has layerNorm and batchNorm cases', () => {
    expect(ln.length).toBeGreaterThan(0);
    expect(bn.length).toBeGreaterThan(0);
  });
  for (const c of ln) {
    const run = (i: Tensor[]): Tensor =>
      layerNorm(i[0]!, i[1]!.shape, i[1], i[2], c.args.eps as number);
    it(`${c.name} float64`, () =>
      expect(refCaseMismatches(c, 'float64', 1e-9, 1e-12, run)).toEqual([]));
    it(`${c.name} float32`, () =>
      expect(refCaseMismatches(c, 'float32', 1e-4, 1e-5, run)).toEqual([]));
  }
  for (const c of bn) {
    const run = (i: Tensor[]): Tensor =>
      batchNorm(i[0]!, i[1], i[2], {
        eps: c.args.eps as number,
        training: c.args.training as boolean,
      });
    it(`${c.name} float64`, () =>
      expect(refCaseMismatches(c, 'float64', 1e-9, 1e-12, run)).toEqual([]));
    it(`${c.name} float32`, () =>
      expect(refCaseMismatches(c, 'float32', 1e-4, 1e-5, run)).toEqual([]));
  }
});

describe('layerNorm', () => {
  it('without affine: each group has mean 0 and variance σ²/(σ² + ε)', () => {
    const rng = new Rng(1);
    const x = randomTensor([3, 2, 4], rng, 'float64', false, 3);
    const eps = 0.1;
    const y = layerNorm(x, [2, 4], null, null, eps);
    for (let r = 0; r < 3; r++) {
      let mx = 0;
      for (let j = 0; j < 8; j++) mx += x.data[r * 8 + j]! / 8;
      let vx = 0;
      for (let j = 0; j < 8; j++) vx += (x.data[r * 8 + j]! - mx) ** 2 / 8;
      let my = 0;
      let vy = 0;
      for (let j = 0; j < 8; j++) my += y.data[r * 8 + j]! / 8;
      for (let j = 0; j < 8; j++) vy += (y.data[r * 8 + j]! - my) ** 2 / 8;
      expect(my).toBeCloseTo(0, 12);
      expect(vy).toBeCloseTo(vx / (vx + eps), 12);
    }
  });

  it('gradients over two normalized axes match finite differences', () => {
    const rng = new Rng(2);
    const x = randomTensor([3, 2, 4], rng, 'float64', true);
    const w = randomTensor([2, 4], rng, 'float64', true);
    const b = randomTensor([2, 4], rng, 'float64', true);
    expect(
      gradcheckMismatches((i) => layerNorm(i[0]!, [2, 4], i[1], i[2]), [x, w, b], rng),
    ).toEqual([]);
  });

  it('gradient without affine parameters matches finite differences', () => {
    const rng = new Rng(3);
    const x = randomTensor([4, 6], rng, 'float64', true);
    expect(gradcheckMismatches((i) => layerNorm(i[0]!, 6), [x], rng)).toEqual([]);
  });

  it('rejects bad shapes, eps and dtypes', () => {
    const rng = new Rng(4);
    const x = randomTensor([3, 5], rng);
    expect(() => layerNorm(x, 4)).toThrow(
      /x must end with the normalized shape \[4\], got shape \[3, 5\]/,
    );
    expect(() => layerNorm(x, 5, randomTensor([4], rng))).toThrow(
      /weight must have shape \[5\], got \[4\]/,
    );
    expect(() => layerNorm(x, 5, null, randomTensor([5, 1], rng))).toThrow(ShapeError);
    expect(() => layerNorm(x, 0)).toThrow(ShapeError);
    expect(() => layerNorm(x, 5, null, null, -1)).toThrow(ConfigError);
    expect(() => layerNorm(x, 5, randomTensor([5], rng, 'float32'))).toThrow(DtypeError);
  });
});

describe('batchNorm', () => {
  it('4-D training gradients (x, γ, β) match finite differences', () => {
    const rng = new Rng(5);
    const x = randomTensor([2, 3, 3, 2], rng, 'float64', true, 2);
    const w = randomTensor([3], rng, 'float64', true);
    const b = randomTensor([3], rng, 'float64', true);
    expect(gradcheckMismatches((i) => batchNorm(i[0]!, i[1], i[2]), [x, w, b], rng)).toEqual([]);
  });

  it('eval-mode gradients match finite differences', () => {
    const rng = new Rng(6);
    const x = randomTensor([3, 2, 2, 2], rng, 'float64', true);
    const w = randomTensor([2], rng, 'float64', true);
    const b = randomTensor([2], rng, 'float64', true);
    const runningMean = new Tensor(Float64Array.from([0.3, -0.2]), [2]);
    const runningVar = new Tensor(Float64Array.from([1.5, 0.7]), [2]);
    expect(
      gradcheckMismatches(
        (i) => batchNorm(i[0]!, i[1], i[2], { training: false, runningMean, runningVar }),
        [x, w, b],
        rng,
      ),
    ).toEqual([]);
    // eval: y = (x − μ_r)/√(σ²_r + ε)·γ + β, here for element (0, 1, 0, 0)
    const y = batchNorm(x, w, b, { training: false, runningMean, runningVar, eps: 1e-3 });
    const k = 1 * 4;
    expect(y.data[k]).toBeCloseTo(
      ((x.data[k]! + 0.2) / Math.sqrt(0.7 + 1e-3)) * w.data[1]! + b.data[1]!,
      13,
    );
  });

  it('training normalises each channel over N, H, W and updates running stats (unbiased variance)', () => {
    const rng = new Rng(7);
    const x = randomTensor([4, 2, 3, 3], rng, 'float64', false, 2);
    const runningMean = new Tensor(Float64Array.from([1, -1]), [2]);
    const runningVar = new Tensor(Float64Array.from([2, 3]), [2]);
    const y = batchNorm(x, null, null, { runningMean, runningVar, momentum: 0.25, eps: 0 });
    for (let ch = 0; ch < 2; ch++) {
      const vals: number[] = [];
      const outs: number[] = [];
      for (let n = 0; n < 4; n++)
        for (let k = 0; k < 9; k++) {
          vals.push(x.data[(n * 2 + ch) * 9 + k]!);
          outs.push(y.data[(n * 2 + ch) * 9 + k]!);
        }
      const m = vals.reduce((a, v) => a + v, 0) / 36;
      const ss = vals.reduce((a, v) => a + (v - m) ** 2, 0);
      const om = outs.reduce((a, v) => a + v, 0) / 36;
      const ov = outs.reduce((a, v) => a + (v - om) ** 2, 0) / 36;
      expect(om).toBeCloseTo(0, 12);
      expect(ov).toBeCloseTo(1, 12); // eps = 0: biased variance normalised to exactly 1
      expect(runningMean.data[ch]).toBeCloseTo(0.75 * [1, -1][ch]! + 0.25 * m, 13);
      expect(runningVar.data[ch]).toBeCloseTo(0.75 * [2, 3][ch]! + 0.25 * (ss / 35), 13);
    }
  });

  it('2-D input without affine: gradient matches finite differences', () => {
    const rng = new Rng(8);
    const x = randomTensor([5, 3], rng, 'float64', true);
    expect(gradcheckMismatches((i) => batchNorm(i[0]!), [x], rng)).toEqual([]);
  });

  it('rejects bad inputs and options', () => {
    const rng = new Rng(9);
    const x = randomTensor([4, 3], rng);
    expect(() => batchNorm(randomTensor([4], rng))).toThrow(ShapeError);
    expect(() => batchNorm(x, randomTensor([4], rng))).toThrow(/weight must have shape \[3\]/);
    expect(() => batchNorm(x, null, null, { training: false })).toThrow(ConfigError);
    expect(() => batchNorm(x, null, null, { momentum: 2 })).toThrow(
      /momentum must be in \[0, 1\], got 2/,
    );
    expect(() => batchNorm(x, null, null, { runningMean: randomTensor([3], rng) })).toThrow(
      ConfigError,
    );
    expect(() => batchNorm(randomTensor([1, 3], rng))).toThrow(/more than 1 value per channel/);
    expect(() => batchNorm(x, randomTensor([3], rng, 'float32'))).toThrow(DtypeError);
  });
});

// nn.LayerNorm's γ and β hold views into the gradient arena after zeroGrad(), and layerNorm adds
// dγ, dβ straight into them (the gradient sink): the same bits as the gradients the op returns
// for fresh leaves, and a second backward adds the same again.
describe('layerNorm accumulates into parameter gradient buffers', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: arena gradients equal fresh-leaf gradients bit for bit, and accumulate`, () => {
      const layer = new LayerNorm(13, { dtype });
      const rng = new Rng(8);
      const x = randomTensor([6, 5, 13], rng, dtype);
      const c = randomTensor([6, 5, 13], rng, dtype);
      const init = randomTensor([13], rng, dtype);
      layer.weight!.data.set(init.data);
      layer.zeroGrad();
      sum(mul(layer.forward(x), c)).backward();
      const arena = [layer.weight!, layer.bias!].map((p) => Array.from(p.grad!.data));
      const w = new Tensor(layer.weight!.data.slice(), [13], true);
      const b = new Tensor(layer.bias!.data.slice(), [13], true);
      sum(mul(layerNorm(x, 13, w, b), c)).backward();
      expect(arena).toEqual([Array.from(w.grad!.data), Array.from(b.grad!.data)]);
      expect(arena.flat().some((v) => v !== 0)).toBe(true);
      sum(mul(layer.forward(x), c)).backward();
      expect([layer.weight!, layer.bias!].map((p) => Array.from(p.grad!.data))).toEqual(
        arena.map((a) => a.map((v) => 2 * v)),
      );
    });
  }
});
