import { describe, expect, it } from 'vitest';
import { Rng } from '../tensor/rng.js';
import {
  initTemporalOrderModel,
  TEMPORAL_ORDER_SETUP,
  temporalOrderExperiment,
} from './temporal-order.js';

describe('E2 temporal-order', () => {
  it('initialises W_hh at spectral radius 1.1, W_in and W_out with std 0.1, zero biases', () => {
    const { params, radius } = initTemporalOrderModel(new Rng(4), {
      ...TEMPORAL_ORDER_SETUP,
      dtype: 'float64',
    });
    expect(radius).toBeCloseTo(1.1, 10);
    const std = (d: ArrayLike<number>): number => {
      let s = 0;
      for (let i = 0; i < d.length; i++) s += (d[i] as number) ** 2;
      return Math.sqrt(s / d.length);
    };
    // 192 and 128 samples of N(0, 0.01): the sample std is within ~±15% (3 sd of its estimate).
    expect(std(params['wIh']?.data as Float64Array)).toBeGreaterThan(0.085);
    expect(std(params['wIh']?.data as Float64Array)).toBeLessThan(0.115);
    expect(std(params['wOut']?.data as Float64Array)).toBeGreaterThan(0.08);
    expect(std(params['wOut']?.data as Float64Array)).toBeLessThan(0.12);
    expect([...(params['bH']?.data ?? [])].every((v) => v === 0)).toBe(true);
  });

  it('quick mode passes every criterion', async () => {
    const r = await temporalOrderExperiment.run({
      quick: true,
      seeds: temporalOrderExperiment.defaultSeeds.quick,
    });
    for (const c of r.criteria)
      expect(c.pass, `${c.name}: ${String(c.measured)} (expected ${c.expected})`).toBe(true);
  });
});
