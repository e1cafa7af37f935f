import { describe, expect, it } from 'vitest';
import { gaussianMixture } from '../data/index.js';
import { gradientHealth } from '../monitor/gradient-health.js';
import { crossEntropy, mlp } from '../nn/index.js';
import { mul } from '../ops/index.js';
import { Optimizer, chain, sgd } from '../optim/index.js';
import type { Tensor } from '../tensor/tensor.js';
import { fit } from './fit.js';
import { MemoryRunLog } from './run-log.js';
import { terminateOnNonFinite } from './terminate-on-non-finite.js';

// One step numbering (issue 15 item 7): the first optimizer step is step 1 everywhere — fit's
// step counter, its callbacks and metrics log, and the monitor's verdicts and records.
describe('one step numbering across fit and the monitor', () => {
  it("a nonFinite verdict's step is the step at which terminateOnNonFinite stops fit", async () => {
    const data = gaussianMixture({ numClasses: 3, dim: 8, numSamples: 256 }, 1);
    const net = mlp({ sizes: [8, 16, 3], seed: 2 });
    const health = gradientHealth({ model: net });
    const opt = new Optimizer(net, chain(health, sgd({ lr: 0.1 })));
    let calls = 0;
    // the 14th loss (step 14) is multiplied by NaN: its gradients are all NaN
    const lossFn = (out: Tensor, y: Int32Array | Tensor): Tensor => {
      const l = crossEntropy(out, y as Int32Array);
      return ++calls === 14 ? mul(l, NaN) : l;
    };
    const log = new MemoryRunLog();
    const summary = await fit(net, opt, data, {
      epochs: 5,
      batchSize: 32,
      lossFn,
      callbacks: [terminateOnNonFinite()],
      runDir: log,
      logEvery: 1,
    });
    expect(summary.stopReason).toMatch(/at step 14$/);
    const nf = health.verdicts.filter((v) => v.kind === 'nonFinite');
    expect(nf.map((v) => v.step)).toEqual([14]);
    expect(nf[0]?.message).toMatch(/at step 14:/);
    // the metrics log and the monitor's last check name the same step
    expect(log.records.at(-1)?.step).toBe(14);
    expect(health.state?.lastCheck).toBe(14);
    expect(health.summary().checkedSteps.slice(0, 3)).toEqual([1, 2, 3]);
  });
});
