import { describe, expect, it } from 'vitest';
import { DtypeError, ShapeError } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import type { TypedArray } from '../tensor/dtype.js';
import { gemmJs } from './js/gemm.js';
import type { GemmArgs } from './types.js';
import { loadNativeKernels } from './native/loader.js';
import { nativeGemm } from './native/backend.js';
import { loadWasmKernels } from './wasm/loader.js';

type Gemm = typeof gemmJs;

interface Case {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  beta: number;
  aOffset: number;
  bOffset: number;
  cOffset: number;
}

// The textbook triple loop in float64 from the same inputs, and for each element the scale
// Σ_p |alpha·op(A)[i,p]·op(B)[p,j]| + |beta·C0[i,j]| that bounds its rounding error.
function naive(
  cs: Case,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  c0: ArrayLike<number>,
): { ref: Float64Array; scale: Float64Array } {
  const { transA, transB, m, n, k, alpha, beta, aOffset, bOffset, cOffset } = cs;
  const ref = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let sa = 0;
      for (let p = 0; p < k; p++) {
        const av = a[aOffset + (transA ? p * m + i : i * k + p)] as number;
        const bv = b[bOffset + (transB ? j * k + p : p * n + j)] as number;
        s += av * bv;
        sa += Math.abs(av * bv);
      }
      const cv = c0[cOffset + i * n + j] as number;
      ref[i * n + j] = alpha * s + (beta === 0 ? 0 : beta * cv);
      scale[i * n + j] = Math.abs(alpha) * sa + (beta === 0 ? 0 : Math.abs(beta * cv));
    }
  }
  return { ref, scale };
}

function run(gemm: Gemm, cs: Case, make: (n: number) => TypedArray, rng: Rng) {
  const { m, n, k } = cs;
  const a = rng.fillNormal(make(cs.aOffset + m * k + 3));
  const b = rng.fillNormal(make(cs.bOffset + k * n + 2));
  const c = rng.fillNormal(make(cs.cOffset + m * n + 5));
  const c0 = c.slice();
  const { ref, scale } = naive(cs, a, b, c0);
  gemm({
    transA: cs.transA,
    transB: cs.transB,
    m,
    n,
    k,
    alpha: cs.alpha,
    a,
    aOffset: cs.aOffset,
    b,
    bOffset: cs.bOffset,
    beta: cs.beta,
    c,
    cOffset: cs.cOffset,
  });
  return { c, c0, ref, scale };
}

// |c − ref| ≤ tol·scale + tiny, elementwise, and C outside [cOffset, cOffset + m·n) untouched.
function expectGemmClose(cs: Case, out: ReturnType<typeof run>, tol: number): void {
  const { c, c0, ref, scale } = out;
  let worst = 0;
  let where = -1;
  for (let e = 0; e < ref.length; e++) {
    const err = Math.abs((c[cs.cOffset + e] as number) - (ref[e] as number));
    const excess = err / (tol * (scale[e] as number) + 1e-30);
    if (!(excess <= worst)) {
      worst = excess;
      where = e;
    }
  }
  expect(
    worst <= 1,
    `${JSON.stringify(cs)} element ${where}: got ${c[cs.cOffset + where]}, want ${ref[where]}`,
  ).toBe(true);
  for (let e = 0; e < cs.cOffset; e++) expect(c[e]).toBe(c0[e]);
  for (let e = cs.cOffset + cs.m * cs.n; e < c.length; e++) expect(c[e]).toBe(c0[e]);
}

const VARIANTS: ReadonlyArray<[boolean, boolean]> = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];
const SIZES = [1, 3, 17, 64, 129];
const SHAPES: ReadonlyArray<[number, number, number]> = [
  ...SIZES.map((s): [number, number, number] => [s, s, s]),
  [3, 129, 17],
  [3, 17, 129],
  [129, 3, 17],
  [17, 129, 3],
  [1, 129, 64],
  [64, 1, 129],
  [129, 64, 1],
  [2, 5, 7],
  [65, 9, 257], // m > MC and k > KC of the wasm blocking
  [5, 1031, 260], // n > NC and k > KC
];
const SCALARS: ReadonlyArray<[number, number]> = [
  [1, 0],
  [1, 1],
  [-0.75, 0.5],
  [2, -1],
];

function* cases(): Generator<Case> {
  let t = 0;
  for (const [m, n, k] of SHAPES) {
    for (const [transA, transB] of VARIANTS) {
      const [alpha, beta] = SCALARS[t % SCALARS.length] as [number, number];
      // Offsets on every other case: batched matmul passes element offsets into one buffer.
      const off = t % 2 === 1 ? 7 : 0;
      yield {
        transA,
        transB,
        m,
        n,
        k,
        alpha,
        beta,
        aOffset: off,
        bOffset: 2 * off,
        cOffset: 3 * off,
      };
      t++;
    }
  }
}

describe('gemmJs (float64) against the naive triple loop', () => {
  // float64 sums of ≤ 1031 terms in another order: error ≤ k·2⁻⁵³·scale ≈ 1e-13·scale.
  it.each([...cases()])('%j', (cs) => {
    expectGemmClose(
      cs,
      run(gemmJs, cs, (len) => new Float64Array(len), new Rng(cs.m * 1000 + cs.n + cs.k)),
      1e-12,
    );
  });

  it('agrees for every alpha/beta combination on one shape', () => {
    const rng = new Rng(3);
    for (const [alpha, beta] of [...SCALARS, [0.5, 2] as [number, number]]) {
      for (const [transA, transB] of VARIANTS) {
        const cs = {
          transA,
          transB,
          m: 6,
          n: 10,
          k: 9,
          alpha,
          beta,
          aOffset: 1,
          bOffset: 0,
          cOffset: 2,
        };
        expectGemmClose(
          cs,
          run(gemmJs, cs, (len) => new Float64Array(len), rng),
          1e-12,
        );
      }
    }
  });

  it('works in float32 too (error ≤ k·2⁻²⁴·scale)', () => {
    const rng = new Rng(5);
    for (const [transA, transB] of VARIANTS) {
      const cs = {
        transA,
        transB,
        m: 17,
        n: 33,
        k: 129,
        alpha: 1.5,
        beta: 0.25,
        aOffset: 0,
        bOffset: 5,
        cOffset: 0,
      };
      expectGemmClose(
        cs,
        run(gemmJs, cs, (len) => new Float32Array(len), rng),
        1e-5,
      );
    }
  });

  it('computes a hand-worked product', () => {
    // [[1,2,3],[4,5,6]] · [[1,0],[0,1],[1,1]] = [[4,5],[10,11]]
    const c = new Float64Array(4);
    gemmJs({
      transA: false,
      transB: false,
      m: 2,
      n: 2,
      k: 3,
      alpha: 1,
      a: new Float64Array([1, 2, 3, 4, 5, 6]),
      aOffset: 0,
      b: new Float64Array([1, 0, 0, 1, 1, 1]),
      bOffset: 0,
      beta: 0,
      c,
      cOffset: 0,
    });
    expect(Array.from(c)).toEqual([4, 5, 10, 11]);
  });
});

describe('gemm BLAS edge semantics (JS and wasm)', () => {
  const impls: Array<[string, Gemm]> = [
    ['js', gemmJs],
    [
      'wasm',
      (...args) =>
        loadWasmKernels().gemmF32(
          ...(args as Parameters<ReturnType<typeof loadWasmKernels>['gemmF32']>),
        ),
    ],
  ];
  it.each(impls)(
    '%s: beta = 0 overwrites C without reading it (NaN in C does not survive)',
    (_, gemm) => {
      const c = new Float32Array([NaN, Infinity, NaN, -Infinity]);
      gemm({
        transA: false,
        transB: false,
        m: 2,
        n: 2,
        k: 1,
        alpha: 1,
        a: new Float32Array([1, 2]),
        aOffset: 0,
        b: new Float32Array([3, 4]),
        bOffset: 0,
        beta: 0,
        c,
        cOffset: 0,
      });
      expect(Array.from(c)).toEqual([3, 4, 6, 8]);
    },
  );
  it.each(impls)('%s: k = 0 scales C by beta', (_, gemm) => {
    const c = new Float32Array([1, 2, 3]);
    gemm({
      transA: true,
      transB: true,
      m: 1,
      n: 3,
      k: 0,
      alpha: 1,
      a: new Float32Array(0),
      aOffset: 0,
      b: new Float32Array(0),
      bOffset: 0,
      beta: 2,
      c,
      cOffset: 0,
    });
    expect(Array.from(c)).toEqual([2, 4, 6]);
  });
  it.each(impls)('%s: alpha = 0 does not read A or B (NaN there does not leak)', (_, gemm) => {
    const c = new Float32Array([1, 2]);
    gemm({
      transA: false,
      transB: false,
      m: 1,
      n: 2,
      k: 2,
      alpha: 0,
      a: new Float32Array([NaN, NaN]),
      aOffset: 0,
      b: new Float32Array([NaN, 1, 1, NaN]),
      bOffset: 0,
      beta: 0.5,
      c,
      cOffset: 0,
    });
    expect(Array.from(c)).toEqual([0.5, 1]);
  });
  it.each(impls)('%s: m = 0 or n = 0 is a no-op', (_, gemm) => {
    const c = new Float32Array([7]);
    gemm({
      transA: false,
      transB: false,
      m: 0,
      n: 1,
      k: 3,
      alpha: 1,
      a: new Float32Array(0),
      aOffset: 0,
      b: new Float32Array(3),
      bOffset: 0,
      beta: 0,
      c,
      cOffset: 0,
    });
    gemm({
      transA: false,
      transB: false,
      m: 1,
      n: 0,
      k: 3,
      alpha: 1,
      a: new Float32Array(3),
      aOffset: 0,
      b: new Float32Array(0),
      bOffset: 0,
      beta: 0,
      c,
      cOffset: 0,
    });
    expect(c[0]).toBe(7);
  });
});

describe('wasm GEMM (float32) against the naive loop and against gemmJs', () => {
  const wk = loadWasmKernels();
  const wasmGemm: Gemm = (args) => wk.gemmF32(args as GemmArgs<Float32Array>);
  // float32: error ≤ k·u·scale with u = 2⁻²⁴; k ≤ 1031 gives 6e-5, and blocked sums are far
  // below the worst case, so 2e-5 leaves room without hiding a wrong element (errors are O(1)).
  it.each([...cases()])('%j', (cs) => {
    const seed = cs.m * 7919 + cs.n * 31 + cs.k;
    const w = run(wasmGemm, cs, (len) => new Float32Array(len), new Rng(seed));
    expectGemmClose(cs, w, 2e-5);
    const j = run(gemmJs, cs, (len) => new Float32Array(len), new Rng(seed));
    // Same inputs (same seed): JS and wasm agree within twice the reference tolerance.
    let worst = 0;
    for (let e = 0; e < cs.m * cs.n; e++) {
      const d = Math.abs((w.c[cs.cOffset + e] as number) - (j.c[cs.cOffset + e] as number));
      worst = Math.max(worst, d / (4e-5 * (w.scale[e] as number) + 1e-30));
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('computes in place on data already in wasm memory (pointer entry, no copies)', () => {
    const rng = new Rng(11);
    const [m, n, k] = [9, 13, 21];
    const aPtr = wk.reserve(m * k * 4);
    const bPtr = wk.reserve(k * n * 4);
    const cPtr = wk.reserve(m * n * 4);
    const a = rng.fillNormal(new Float32Array(m * k));
    const b = rng.fillNormal(new Float32Array(k * n));
    wk.f32View(aPtr, m * k).set(a);
    wk.f32View(bPtr, k * n).set(b);
    wk.gemmF32Ptr({ transA: false, transB: true, m, n, k, alpha: 1, aPtr, bPtr, beta: 0, cPtr });
    const cs = {
      transA: false,
      transB: true,
      m,
      n,
      k,
      alpha: 1,
      beta: 0,
      aOffset: 0,
      bOffset: 0,
      cOffset: 0,
    };
    const { ref, scale } = naive(cs, a, b, new Float32Array(m * n));
    const c = wk.f32View(cPtr, m * n);
    for (let e = 0; e < m * n; e++)
      expect(Math.abs((c[e] as number) - (ref[e] as number))).toBeLessThanOrEqual(
        2e-5 * (scale[e] as number),
      );
    // Views of wasm memory passed to the copying entry are used in place and give the same C.
    const out = new Float32Array(m * n);
    wk.gemmF32({
      transA: false,
      transB: true,
      m,
      n,
      k,
      alpha: 1,
      a: wk.f32View(aPtr, m * k),
      aOffset: 0,
      b: wk.f32View(bPtr, k * n),
      bOffset: 0,
      beta: 0,
      c: out,
      cOffset: 0,
    });
    expect(Array.from(out)).toEqual(Array.from(wk.f32View(cPtr, m * n)));
  });
});

// The native GEMM's code paths (native/src/gemm.c, gemm_tmpl.h): whole 6×16 tiles, edge tiles
// of 1–5 rows and 1–15 columns (masked loads and stores, C written in place), op(A) read in place
// (row-major A with n ≤ 256) or packed (n > 256, or A transposed: row-by-row packing across the
// MC = 120 row blocks), k across the KC = 320 slices, the workloads' skinny shapes (N = 8 and
// 10, M = 32), and every alpha/beta update mode.
const NATIVE_SHAPES: ReadonlyArray<[number, number, number]> = [
  ...[1, 2, 3, 4, 5, 7, 8, 9].map((m): [number, number, number] => [m, 16, 33]),
  ...[1, 7, 8, 9, 15, 17, 25].map((n): [number, number, number] => [13, n, 40]),
  [32, 10, 128], // W3/W6 fc forward: N = 10 (one whole vector, one of 2 lanes)
  [128, 8, 200], // W3/W6 dW_ih (transposed A): N = 8, one vector per row
  [121, 24, 9], // one row past MC, k < 8 (no 8×8 transpose blocks)
  [126, 300, 17], // n > 256: op(A) packed even when row-major
  [64, 196, 321], // W4 conv2: 12 whole panels and 4 columns, k = KC + 1
  [7, 13, 700], // three KC slices
];
const NATIVE_SCALARS: ReadonlyArray<[number, number]> = [...SCALARS, [1, 0.5], [0.5, 0]];

describe.runIf(loadNativeKernels() !== undefined)(
  'native GEMM against the naive loop (float32 and float64)',
  () => {
    const addon = loadNativeKernels();
    const nat: Gemm = (args) => nativeGemm(addon!, args);
    function* nativeCases(): Generator<Case> {
      let t = 0;
      for (const [m, n, k] of [...SHAPES, ...NATIVE_SHAPES]) {
        for (const [transA, transB] of VARIANTS) {
          const [alpha, beta] = NATIVE_SCALARS[t % NATIVE_SCALARS.length] as [number, number];
          const off = t % 2 === 1 ? 5 : 0;
          yield {
            transA,
            transB,
            m,
            n,
            k,
            alpha,
            beta,
            aOffset: off,
            bOffset: 2 * off,
            cOffset: 3 * off,
          };
          t++;
        }
      }
    }
    // Tolerances as for wasm (float32: k·2⁻²⁴ bound, far above blocked sums' actual error) and
    // gemmJs (float64).
    it.each([...nativeCases()])('%j', (cs) => {
      const seed = cs.m * 7919 + cs.n * 31 + cs.k;
      expectGemmClose(
        cs,
        run(nat, cs, (len) => new Float32Array(len), new Rng(seed)),
        2e-5,
      );
      expectGemmClose(
        cs,
        run(nat, cs, (len) => new Float64Array(len), new Rng(seed)),
        1e-12,
      );
    });
  },
);

describe('gemm argument checks', () => {
  const f = (n: number) => new Float64Array(n);
  it('rejects arrays that are too short, naming the argument and the sizes', () => {
    expect(() =>
      gemmJs({
        transA: false,
        transB: false,
        m: 2,
        n: 3,
        k: 4,
        alpha: 1,
        a: f(7),
        aOffset: 0,
        b: f(12),
        bOffset: 0,
        beta: 0,
        c: f(6),
        cOffset: 0,
      }),
    ).toThrow(ShapeError);
    expect(() =>
      gemmJs({
        transA: false,
        transB: false,
        m: 2,
        n: 3,
        k: 4,
        alpha: 1,
        a: f(7),
        aOffset: 0,
        b: f(12),
        bOffset: 0,
        beta: 0,
        c: f(6),
        cOffset: 0,
      }),
    ).toThrow(/a needs m·k = 2·4 = 8 elements from aOffset 0, but a.length is 7/);
    expect(() =>
      gemmJs({
        transA: false,
        transB: false,
        m: 2,
        n: 3,
        k: 4,
        alpha: 1,
        a: f(8),
        aOffset: 0,
        b: f(12),
        bOffset: 0,
        beta: 0,
        c: f(6),
        cOffset: 1,
      }),
    ).toThrow(/c needs m·n/);
  });
  it('rejects negative or fractional sizes and offsets', () => {
    expect(() =>
      gemmJs({
        transA: false,
        transB: false,
        m: -1,
        n: 3,
        k: 4,
        alpha: 1,
        a: f(8),
        aOffset: 0,
        b: f(12),
        bOffset: 0,
        beta: 0,
        c: f(6),
        cOffset: 0,
      }),
    ).toThrow(/m must be a non-negative integer, got -1/);
    expect(() =>
      gemmJs({
        transA: false,
        transB: false,
        m: 2,
        n: 3,
        k: 4,
        alpha: 1,
        a: f(8),
        aOffset: 0.5,
        b: f(12),
        bOffset: 0,
        beta: 0,
        c: f(6),
        cOffset: 0,
      }),
    ).toThrow(/aOffset must be a non-negative integer/);
  });
  it('rejects mixed dtypes', () => {
    expect(() =>
      gemmJs({
        transA: false,
        transB: false,
        m: 1,
        n: 1,
        k: 1,
        alpha: 1,
        a: f(1),
        aOffset: 0,
        b: new Float32Array(1),
        bOffset: 0,
        beta: 0,
        c: f(1),
        cOffset: 0,
      }),
    ).toThrow(DtypeError);
  });
  it('rejects C overlapping A or B', () => {
    const buf = new Float64Array(20);
    expect(() =>
      gemmJs({
        transA: false,
        transB: false,
        m: 2,
        n: 2,
        k: 2,
        alpha: 1,
        a: buf,
        aOffset: 0,
        b: buf,
        bOffset: 4,
        beta: 0,
        c: buf,
        cOffset: 2,
      }),
    ).toThrow(/c overlaps a/);
    expect(() =>
      gemmJs({
        transA: false,
        transB: false,
        m: 2,
        n: 2,
        k: 2,
        alpha: 1,
        a: buf,
        aOffset: 0,
        b: buf,
        bOffset: 4,
        beta: 0,
        c: buf,
        cOffset: 8,
      }),
    ).not.toThrow();
  });
  it('the wasm entry is float32-only', () => {
    expect(() =>
      loadWasmKernels().gemmF32({
        transA: false,
        transB: false,
        m: 1,
        n: 1,
        k: 1,
        alpha: 1,
        a: f(1) as unknown as Float32Array,
        aOffset: 0,
        b: f(1) as unknown as Float32Array,
        bOffset: 0,
        beta: 0,
        c: f(1) as unknown as Float32Array,
        cOffset: 0,
      }),
    ).toThrow(DtypeError);
  });
});
