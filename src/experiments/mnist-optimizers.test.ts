import { describe, expect, it } from 'vitest';
import { loadMnist } from '../data/mnist.js';
import { sgd } from '../optim/sgd.js';
import { makeMnistOptimizer, trainMnist } from './internal/set-b-mnist.js';
import { MNIST_OPTIMIZERS, MNIST_OPTIMIZER_GRIDS, mnistOptimizers } from './mnist-optimizers.js';

describe('E11 mnist-optimizers', () => {
  it('logistic regression from zero weights with lr 0: the objective is ln 10 at every evaluation', async () => {
    // Zero weights give uniform softmax probabilities 1/10 on every digit and a zero L2 penalty.
    const data = await loadMnist();
    const r = trainMnist(
      data,
      {
        model: { hidden: [], dropout: 0 },
        seed: 0,
        batchSize: 128,
        updates: 4,
        l2: 1e-3,
        evalTrainEvery: 2,
      },
      () => sgd({ lr: 0 }),
    );
    expect(r.trainCurve.map((c) => c.step)).toEqual([0, 2, 4]);
    for (const c of r.trainCurve) expect(c.loss).toBeCloseTo(Math.log(10), 6);
    for (const l of r.batchLosses) expect(l).toBeCloseTo(Math.log(10), 6);
    expect(r.testAccuracy).toBeGreaterThan(0);
  });

  it('every optimizer is built and every grid has three increasing learning rates', () => {
    for (const o of MNIST_OPTIMIZERS) {
      expect(makeMnistOptimizer(o, 1e-3)).toHaveProperty('update');
      for (const g of [MNIST_OPTIMIZER_GRIDS.logistic[o], MNIST_OPTIMIZER_GRIDS.mlp[o]]) {
        expect(g).toHaveLength(3);
        expect((g[0] as number) < (g[1] as number) && (g[1] as number) < (g[2] as number)).toBe(
          true,
        );
      }
    }
  });

  it('quick mode passes every criterion', async () => {
    const r = await mnistOptimizers.run({ quick: true, seeds: mnistOptimizers.defaultSeeds.quick });
    for (const c of r.criteria)
      expect(c.pass, `${c.name}: ${String(c.measured)} (expected ${c.expected})`).toBe(true);
    expect(r.pass).toBe(true);
    expect(r.charts.map((c) => c.id)).toEqual(['logistic-loss', 'mlp-loss', 'mlp-grid']);
  });
});
