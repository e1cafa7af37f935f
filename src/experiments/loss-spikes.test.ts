import { describe, expect, it } from 'vitest';
import '../autograd/backward.js';
import { lossSpikes, trainLossSpikeArm } from './loss-spikes.js';

describe('E18 loss-spikes', () => {
  it('same seed, same losses; ZClip changes nothing during its 25 warm-up steps', async () => {
    const a = await trainLossSpikeArm('zclip', 3, 27);
    const b = await trainLossSpikeArm('zclip', 3, 27);
    expect(a.trainLoss).toEqual(b.trainLoss);
    expect(a.trainLoss).toHaveLength(27);
    // ZClip's 25 warm-up steps clip nothing: the first 26 losses (before the 26th update) match
    const none = await trainLossSpikeArm('none', 3, 27);
    expect(none.trainLoss.slice(0, 26)).toEqual(a.trainLoss.slice(0, 26));
  }, 400_000);

  it('the fullBatch arm: every step the same 8 windows (257 tokens), so the run is deterministic', async () => {
    const a = await trainLossSpikeArm('fullBatch', 0, 3);
    const b = await trainLossSpikeArm('fullBatch', 0, 3);
    expect(a.trainLoss).toEqual(b.trainLoss);
    expect(a.trainLoss).toHaveLength(3);
    // GPT-2 init predicts ≈ uniformly over 28 characters: ln 28 ≈ 3.33 at the first step
    expect(Math.abs((a.trainLoss[0] as number) - Math.log(28))).toBeLessThan(0.05);
  }, 400_000);

  it('quick mode (300 steps of the unclipped arm: the memorisation is under way) passes', async () => {
    const r = await lossSpikes.run({ quick: true, seeds: lossSpikes.defaultSeeds.quick });
    for (const c of r.criteria)
      expect(c.pass, `${c.name}: ${String(c.measured)} (expected ${c.expected})`).toBe(true);
    expect(r.criteria).toHaveLength(1);
    expect(r.charts.map((c) => c.id)).toEqual(['train-loss']);
  }, 400_000);
});
