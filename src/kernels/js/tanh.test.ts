import { describe, expect, it } from 'vitest';
import { tanhF32 } from './tanh.js';

describe('tanhF32', () => {
  it('is within 2 float32 ulp of Math.tanh over a dense grid of float32 inputs', () => {
    // ulp(y) for float32 y: 2^(e − 23) with e = floor(log2 |y|); subnormal-free here since
    // |tanh x| ≥ |x|/2 for |x| ≤ 1 and the grid's smallest non-zero |x| is 1e-6.
    let worst = 0;
    let worstAt = 0;
    const check = (xRaw: number): void => {
      const x = Math.fround(xRaw);
      const want = Math.fround(Math.tanh(x));
      const got = Math.fround(tanhF32(x));
      if (want === got) return;
      const ulp = 2 ** (Math.floor(Math.log2(Math.abs(want))) - 23);
      const err = Math.abs(got - want) / ulp;
      if (err > worst) {
        worst = err;
        worstAt = x;
      }
    };
    for (let i = -200000; i <= 200000; i++) check(i * 1.3e-4);
    for (let i = 1; i <= 2000; i++) check(i * 1e-6);
    for (let i = -1000; i <= 1000; i++) check(i * 0.05);
    console.log(`tanhF32 worst ${worst} ulp at x = ${worstAt}`);
    expect(worst, `worst ${worst} ulp at x = ${worstAt}`).toBeLessThanOrEqual(2);
  });

  it('is odd, exact at 0, ±1 far out, NaN for NaN', () => {
    expect(tanhF32(0)).toBe(0);
    expect(tanhF32(-0.7)).toBe(-tanhF32(0.7));
    expect(Math.fround(tanhF32(20))).toBe(1);
    expect(Math.fround(tanhF32(-Infinity))).toBe(-1);
    expect(tanhF32(NaN)).toBeNaN();
  });
});
