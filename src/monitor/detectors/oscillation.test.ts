import { describe, expect, it } from 'vitest';
import '../../autograd/backward.js';
import { mul } from '../../ops/elementwise.js';
import { sum } from '../../ops/reduce.js';
import { createStepContext } from '../../optim/step-context.js';
import type { Params } from '../../optim/types.js';
import { Tensor } from '../../tensor/tensor.js';
import { gradientHealth } from '../gradient-health.js';
import type { Verdict } from '../types.js';

type Oscillation = Extract<Verdict, { kind: 'oscillation' }>;

/**
 * Gradients that flip sign every step (the iterate bouncing across a valley), watched with a
 * curvature probe on the loss ½·a·‖w‖², whose Hessian is a·I: λmax = a exactly.
 */
function bounce(a: number | null, lr: number): Oscillation {
  const params: Params = { w: new Tensor(new Float64Array(4).fill(1), [4], true) };
  const updates: Params = { w: new Tensor(new Float64Array(4), [4]) };
  const h = gradientHealth({
    lr,
    direction: true,
    ...(a === null
      ? {}
      : {
          curvature: {
            loss: (p: Params) => {
              const w = p['w'] as Tensor;
              return mul(sum(mul(w, w)), a / 2);
            },
            every: 5,
          },
        }),
  });
  let state = h.init(params);
  const ctx = createStepContext();
  for (let i = 0; i < 30; i++) {
    (updates['w'] as Tensor).data.fill((-1) ** i);
    ctx.loss = 1;
    state = h.update(updates, state, params, ctx)[1];
  }
  const v = h.verdicts.find((x) => x.kind === 'oscillation');
  expect(v, 'an oscillation verdict').toBeDefined();
  return v as Oscillation;
}

describe('oscillation: sharpness as evidence (the edge of stability, E16)', () => {
  it('λmax·lr/2 ≈ 1: the verdict names sharpness ≈ 2/lr', () => {
    // a = 7, lr = 0.3: 2/lr = 6.67, λmax·lr/2 = 1.05
    const v = bounce(7, 0.3);
    expect(v.evidence.sharpness).toBeCloseTo(7, 3);
    expect(v.evidence.edgeRatio).toBeCloseTo(1.05, 3);
    expect(v.message).toContain('sharpness λmax = 7');
    expect(v.message).toContain('≈ 1.05 × 2/lr = 6.67: the edge of stability');
    expect(v.remedies[0]?.why).toContain('lr < 2/λmax = 0.286');
  });

  it('a sharpness far below 2/lr is named as not the cause', () => {
    // a = 2, lr = 0.3: λmax·lr/2 = 0.3
    const v = bounce(2, 0.3);
    expect(v.evidence.edgeRatio).toBeCloseTo(0.3, 3);
    expect(v.message).toContain('not the edge of stability');
  });

  it('without a curvature probe the verdict is as before (sharpness NaN)', () => {
    const v = bounce(null, 0.3);
    expect(v.evidence.sharpness).toBeNaN();
    expect(v.evidence.sharpnessStep).toBe(-1);
    expect(v.message).toMatch(/— the learning rate is too high$/);
    expect(v.remedies[0]?.why).toBe(
      'the iterate bounces across a valley whose curvature exceeds 2/lr',
    );
  });
});
