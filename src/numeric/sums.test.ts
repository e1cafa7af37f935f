import { describe, expect, it } from 'vitest';
import { ScaledSumOfSquares, l2Norm } from './norms.js';
import { kahanSum, pairwiseSum } from './sums.js';
import { ulpDistance } from './ulp.js';

describe('kahanSum / pairwiseSum', () => {
  it('10^6 copies of 0.1 sum to 100000 (the correctly rounded sum)', () => {
    // fl(0.1) = 0.1000000000000000055511151231257827…, so the exact sum is
    // 100000.0000000000055511…, and the nearest double is 100000 (ulp(1e5) = 1.46e-11).
    const xs = new Float64Array(1e6).fill(0.1);
    expect(kahanSum(xs)).toBe(100000);
    let naive = 0;
    for (const x of xs) naive += x;
    expect(naive).not.toBe(100000);
    expect(Math.abs(pairwiseSum(xs) - 100000)).toBeLessThan(Math.abs(naive - 100000));
  });

  it("Neumaier's branch keeps small terms next to large ones: [1, 1e100, 1, −1e100] → 2", () => {
    expect(kahanSum([1, 1e100, 1, -1e100])).toBe(2);
  });

  it('extreme magnitudes: 1e200 and 1e-200 mixed', () => {
    expect(kahanSum([1e200, 1e-200, -1e200])).toBe(1e-200);
    expect(kahanSum([1e-200, 1e-200, 1e-200])).toBe(3e-200);
  });

  it('propagates Infinity and NaN', () => {
    expect(kahanSum([1, Infinity, 2])).toBe(Infinity);
    expect(kahanSum([Infinity, -Infinity])).toBeNaN();
    expect(pairwiseSum([1, NaN])).toBeNaN();
  });

  it('empty input sums to 0', () => {
    expect(kahanSum([])).toBe(0);
    expect(pairwiseSum([])).toBe(0);
  });

  it('pairwiseSum of integers is exact (checks the recursion covers every element)', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(pairwiseSum(xs)).toBe(500500);
  });
});

describe('l2Norm', () => {
  it('no overflow: [3·2^600, 4·2^600] → 5·2^600 exactly (naive Σx² is Infinity)', () => {
    const xs = [3 * 2 ** 600, 4 * 2 ** 600];
    expect(xs[0]! * xs[0]! + xs[1]! * xs[1]!).toBe(Infinity);
    expect(l2Norm(xs)).toBe(5 * 2 ** 600);
  });

  it('no underflow: [3·2^-700, 4·2^-700] → 5·2^-700 exactly (naive Σx² is 0)', () => {
    const xs = [3 * 2 ** -700, 4 * 2 ** -700];
    expect(xs[0]! * xs[0]! + xs[1]! * xs[1]!).toBe(0);
    expect(l2Norm(xs)).toBe(5 * 2 ** -700);
  });

  it('1e200 and 1e-200 arrays: 100 equal entries → 10× the entry, within 4 ulp', () => {
    expect(ulpDistance(l2Norm(new Float64Array(100).fill(1e200)), 1e201)).toBeLessThanOrEqual(4);
    expect(ulpDistance(l2Norm(new Float64Array(100).fill(1e-200)), 1e-199)).toBeLessThanOrEqual(4);
    expect(ulpDistance(l2Norm([3e200, 4e200]), 5e200)).toBeLessThanOrEqual(4);
    expect(ulpDistance(l2Norm([3e-200, 4e-200]), 5e-200)).toBeLessThanOrEqual(4);
  });

  it('a huge and a tiny entry: the tiny one is negligible and must not produce NaN', () => {
    expect(l2Norm([1e-300, 1e300, 1e-300])).toBe(1e300);
  });

  it('zeros, empty, NaN and Infinity', () => {
    expect(l2Norm([])).toBe(0);
    expect(l2Norm(new Float32Array(5))).toBe(0);
    expect(l2Norm([1, NaN, Infinity])).toBeNaN();
    expect(l2Norm([1, -Infinity])).toBe(Infinity);
  });

  it('accumulates across several arrays (a global norm)', () => {
    const acc = new ScaledSumOfSquares();
    acc.add([3e200]).add(new Float64Array([4e200]));
    expect(ulpDistance(acc.norm(), 5e200)).toBeLessThanOrEqual(4);
  });
});
