import { expect } from 'vitest';
import type { Tensor } from '../src/tensor/tensor.js';

/** Options of {@link expectAllClose}. */
export interface CloseOptions {
  rtol?: number;
  atol?: number;
}

/**
 * Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise (NaN only matches NaN), and
 * reports the worst element on failure.
 */
export function expectAllClose(
  actual: Tensor | ArrayLike<number> | number,
  expected: Tensor | ArrayLike<number> | number,
  opts: CloseOptions = {},
): void {
  const rtol = opts.rtol ?? 1e-9;
  const atol = opts.atol ?? 1e-12;
  const a = toArr(actual);
  const e = toArr(expected);
  expect(a.length, 'length').toBe(e.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = e[i] as number;
    if (Number.isNaN(y) && Number.isNaN(x)) continue;
    if (x === y) continue;
    const excess = Math.abs(x - y) - (atol + rtol * Math.abs(y));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(
      `element ${worst}: actual ${a[worst]} vs expected ${e[worst]} (rtol ${rtol}, atol ${atol})`,
    );
  }
}

function toArr(x: Tensor | ArrayLike<number> | number): ArrayLike<number> {
  if (typeof x === 'number') return [x];
  if ('data' in x && 'shape' in x) return x.data;
  return x;
}
