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

    it('conv2d forward and backward (images split over threads) give the same bits on 1 and 2 threads', () => {
      const g = convGeometry({
        channels: 4,
        height: 20,
        width: 20,
        kernelH: 5,
        kernelW: 5,
        padH: 2,
        padW: 2,
      });
      const [n, o] = [6, 24];
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
          db: null,
          dbAccumulate: false,
        });
        return [y, dx, dW];
      };
      expect(onThreads(2, run)).toEqual(onThreads(1, run));
    });
  });

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
});
