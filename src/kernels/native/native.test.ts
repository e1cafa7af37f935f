import { afterEach, describe, expect, it } from 'vitest';
import { Rng } from '../../tensor/rng.js';
import { setKernels } from '../backend.js';
import { convGeometry } from '../conv-geometry.js';
import { setThreads } from '../threads.js';
import { threadsInfo } from '../threads.js';
import { loadNativeKernels, nativeStatus } from './loader.js';
import { nativeBackend } from './backend.js';
import { jsKernels } from '../js/backend.js';
import type { Pool2dGeometry } from '../args.js';
import type { Kernels } from '../types.js';

// The native backend's own promises (the parity table, kernels/parity.test.ts, covers the
// Kernels contract against the JS reference): bit-identical results on 1 and 2 threads
// (threads split output tiles or whole images, never a sum), both dtypes; the one-line status.

const addon = loadNativeKernels();
const bits = (a: Float32Array | Float64Array): number[] =>
  Array.from(
    a instanceof Float32Array ? new Uint32Array(a.buffer) : new BigUint64Array(a.buffer),
    Number,
  );

afterEach(() => {
  setThreads('auto');
  setKernels('auto');
});

describe('native kernels', () => {
  it('threadsInfo().backend says which kernels run and why', () => {
    const line = threadsInfo().backend;
    if (addon === undefined) {
      const st = nativeStatus();
      expect(st.loaded).toBe(false);
      expect(line).toMatch(/^wasm \(|^js \(/);
    } else {
      expect(line).toMatch(/^native \((AVX2\+FMA|scalar), \d+ threads?\)$/);
    }
    setKernels('js');
    expect(threadsInfo().backend).toBe("js (setKernels('js'))");
  });

  describe.runIf(addon !== undefined).each(['float32', 'float64'] as const)('%s', (dtype) => {
    const k = nativeBackend(addon!, () => jsKernels);
    const make = (n: number, seed: number): Float32Array | Float64Array => {
      const a = new Rng(seed).fillNormal(new Float64Array(n));
      return dtype === 'float32' ? Float32Array.from(a) : a;
    };
    const onThreads = (t: number, run: () => (Float32Array | Float64Array)[]): number[][] => {
      setThreads(t);
      return run().map(bits);
    };

    it('gemm: an element of C has the same bits whatever the problem around it (edge tiles, A packed or read in place)', () => {
      // C[:m2, :n2] of an m×n problem against the m2×n2 problem on the same rows of op(A) and
      // columns of op(B): n = 300 packs a row-major A, n2 = 250 reads it in place; m2 = 61 and
      // n2 = 250 end in edge tiles (1 row, 10 columns) where the larger problem has whole ones;
      // k = 333 crosses a KC slice (the one thing that may change an element's rounding).
      const [m, n, kk, m2, n2] = [130, 300, 333, 61, 250];
      for (const transA of [false, true])
        for (const transB of [false, true]) {
          const a = make(m * kk, 1);
          const b = make(kk * n, 2);
          const c = make(m * n, 3);
          const a2 = make(m2 * kk, 0);
          const b2 = make(kk * n2, 0);
          const c2 = make(m2 * n2, 0);
          for (let i = 0; i < m2; i++)
            for (let p = 0; p < kk; p++)
              a2[transA ? p * m2 + i : i * kk + p] = a[transA ? p * m + i : i * kk + p] as number;
          for (let p = 0; p < kk; p++)
            for (let j = 0; j < n2; j++)
              b2[transB ? j * kk + p : p * n2 + j] = b[transB ? j * kk + p : p * n + j] as number;
          for (let i = 0; i < m2; i++)
            for (let j = 0; j < n2; j++) c2[i * n2 + j] = c[i * n + j] as number;
          const call = {
            transA,
            transB,
            k: kk,
            alpha: 0.7,
            aOffset: 0,
            bOffset: 0,
            beta: 0.5,
            cOffset: 0,
          };
          setThreads(1);
          k.gemm({ ...call, m, n, a, b, c });
          k.gemm({ ...call, m: m2, n: n2, a: a2, b: b2, c: c2 });
          const sub = make(m2 * n2, 0);
          for (let i = 0; i < m2; i++)
            for (let j = 0; j < n2; j++) sub[i * n2 + j] = c[i * n + j] as number;
          expect(bits(c2)).toEqual(bits(sub));
        }
    });

    it.each([250, 300])(
      'the GEMM epilogue (bias per column or per row, ReLU) gives the bits of a separate pass after the GEMM (n = %i)',
      (n) => {
        // linear: y = x·Wᵀ + bias[column], then ReLU, fused into the tiles' last update (61 rows:
        // an edge tile of 1 row; n = 250: A read in place, 10 edge columns; n = 300: A packed,
        // 12 edge columns) against the GEMM then the reference's pass (rounded to the dtype).
        const f = dtype === 'float32' ? Math.fround : (v: number): number => v;
        const [rows, inF] = [61, 40];
        const x = make(rows * inF, 1);
        const w = make(n * inF, 2);
        const bias = make(n, 3);
        for (const act of [0, 1] as const) {
          const y = make(rows * n, 0);
          k.linearForward({ x, w, bias, act, rows, inF, outF: n, y });
          const ref = make(rows * n, 0);
          const call = { aOffset: 0, bOffset: 0, cOffset: 0, alpha: 1, beta: 0 };
          k.gemm({ ...call, transA: false, transB: true, m: rows, n, k: inF, a: x, b: w, c: ref });
          for (let i = 0; i < rows; i++)
            for (let j = 0; j < n; j++) {
              const v = f((ref[i * n + j] as number) + (bias[j] as number));
              ref[i * n + j] = act === 1 && v < 0 ? 0 : v;
            }
          expect(bits(y)).toEqual(bits(ref));
        }
        // convolution 1×1 (no unfolding): y[o] = W·x + bias[o] per row of C, then ReLU
        const g = convGeometry({ channels: 20, height: 1, width: n, kernelH: 1, kernelW: 1 });
        const o = 61;
        const cw = make(o * 20, 4);
        const cx = make(20 * n, 5);
        const cb = make(o, 6);
        const y = make(o * n, 0);
        k.conv2dForward({ x: cx, w: cw, bias: cb, relu: true, g, n: 1, o, y });
        const ref = make(o * n, 0);
        k.gemm({
          transA: false,
          transB: false,
          m: o,
          n,
          k: 20,
          alpha: 1,
          a: cw,
          aOffset: 0,
          b: cx,
          bOffset: 0,
          beta: 0,
          c: ref,
          cOffset: 0,
        });
        for (let i = 0; i < o; i++)
          for (let j = 0; j < n; j++) {
            const v = f((ref[i * n + j] as number) + (cb[i] as number));
            ref[i * n + j] = v < 0 ? 0 : v;
          }
        expect(bits(y)).toEqual(bits(ref));
      },
    );

    // [m, n, k, alpha, beta]: a general shape with alpha and beta off 1, then workload shapes
    it.each([
      [300, 257, 190, 0.7, 0.5],
      [32, 10, 128, 1, 1],
      [128, 8, 200, 1, 1],
      [1024, 128, 64, 1, 1],
      [64, 196, 800, 1, 1],
      // by columns with op(A) row-major: finer parts, claimed (gemm_drv.h); W1's first layer, and
      // a width whose one-thread product packs op(A) (n > 256) while the parts read it in place
      [128, 256, 784, 1, 1],
      [64, 600, 100, 1, 1],
      [128, 256, 10, 1, 1],
    ])(
      'gemm %i×%i×%i (alpha %d, beta %d, every transposition) gives the same bits on 1 and 2 threads',
      (m, n, kk, alpha, beta) => {
        for (const transA of [false, true])
          for (const transB of [false, true]) {
            const run = (): Float32Array[] | Float64Array[] => {
              const c = make(m * n, 3);
              k.gemm({
                transA,
                transB,
                m,
                n,
                k: kk,
                alpha,
                a: make(m * kk, 1),
                aOffset: 0,
                b: make(kk * n, 2),
                bOffset: 0,
                beta,
                c,
                cOffset: 0,
              });
              return [c] as Float32Array[] | Float64Array[];
            };
            expect(onThreads(2, run)).toEqual(onThreads(1, run));
          }
      },
    );

    it.each([
      [6, 'images split over threads'],
      [1, 'fewer images than threads: the threaded GEMM'],
    ] as const)(
      'conv2d forward and backward (%i images, %s) give the same bits on 1 and 2 threads',
      (n, _why) => {
        const g = convGeometry({
          channels: 4,
          height: 20,
          width: 20,
          kernelH: 5,
          kernelW: 5,
          padH: 2,
          padW: 2,
        });
        const o = 24;
        const run = (): (Float32Array | Float64Array)[] => {
          const y = make(n * o * g.colCols, 0).fill(0);
          const x = make(n * g.imageSize, 1);
          const w = make(o * g.colRows, 2);
          k.conv2dForward({ x, w, bias: make(o, 3), relu: true, g, n, o, y });
          const dx = make(n * g.imageSize, 0).fill(0);
          const dW = make(o * g.colRows, 0).fill(0);
          k.conv2dBackward({
            gy: make(y.length, 4),
            y,
            x,
            w,
            g,
            n,
            o,
            dx,
            dW,
            dWAccumulate: false,
            db,
            dbAccumulate: false,
          });
          return [y, dx, dW, db];
        };
        const db = make(o, 0);
        expect(onThreads(2, run)).toEqual(onThreads(1, run));
      },
    );

    it.each([
      [0, 128, 300, 200],
      [1, 128, 300, 200],
      [2, 128, 300, 200],
      [0, 128, 256, 10], // W1's head (one thread: below the GEMM's split size)
      [1, 37, 90, 100], // ragged tiles
      [1, 700, 40, 200], // activation gradient and bias sums split by columns (≥ 2^17 elements)
    ] as const)(
      'linear forward and backward (activation %i, %i × %i → %i: epilogue, split) give the same bits on 1 and 2 threads',
      (act, rows, inF, outF) => {
        const run = (): (Float32Array | Float64Array)[] => {
          const x = make(rows * inF, 1);
          const w = make(outF * inF, 2);
          const y = make(rows * outF, 0);
          k.linearForward({ x, w, bias: make(outF, 3), act, rows, inF, outF, y });
          const dx = make(rows * inF, 0);
          const dW = make(outF * inF, 5);
          const db = make(outF, 6);
          k.linearBackward({
            g: make(rows * outF, 4),
            y,
            x,
            w,
            act,
            rows,
            inF,
            outF,
            dx,
            dW,
            dWAccumulate: true,
            db,
            dbAccumulate: true,
          });
          return [y, dx, dW, db];
        };
        expect(onThreads(2, run)).toEqual(onThreads(1, run));
      },
    );

    it.each([false, true])(
      'layer normalisation (rms %s) forward and backward (rows, then dγ/dβ columns, split) give the same bits on 1 and 2 threads',
      (rms) => {
        const [rows, d] = [1024, 131];
        const run = (): (Float32Array | Float64Array)[] => {
          const x = make(rows * d, 1);
          const y = make(rows * d, 0);
          const mean = new Float64Array(rows);
          const rstd = new Float64Array(rows);
          const gamma = make(d, 2);
          k.layerNormForward({
            x,
            gamma,
            beta: make(d, 3),
            rows,
            d,
            eps: 1e-5,
            rms,
            y,
            mean,
            rstd,
          });
          const dx = make(rows * d, 0);
          const dGamma = make(d, 5);
          const dBeta = make(d, 6);
          k.layerNormBackward({
            g: make(rows * d, 4),
            x,
            gamma,
            mean,
            rstd,
            rows,
            d,
            rms,
            dx,
            dGamma,
            dGammaAccumulate: true,
            dBeta,
            dBetaAccumulate: true,
          });
          return [y, dx, dGamma, dBeta, mean, rstd];
        };
        expect(onThreads(2, run)).toEqual(onThreads(1, run));
      },
    );

    it.runIf(dtype === 'float32')(
      'GELU forward and backward, both forms (elements split), give the same bits on 1 and 2 threads',
      () => {
        const n = 100_003;
        for (const approximate of [0, 1] as const) {
          const run = (): (Float32Array | Float64Array)[] => {
            const x = make(n, 7).map((v) => v * 3);
            const y = make(n, 0);
            k.geluForward({ x, y, n, approximate });
            const dx = make(n, 0);
            k.geluBackward({ x, g: make(n, 8), dx, n, approximate });
            return [y, dx];
          };
          expect(onThreads(2, run)).toEqual(onThreads(1, run));
        }
      },
    );
  });

  it.runIf(addon !== undefined)(
    'adam (ranges split over threads) gives the same bits on 1 and 2 threads',
    () => {
      const k = nativeBackend(addon!, () => jsKernels);
      const n = 100_003;
      const run = (): number[][] => {
        const f = (seed: number): Float32Array =>
          Float32Array.from(new Rng(seed).fillNormal(new Float64Array(n)));
        const [p, g, m] = [f(1), f(2), f(3)];
        const v = f(4).map((x) => x * x);
        k.adam({ p, g, m, v, coef: Float32Array.of(1, 0.9, 0.1, 0.999, 0.001, -1e-3, 1e-8, 1) });
        return [p, m, v].map((a) => Array.from(new Uint32Array(a.buffer)));
      };
      setThreads(1);
      const one = run();
      setThreads(2);
      expect(run()).toEqual(one);
    },
  );

  it.runIf(addon !== undefined)(
    'a wrong length is a RangeError, not a write outside the array',
    () => {
      const c = new Float32Array(3);
      expect(() =>
        addon!.gemm(
          false,
          false,
          2,
          2,
          2,
          1,
          new Float32Array(4),
          0,
          new Float32Array(4),
          0,
          0,
          c,
          0,
        ),
      ).toThrow(RangeError);
      expect(() =>
        addon!.gemm(
          false,
          false,
          2,
          2,
          2,
          1,
          new Float32Array(4),
          0,
          new Float64Array(4),
          0,
          0,
          new Float32Array(4),
          0,
        ),
      ).toThrow(/must all be Float32Array or all Float64Array/);
      const f = (n: number): Float32Array => new Float32Array(n);
      expect(() => addon!.geluForward!(f(8), f(7), 8, 0)).toThrow(RangeError);
      expect(() => addon!.geluBackward!(f(8), f(8), f(8), 9, 1)).toThrow(RangeError);
      const stats = new Float64Array(4);
      expect(() =>
        addon!.layerNormForward!(f(32), f(7), null, 4, 8, 1e-5, false, f(32), stats, stats),
      ).toThrow(RangeError);
      expect(() =>
        addon!.layerNormBackward!(
          f(32),
          f(32),
          null,
          stats,
          new Float64Array(3),
          4,
          8,
          false,
          f(32),
          f(8),
          false,
          null,
          false,
        ),
      ).toThrow(RangeError);
      // the statistics are float64 whatever the dtype
      expect(() =>
        addon!.layerNormForward!(
          f(32),
          null,
          null,
          4,
          8,
          1e-5,
          false,
          f(32),
          stats,
          f(4) as unknown as Float64Array,
        ),
      ).toThrow(RangeError);
    },
  );

  it.runIf(addon?.crossEntropyForward !== undefined)(
    'crossEntropy (rows split over threads) gives the same bits on 1 and 2 threads; bad targets and short arrays are RangeErrors',
    () => {
      const [n, c] = [1000, 300];
      const z = Float32Array.from(new Rng(9).fillNormal(new Float64Array(n * c)), (v) => 4 * v);
      const t = Int32Array.from({ length: n }, (_, i) => (i % 9 === 4 ? -100 : (i * 13) % c));
      const run = (): number[][] => {
        const lse = new Float64Array(n);
        const sums = new Float64Array(2);
        const dz = new Float32Array(n * c);
        addon!.crossEntropyForward!(z, t, n, c, -100, null, 0.1, lse, null, sums);
        addon!.crossEntropyBackward!(z, t, n, c, -100, null, 0.1, lse, 1 / sums[1]!, null, dz);
        return [Array.from(lse), Array.from(sums), Array.from(new Uint32Array(dz.buffer))];
      };
      setThreads(1);
      const one = run();
      setThreads(2);
      expect(run()).toEqual(one);
      const lse = new Float64Array(2);
      const sums = new Float64Array(2);
      const z2 = new Float32Array(6);
      const fwd = (targets: Int32Array, zz = z2, l = lse): void =>
        addon!.crossEntropyForward!(zz, targets, 2, 3, -100, null, 0, l, null, sums);
      expect(() => fwd(Int32Array.of(0, 3))).toThrow(/not a class index/);
      expect(() => fwd(Int32Array.of(0, -1))).toThrow(RangeError);
      expect(() => fwd(Int32Array.of(0))).toThrow(/targets are too short/);
      expect(() => fwd(Int32Array.of(0, 1), new Float32Array(5))).toThrow(RangeError);
      expect(() => fwd(Int32Array.of(0, 1), z2, new Float64Array(1))).toThrow(RangeError);
      expect(() => fwd(Int32Array.of(0, -100))).not.toThrow();
    },
  );
});

// Max pooling (native/src/pool.c; sizes past 2 × 32,768 input elements, so that 2 threads split
// the planes): whole planes per thread, so the bits of 1 and 2 threads and of
// the JS reference agree, NaN and −∞ windows included; a bad arg-max index or array is a
// RangeError, never a write outside dx.
describe.runIf(addon !== undefined).each(['float32', 'float64'] as const)(
  'native maxPool2d, %s',
  (dtype) => {
    const k = nativeBackend(addon!, () => jsKernels);
    const window = (
      planes: number,
      size: number,
      kernel: number,
      stride: number,
      pad: number,
    ): Pool2dGeometry => {
      const out = Math.floor((size + 2 * pad - kernel) / stride) + 1;
      return {
        planes,
        height: size,
        width: size,
        kernelH: kernel,
        kernelW: kernel,
        strideH: stride,
        strideW: stride,
        padH: pad,
        padW: pad,
        outH: out,
        outW: out,
      };
    };
    const input = (n: number, seed: number): Float32Array | Float64Array => {
      // ReLU-like (a third exact zeros: ties), with a NaN every 101 and −∞ every 97 elements
      const a = new Rng(seed).fillNormal(new Float64Array(n)).map((v) => (v < -0.45 ? 0 : v));
      for (let i = 5; i < n; i += 101) a[i] = NaN;
      for (let i = 7; i < n; i += 97) a[i] = -Infinity;
      return dtype === 'float32' ? Float32Array.from(a) : a;
    };
    const run = (kk: Kernels, g: Pool2dGeometry): (Float32Array | Float64Array | Int32Array)[] => {
      const x = input(g.planes * g.height * g.width, 1);
      const out = g.planes * g.outH * g.outW;
      const y = dtype === 'float32' ? new Float32Array(out) : new Float64Array(out);
      const arg = new Int32Array(out);
      kk.maxPool2dForward({ x, g, y, arg });
      const dx = input(x.length, 2); // overwritten
      kk.maxPool2dBackward({ gy: input(out, 3), arg, g, dx });
      return [y, arg, dx];
    };
    const bitsOf = (a: Float32Array | Float64Array | Int32Array): number[] =>
      a instanceof Int32Array ? Array.from(a) : bits(a);

    it.each([
      ['2×2 stride 2, 28×28 (the SIMD path)', window(96, 28, 2, 2, 0)],
      ['2×2 stride 2, 7×7 (masked tails, odd size)', window(1400, 7, 2, 2, 0)],
      ['3×3 stride 1 padding 1 (overlapping: the backward adds)', window(170, 20, 3, 1, 1)],
    ] as const)('%s: the bits of the JS reference on 1 and 2 threads', (_, g) => {
      setThreads(1);
      const one = run(k, g).map(bitsOf);
      setThreads(2);
      expect(run(k, g).map(bitsOf)).toEqual(one);
      expect(run(jsKernels, g).map(bitsOf)).toEqual(one);
    });

    it('a bad arg-max index or array is a RangeError', () => {
      const g = window(2, 4, 2, 2, 0);
      const make = (n: number): Float32Array | Float64Array =>
        dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
      const arg = Int32Array.of(0, 2, 8, 10, 16, 18, 24, 26);
      const dx = make(32);
      k.maxPool2dBackward({ gy: make(8).fill(1), arg, g, dx });
      expect(Array.from(dx).reduce((s, v) => s + v, 0)).toBe(8);
      arg[3] = 16; // plane 1's pixel in plane 0's output
      expect(() => k.maxPool2dBackward({ gy: make(8), arg, g, dx })).toThrow(
        /arg index lies outside its plane/,
      );
      arg[3] = -1;
      expect(() => k.maxPool2dBackward({ gy: make(8), arg, g, dx })).toThrow(RangeError);
      expect(() => k.maxPool2dForward({ x: make(31), g, y: make(8), arg })).toThrow(
        /holds 31 elements, the kernel needs 32/,
      );
      expect(() =>
        k.maxPool2dForward({ x: make(32), g, y: make(8), arg: new Int32Array(7) }),
      ).toThrow(/holds 7 indices, the kernel needs 8/);
      expect(
        () =>
        addon!.maxPool2dForward!(make(32), make(8), new Float32Array(8) as unknown as Int32Array, 2, 4, 4, 2, 2, 2, 2, 0, 0, 2, 2), // prettier-ignore
      ).toThrow(/arg must be an Int32Array/);
      expect(() =>
        k.maxPool2dForward({ x: make(32), g: { ...g, kernelH: 0 }, y: make(8), arg }),
      ).toThrow(/geometry out of range/);
    });
  },
);

it.runIf(addon !== undefined)(
  'conv2d forward as the transposed product (W4 conv2: o = 64, 14 × 14, depth 800) gives the same bits on 1 and 2 threads',
  () => {
    const k = nativeBackend(addon!, () => jsKernels);
    const g = convGeometry({
      channels: 32,
      height: 14,
      width: 14,
      kernelH: 5,
      kernelW: 5,
      padH: 2,
      padW: 2,
    });
    const [n, o] = [4, 64];
    const f = (len: number, seed: number): Float32Array =>
      Float32Array.from(new Rng(seed).fillNormal(new Float64Array(len)));
    const run = (t: number): number[] => {
      setThreads(t);
      const y = new Float32Array(n * o * g.colCols);
      k.conv2dForward({ x: f(n * g.imageSize, 1), w: f(o * g.colRows, 2), bias: f(o, 3), relu: true, g, n, o, y }); // prettier-ignore
      return bits(y);
    };
    expect(run(2)).toEqual(run(1));
  },
);
