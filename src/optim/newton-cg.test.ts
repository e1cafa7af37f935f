import { describe, expect, it } from 'vitest';
import '../autograd/backward.js';
import { hessianOperator } from '../autograd/hvp.js';
import { mul } from '../ops/elementwise.js';
import { sum } from '../ops/reduce.js';
import { Tensor } from '../tensor/tensor.js';
import { newtonCg, type NewtonCgState } from './newton-cg.js';
import { Optimizer } from './optimizer.js';
import { createOptimizer, OPTIMIZER_NAMES } from './registry.js';
import type { Params } from './types.js';

/** f(w) = w₀² − w₁² (the saddle of the article), its Hessian diag(2, −2). */
const saddle = (p: Params): Tensor => {
  const w = p['w'] as Tensor;
  return sum(mul(mul(w, w), new Tensor(Float64Array.of(1, -1), [2])));
};

const H = (p: Params) => hessianOperator(saddle, p);

function step(mode: 'newton' | 'newtonCg' | 'saddleFree', start: [number, number]): number[] {
  const w = new Tensor(Float64Array.from(start), [2], true);
  const params: Params = { w };
  const opt = new Optimizer(params, newtonCg({ hessian: H, mode, damping: 0, tol: 1e-14 }));
  opt.zeroGrad();
  saddle(params).backward();
  opt.step();
  return Array.from(w.data);
}

describe('newtonCg (the one registry line: newtonCg)', () => {
  it('plain Newton lands on the saddle of x² − y² in one step; saddle-free Newton moves away', () => {
    // −H⁻¹g = −(x, y): to (0, 0). −|H|⁻¹g = (−x, +y): x to 0, y doubled.
    const n = step('newton', [0.7, -0.3]);
    expect(Math.abs(n[0] as number)).toBeLessThan(1e-15);
    expect(Math.abs(n[1] as number)).toBeLessThan(1e-15);
    const s = step('saddleFree', [0.7, -0.3]);
    expect(s[0]).toBeCloseTo(0, 12);
    expect(s[1]).toBeCloseTo(-0.6, 12);
    // Truncated CG from (0, y): the first direction has negative curvature, so d = −g = (0, 2y).
    expect(step('newtonCg', [0, 0.25])).toEqual([0, 0.75]);
  });

  it('counts HVPs and negative-curvature steps in its state', () => {
    const w = new Tensor(Float64Array.of(1, 1), [2], true);
    const opt = new Optimizer({ w }, newtonCg({ hessian: H, lr: 0.5 }));
    for (let i = 0; i < 3; i++) {
      opt.zeroGrad();
      saddle({ w }).backward();
      opt.step();
    }
    const st = opt.state as unknown as NewtonCgState;
    expect(st.count).toBe(3);
    expect(st.negativeCurvatureSteps).toBe(3);
    expect(st.totalHvps).toBe(6); // the Krylov space of a 2-vector: 2 HVPs per step
  });

  it('is registered, and refuses to be built without a loss closure', () => {
    expect(OPTIMIZER_NAMES).toContain('newtonCg');
    expect(() => createOptimizer('newtonCg', {})).toThrow(
      'newtonCg: option hessian = undefined is invalid; expected a function (params) => { n, matvec }',
    );
    expect(() => createOptimizer('newtonCg', { hessian: H, mode: 'lbfgs' })).toThrow(/mode/);
  });
});
