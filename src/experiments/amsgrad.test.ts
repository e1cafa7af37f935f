import { describe, expect, it } from 'vitest';
import { sgd } from '../optim/sgd.js';
import { amsgrad, onlineRun } from './amsgrad.js';

describe('E3 amsgrad', () => {
  it('regret bookkeeping: an optimizer that never moves (x = 1) has R_T/T = 2/3', () => {
    // c = 3, −1, −1 repeating: Σ_t c_t·1 = T/3 and min_x Σ c_t·x = −T/3, so R_T = 2T/3.
    const r = onlineRun(sgd({ lr: 0 }), 3000, (t) => (t % 3 === 1 ? 3 : -1));
    expect(r.xT).toBe(1);
    expect(r.avgRegret).toBeCloseTo(2 / 3, 12);
  });

  it('projection keeps x in [−1, 1] even with huge steps', () => {
    const r = onlineRun(sgd({ lr: 100 }), 10, (t) => (t % 2 === 0 ? 1 : -1));
    for (const x of r.xs) expect(Math.abs(x)).toBeLessThanOrEqual(1);
  });

  it('quick mode passes every criterion', async () => {
    const r = await amsgrad.run({ quick: true, seeds: amsgrad.defaultSeeds.quick });
    for (const c of r.criteria)
      expect(c.pass, `${c.name}: ${String(c.measured)} (expected ${c.expected})`).toBe(true);
    expect(r.pass).toBe(true);
  });
});
