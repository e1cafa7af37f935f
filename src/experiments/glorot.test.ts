import { describe, expect, it } from 'vitest';
import { glorot, gradientVariances } from './glorot.js';

describe('E7 glorot', () => {
  it('back-propagated variance ratios are bounded by n·Var[W] = 1/3 (standard) and 1 (normalized), since tanh′² ≤ 1', () => {
    // Var[∂C/∂s^i] = n·Var[W^(i+1)]·E[tanh′(s^i)²]·Var[∂C/∂s^(i+1)] with n·Var[W] = n·(1/√n)²/3 = 1/3 for
    // U[±1/√n] and n·(√6/√(2n))²/3 = 1 for Xavier's bound with equal widths; sampling noise of 64×64
    // matrices is a few per cent, hence the 5% slack above the bound.
    const s = gradientVariances('standard', 64, 3);
    const n = gradientVariances('normalized', 64, 3);
    expect(s.backpropRatios).toHaveLength(4);
    for (const r of s.backpropRatios) expect(r).toBeLessThan((1 / 3) * 1.05);
    for (const r of n.backpropRatios) expect(r).toBeLessThan(1.05);
    // The standard init keeps the tanh units near-linear (pre-activation std ≤ 0.3), so E[tanh′²] > 0.75.
    for (const r of s.backpropRatios) expect(r).toBeGreaterThan(0.75 / 3);
    // Same seed, same bits.
    expect(gradientVariances('standard', 64, 3).preactGradVar).toEqual(s.preactGradVar);
  });

  it('quick mode passes every criterion; the `saturated` verdict names the top layer', async () => {
    const r = await glorot.run({ quick: true, seeds: glorot.defaultSeeds.quick });
    for (const c of r.criteria)
      expect(c.pass, `${c.name}: ${String(c.measured)} (expected ${c.expected})`).toBe(true);
    expect(r.pass).toBe(true);
    const v = r.verdicts.find((x) => x.kind === 'saturated');
    expect(v?.layers).toEqual(['6']);
    expect(r.charts.map((c) => c.id)).toEqual([
      'backprop-ratios',
      'weight-grad-var',
      'mean-activation',
      'top-mean-activation',
    ]);
  });
});
