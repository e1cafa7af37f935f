import { describe, expect, it } from 'vitest';
import { EXP_FLOOR, expNonPositive, sigmoidF32, tanhGateF32 } from './gate-math.js';
import { TANH_EDGE, tanhF32 } from './tanh.js';

/** Distance in float32 ulps between the float32 roundings of a and b (same sign assumed). */
function ulps32(a: number, b: number): number {
  const f = new Float32Array([a, b]);
  const u = new Int32Array(f.buffer);
  return Math.abs((u[0] as number) - (u[1] as number));
}

// The float32 gate activations are built from IEEE double operations only (so that the wasm and
// native kernels reproduce them bit for bit); here their accuracy against V8's Math.exp and
// Math.tanh, the functions they stand in for.
describe('gate-math (float32 gate activations)', () => {
  it('expNonPositive: within 1e-14 relative of Math.exp on [−104, 0]; 0 below, NaN for NaN', () => {
    let worst = 0;
    for (let i = 0; i <= 200_000; i++) {
      const x = (EXP_FLOOR * i) / 200_000;
      const ref = Math.exp(x);
      worst = Math.max(worst, Math.abs(expNonPositive(x) - ref) / ref);
    }
    expect(worst).toBeLessThan(1e-14);
    expect(expNonPositive(0)).toBe(1);
    expect(expNonPositive(-104.5)).toBe(0);
    expect(expNonPositive(-Infinity)).toBe(0);
    expect(expNonPositive(Number.NaN)).toBeNaN();
  });

  it('sigmoidF32 rounds to within 1 float32 ulp of the Math.exp formula; limits and NaN', () => {
    const ref = (v: number): number =>
      v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
    let worst = 0;
    for (let i = -100_000; i <= 100_000; i++) {
      const v = i / 1000; // [−100, 100]
      worst = Math.max(worst, ulps32(sigmoidF32(v), ref(v)));
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(sigmoidF32(0)).toBe(0.5);
    expect(sigmoidF32(Infinity)).toBe(1);
    expect(sigmoidF32(-Infinity)).toBe(0);
    expect(sigmoidF32(Number.NaN)).toBeNaN();
  });

  it('tanhGateF32 is tanhF32 inside the fit and within 1 float32 ulp of Math.tanh outside', () => {
    let worst = 0;
    for (let i = 0; i <= 100_000; i++) {
      const x = TANH_EDGE + (i / 100_000) * 20; // (EDGE, EDGE + 20]
      if (x <= TANH_EDGE) continue;
      worst = Math.max(worst, ulps32(tanhGateF32(x), Math.tanh(x)));
      worst = Math.max(worst, ulps32(-tanhGateF32(-x), Math.tanh(x)));
    }
    expect(worst).toBeLessThanOrEqual(1);
    for (const x of [-7.9, -1, -0.1, 0, 1e-9, 0.3, 5, 7.9]) expect(tanhGateF32(x)).toBe(tanhF32(x));
    expect(tanhGateF32(Infinity)).toBe(1);
    expect(tanhGateF32(-Infinity)).toBe(-1);
    expect(tanhGateF32(Number.NaN)).toBeNaN();
  });
});
