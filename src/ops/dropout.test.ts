import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { dropout } from './dropout.js';
import { gradcheckMismatches, randomTensor } from '../../test/op-test-utils.js';

describe('dropout', () => {
  it('keeps element i when rng.float() >= p and scales it by 1/(1 − p)', () => {
    const x = randomTensor([50], new Rng(1));
    const p = 0.4;
    const y = dropout(x, p, new Rng(7));
    const replay = new Rng(7);
    for (let i = 0; i < 50; i++) {
      const keep = replay.float() >= p;
      expect(y.data[i]).toBe(x.data[i]! * (keep ? 1 / (1 - p) : 0)); // y = x·m/(1 − p)
    }
  });

  it('same seed gives the same mask, another seed another one', () => {
    const x = new Tensor(new Float32Array(200).fill(1), [10, 20]);
    const a = dropout(x, 0.5, new Rng(3));
    const b = dropout(x, 0.5, new Rng(3));
    const c = dropout(x, 0.5, new Rng(4));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(Array.from(a.data)).not.toEqual(Array.from(c.data));
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([10, 20]);
  });

  it('drops a fraction close to p (binomial: within 5σ) and preserves the mean', () => {
    // n = 20000, p = 0.3: σ of the dropped fraction = √(p(1 − p)/n) ≈ 0.00324.
    const n = 20000;
    const x = new Tensor(new Float64Array(n).fill(2), [n]);
    const y = dropout(x, 0.3, new Rng(11));
    let zeros = 0;
    let wrong = 0;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      if (y.data[i] === 0) zeros++;
      else if (Math.abs(y.data[i]! - 2 / 0.7) > 1e-14) wrong++;
      sum += y.data[i]!;
    }
    expect(wrong).toBe(0);
    expect(Math.abs(zeros / n - 0.3)).toBeLessThan(5 * 0.00324);
    // mean of y = 2·(kept fraction)/0.7: within 5σ of 2 as well
    expect(Math.abs(sum / n - 2)).toBeLessThan((2 / 0.7) * 5 * 0.00324);
  });

  it('gradient is g·mask/(1 − p) (finite differences with the mask replayed from the seed)', () => {
    const rng = new Rng(12);
    const x = randomTensor([4, 5], rng, 'float64', true);
    expect(gradcheckMismatches((i) => dropout(i[0]!, 0.35, new Rng(99)), [x], rng)).toEqual([]);
    // and dropped entries get exactly zero gradient
    x.grad = null;
    const y = dropout(x, 0.35, new Rng(99));
    y.backward(new Tensor(new Float64Array(20).fill(1), [4, 5]));
    for (let i = 0; i < 20; i++) expect(x.grad!.data[i]).toBe(y.data[i] === 0 ? 0 : 1 / 0.65);
  });

  it('is the identity in eval mode and for p = 0', () => {
    const x = randomTensor([3], new Rng(1));
    expect(dropout(x, 0.5, new Rng(1), false)).toBe(x);
    expect(dropout(x, 0, new Rng(1))).toBe(x);
  });

  it('propagates NaN even where an element is dropped (as PyTorch)', () => {
    const x = new Tensor(new Float64Array(64).fill(NaN), [64]);
    const y = dropout(x, 0.5, new Rng(2));
    expect(Array.from(y.data).every((v) => Number.isNaN(v))).toBe(true);
  });

  it('rejects p outside [0, 1)', () => {
    const x = randomTensor([3], new Rng(1));
    expect(() => dropout(x, 1, new Rng(1))).toThrow(ConfigError);
    expect(() => dropout(x, -0.1, new Rng(1))).toThrow(/p must be a number in \[0, 1\), got -0.1/);
    expect(() => dropout(x, NaN, new Rng(1))).toThrow(ConfigError);
  });
});
