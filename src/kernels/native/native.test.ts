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

    it.each([0, 1, 2] as const)(
      'linear forward and backward (activation %i: epilogue, columns split) give the same bits on 1 and 2 threads',
      (act) => {
        const [rows, inF, outF] = [128, 300, 200];
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
});
