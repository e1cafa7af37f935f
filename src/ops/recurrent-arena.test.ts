import { describe, expect, it } from 'vitest';
import { RNN, LSTM, GRU } from '../nn/recurrent.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { randomTensor } from '../../test/op-test-utils.js';
import { mul } from './elementwise.js';
import { sum } from './reduce.js';
import { gru, lstm, rnnTanh } from './recurrent.js';

// Module parameters hold views into the gradient arena after zeroGrad(), and the recurrent ops
// add their weight/bias gradients straight into them. They must equal the gradients the op
// returns for fresh leaves (copies of the same weights with no .grad), and accumulate across
// two backward passes (G + G).
describe('recurrent ops accumulate into parameter gradient buffers', () => {
  const cases = [
    ['rnnTanh', (i: number, h: number) => new RNN(i, h, { seed: 1, dtype: 'float64' }), rnnTanh],
    ['lstm', (i: number, h: number) => new LSTM(i, h, { seed: 2, dtype: 'float64' }), lstm],
    ['gru', (i: number, h: number) => new GRU(i, h, { seed: 3, dtype: 'float64' }), gru],
  ] as const;
  for (const [name, make, op] of cases) {
    it(`${name}: arena gradients equal fresh-leaf gradients, and accumulate`, () => {
      const layer = make(3, 4);
      const rng = new Rng(6);
      const x = randomTensor([5, 2, 3], rng, 'float64');
      const c = randomTensor([5, 2, 4], rng, 'float64');
      const params = layer.namedParameters();
      const names = Object.keys(params);
      layer.zeroGrad();
      sum(mul(layer.forward(x).output, c)).backward();
      const arena = names.map((n) => Array.from((params[n] as Tensor).grad!.data));
      // Fresh leaves: copies of the weights, in the op's argument order (wIh, wHh, bIh, bHh).
      const copies = names.map((n) => {
        const p = params[n] as Tensor;
        return new Tensor(p.data.slice(), p.shape, true);
      });
      const [wIh, wHh, bIh, bHh] = copies as [Tensor, Tensor, Tensor, Tensor];
      sum(mul(op(x, wIh, wHh, bIh, bHh).output, c)).backward();
      copies.forEach((t, k) => {
        const want = Array.from(t.grad!.data);
        arena[k]!.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 12));
      });
      // A second backward without zeroGrad doubles them.
      sum(mul(layer.forward(x).output, c)).backward();
      names.forEach((n, k) => {
        Array.from((params[n] as Tensor).grad!.data).forEach((v, i) =>
          expect(v).toBeCloseTo(2 * arena[k]![i]!, 12),
        );
      });
      expect(arena.flat().some((v) => v !== 0)).toBe(true);
    });
  }
});
