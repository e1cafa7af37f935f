import { describe, expect, it } from 'vitest';
import { DataLoader, addition, loadMnist } from '../data/index.js';
import { LSTM, Linear, Module, crossEntropy, mlp, mse, type RecurrentOutput } from '../nn/index.js';
import { narrow, reshape } from '../ops/index.js';
import { Optimizer, adam, chain } from '../optim/index.js';
import { Tensor } from '../tensor/tensor.js';
import { gradientHealth } from './gradient-health.js';

/** An LSTM read out by a Linear head at the last time step. */
class LastStep extends Module<[Tensor], Tensor> {
  readonly rnn: Module<[Tensor], RecurrentOutput>;
  readonly head: Linear;
  constructor(rnn: Module<[Tensor], RecurrentOutput>, hidden: number, seed: number) {
    super();
    this.rnn = this.registerModule(
      'rnn',
      rnn as unknown as Module<unknown[], unknown>,
    ) as unknown as Module<[Tensor], RecurrentOutput>;
    this.head = this.registerModule('head', new Linear(hidden, 1, { seed }));
  }
  forward(x: Tensor): Tensor {
    const o = this.rnn.forward(x).output;
    const [T, B, H] = o.shape as [number, number, number];
    return this.head.forward(reshape(narrow(o, 0, T - 1, 1), [B, H]));
  }
}

// Healthy runs must produce no verdict at all, with a check on every step (the strictest setting).
describe('false alarms', () => {
  it('MNIST MLP (784-64-64-10, He init, ReLU) with Adam, 1000 steps of batch 32: zero verdicts', async () => {
    const { train } = await loadMnist();
    const net = mlp({
      sizes: [784, 64, 64, 10],
      activation: 'relu',
      init: 'heNormal',
      biasInit: 'zeros',
      seed: 0,
    });
    const health = gradientHealth({ model: net, lr: 1e-3 });
    const opt = new Optimizer(net, chain(health, adam({ lr: 1e-3 })));
    const loader = new DataLoader(train, { batchSize: 32, seed: 1, dropLast: true });
    let step = 0;
    let first = NaN;
    let last = NaN;
    while (step < 1000) {
      for (const b of loader) {
        if (step === 1000) break;
        opt.zeroGrad();
        const loss = crossEntropy(net.forward(b.x), b.y as Int32Array);
        loss.backward();
        opt.step({ loss: loss.item() });
        if (step === 0) first = loss.item();
        last = loss.item();
        step++;
      }
    }
    expect(health.verdicts).toEqual([]);
    expect(health.summary().checks).toBe(1000);
    // it did train (not a vacuous pass): ln 10 ≈ 2.3 at the start
    expect(first).toBeGreaterThan(2);
    expect(last).toBeLessThan(1);
  });

  it('LSTM (16 units) on the addition task (T = 20, batch 16) with Adam, 1000 steps: zero verdicts', () => {
    const model = new LastStep(
      new LSTM(2, 16, { seed: 0 }) as unknown as Module<[Tensor], RecurrentOutput>,
      16,
      1,
    );
    const health = gradientHealth({ model, lr: 3e-3 });
    const opt = new Optimizer(model, chain(health, adam({ lr: 3e-3 })));
    for (let s = 0; s < 1000; s++) {
      const b = addition(16, 20, 1000 + s, { jitterLength: false });
      const y = new Tensor(b.y as Float32Array, b.yShape);
      opt.zeroGrad();
      const loss = mse(model.forward(new Tensor(b.x, b.xShape)), y);
      loss.backward();
      opt.step({ loss: loss.item() });
    }
    expect(health.verdicts).toEqual([]);
    expect(health.state?.stats.layerNames).toEqual(['rnn.l0', 'head']);
  });
});
