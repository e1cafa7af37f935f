import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { gradcheckMismatches, randomTensor } from '../../test/op-test-utils.js';
import { linear, type LinearActivation } from './linear.js';
import { sum } from './reduce.js';
import { mul } from './elementwise.js';
import { relu, tanh } from './unary.js';

const ACT: Record<LinearActivation, (t: Tensor) => Tensor> = { relu, tanh };

/** Loss Σ y ⊙ c for a fixed random c, so every output element gets its own upstream gradient. */
function lossOf(y: Tensor, c: Tensor): Tensor {
  return sum(mul(y, c));
}

describe('linear with a fused activation', () => {
  // [rows, in, out]: the small one runs the JS path, the large one (float32) the wasm kernels.
  const sizes = [
    [6, 9, 5],
    [12, 40, 24],
  ] as const;
  for (const dtype of ['float32', 'float64'] as DType[]) {
    for (const act of ['relu', 'tanh'] as LinearActivation[]) {
      it.each(sizes)(
        `${act} (${dtype}): same bits as ${act}(linear(x)), same gradients, NaN kept (%i×%i→%i)`,
        (rows, inF, outF) => {
          const rng = new Rng(11);
          const x = randomTensor([rows, inF], rng, dtype, true);
          x.data[inF + 2] = NaN; // row 1 is NaN through the activation, as through relu()/tanh()
          const w = randomTensor([outF, inF], rng, dtype, true);
          const b = randomTensor([outF], rng, dtype, true);
          const c = randomTensor([rows, outF], rng, dtype);
          const fused = linear(x, w, b, act);
          const plain = ACT[act](linear(x, w, b));
          expect(Array.from(fused.data)).toEqual(Array.from(plain.data));
          expect(Number.isNaN(fused.data[outF] as number)).toBe(true);
          // Gradients: leaves without a .grad get freshly allocated ones on both paths.
          lossOf(fused, c).backward();
          const gFused = [x, w, b].map((t) => Array.from((t.grad as Tensor).data));
          for (const t of [x, w, b]) t.grad = null;
          lossOf(plain, c).backward();
          const gPlain = [x, w, b].map((t) => Array.from((t.grad as Tensor).data));
          expect(gFused).toEqual(gPlain);
        },
      );
    }
  }

  it('gradients match finite differences (float64), with and without bias', () => {
    const rng = new Rng(5);
    for (const act of ['relu', 'tanh'] as LinearActivation[]) {
      const x = randomTensor([3, 2, 4], rng, 'float64', true);
      const w = randomTensor([3, 4], rng, 'float64', true);
      const b = randomTensor([3], rng, 'float64', true);
      expect(gradcheckMismatches((i) => linear(i[0]!, i[1]!, i[2], act), [x, w, b], rng)).toEqual(
        [],
      );
      expect(gradcheckMismatches((i) => linear(i[0]!, i[1]!, null, act), [x, w], rng)).toEqual([]);
    }
  });

  it('accumulates dW and db into existing parameter gradients (the arena path)', () => {
    // A parameter that already holds a gradient G receives G + dL/dW: compare with the
    // freshly-allocated path plus G, elementwise in float64 (only the summation order differs).
    const rng = new Rng(8);
    const x = randomTensor([7, 4], rng, 'float64', false);
    const w = randomTensor([3, 4], rng, 'float64', true);
    const b = randomTensor([3], rng, 'float64', true);
    const c = randomTensor([7, 3], rng, 'float64');
    lossOf(linear(x, w, b, 'tanh'), c).backward();
    const fresh = [w, b].map((t) => Array.from((t.grad as Tensor).data));
    const g0 = [w, b].map((t) => {
      const d = new Float64Array(t.size).map((_v, i) => 0.25 * i - 1);
      t.grad = new Tensor(d, t.shape);
      return Array.from(d);
    });
    const buffers = [w, b].map((t) => (t.grad as Tensor).data);
    lossOf(linear(x, w, b, 'tanh'), c).backward();
    [w, b].forEach((t, k) => {
      expect((t.grad as Tensor).data).toBe(buffers[k]); // same buffer, updated in place
      const got = Array.from((t.grad as Tensor).data);
      got.forEach((v, i) =>
        expect(v).toBeCloseTo((g0[k]![i] as number) + (fresh[k]![i] as number), 12),
      );
    });
  });

  it('rejects an unknown activation naming it', () => {
    const rng = new Rng(1);
    const x = randomTensor([2, 3], rng);
    const w = randomTensor([4, 3], rng);
    expect(() => linear(x, w, null, 'gelu' as LinearActivation)).toThrow(ConfigError);
    expect(() => linear(x, w, null, 'gelu' as LinearActivation)).toThrow(
      /activation must be 'relu', 'tanh' or null, got .*gelu/,
    );
  });
});
