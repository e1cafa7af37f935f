import { describe, expect, it } from 'vitest';
import { Rng } from '../tensor/rng.js';
import { adamPaper, sparseLogisticData } from './adam-paper.js';

describe('E5 adam', () => {
  it('the sparse data: feature j is active with frequency 0.5/j^1.1, logits centred at the median', () => {
    const data = sparseLogisticData(new Rng(3), 2000, 6000);
    const count = new Float64Array(2000);
    for (const r of data.rows) for (const j of r) count[j] = (count[j] as number) + 1;
    // Binomial(6000, p): feature 1 (p = 0.5) within 5 standard deviations (5·√(6000/4) ≈ 194).
    expect(Math.abs((count[0] as number) - 3000)).toBeLessThan(194);
    // Feature 10 (p = 0.5/10^1.1 ≈ 0.0397, sd ≈ 15): within 5 sd.
    const p10 = 0.5 / 10 ** 1.1;
    expect(Math.abs((count[9] as number) - 6000 * p10)).toBeLessThan(
      5 * Math.sqrt(6000 * p10 * (1 - p10)),
    );
    const above = data.logits.filter((z) => z > 0).length;
    const below = data.logits.filter((z) => z < 0).length;
    // Centred at the median: no more than half strictly on either side.
    expect(above).toBeLessThanOrEqual(3000);
    expect(below).toBeLessThanOrEqual(3000);
  });

  it('quick mode passes every criterion', async () => {
    const r = await adamPaper.run({ quick: true, seeds: adamPaper.defaultSeeds.quick });
    for (const c of r.criteria)
      expect(c.pass, `${c.name}: ${String(c.measured)} (expected ${c.expected})`).toBe(true);
  });
});
