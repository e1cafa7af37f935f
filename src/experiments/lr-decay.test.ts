import { describe, expect, it } from 'vitest';
import { gradientHealth } from '../monitor/gradient-health.js';
import { Optimizer } from '../optim/optimizer.js';
import { sgd } from '../optim/sgd.js';
import { Tensor } from '../tensor/tensor.js';
import { blockMeans, stepsToTarget, tailMean } from './internal/set-b-common.js';
import { LR_STRATEGIES, strategyTx, type LrStrategy } from './internal/set-b-schedules.js';
import { lrDecay } from './lr-decay.js';

/** Runs `steps` updates of f(x) = ½x² (gradient x) from x = 1 and returns x after each, plus the final lr. */
function descend(
  strategy: LrStrategy,
  peak: number,
  total: number,
  steps: number,
): { xs: number[]; lr: number | undefined } {
  const x = new Tensor(new Float64Array([1]), [1]);
  x.grad = new Tensor(new Float64Array(1), [1]);
  const opt = new Optimizer(
    { x },
    strategyTx(strategy, gradientHealth(), peak, total, (lr) => sgd({ lr })),
  );
  const xs: number[] = [];
  for (let t = 0; t < steps; t++) {
    (x.grad as Tensor).data[0] = x.data[0] as number;
    opt.step({ loss: 0.5 * (x.data[0] as number) ** 2 });
    xs.push(x.data[0] as number);
  }
  return { xs, lr: opt.lr };
}

describe('E15 lr-decay', () => {
  it('strategies follow their timetables: x_(t+1) = (1 − lr_t)·x_t on ½x²', () => {
    // constant: x_t = (1 − 0.1)^t exactly.
    const c = descend('constant', 0.1, 100, 10);
    c.xs.forEach((v, t) => expect(v).toBeCloseTo(0.9 ** (t + 1), 14));
    // exponential with γ^T = 0.01: the lr of update t is 0.1·γ^t, so the last update (t = T − 1) uses 0.1·0.01/γ.
    const e = descend('exponential', 0.1, 100, 100);
    const gamma = 0.01 ** (1 / 100);
    let x = 1;
    for (let t = 0; t < 100; t++) x *= 1 - 0.1 * gamma ** t;
    expect(e.xs[99]).toBeCloseTo(x, 12);
    // warmup + cosine starts from lr 0: the first update does not move x.
    expect(descend('warmupCosine', 0.1, 100, 1).xs[0]).toBe(1);
    // step: 0.1 for the first quarter, then 0.05.
    const s = descend('step', 0.1, 100, 26);
    expect(s.xs[24] as number).toBeCloseTo(0.9 ** 25, 12);
    expect(s.xs[25] as number).toBeCloseTo(0.9 ** 25 * 0.95, 12);
  });

  it('health-aware decay without spike or non-finite events is exactly constant lr', () => {
    // A smooth quadratic gives the monitor nothing to flag, so the decay's scale stays 1.
    expect(descend('healthAware', 0.1, 300, 300).xs).toEqual(descend('constant', 0.1, 300, 300).xs);
    expect(LR_STRATEGIES).toHaveLength(9);
  });

  it('loss bookkeeping: tail means, steps to target, block means', () => {
    expect(tailMean([5, 3, 1], 2)).toBe(2);
    expect(tailMean([1, NaN], 2)).toBeNaN();
    // running means over 2: 4, 2.5, 1.5 → first ≤ 2 at update 4
    expect(stepsToTarget([5, 3, 2, 1], 2, 2)).toBe(4);
    expect(stepsToTarget([5, 3], 1, 2)).toBeNull();
    expect(blockMeans([4, 2, 3], 2)).toEqual([
      { step: 2, loss: 3 },
      { step: 3, loss: 3 },
    ]);
  });

  it('quick mode passes every criterion', async () => {
    const r = await lrDecay.run({ quick: true, seeds: lrDecay.defaultSeeds.quick });
    for (const c of r.criteria)
      expect(c.pass, `${c.name}: ${String(c.measured)} (expected ${c.expected})`).toBe(true);
    expect(r.pass).toBe(true);
    expect(r.charts.some((c) => c.id === 'non-finite-steps')).toBe(true);
  });
});
