import { afterEach, describe, expect, it } from 'vitest';
import { Rng } from '../../tensor/rng.js';
import { setKernels } from '../backend.js';
import { convGeometry } from '../conv-geometry.js';
import { setThreads } from '../threads.js';
import { threadsInfo } from '../threads.js';
import { loadNativeKernels, nativeStatus } from './loader.js';
import { nativeBackend } from './backend.js';
import { jsKernels } from '../js/backend.js';

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

    it('gemm (every transposition, 300×257×190) gives the same bits on 1 and 2 threads', () => {
      const [m, n, kk] = [300, 257, 190];
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
              alpha: 0.7,
              a: make(m * kk, 1),
              aOffset: 0,
              b: make(kk * n, 2),
              bOffset: 0,
              beta: 0.5,
              c,
              cOffset: 0,
            });
            return [c] as Float32Array[] | Float64Array[];
          };
          expect(onThreads(2, run)).toEqual(onThreads(1, run));
        }
    });

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
