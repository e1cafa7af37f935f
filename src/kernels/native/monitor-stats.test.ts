import { afterEach, describe, expect, it } from 'vitest';
import { Rng } from '../../tensor/rng.js';
import { jsKernels } from '../js/backend.js';
import { setThreads } from '../threads.js';
import { nativeBackend } from './backend.js';
import { loadNativeKernels } from './loader.js';

// The monitor's passes in C (native/src/monitor_stats.c): the sum-only gradStats pass and the
// Adam step that measures its update give the JS reference's bits (which the wasm kernels give
// too) for every tail length, for arrays whose block sums no longer fit on the C stack (more
// than 1024 blocks of 512), and the same bits on 1 and 2 threads (threads take whole blocks; the
// block sums are added in order afterwards).

const addon = loadNativeKernels();
const k = addon === undefined ? undefined : nativeBackend(addon, () => jsKernels);

function bits(a: Float32Array | Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
}

function normal(n: number, seed: number, std: number): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(n), 0, std) as Float32Array;
}

// t = 5, α = 1e-3, β = (0.9, 0.999), ε = 1e-8, gradScale 0.25 (see AdamArgs)
const s = Math.sqrt(1 - 0.999 ** 5);
const COEF = Float32Array.of(1, 0.9, 0.1, 0.999, 0.001, (-1e-3 * s) / (1 - 0.9 ** 5), 1e-8 * s, 0.25); // prettier-ignore

// 2048 + 8: four blocks at once then one group; 600 011: past the stack's 1024 blocks
const SIZES = [0, 1, 7, 8, 9, 511, 512, 520, 2056, 4099, 70_001, 600_011];

afterEach(() => setThreads('auto'));

describe.runIf(k !== undefined)('native monitor statistics (monitor_stats.c)', () => {
  it('gradStats without detail: the JS reference bits on 1 and 2 threads', () => {
    for (const n of SIZES) {
      const x = normal(n, n + 1, 1e-2);
      for (let i = 0; i < n; i += 5) x[i] = 0;
      const want = new Float64Array(4);
      jsKernels.gradStats({ x, out: want, at: 0, detail: false });
      for (const threads of [1, 2]) {
        setThreads(threads);
        const got = new Float64Array(4);
        k!.gradStats({ x, out: got, at: 0, detail: false });
        expect(bits(got), `n = ${n}, ${threads} threads`).toBe(bits(want));
      }
    }
  });

  it('gradStats without detail hands non-finite and tiny sums to the full pass (same bits)', () => {
    const bad = normal(3000, 7, 1);
    bad[1234] = NaN;
    const tiny = normal(3000, 8, 1e-30);
    for (const x of [bad, tiny]) {
      const want = new Float64Array(4);
      jsKernels.gradStats({ x, out: want, at: 0, detail: false });
      const got = new Float64Array(4);
      k!.gradStats({ x, out: got, at: 0, detail: false });
      expect(bits(got)).toBe(bits(want));
    }
  });

  it('Adam measuring its update: the plain step and updateStats(p after, p before), 1 and 2 threads', () => {
    for (const n of SIZES) {
      for (const scaleP of [1, 1e-18, 1e20]) {
        const init = [normal(n, n, scaleP), normal(n, n + 1, 1e-2), normal(n, n + 2, 1e-3)];
        const v0 = normal(n, n + 3, 1e-2).map((x) => x * x);
        const [p, g, m, v] = [init[0]!.slice(), init[1]!.slice(), init[2]!.slice(), v0.slice()];
        jsKernels.adam({ p, g, m, v, coef: COEF });
        const want = new Float64Array(3);
        jsKernels.updateStats({ p, q: init[0]!, out: want, at: 0 });
        for (const threads of [1, 2]) {
          setThreads(threads);
          const [p2, g2, m2, v2] = [
            init[0]!.slice(),
            init[1]!.slice(),
            init[2]!.slice(),
            v0.slice(),
          ];
          const stats = new Float64Array(3);
          k!.adam({ p: p2, g: g2, m: m2, v: v2, coef: COEF, stats });
          const what = `n = ${n}, scale ${scaleP}, ${threads} threads`;
          expect(bits(p2), what).toBe(bits(p));
          expect(bits(m2), what).toBe(bits(m));
          expect(bits(v2), what).toBe(bits(v));
          expect(bits(stats), what).toBe(bits(want));
        }
      }
    }
  });

  it('a scratch shorter than the tensor is a RangeError', () => {
    const a = new Float32Array(16);
    expect(() =>
      addon!.adamStats!(
        a,
        a.slice(),
        a.slice(),
        a.slice(),
        COEF,
        new Float32Array(8),
        new Float64Array(3),
      ),
    ).toThrow(RangeError);
    expect(() => addon!.sumSquares!(a, new Float64Array(1), 1)).toThrow(RangeError);
  });
});
