import { afterEach, describe, expect, it } from 'vitest';
import { setAnomalyMode } from '../autograd/anomaly.js';
import { DataLoader, gaussianMixture } from '../data/index.js';
import { crossEntropy, mlp } from '../nn/index.js';
import { Optimizer, chain, sgd } from '../optim/index.js';
import { Tensor } from '../tensor/tensor.js';
import { gradientHealth } from './gradient-health.js';
import type { Verdict } from './types.js';

type NonFiniteVerdict = Extract<Verdict, { kind: 'nonFinite' }>;

/**
 * 12 SGD steps of a small MLP on a 4-class mixture; at `badStep` one value of sample `row` is
 * replaced. tanh keeps a NaN flowing forward to the loss (as PyTorch's relu would; this repo's relu
 * maps NaN to 0, which would hide it until the first layer's backward).
 */
function run(
  badStep: number,
  row: number,
  value: number,
  anomaly: boolean,
  activation: 'tanh' | 'relu' = 'tanh',
): Verdict[] {
  const data = gaussianMixture({ numClasses: 4, dim: 16, numSamples: 256 }, 3);
  const loader = new DataLoader(data, { batchSize: 16, seed: 4 });
  const net = mlp({ sizes: [16, 32, 32, 4], activation, seed: 5 });
  const health = gradientHealth({ model: net });
  const opt = new Optimizer(net, chain(health, sgd({ lr: 0.05 })));
  setAnomalyMode(anomaly);
  let step = 0;
  for (const b of loader) {
    if (step === 12) break;
    let x = b.x;
    if (step === badStep) {
      x = new Tensor(Float32Array.from(b.x.data), b.x.shape);
      x.data[row * 16 + 5] = value;
    }
    opt.zeroGrad();
    const loss = crossEntropy(net.forward(x), b.y as Int32Array);
    loss.backward();
    health.watch(loss);
    opt.step({ loss: loss.item() });
    step++;
  }
  setAnomalyMode(false);
  return [...health.verdicts];
}

const nonFinite = (vs: Verdict[]): NonFiniteVerdict[] =>
  vs.filter((v): v is NonFiniteVerdict => v.kind === 'nonFinite');

afterEach(() => setAnomalyMode(false));

describe('nonFinite', () => {
  it('a NaN in one sample: verdict at that step, naming the first parameter and the input row it came from', () => {
    const vs = nonFinite(run(7, 3, NaN, false));
    // the NaN spreads into every parameter at the 8th update (loop index 7) and stays there: one verdict, not one per step
    expect(vs).toHaveLength(1);
    const v = vs[0] as NonFiniteVerdict;
    expect(v.step).toBe(8); // the 8th update (steps count from 1)
    // arena order is 0.weight, 0.bias, 2.weight, …: dW₀ = gᵀx has a NaN column from x's NaN
    expect(v.evidence.firstParam).toBe('0.weight');
    expect(v.evidence.count).toBeGreaterThan(0);
    expect(v.layers[0]).toBe('0');
    expect(v.evidence.origin).toMatchObject({
      kind: 'input',
      row: 3,
      index: 3 * 16 + 5,
      shape: [16, 16],
    });
    expect(Number.isNaN(v.evidence.origin?.value)).toBe(true);
    expect(v.evidence.anomaly).toBeNull();
    expect(v.remedies[0]?.action).toEqual({ action: 'checkData', rows: [3] });
    expect(v.severity).toBe('critical');
  });

  it('in anomaly mode the verdict names the op: with NaN data, the loss whose backward produced the first NaN from a finite gradient', () => {
    const v = nonFinite(run(7, 3, NaN, true))[0] as NonFiniteVerdict;
    expect(v.step).toBe(8); // the 8th update (steps count from 1)
    expect(Number.isNaN(v.evidence.loss)).toBe(true);
    // every forward op inherits the NaN (its inputs are not finite); the first op producing one
    // from finite inputs is the loss's VJP (seeded with 1), as PyTorch's detect_anomaly reports
    // LogSoftmaxBackward
    expect(v.evidence.anomaly).toMatchObject({ op: 'crossEntropy', phase: 'backward' });
  });

  it('an overflowing sample (1e38 in float32): exploding at that step, then nonFinite where an op overflows', () => {
    const vs = run(4, 2, 1e38, true, 'relu');
    // step 4: x·Wᵀ ≈ 1e38·0.2 is still finite, but dW₀ = gᵀx ≈ 1e37 — far above the gradient
    // ceiling (100·max(‖p‖, 1)); SGD then makes W₀ ~ 5e35, and at step 5 the first layer's output
    // x·W₀ᵀ overflows float32 (max 3.4e38) from finite inputs: 'linear' made the first Inf.
    expect(vs.map((v) => `${v.kind}@${v.step}`)).toEqual(['exploding@5', 'nonFinite@6']);
    expect((vs[0] as Extract<Verdict, { kind: 'exploding' }>).evidence.trigger).toBe('ceiling');
    const v = vs[1] as NonFiniteVerdict;
    expect(v.evidence.anomaly).toMatchObject({ op: 'linear', phase: 'forward' });
    expect(v.evidence.origin).toMatchObject({ kind: 'op', name: 'linear' });
    expect(v.evidence.firstParam).toBe('0.weight');
  });
});
