import { afterEach, describe, expect, it } from 'vitest';
import { Rng } from '../tensor/rng.js';
import { adamF32, setKernels } from './backend.js';
import { jsKernels } from './js/backend.js';
import { availableBackends } from './select.js';
import type { KernelChoice } from './types.js';

// AdamArgs.stats: an Adam step that measures its own update must give (1) the bits of the plain
// step on p, m, v and (2) exactly Kernels.updateStats(p after, p before) of the JS reference,
// which is what the monitor computed from its parameter copy before (so its records keep their
// bits). Sizes cover the 8-element vector pairs, the 512-element blocks and every tail length.

function problem(n: number, seed: number, scaleP = 1): Float32Array[] {
  const rng = new Rng(seed);
  const p = rng.fillNormal(new Float32Array(n), 0, scaleP) as Float32Array;
  const g = rng.fillNormal(new Float32Array(n), 0, 1e-2) as Float32Array;
  const m = rng.fillNormal(new Float32Array(n), 0, 1e-3) as Float32Array;
  const v = rng.fillUniform(new Float32Array(n), 0, 1e-4) as Float32Array;
  return [p, g, m, v];
}

// t = 3, α = 1e-3, β = (0.9, 0.999), ε = 1e-8, gradScale 0.5 (see AdamArgs)
const s = Math.sqrt(1 - 0.999 ** 3);
const COEF = Float32Array.of(
  1,
  0.9,
  0.1,
  0.999,
  0.001,
  (-1e-3 * s) / (1 - 0.9 ** 3),
  1e-8 * s,
  0.5,
);

function bits(a: Float32Array | Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
}

afterEach(() => setKernels('auto'));

describe('Adam that measures its update (AdamArgs.stats)', () => {
  const sizes = [1, 7, 8, 9, 515, 1024, 4096 + 13, 20_000];
  for (const k of availableBackends()) {
    it(`${k.impl}: the plain step's bits and updateStats(p after, p before)'s sums`, () => {
      for (const n of sizes) {
        for (const scaleP of [1, 1e-18, 1e20]) {
          const [p, g, m, v] = problem(n, n, scaleP) as [
            Float32Array,
            Float32Array,
            Float32Array,
            Float32Array,
          ];
          const before = p.slice();
          const plain = [p.slice(), g.slice(), m.slice(), v.slice()] as Float32Array[];
          jsKernels.adam({ p: plain[0]!, g: plain[1]!, m: plain[2]!, v: plain[3]!, coef: COEF });
          const stats = new Float64Array(3);
          k.adam({ p, g, m, v, coef: COEF, stats });
          expect(bits(p), `${k.impl} n=${n} p`).toBe(bits(plain[0]!));
          expect(bits(m), `${k.impl} n=${n} m`).toBe(bits(plain[2]!));
          expect(bits(v), `${k.impl} n=${n} v`).toBe(bits(plain[3]!));
          const want = new Float64Array(3);
          jsKernels.updateStats({ p, q: before, out: want, at: 0 });
          expect(bits(stats), `${k.impl} n=${n} scale ${scaleP} stats`).toBe(bits(want));
        }
      }
    });
  }

  it('adamF32 measures under every kernel choice, and leaves stats alone without p', () => {
    const choices: KernelChoice[] = ['auto', ...availableBackends().map((k) => k.impl)];
    for (const c of choices) {
      setKernels(c);
      const [p, g, m, v] = problem(5000, 3) as [
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
      ];
      const before = p.slice();
      const stats = new Float64Array(3);
      if (!adamF32(p, g, m, v, COEF, stats)) continue; // 'js': the caller's own loop
      const want = new Float64Array(3);
      jsKernels.updateStats({ p, q: before, out: want, at: 0 });
      expect(bits(stats), c).toBe(bits(want));
      const untouched = new Float64Array(3).fill(7);
      adamF32(null, g, m, v, COEF, untouched);
      expect(Array.from(untouched)).toEqual([7, 7, 7]);
    }
  });
});
