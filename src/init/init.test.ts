import { describe, expect, it } from 'vitest';
import { ConfigError, ShapeError } from '../errors.js';
import type { TypedArray } from '../tensor/dtype.js';
import { Rng } from '../tensor/rng.js';
import { constant, ones, zeros } from './constant.js';
import { computeFans } from './fan.js';
import { calculateGain } from './gain.js';
import { heNormal, heUniform } from './kaiming.js';
import { lecunNormal } from './lecun.js';
import { orthogonal } from './orthogonal.js';
import { normal, uniform } from './random.js';
import { sparse } from './sparse.js';
import { truncatedNormal } from './truncated-normal.js';
import { xavierNormal, xavierUniform } from './xavier.js';

function stats(a: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] as number;
  const mean = s / a.length;
  let v = 0;
  for (let i = 0; i < a.length; i++) v += ((a[i] as number) - mean) ** 2;
  return { mean, std: Math.sqrt(v / a.length) };
}

function minOf(a: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < a.length; i++) m = Math.min(m, a[i] as number);
  return m;
}
function maxOf(a: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) m = Math.max(m, a[i] as number);
  return m;
}
function maxAbs(a: ArrayLike<number>): number {
  return Math.max(maxOf(a), -minOf(a));
}

function expectStdWithin2Percent(a: ArrayLike<number>, expected: number): void {
  const { mean, std } = stats(a);
  expect(Math.abs(std / expected - 1)).toBeLessThan(0.02);
  // mean of n draws has sd std/√n; 6 of those is a generous bound
  expect(Math.abs(mean)).toBeLessThan((6 * expected) / Math.sqrt(a.length));
}

const SQ = [512, 512] as const;

describe('computeFans (PyTorch convention)', () => {
  it('linear and conv weights', () => {
    expect(computeFans([10, 20])).toEqual({ fanIn: 20, fanOut: 10 });
    expect(computeFans([64, 32, 3, 3])).toEqual({ fanIn: 288, fanOut: 576 });
  });
  it('fewer than 2 dimensions is a ShapeError', () => {
    expect(() => computeFans([5])).toThrow(ShapeError);
  });
});

describe('calculateGain equals PyTorch’s table', () => {
  it('values', () => {
    for (const n of [
      'linear',
      'conv1d',
      'conv2d',
      'conv3d',
      'conv_transpose1d',
      'conv_transpose2d',
      'conv_transpose3d',
      'sigmoid',
    ] as const) {
      expect(calculateGain(n)).toBe(1);
    }
    expect(calculateGain('tanh')).toBe(5 / 3);
    expect(calculateGain('relu')).toBe(Math.sqrt(2));
    expect(calculateGain('selu')).toBe(0.75);
    // leaky_relu: √(2/(1 + slope²)), default slope 0.01 → √(2/1.0001) = 1.4141428569978354 (Python's math.sqrt(2.0 / (1 + 0.01 ** 2)))
    expect(calculateGain('leaky_relu')).toBeCloseTo(1.4141428569978354, 15);
    expect(calculateGain('leaky_relu', 0.2)).toBeCloseTo(Math.sqrt(2 / 1.04), 15);
    expect(calculateGain('leakyRelu', 0)).toBe(Math.sqrt(2));
  });
  it('unknown names throw a ConfigError listing the known ones', () => {
    expect(() => calculateGain('swish' as never)).toThrow(ConfigError);
    expect(() => calculateGain('swish' as never)).toThrow(
      /unsupported nonlinearity "swish"; expected one of linear/,
    );
  });
});

describe('sample std within 2% of the formula on 512×512', () => {
  const n = 512;
  it('uniform and normal', () => {
    expectStdWithin2Percent(
      uniform(SQ, 1, { a: -0.5, b: 0.5, dtype: 'float64' }).map((v) => v),
      1 / Math.sqrt(12),
    );
    const w = normal(SQ, 2, { mean: 3, std: 0.1, dtype: 'float64' });
    const { mean, std } = stats(w);
    expect(Math.abs(mean - 3)).toBeLessThan(0.001);
    expect(Math.abs(std / 0.1 - 1)).toBeLessThan(0.02);
  });
  it('xavierUniform / xavierNormal: std = gain·√(2/(fanIn + fanOut))', () => {
    expectStdWithin2Percent(xavierUniform(SQ, 3), Math.sqrt(2 / (2 * n)));
    expectStdWithin2Percent(xavierNormal(SQ, 4, { gain: 5 / 3 }), (5 / 3) * Math.sqrt(2 / (2 * n)));
  });
  it('heUniform / heNormal: std = gain/√fan', () => {
    expectStdWithin2Percent(heNormal(SQ, 5, { nonlinearity: 'relu' }), Math.sqrt(2 / n));
    expectStdWithin2Percent(heUniform(SQ, 6), Math.sqrt(2 / n)); // defaults: leaky_relu, a = 0 → √2
    // conv weight, fanOut mode, leaky slope 0.2: fanOut = 64·4·4 = 1024
    expectStdWithin2Percent(
      heUniform([64, 32, 4, 4], 7, { mode: 'fanOut', a: 0.2 }),
      Math.sqrt(2 / 1.04) / 32,
    );
    expectStdWithin2Percent(
      heNormal(SQ, 8, { nonlinearity: 'tanh', mode: 'fanOut' }),
      5 / 3 / Math.sqrt(n),
    );
  });
  it('lecunNormal: std = 1/√fanIn (normal and Keras’ truncated form)', () => {
    expectStdWithin2Percent(lecunNormal([512, 256], 9), 1 / 16);
    const t = lecunNormal([512, 256], 10, { distribution: 'truncatedNormal' });
    expectStdWithin2Percent(t, 1 / 16);
    // truncated at ±2 of the pre-scaling std 1/(16·0.8796)
    const bound = 2 / (16 * 0.8796256610342398);
    expect(maxAbs(t)).toBeLessThanOrEqual(bound * (1 + 1e-6));
  });
  it('truncatedNormal: default ±2 → std 0.87962566 (√(1 − 4φ(2)/(2Φ(2) − 1)))', () => {
    // φ(2) = 0.05399096651318806, 2Φ(2) − 1 = 0.9544997361036416
    const expected = Math.sqrt(1 - (4 * 0.05399096651318806) / 0.9544997361036416);
    const w = truncatedNormal(SQ, 11, { dtype: 'float64' });
    expectStdWithin2Percent(w, expected);
    expect(minOf(w)).toBeGreaterThanOrEqual(-2);
    expect(maxOf(w)).toBeLessThanOrEqual(2);
    // PyTorch semantics: bounds are absolute, mean and std those of the parent normal
    const v = truncatedNormal([200, 50], 12, { mean: 1, std: 0.5, a: 0, b: 2 });
    expectStdWithin2Percent(
      v.map((x) => x - 1),
      0.5 * expected,
    );
  });
  it('truncatedNormal far in the tail: [5, 6] has mean (φ(5) − φ(6))/(Φ(6) − Φ(5)) = 5.18316', () => {
    // φ(5) = 1.4867195147342977e-6, φ(6) = 6.075882849823286e-9,
    // Q(5) = 2.866515718791939e-7, Q(6) = 9.865876450376946e-10 (standard tables)
    const expected =
      (1.4867195147342977e-6 - 6.075882849823286e-9) /
      (2.866515718791939e-7 - 9.865876450376946e-10);
    const w = truncatedNormal([100, 100], 13, { a: 5, b: 6, dtype: 'float64' });
    expect(minOf(w)).toBeGreaterThanOrEqual(5);
    expect(maxOf(w)).toBeLessThanOrEqual(6);
    expect(Math.abs(stats(w).mean - expected)).toBeLessThan(0.01);
  });
  it('orthogonal: entries have std gain/√n', () => {
    expectStdWithin2Percent(orthogonal(SQ, 14, { gain: 2 }), 2 / Math.sqrt(n));
  });
  it('sparse: exactly k non-zeros per row, N(0, std²)', () => {
    const w = sparse(SQ, 15, { k: 15, std: 0.5, dtype: 'float64' });
    const nz: number[] = [];
    for (let r = 0; r < n; r++) {
      let count = 0;
      for (let c = 0; c < n; c++) {
        const v = w[r * n + c] as number;
        if (v !== 0) {
          count++;
          nz.push(v);
        }
      }
      expect(count).toBe(15);
    }
    expectStdWithin2Percent(nz, 0.5);
  });
});

function gram(w: TypedArray, rows: number, cols: number, byColumns: boolean): Float64Array {
  // byColumns: WᵀW (cols×cols); else WWᵀ (rows×rows)
  const k = byColumns ? cols : rows;
  const g = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      if (byColumns)
        for (let r = 0; r < rows; r++)
          s += (w[r * cols + i] as number) * (w[r * cols + j] as number);
      else
        for (let c = 0; c < cols; c++)
          s += (w[i * cols + c] as number) * (w[j * cols + c] as number);
      g[i * k + j] = s;
      g[j * k + i] = s;
    }
  }
  return g;
}

function maxDeviationFromScaledIdentity(g: Float64Array, k: number, scale: number): number {
  let m = 0;
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++)
      m = Math.max(m, Math.abs((g[i * k + j] as number) - (i === j ? scale : 0)));
  return m;
}

describe('orthogonal', () => {
  it('512×512 float64: WᵀW = I within 1e-5', () => {
    const w = orthogonal(SQ, 0, { dtype: 'float64' });
    expect(maxDeviationFromScaledIdentity(gram(w, 512, 512, true), 512, 1)).toBeLessThan(1e-5);
  });
  it('tall [300, 100]: orthonormal columns; wide [100, 300]: orthonormal rows; gain scales', () => {
    const tall = orthogonal([300, 100], 1, { dtype: 'float64' });
    expect(maxDeviationFromScaledIdentity(gram(tall, 300, 100, true), 100, 1)).toBeLessThan(1e-12);
    const wide = orthogonal([100, 300], 2, { dtype: 'float64', gain: 3 });
    expect(maxDeviationFromScaledIdentity(gram(wide, 100, 300, false), 100, 9)).toBeLessThan(1e-11);
  });
  it('>2-D shapes are flattened to [shape[0], ∏rest]: conv [8, 4, 3, 3] has orthonormal rows of length 36', () => {
    const w = orthogonal([8, 4, 3, 3], 3, { dtype: 'float64' });
    expect(maxDeviationFromScaledIdentity(gram(w, 8, 36, false), 8, 1)).toBeLessThan(1e-12);
  });
  it('float32 output is orthogonal to float32 precision', () => {
    const w = orthogonal([64, 64], 4, { dtype: 'float32' });
    expect(w).toBeInstanceOf(Float32Array);
    expect(maxDeviationFromScaledIdentity(gram(w, 64, 64, true), 64, 1)).toBeLessThan(1e-5);
  });
  it('rejects 1-D shapes', () => {
    expect(() => orthogonal([5], 0)).toThrow(ShapeError);
  });
});

describe('determinism, dtype and output options', () => {
  it('same seed → same bits; different seed → different values; an Rng continues its stream', () => {
    for (const f of [
      xavierUniform,
      xavierNormal,
      heUniform,
      heNormal,
      lecunNormal,
      orthogonal,
      sparse,
      truncatedNormal,
      uniform,
      normal,
    ]) {
      const a = f([16, 8], 42);
      const b = f([16, 8], 42);
      expect(Array.from(a)).toEqual(Array.from(b));
      expect(Array.from(f([16, 8], 43))).not.toEqual(Array.from(a));
      const rng = new Rng(42);
      const first = f([16, 8], rng);
      expect(Array.from(first)).toEqual(Array.from(a));
      expect(Array.from(f([16, 8], rng))).not.toEqual(Array.from(a));
    }
  });
  it('dtype float32 by default, float64 on request; `out` is filled in place', () => {
    expect(xavierUniform([4, 4], 0)).toBeInstanceOf(Float32Array);
    expect(xavierUniform([4, 4], 0, { dtype: 'float64' })).toBeInstanceOf(Float64Array);
    const arena = new Float64Array(20);
    const view = arena.subarray(4, 16);
    const r = heNormal([3, 4], 0, { out: view });
    expect(r).toBe(view);
    expect(arena[0]).toBe(0);
    expect(arena[4]).not.toBe(0);
    expect(() => heNormal([3, 5], 0, { out: view })).toThrow(
      /out has 12 elements but shape \[3, 5\] needs 15/,
    );
  });
  it('zeros, ones, constant', () => {
    expect(Array.from(zeros([2, 2]))).toEqual([0, 0, 0, 0]);
    expect(Array.from(ones([3]))).toEqual([1, 1, 1]);
    expect(Array.from(constant([2], 0.25))).toEqual([0.25, 0.25]);
  });
  it('invalid options throw ConfigError naming the option', () => {
    expect(() => heNormal([4, 4], 0, { mode: 'fan_in' as never })).toThrow(
      /mode must be 'fanIn' or 'fanOut', got "fan_in"/,
    );
    expect(() => truncatedNormal([4], 0, { a: 1, b: -1 })).toThrow(/a must be < b/);
    expect(() => truncatedNormal([4], 0, { std: 0 })).toThrow(
      /std must be a positive number, got 0/,
    );
    expect(() => sparse([4, 4], 0, { k: 1.5 })).toThrow(/k must be a non-negative integer/);
    expect(() => xavierUniform([4], 0)).toThrow(ShapeError);
  });
  it('sparse with fanIn ≤ k makes every incoming weight non-zero (a 4→16 layer)', () => {
    const w = sparse([16, 4], 0);
    expect(w.every((v) => v !== 0)).toBe(true);
  });
});
