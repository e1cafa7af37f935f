import { describe, expect, it } from 'vitest';
import { noGrad } from '../autograd/index.js';
import { Linear } from '../nn/linear.js';
import { qStar } from '../numeric/mean-field.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import {
  agrees,
  edgeOfChaos,
  edgeOfChaosModel,
  gradientVerdict,
  trainableDepth,
} from './edge-of-chaos.js';
import { meanStd } from './internal/set-b-common.js';
import type { Verdict } from '../monitor/types.js';

describe('E19 edge-of-chaos', () => {
  it('trainableDepth: the deepest depth up to which every depth trains', () => {
    expect(trainableDepth([5, 10, 20], [0.9, 0.8, 0.1], 0.5)).toBe(10);
    // a lucky deep point after a failure does not extend the region
    expect(trainableDepth([5, 10, 20], [0.9, 0.2, 0.9], 0.5)).toBe(5);
    expect(trainableDepth([5, 10, 20], [0.3, 0.8, 0.9], 0.5)).toBe(0);
    expect(trainableDepth([5, 10, 20], [0.9, 0.8, 0.7], 0.5)).toBe(20);
    expect(trainableDepth([5, 10], [0.9, NaN], 0.5)).toBe(5);
  });

  it('agrees: the boundary interval [d, next] meets [D/F, D·F]', () => {
    // boundary in [20, 30]; 6ξ_c = 22 → [11, 44] overlaps
    expect(agrees(20, 30, 22, 2)).toBe(true);
    // boundary in [10, 15]; 6ξ_c = 42 → [21, 84] does not
    expect(agrees(10, 15, 42, 2)).toBe(false);
    // boundary in [70, 100]; 6ξ_c = 41 → [20.5, 82] overlaps
    expect(agrees(70, 100, 41, 2)).toBe(true);
    // boundary in [45, 70]; 6ξ_c = 151 → [75.5, 302] does not
    expect(agrees(45, 70, 151, 2)).toBe(false);
  });

  it('the network: weights N(0, σ_w²/fan_in), biases N(0, σ_b²), pre-activations settle at q*', () => {
    const sw2 = 2.5;
    const setup = { sigmaB2: 0.05, width: 512 };
    const net = edgeOfChaosModel(sw2, 12, setup, new Rng(3));
    const params = net.namedParameters();
    // hidden weights: 512 × 512 samples per layer, so the sample variance is within ~0.6 % (1 sd)
    const w = meanStd((params['4.weight'] as Tensor).data).std ** 2;
    expect(Math.abs(w * 512 - sw2)).toBeLessThan(0.03 * sw2);
    // first layer: fan_in 784
    const w0 = meanStd((params['0.weight'] as Tensor).data).std ** 2;
    expect(Math.abs(w0 * 784 - sw2)).toBeLessThan(0.03 * sw2);
    // biases: 512 samples → sd of the variance estimate ≈ 6 %
    const b = meanStd((params['6.bias'] as Tensor).data).std ** 2;
    expect(Math.abs(b - 0.05)).toBeLessThan(0.25 * 0.05);
    // Mean-field length map: q ← σ_w² E[tanh(√q z)²] + σ_b² converges to q* (1.0640 at σ_w² 2.5,
    // σ_b² 0.05) within a few layers (ξ_q ≈ 1–2); with width 512 and 64 inputs the empirical
    // second moment of the last hidden pre-activations is within a few % of it.
    const qs: number[] = [];
    const h = net.registerForwardHook(
      (m, _n, o) => {
        if (m instanceof Linear && o instanceof Tensor && o.shape[1] === 512) {
          let s = 0;
          for (let i = 0; i < o.data.length; i++) s += (o.data[i] as number) ** 2;
          qs.push(s / o.data.length);
        }
      },
      { includeSelf: false },
    );
    const x = new Rng(7).fillNormal(new Float32Array(64 * 784), 0, 1);
    noGrad(() => net.forward(new Tensor(x, [64, 784])));
    h.remove();
    const q = qStar(sw2, 0.05, 'tanh');
    expect(q).toBeCloseTo(1.064, 3);
    expect(qs).toHaveLength(12);
    expect(Math.abs((qs[11] as number) - q)).toBeLessThan(0.08 * q);
  });

  it('gradientVerdict: the first vanishing or exploding verdict of the first 25 updates, else none', () => {
    const v = (kind: string, step: number): Verdict => ({ kind, step }) as unknown as Verdict;
    expect(
      gradientVerdict({ verdicts: [v('saturated', 1), v('exploding', 3), v('vanishing', 10)] }),
    ).toBe('exploding');
    expect(gradientVerdict({ verdicts: [v('vanishing', 10), v('exploding', 79)] })).toBe(
      'vanishing',
    );
    // a spike late in training is not the random network's verdict
    expect(gradientVerdict({ verdicts: [v('exploding', 79)] })).toBe('none');
    expect(gradientVerdict({ verdicts: [v('plateau', 5)] })).toBe('none');
  });

  it('quick mode passes every criterion (critical depth-30 net trains, both phases fail, gradients vanish/explode as χ₁^{L/2})', async () => {
    const r = await edgeOfChaos.run({ quick: true, seeds: edgeOfChaos.defaultSeeds.quick });
    for (const c of r.criteria)
      expect(c.pass, `${c.name}: ${String(c.measured)} (expected ${c.expected})`).toBe(true);
    expect(r.pass).toBe(true);
    expect(r.charts.map((c) => c.id)).toEqual(['trainability', 'verdict-map', 'grad-ratio']);
    expect(
      r.verdicts.some((v) => v.kind === 'vanishing' && v.run.startsWith('σ_w² 0.5 depth 30')),
    ).toBe(true);
    expect(JSON.parse(JSON.stringify(r.runs))).toEqual(r.runs);
  }, 900_000);
});
