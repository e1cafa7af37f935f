import { describe, expect, it } from 'vitest';
import { DataLoader, gaussianMixture, type Batch } from '../data/index.js';
import { crossEntropy, mlp } from '../nn/index.js';
import { Optimizer, chain, sgd, serializeState, type OptimizerStateDict } from '../optim/index.js';
import { gradientHealth } from './gradient-health.js';
import { statsRecord, toJsonLine, verdictRecord } from './records.js';

// A 10-layer sigmoid MLP with the standard init on a 4-class Gaussian mixture: its gradients
// vanish from the first steps (σ' ≤ 1/4 over 9 layers), so after 30 updates the monitor holds a
// `vanishing` verdict whose episode is still active.
const data = gaussianMixture({ numClasses: 4, dim: 16, numSamples: 512 }, 11);
const batches: Batch[] = [];
for (const b of new DataLoader(data, { batchSize: 32, seed: 2, dropLast: true })) batches.push(b);

function setup() {
  const net = mlp({ sizes: [16, ...Array<number>(9).fill(32), 4], activation: 'sigmoid', seed: 0 });
  const health = gradientHealth({ model: net, lr: 0.1 });
  const opt = new Optimizer(net, chain(health, sgd({ lr: 0.1, momentum: 0.9 })));
  // the lines logHealthToJsonl writes, with per-parameter statistics
  const lines: string[] = [];
  health.onStats((s, h) =>
    lines.push(toJsonLine(statsRecord(s, { probes: h.probes, params: true }))),
  );
  health.onVerdict((v) => lines.push(toJsonLine(verdictRecord(v))));
  const train = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const b = batches[i % batches.length] as Batch;
      opt.zeroGrad();
      const loss = crossEntropy(net.forward(b.x), b.y as Int32Array);
      loss.backward();
      opt.step({ loss: loss.item() });
    }
  };
  return { net, health, opt, lines, train };
}

describe('monitor state across Optimizer.stateDict / loadStateDict', () => {
  it('a restored monitor keeps its verdict log and active episodes (regression: it reported 0 verdicts and nothing active)', () => {
    const a = setup();
    a.train(0, 30);
    const kinds = a.health.verdicts.map((v) => v.kind);
    expect(kinds).toContain('vanishing');
    expect(a.health.activeVerdicts().map((v) => v.kind)).toContain('vanishing');
    const saved = JSON.parse(JSON.stringify(a.opt.stateDict())) as OptimizerStateDict;

    const b = setup();
    b.net.loadStateDict(a.net.stateDict());
    b.opt.loadStateDict(saved);
    expect(b.health.verdicts).toEqual(a.health.verdicts);
    expect(b.health.activeVerdicts()).toEqual(a.health.activeVerdicts());
    expect(b.health.summary().active).toContain('vanishing');
    expect(b.health.state?.step).toBe(30);
  });

  it('resume is bit-exact: saved at step 30 and resumed, the same records, verdicts and state as an uninterrupted run', () => {
    const a = setup();
    a.train(0, 30);
    const saved = JSON.stringify(a.opt.stateDict());
    const weights = a.net.stateDict();
    const b = setup();
    b.net.loadStateDict(weights);
    b.opt.loadStateDict(JSON.parse(saved) as OptimizerStateDict);
    const before = a.lines.length;
    a.train(30, 80);
    b.train(30, 80);
    // the still-active vanishing episode is not reported again after the restore
    expect(b.lines.filter((l) => l.includes('"type":"verdict"'))).toEqual(
      a.lines.slice(before).filter((l) => l.includes('"type":"verdict"')),
    );
    expect(b.lines).toEqual(a.lines.slice(before));
    expect(b.health.verdicts).toEqual(a.health.verdicts);
    expect(JSON.stringify(serializeState(b.opt.state))).toBe(
      JSON.stringify(serializeState(a.opt.state)),
    );
  });
});
