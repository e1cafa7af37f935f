import { describe, expect, it } from 'vitest';
import { DataLoader, gaussianMixture } from '../data/index.js';
import { Linear, crossEntropy, mlp } from '../nn/index.js';
import { Optimizer, chain, sgd } from '../optim/index.js';
import { gradientHealth } from './gradient-health.js';
import type { Verdict } from './types.js';

describe('deadUnits', () => {
  it('a ReLU layer whose bias is −5 is reported dead (that layer only) once its units were 0 for 20 checks', () => {
    const data = gaussianMixture({ numClasses: 4, dim: 16, numSamples: 512 }, 11);
    const loader = new DataLoader(data, { batchSize: 32, seed: 12 });
    const net = mlp({ sizes: [16, 32, 32, 4], seed: 13 });
    // layer "2" (the second Linear) gets bias −5: its pre-activations are −5 + N(0, ≈0.5²) — more
    // than 9σ below 0 — so ReLU "3" outputs 0 for every sample and no gradient reaches the bias.
    (net.at(2) as Linear).bias?.data.fill(-5);
    const health = gradientHealth({ model: net, lr: 0.05 });
    const opt = new Optimizer(net, chain(health, sgd({ lr: 0.05 })));
    let step = 0;
    while (step < 40) {
      for (const b of loader) {
        if (step === 40) break;
        opt.zeroGrad();
        const loss = crossEntropy(net.forward(b.x), b.y as Int32Array);
        loss.backward();
        opt.step({ loss: loss.item() });
        step++;
      }
    }
    expect(health.probes.map((p) => `${p.kind} ${p.module} <- ${p.layer}`)).toEqual([
      'relu 1 <- 0',
      'relu 3 <- 2',
    ]);
    const dead = health.verdicts.filter(
      (v): v is Extract<Verdict, { kind: 'deadUnits' }> => v.kind === 'deadUnits',
    );
    expect(dead).toHaveLength(1);
    const v = dead[0] as Extract<Verdict, { kind: 'deadUnits' }>;
    expect(v.layers).toEqual(['2']);
    expect(v.evidence.module).toBe('3');
    expect(v.evidence.deadFraction).toBe(1);
    expect(v.evidence.deadUnits).toBe(32);
    // dead on checks 1..20 -> reported at step 20 (steps count from 1; was 19 when the monitor counted from 0)
    expect(v.step).toBe(20);
    expect(v.remedies[0]?.action).toEqual({
      action: 'init',
      init: 'constant',
      param: 'bias',
      value: 0.01,
      layers: ['2'],
    });
    expect(v.remedies[2]?.action).toEqual({ action: 'lr', factor: 1 / 3, lr: 0.017 });
    // the healthy first layer keeps most units alive
    expect(health.probes[0]?.deadFraction).toBeLessThan(0.5);
  });
});
