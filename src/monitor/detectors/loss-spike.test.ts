import { describe, expect, it } from 'vitest';
import type { Params } from '../../optim/types.js';
import { Rng } from '../../tensor/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { gradientHealth } from '../gradient-health.js';
import type { VerdictOf } from '../types.js';

/** Two layers "0" and "1" of 4 weights; gradient of layer l = norms[l]·(½, ½, ½, ½). */
function driver() {
  const params: Params = {
    '0.weight': new Tensor(new Float64Array(4).fill(1), [4]),
    '1.weight': new Tensor(new Float64Array(4).fill(1), [4]),
  };
  const updates: Params = {
    '0.weight': new Tensor(new Float64Array(4), [4]),
    '1.weight': new Tensor(new Float64Array(4), [4]),
  };
  const h = gradientHealth({ lr: 0.3, detectors: { lossSpike: true } });
  let state = h.init(params);
  return {
    h,
    step(n0: number, n1: number, loss: number): void {
      (updates['0.weight'] as Tensor).data.fill(n0 / 2);
      (updates['1.weight'] as Tensor).data.fill(n1 / 2);
      state = h.update(updates, state, params, { loss })[1];
    },
  };
}

const spikes = (h: ReturnType<typeof gradientHealth>): VerdictOf<'lossSpike'>[] =>
  h.verdicts.filter((v): v is VerdictOf<'lossSpike'> => v.kind === 'lossSpike');

describe('lossSpike', () => {
  it('a loss far above its trailing window, naming the layer whose gradient spiked first', () => {
    const d = driver();
    const r = new Rng(3);
    // 60 healthy checks: loss 1 ± 0.02, gradient norms ≈ 1 (±20%)
    for (let i = 0; i < 60; i++)
      d.step(Math.exp(0.2 * r.normal()), Math.exp(0.2 * r.normal()), 1 + 0.02 * r.normal());
    expect(spikes(d.h)).toHaveLength(0);
    d.step(1, 30, 1.01); // step 61: layer 1's gradient spikes (30× its mean), the loss does not yet
    expect(spikes(d.h)).toHaveLength(0);
    d.step(20, 40, 3); // step 62: layer 0 follows, and the loss triples
    const v = spikes(d.h);
    expect(v).toHaveLength(1);
    const s = v[0] as VerdictOf<'lossSpike'>;
    expect(s.step).toBe(62);
    // layer 1 spiked at step 61, layer 0 at step 62: earliest first
    expect(s.layers).toEqual(['1', '0']);
    expect(s.evidence.spiked.map((x) => x.since)).toEqual([61, 62]);
    // layer 1 jumped 30× its running mean (≈ 1), layer 0 20×
    expect(s.evidence.spiked[0]?.peak).toBeGreaterThan(15);
    expect(s.evidence.rise).toBeCloseTo(2, 0);
    expect(s.message).toMatch(/spiked first in layer 1 \(from step 61/);
    // mean of the 50 checks before (≈ 1, std ≈ 0.02): z ≈ 100
    expect(s.evidence.mean).toBeCloseTo(1, 1);
    expect(s.evidence.zScore).toBeGreaterThan(50);
    expect(
      s.remedies.map((x) => x.action.action + ':' + ('kind' in x.action ? x.action.kind : '')),
    ).toEqual(['clip:zClip', 'clip:spikeClip', 'clip:globalNorm', 'lr:', 'schedule:warmupCosine']);
    expect(s.remedies[3]?.action).toEqual({ action: 'lr', factor: 1 / 3, lr: 0.1 });
  });

  it('a gradient spike that ended a few checks before the loss spike is still named (lookback)', () => {
    const d = driver();
    const r = new Rng(6);
    for (let i = 0; i < 60; i++)
      d.step(Math.exp(0.2 * r.normal()), Math.exp(0.2 * r.normal()), 1 + 0.02 * r.normal());
    d.step(40, 1, 1.0); // step 61: layer 0's gradient jumps 40×, the loss does not move yet
    d.step(1, 1, 1.0); // step 62: back to normal
    d.step(1, 1, 1.0); // step 63
    d.step(1, 1, 3); // step 64: the loss triples, two checks after the gradient spike ended
    const s = spikes(d.h)[0] as VerdictOf<'lossSpike'>;
    expect(s.step).toBe(64);
    expect(s.layers).toEqual(['0']);
    expect(s.evidence.spiked[0]).toMatchObject({ layer: '0', since: 61 });
    // 40 over a running mean of ≈ 1
    expect(s.evidence.spiked[0]?.peak).toBeGreaterThan(25);
    // its norm at the loss spike is back to ≈ its mean
    expect(s.evidence.spiked[0]?.ratio).toBeLessThan(2);
  });

  it('the ZClip and spike-clipping remedies are phrased for PyTorch', async () => {
    const { phraseRemedies } = await import('../remedies.js');
    const d = driver();
    const r = new Rng(7);
    for (let i = 0; i < 60; i++) d.step(1, 1, 1 + 0.02 * r.normal());
    d.step(30, 1, 3);
    const s = spikes(d.h)[0] as VerdictOf<'lossSpike'>;
    const pt = phraseRemedies(s.remedies, 'pytorch', ['0', '1']).map((x) => x.text);
    expect(pt[0]).toMatch(
      /between loss.backward\(\) and optimizer.step\(\).*z = \(n − μ\)\/σ > 2.5/,
    );
    expect(pt[1]).toMatch(/√\(5000·v\) where g² > 5000·v/);
    expect(pt[2]).toMatch(/torch.nn.utils.clip_grad_norm_/);
  });

  it('a loss spike without a gradient spike: lower lr first (an Adam step on a small √v, E18), then the data', () => {
    const d = driver();
    const r = new Rng(4);
    for (let i = 0; i < 60; i++) d.step(1, 1, 0.5 + 0.01 * r.normal());
    d.step(1, 1, 2);
    const s = spikes(d.h)[0] as VerdictOf<'lossSpike'>;
    expect(s.step).toBe(61);
    expect(s.layers).toEqual([]);
    expect(s.remedies.map((x) => x.action.action)).toEqual(['lr', 'schedule', 'checkData']);
  });

  it('noisy but healthy losses (batch noise of ±20%) raise nothing in 2000 checks', () => {
    const d = driver();
    const r = new Rng(5);
    for (let i = 0; i < 2000; i++)
      d.step(1, 1, (2 * Math.exp(-i / 500) + 0.1) * Math.exp(0.2 * r.normal()));
    expect(spikes(d.h)).toHaveLength(0);
  });
});
