import { describe, expect, it } from 'vitest';
import { DataLoader, MIXTURE_PRESETS, gaussianMixture } from '../data/index.js';
import { crossEntropy, mlp } from '../nn/index.js';
import { Optimizer, chain, sgd } from '../optim/index.js';
import { gradientHealth } from './gradient-health.js';
import type { Verdict } from './types.js';

describe('saturated (E7 b, Glorot & Bengio 2010)', () => {
  it('4 sigmoid layers of width 300, standard init, SGD batch 10, lr 0.1: the top hidden layer saturates, the lower ones do not', () => {
    // 9-class mixture in 256-d (means N(0, 0.15²), unit noise, 20,000 samples)
    const data = gaussianMixture(MIXTURE_PRESETS.glorotSaturation, 0);
    const net = mlp({ sizes: [256, 300, 300, 300, 300, 9], activation: 'sigmoid', seed: 0 });
    const health = gradientHealth({ model: net, lr: 0.1 });
    const opt = new Optimizer(net, chain(health, sgd({ lr: 0.1 })));
    const loader = new DataLoader(data, { batchSize: 10, seed: 1, dropLast: true });
    let step = 0;
    const saturated = (): Verdict | undefined =>
      health.verdicts.find((v) => v.kind === 'saturated');
    // E7b looks after 2000 updates; the verdict may fire earlier, which ends the run
    for (const b of loader) {
      if (step === 2000 || saturated() !== undefined) break;
      opt.zeroGrad();
      const loss = crossEntropy(net.forward(b.x), b.y as Int32Array);
      loss.backward();
      opt.step({ loss: loss.item() });
      step++;
    }
    const v = saturated() as Extract<Verdict, { kind: 'saturated' }> | undefined;
    expect(v).toBeDefined();
    if (v === undefined) return;
    // Linear "6" feeds sigmoid "7", the top hidden layer
    expect(v.layers).toEqual(['6']);
    expect(v.evidence.module).toBe('7');
    expect(v.evidence.activation).toBe('sigmoid');
    expect(v.evidence.rule).toBe('collapse');
    // pushed towards 0: below 0.15 and below 0.3× its initial mean (≈ 0.5)
    expect(v.evidence.mean).toBeLessThan(0.15);
    expect(v.evidence.mean).toBeLessThan(0.3 * v.evidence.initialMean);
    expect(v.remedies[0]?.action).toEqual({
      action: 'activation',
      from: 'sigmoid',
      to: 'tanh',
      layers: ['6'],
    });
    // layers 1–3 stay near 0.5 (E7b: > 0.45) and get no verdict
    const lower = health.probes.filter((p) => p.module !== '7');
    expect(lower.map((p) => p.module)).toEqual(['1', '3', '5']);
    for (const p of lower) expect(p.mean).toBeGreaterThan(0.45);
    expect(health.verdicts.filter((x) => x.kind === 'saturated')).toHaveLength(1);
    expect(step).toBeLessThan(2000);
  });
});
