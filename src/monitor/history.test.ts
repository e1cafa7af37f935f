import { describe, expect, it } from 'vitest';
import { DecimatingSeries } from './history.js';

describe('DecimatingSeries', () => {
  it('keeps at most `capacity` evenly spaced points of any run length', () => {
    const s = new DecimatingSeries(2, 8);
    for (let step = 0; step < 100; step++) {
      const o = s.push(step);
      if (o >= 0) {
        s.data[o] = step;
        s.data[o + 1] = -step;
      }
    }
    const steps = s.stepList();
    expect(steps.length).toBeLessThanOrEqual(8);
    expect(steps[0]).toBe(0);
    // evenly spaced by the final stride, values aligned with their steps
    const d = steps[1]! - steps[0]!;
    expect(d).toBe(s.stride);
    steps.forEach((st, i) => expect(st).toBe(i * d));
    expect(s.column(0)).toEqual(steps);
    expect(s.column(1)).toEqual(steps.map((x) => -x));
    // 100 offers with capacity 8 need a stride of 16 (8·16 = 128 ≥ 100 > 8·8)
    expect(s.stride).toBe(16);
  });
});
