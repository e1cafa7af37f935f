import { describe, expect, it } from 'vitest';
import '../autograd/backward.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import {
  packedSelfAttention,
  scaledDotProductAttention,
  splitHeadsAttention,
} from './attention.js';
import { multiHeadAttention } from './multi-head-attention.js';
import { rmsNorm } from './rms-norm.js';
import { sum } from './reduce.js';
import { mul } from './elementwise.js';

function rand(shape: number[], seed: number, dtype: 'float32' | 'float64' = 'float64'): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  new Rng(seed).fillNormal(d);
  return new Tensor(d, shape, true);
}

describe('scaledDotProductAttention', () => {
  it('causal: the first query attends only to the first key, so its output is v[0]', () => {
    const q = rand([1, 4, 3], 1);
    const k = rand([1, 4, 3], 2);
    const v = rand([1, 4, 2], 3);
    const y = scaledDotProductAttention(q, k, v, { causal: true });
    expect([y.data[0], y.data[1]]).toEqual([v.data[0], v.data[1]]);
    // Row 1 is a convex combination of v[0] and v[1] only: changing v[2], v[3] leaves it alone.
    const v2 = new Tensor(Float64Array.from(v.data), v.shape);
    v2.data[4] = 100;
    v2.data[7] = -100;
    const y2 = scaledDotProductAttention(q, k, v2, { causal: true });
    expect(Array.from(y2.data.subarray(0, 4))).toEqual(Array.from(y.data.subarray(0, 4)));
  });

  it('never materialises −Infinity: masked weights are exactly 0 and the output is finite', () => {
    const mask = new Tensor(new Float64Array([0, -Infinity, 0, 0]), [2, 2]);
    const y = scaledDotProductAttention(rand([2, 2], 1), rand([2, 2], 2), rand([2, 3], 3), {
      mask,
    });
    expect(Array.from(y.data).every(Number.isFinite)).toBe(true);
  });

  it('dropout on the weights: same seed, same bits; gradient matches float64 finite differences', () => {
    const q = rand([2, 3, 4], 1);
    const k = rand([2, 5, 4], 2);
    const v = rand([2, 5, 3], 3);
    const cot = rand([2, 3, 3], 4);
    const f = (qq: Tensor): Tensor =>
      sum(mul(scaledDotProductAttention(qq, k, v, { dropout: { p: 0.3, rng: new Rng(9) } }), cot));
    const a = f(q);
    expect(f(q).data[0]).toBe(a.data[0]);
    a.backward();
    const h = 1e-6;
    for (const i of [0, 5, 11, 17]) {
      const plus = new Tensor(Float64Array.from(q.data), q.shape);
      plus.data[i] = (plus.data[i] as number) + h;
      const minus = new Tensor(Float64Array.from(q.data), q.shape);
      minus.data[i] = (minus.data[i] as number) - h;
      const fd = ((f(plus).data[0] as number) - (f(minus).data[0] as number)) / (2 * h);
      expect(q.grad!.data[i]).toBeCloseTo(fd, 7);
    }
  });

  it('bad input: one-line errors naming the argument and the value', () => {
    const q = rand([2, 3, 4], 1);
    expect(() => scaledDotProductAttention(q, rand([2, 5, 3], 2), rand([2, 5, 3], 3))).toThrow(
      /k must have the query width 4 in its last axis, got shape \[2, 5, 3\]/,
    );
    expect(() => scaledDotProductAttention(q, rand([3, 5, 4], 2), rand([3, 5, 3], 3))).toThrow(
      /must share their leading axes/,
    );
    expect(() =>
      scaledDotProductAttention(q, q, q, { dropout: { p: 1, rng: new Rng(0) } }),
    ).toThrow(/dropout.p must be a number in \[0, 1\), got 1/);
    expect(() =>
      scaledDotProductAttention(q, q, q, { mask: new Tensor(new Float64Array(4), [4]) }),
    ).toThrow(/mask of shape \[4\] does not broadcast/);
  });
});

describe('multiHeadAttention and rmsNorm', () => {
  it('multiHeadAttention checks heads and projection shapes', () => {
    const x = rand([2, 3, 4], 1);
    const w = rand([12, 4], 2);
    const wo = rand([4, 4], 3);
    expect(() => multiHeadAttention(x, w, null, wo, null, { heads: 3 })).toThrow(
      /heads must be a positive integer dividing the embedding width 4, got 3/,
    );
    expect(() => multiHeadAttention(x, rand([8, 4], 4), null, wo, null, { heads: 2 })).toThrow(
      /inProjWeight must have shape \[12, 4\], got \[8, 4\]/,
    );
  });

  it('rmsNorm: unit root-mean-square rows; default ε is the dtype machine epsilon', () => {
    const x = rand([3, 8], 5);
    const y = rmsNorm(x, 8);
    for (let r = 0; r < 3; r++) {
      let ss = 0;
      for (let j = 0; j < 8; j++) ss += (y.data[r * 8 + j] as number) ** 2;
      expect(Math.sqrt(ss / 8)).toBeCloseTo(1, 12);
    }
    expect(() => rmsNorm(x, 8, null, -1)).toThrow(/eps must be a finite number >= 0, got -1/);
    expect(() => rmsNorm(x, 5)).toThrow(/must end with the normalized shape \[5\]/);
  });
});

describe('packedSelfAttention (the fused kernel on the packed projection)', () => {
  it.each([true, false])(
    'causal %s: value and gradient = the split-heads composition (float64, 1e-12)',
    (causal) => {
      // T = 19: causal row blocks of 16 and 3; E = 6, 3 heads of width 2; scale 0.9
      const qkv = rand([2, 19, 18], 11);
      const cot = rand([2, 19, 6], 12);
      const fused = packedSelfAttention(qkv, { heads: 3, causal, scale: 0.9 });
      sum(mul(fused, cot)).backward();
      const gFused = Float64Array.from(qkv.grad!.data);
      const qkv2 = new Tensor(Float64Array.from(qkv.data), qkv.shape, true);
      const split = splitHeadsAttention(qkv2, 3, { causal, scale: 0.9 });
      sum(mul(split, cot)).backward();
      for (let i = 0; i < split.size; i++)
        expect(Math.abs((fused.data[i] as number) - (split.data[i] as number))).toBeLessThan(1e-12);
      for (let i = 0; i < gFused.length; i++)
        expect(Math.abs((gFused[i] as number) - (qkv2.grad!.data[i] as number))).toBeLessThan(
          1e-12,
        );
    },
  );

  it('float32: within float32 rounding of the float64 result', () => {
    const q64 = rand([2, 21, 24], 13);
    const q32 = new Tensor(Float32Array.from(q64.data), q64.shape, true);
    const y64 = packedSelfAttention(q64, { heads: 2, causal: true });
    const y32 = packedSelfAttention(q32, { heads: 2, causal: true });
    for (let i = 0; i < y64.size; i++)
      expect(Math.abs((y32.data[i] as number) - (y64.data[i] as number))).toBeLessThan(1e-5);
  });

  it('multiHeadAttention takes the fused op without mask or dropout, the composition with them', () => {
    const x = rand([2, 3, 4], 1);
    const w = rand([12, 4], 2);
    const wo = rand([4, 4], 3);
    const names = (y: Tensor): string[] => {
      const out: string[] = [];
      for (let n = y.gradFn; n !== null && n !== undefined; n = n.inputs[0]?.gradFn ?? null)
        out.push(n.op);
      return out;
    };
    expect(names(multiHeadAttention(x, w, null, wo, null, { heads: 2, causal: true }))).toContain(
      'packedSelfAttention',
    );
    const mask = new Tensor(new Float64Array(9), [3, 3]);
    expect(names(multiHeadAttention(x, w, null, wo, null, { heads: 2, mask }))).not.toContain(
      'packedSelfAttention',
    );
  });

  it('bad input: one-line errors naming the argument and the value', () => {
    expect(() => packedSelfAttention(rand([2, 3, 10], 1), { heads: 1 })).toThrow(
      /packedSelfAttention: qkv must have shape \[batch, time, 3·embed\], got \[2, 3, 10\]/,
    );
    expect(() => packedSelfAttention(rand([3, 12], 1), { heads: 1 })).toThrow(
      /qkv must have shape \[batch, time, 3·embed\], got \[3, 12\]/,
    );
    expect(() => packedSelfAttention(rand([2, 3, 12], 1), { heads: 3 })).toThrow(
      /heads must be a positive integer dividing the embedding width 4, got 3/,
    );
    expect(() => packedSelfAttention(rand([2, 3, 12], 1), { heads: 2, scale: NaN })).toThrow(
      /scale must be a finite number, got NaN/,
    );
    expect(() =>
      packedSelfAttention(rand([2, 3, 12], 1), { heads: 2, causal: 1 as unknown as boolean }),
    ).toThrow(/causal must be a boolean, got 1/);
  });
});
