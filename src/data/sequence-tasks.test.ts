import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import type { TypedArray } from '../tensor/dtype.js';
import { addition, multiplication } from './addition.js';
import { noiselessMemorization } from './memorization.js';
import { randomPermutation } from './permutation-task.js';
import { temporalOrder, temporalOrder3Bit } from './temporal-order.js';

/** The symbol (argmax of the one-hot row) at step t of sequence b, checking the row is one-hot. */
function symbolAt(x: TypedArray, B: number, I: number, t: number, b: number): number {
  let idx = -1;
  let ones = 0;
  for (let i = 0; i < I; i++) {
    const v = x[(t * B + b) * I + i] as number;
    if (v === 1) {
      idx = i;
      ones++;
    } else if (v !== 0) throw new Error(`not one-hot at t=${t}, b=${b}`);
  }
  if (ones !== 1) throw new Error(`not one-hot at t=${t}, b=${b}`);
  return idx;
}

describe('temporal order (E2 generator)', () => {
  it('structure: distractors 2..5, v0 in [⌊0.1T⌋, 2⌊0.1T⌋), v1 in [⌊0.5T⌋, ⌊0.5T⌋ + ⌊0.1T⌋), class v0 + 2·v1', () => {
    const T = 20;
    const B = 500;
    const s = temporalOrder(B, T, 42);
    expect(s.xShape).toEqual([T, B, 6]);
    expect(s.yShape).toEqual([B]);
    expect(s.numClasses).toBe(4);
    const counts = [0, 0, 0, 0];
    const posSeen = new Set<string>();
    for (let b = 0; b < B; b++) {
      const rel: { t: number; v: number }[] = [];
      for (let t = 0; t < T; t++) {
        const sym = symbolAt(s.x, B, 6, t, b);
        if (sym < 2) rel.push({ t, v: sym });
      }
      expect(rel).toHaveLength(2);
      const [a, c] = rel as [{ t: number; v: number }, { t: number; v: number }];
      expect(a.t).toBeGreaterThanOrEqual(2);
      expect(a.t).toBeLessThan(4);
      expect(c.t).toBeGreaterThanOrEqual(10);
      expect(c.t).toBeLessThan(12);
      posSeen.add(`${a.t},${c.t}`);
      expect((s.y as Int32Array)[b]).toBe(a.v + 2 * c.v);
      counts[a.v + 2 * c.v]!++;
    }
    expect(posSeen.size).toBe(4); // every combination of the 2 × 2 windows occurs
    // 500 draws of a uniform 4-way class: each count ~ Binomial(500, 1/4), sd ≈ 9.7
    for (const c of counts) expect(Math.abs(c - 125)).toBeLessThan(50);
  });

  it('3-bit variant: three relevant symbols at 0.1T, 0.3T, 0.6T windows, 8 classes', () => {
    const T = 30;
    const B = 200;
    const s = temporalOrder3Bit(B, T, 1);
    expect(s.numClasses).toBe(8);
    for (let b = 0; b < B; b++) {
      const rel: { t: number; v: number }[] = [];
      for (let t = 0; t < T; t++) {
        const sym = symbolAt(s.x, B, 6, t, b);
        if (sym < 2) rel.push({ t, v: sym });
      }
      expect(rel.map((r) => Math.floor(r.t / 3))).toEqual([1, 3, 6]); // windows [3,6), [9,12), [18,21)
      expect((s.y as Int32Array)[b]).toBe(rel[0]!.v + 2 * rel[1]!.v + 4 * rel[2]!.v);
    }
  });

  it('deterministic per seed; T < 10 rejected', () => {
    expect(Array.from(temporalOrder(4, 20, 5).x)).toEqual(Array.from(temporalOrder(4, 20, 5).x));
    expect(Array.from(temporalOrder(4, 20, 6).x)).not.toEqual(
      Array.from(temporalOrder(4, 20, 5).x),
    );
    expect(() => temporalOrder(4, 9, 0)).toThrow(ConfigError);
    expect(() => temporalOrder(0, 20, 0)).toThrow(/batchSize must be a positive integer/);
  });
});

describe('addition and multiplication', () => {
  it('addition: two markers in the right windows, target (a + b)/2 of the marked values, jittered length', () => {
    const T = 50;
    const B = 100;
    const s = addition(B, T, 3);
    const L = s.xShape[0];
    expect(L).toBeGreaterThanOrEqual(T);
    expect(L).toBeLessThan(T + 5);
    expect(s.meta.T).toBe(L);
    expect(s.yShape).toEqual([B, 1]);
    for (let b = 0; b < B; b++) {
      const marked: number[] = [];
      for (let t = 0; t < L; t++) {
        const m = s.x[(t * B + b) * 2] as number;
        const v = s.x[(t * B + b) * 2 + 1] as number;
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThan(1);
        if (m === 1) marked.push(t);
        else expect(m).toBe(0);
      }
      expect(marked).toHaveLength(2);
      const w = Math.floor(L * 0.1);
      expect(marked[0]).toBeLessThan(w);
      expect(marked[1]).toBeGreaterThanOrEqual(w);
      expect(marked[1]).toBeLessThan(w + Math.floor(L * 0.4));
      const a = s.x[(marked[0]! * B + b) * 2 + 1] as number;
      const c = s.x[(marked[1]! * B + b) * 2 + 1] as number;
      expect(s.y[b]).toBe(Math.fround((a + c) / 2));
    }
  });

  it('multiplication: product target; jitterLength false keeps T; float64 on request', () => {
    const s = multiplication(8, 40, 4, { jitterLength: false, dtype: 'float64' });
    expect(s.xShape).toEqual([40, 8, 2]);
    expect(s.x).toBeInstanceOf(Float64Array);
    const [p0, p1] = s.meta.positions as [Int32Array, Int32Array];
    for (let b = 0; b < 8; b++) {
      const a = s.x[(p0[b]! * 8 + b) * 2 + 1] as number;
      const c = s.x[(p1[b]! * 8 + b) * 2 + 1] as number;
      expect(s.y[b]).toBe(a * c);
    }
  });
});

describe('random permutation and noiseless memorization', () => {
  it('permutation: first symbol is the label in {0, 1}, the rest from 2..99', () => {
    const B = 50;
    const T = 30;
    const s = randomPermutation(B, T, 9);
    expect(s.xShape).toEqual([T, B, 100]);
    for (let b = 0; b < B; b++) {
      const first = symbolAt(s.x, B, 100, 0, b);
      expect(first).toBeLessThan(2);
      expect((s.y as Int32Array)[b]).toBe(first);
      for (let t = 1; t < T; t++) expect(symbolAt(s.x, B, 100, t, b)).toBeGreaterThanOrEqual(2);
    }
  });

  it('memorization: pattern, filler, go signal at T + nPos, recall targets over the last nPos steps', () => {
    const B = 6;
    const T = 15;
    const s = noiselessMemorization(B, T, 2, { nValues: 5, nPos: 10 });
    const L = T + 20;
    expect(s.xShape).toEqual([L, B, 7]);
    expect(s.yShape).toEqual([L, B]);
    expect(s.numClasses).toBe(6);
    const y = s.y as Int32Array;
    for (let b = 0; b < B; b++) {
      const pattern: number[] = [];
      for (let t = 0; t < 10; t++) pattern.push(symbolAt(s.x, B, 7, t, b));
      expect(pattern.every((v) => v < 5)).toBe(true);
      for (let t = 10; t < L; t++) expect(symbolAt(s.x, B, 7, t, b)).toBe(t === T + 10 ? 6 : 5);
      for (let t = 0; t < T + 10; t++) expect(y[t * B + b]).toBe(5);
      for (let k = 0; k < 10; k++) expect(y[(T + 10 + k) * B + b]).toBe(pattern[k]);
    }
  });
});
