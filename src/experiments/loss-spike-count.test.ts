import { describe, expect, it } from 'vitest';
import { Rng } from '../tensor/rng.js';
import { lossSpikeEvents, spikePeaks, SPIKE_DEFINITION } from './loss-spike-count.js';

describe('lossSpikeEvents', () => {
  it('a jump far above the trailing window is one event; its recovery steps are not new events', () => {
    // 30 steps at 1 ± 0.01 (std ≈ 0.01): the bar is max(1 + 4·0.01, 1.05) = 1.05
    const r = new Rng(1);
    const xs = Array.from({ length: 30 }, () => 1 + 0.01 * r.normal());
    xs.push(1.5, 1.3, 1.1); // step 31 spikes; 32 is still above its window's bar, same excursion
    for (let i = 0; i < 30; i++) xs.push(1 + 0.01 * r.normal());
    xs.push(2); // step 64: a second excursion, 31 steps after the first
    expect(lossSpikeEvents(xs)).toEqual([31, 64]);
  });

  it('a rise of 4 std that is under 5 % of the mean is not a spike (the minimum jump)', () => {
    // window of alternating 1 ± 0.001: std 0.001, bar = 1 + max(0.004, 0.05)
    const xs = Array.from({ length: 20 }, (_, i) => 1 + (i % 2 === 0 ? 0.001 : -0.001));
    expect(lossSpikeEvents([...xs, 1.04])).toEqual([]);
    expect(lossSpikeEvents([...xs, 1.06])).toEqual([21]);
  });

  it('a falling noisy curve (batch noise ±1 %: 4 std < 5 %) has no events; non-finite losses are spikes', () => {
    const r = new Rng(2);
    const xs = Array.from(
      { length: 1500 },
      (_, i) => (2 * Math.exp(-i / 300) + 0.2) * (1 + 0.01 * r.normal()),
    );
    expect(lossSpikeEvents(xs)).toEqual([]);
    xs[700] = NaN;
    expect(lossSpikeEvents(xs)).toEqual([701]);
    expect(SPIKE_DEFINITION).toEqual({ window: 20, z: 4, rise: 0.05, gap: 10 });
  });

  it('rejects a window below 2', () => {
    expect(() => lossSpikeEvents([1, 2, 3], { window: 1, z: 4, rise: 0, gap: 0 })).toThrow(
      /window must be an integer >= 2, got 1/,
    );
  });
});

describe('spikePeaks', () => {
  it('the largest loss of the excursion (the event step and the gap after it) over the window mean', () => {
    // window of 20 steps at 1; the excursion 1.5, 3, 2 peaks at step 32 (3× the mean)
    const xs = [
      ...Array.from({ length: 30 }, () => 1),
      1.5,
      3,
      2,
      ...Array.from({ length: 20 }, () => 1),
    ];
    expect(lossSpikeEvents(xs)).toEqual([31]);
    expect(spikePeaks(xs, [31])).toEqual([3]);
    // the peak is looked for in the gap = 10 steps after the event only: a later 5 is not in it
    const late = [...xs];
    late[31 + SPIKE_DEFINITION.gap] = 5; // step 42, outside steps 31–41
    expect(spikePeaks(late, [31])).toEqual([3]);
    // a divergence is an infinite spike
    const nan = [...xs];
    nan[33] = NaN;
    expect(spikePeaks(nan, [31])).toEqual([Infinity]);
  });
  it('rejects an event step with no full window before it', () => {
    expect(() => spikePeaks([1, 1, 1], [2])).toThrow(/event 2 must be a 1-based step/);
  });
});
