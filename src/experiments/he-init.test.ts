import { describe, expect, it } from 'vitest';
import { MIXTURE_PRESETS, gaussianMixture } from '../data/gaussian-mixture.js';
import { Rng } from '../tensor/rng.js';
import { heInit, heInitModel, stdRatios } from './he-init.js';

describe('E4 he-init', () => {
  it('signal scale per ReLU layer at init: ×1/√2 with N(0, 1/n), ×1 with N(0, 2/n) (He et al., eq. 10)', () => {
    // Var[y_l] = ½·n·Var[w]·Var[y_(l−1)] for zero-mean pre-activations, so std shrinks by √(½·n·Var[w]):
    // 1/√2 for Xavier's n·Var[w] = 1, 1 for He's 2. The geometric mean over the 28 layer-to-layer
    // steps still carries the finite-width fluctuations of the 64-unit layers' gains (it deviates by up
    // to ~4% from theory over seeds 0–2): allow ±9%.
    const data = gaussianMixture(MIXTURE_PRESETS.heInit, 0);
    const perLayer = (s: 'xavier' | 'he'): number => {
      const r = stdRatios(
        heInitModel(s, new Rng(0)),
        data.x as Float32Array,
        MIXTURE_PRESETS.heInit.dim,
      );
      expect(r).toHaveLength(29);
      return ((r[28] as number) / (r[0] as number)) ** (1 / 28);
    };
    expect(Math.abs(perLayer('xavier') - Math.SQRT1_2)).toBeLessThan(0.09 * Math.SQRT1_2);
    expect(Math.abs(perLayer('he') - 1)).toBeLessThan(0.09);
  });

  it('quick mode passes every criterion, and the Xavier run carries a `vanishing` verdict naming the first layer', async () => {
    const r = await heInit.run({ quick: true, seeds: heInit.defaultSeeds.quick });
    for (const c of r.criteria)
      expect(c.pass, `${c.name}: ${String(c.measured)} (expected ${c.expected})`).toBe(true);
    expect(r.pass).toBe(true);
    const v = r.verdicts.find((x) => x.kind === 'vanishing');
    expect(v?.run).toBe('xavier seed 0');
    expect(v?.layers[0]).toBe('0');
    expect(r.verdicts.some((x) => x.kind === 'vanishing' && x.run.startsWith('he'))).toBe(false);
    expect(r.charts.map((c) => c.id)).toEqual(['std-ratio', 'loss', 'final-loss']);
    expect(JSON.parse(JSON.stringify(r.runs))).toEqual(r.runs);
  });
});
