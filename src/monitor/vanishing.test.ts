import { beforeAll, describe, expect, it } from 'vitest';
import { DataLoader, loadMnist, type Dataset } from '../data/index.js';
import type { InitSpec } from '../init/index.js';
import { crossEntropy, mlp, type ActivationName } from '../nn/index.js';
import { Optimizer, chain, sgd } from '../optim/index.js';
import { gradientHealth, type GradientHealth } from './gradient-health.js';
import type { Verdict } from './types.js';

// E12's setup: 10-layer MLP (9 hidden layers of width 128, the low end of E12's 128–256) on the
// real MNIST digits, SGD momentum 0.9, lr 0.1, batch 64. (Not batch 32 to save time: with the
// noisier batch the tanh net saturates — over half of its outputs beyond ±0.99 by step ~150 — and
// its gradients really do vanish by step ~270, which the monitor then reports.)
let train: Dataset;
beforeAll(async () => {
  train = (await loadMnist()).train;
});

function run(
  activation: ActivationName,
  init: InitSpec | undefined,
  steps: number,
  batchSize: number,
  stopOnVanishing: boolean,
): GradientHealth {
  const net = mlp({
    sizes: [784, ...Array<number>(9).fill(128), 10],
    activation,
    init,
    biasInit: init === undefined ? undefined : 'zeros',
    seed: 0,
  });
  const health = gradientHealth({ model: net, lr: 0.1 });
  const opt = new Optimizer(net, chain(health, sgd({ lr: 0.1, momentum: 0.9 })));
  const loader = new DataLoader(train, { batchSize, seed: 1, dropLast: true });
  let step = 0;
  while (step < steps) {
    for (const b of loader) {
      if (
        step === steps ||
        (stopOnVanishing && health.verdicts.some((v) => v.kind === 'vanishing'))
      )
        return health;
      opt.zeroGrad();
      const loss = crossEntropy(net.forward(b.x), b.y as Int32Array);
      loss.backward();
      opt.step({ loss: loss.item() });
      step++;
    }
  }
  return health;
}

describe('vanishing (E12)', () => {
  it('10-layer sigmoid MLP with the standard init U(±1/√n): vanishing within 50 steps, naming the earliest layers', () => {
    const health = run('sigmoid', undefined, 50, 64, true);
    const v = health.verdicts.find(
      (x): x is Extract<Verdict, { kind: 'vanishing' }> => x.kind === 'vanishing',
    );
    expect(v).toBeDefined();
    if (v === undefined) return;
    expect(v.step).toBeLessThan(50);
    // E12's calibration (PyTorch): first/last weight-gradient norm ≈ 2e-8; σ' ≤ 1/4 per layer
    // over 9 sigmoid layers alone gives ≤ 4^-9 ≈ 4e-6
    expect(v.evidence.ratio).toBeLessThan(1e-6);
    expect(v.evidence.firstLayer).toBe('0');
    expect(v.evidence.lastLayer).toBe('18');
    expect(v.layers.slice(0, 3)).toEqual(['0', '2', '4']);
    expect(v.layers).not.toContain('18');
    expect(v.severity).toBe('critical');
    const first = v.remedies[0]?.action;
    expect(first).toMatchObject({ action: 'activation', from: 'sigmoid' });
    expect(v.remedies.some((r) => r.action.action === 'init')).toBe(true);
    expect(v.remedies.some((r) => r.action.action === 'normalization')).toBe(true);
  });

  it('He + ReLU: no vanishing verdict over 500 steps', () => {
    const health = run('relu', 'heNormal', 500, 64, false);
    expect(health.state?.step).toBe(500);
    expect(health.verdicts.filter((v) => v.kind === 'vanishing')).toHaveLength(0);
  });

  it('Xavier + tanh: no vanishing verdict over 500 steps', () => {
    const health = run('tanh', 'xavierNormal', 500, 64, false);
    expect(health.state?.step).toBe(500);
    expect(health.verdicts.filter((v) => v.kind === 'vanishing')).toHaveLength(0);
  });
});
