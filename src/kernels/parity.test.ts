import { afterEach, describe, expect, it } from 'vitest';
import { Rng } from '../tensor/rng.js';
import type { TypedArray } from '../tensor/dtype.js';
import { setKernels } from './backend.js';
import { convGeometry } from './conv-geometry.js';
import { jsKernels } from './js/backend.js';
import { availableBackends } from './select.js';
import type { Kernels } from './types.js';

// One parity table for every entry point of the Kernels interface, run against every backend
// available here (describe.each). Two promises per row:
// - 'bits': the backend's float32 outputs equal, bit for bit, the JS reference's run with the
//   same primitives (the kernel choice set to the backend's: the fused wasm entries promise the
//   bits of the JS composition over the wasm GEMM; im2col, col2im and adam the bits of JS).
// - tolerance, every row: float32 outputs within `tol`·(1 + |ref|) of the JS reference in
//   float64 on the same (float32-representable) inputs. gemm promises only this (its tiles sum
//   in a different order on each backend).

type Make = (n: number, seed: number) => TypedArray;
/** Runs one entry point on fresh seeded inputs of one dtype; returns every output array. */
type Run = (k: Kernels, make: Make) => TypedArray[];

interface Row {
  entry: string;
  bits: boolean;
  tol: number;
  run: Run;
}

const makers = {
  float32: (n: number, seed: number): TypedArray => {
    const a = new Float32Array(n);
    new Rng(seed).fillNormal(a);
    return a;
  },
  float64: (n: number, seed: number): TypedArray => {
    const a = new Float32Array(n);
    new Rng(seed).fillNormal(a);
    return Float64Array.from(a);
  },
};

const geom = convGeometry({
  channels: 3,
  height: 7,
  width: 6,
  kernelH: 3,
  kernelW: 3,
  strideH: 2,
  strideW: 1,
  padH: 1,
  padW: 1,
});
const CONV_N = 2;
const CONV_O = 5;

function linearRow(act: 0 | 1 | 2, bias: boolean): Row[] {
  const [rows, inF, outF] = [13, 21, 9];
  const fwd = (k: Kernels, make: Make): TypedArray => {
    const y = make(rows * outF, 0).fill(0);
    const b = bias ? make(outF, 3) : null;
    k.linearForward({
      x: make(rows * inF, 1),
      w: make(outF * inF, 2),
      bias: b,
      act,
      rows,
      inF,
      outF,
      y,
    });
    return y;
  };
  return [
    {
      entry: `linearForward act ${act}${bias ? ' +bias' : ''}`,
      bits: true,
      tol: 1e-5,
      run: (k, make) => [fwd(k, make)],
    },
    {
      entry: `linearBackward act ${act}${bias ? ' +bias' : ''}`,
      bits: true,
      tol: 1e-5,
      run: (k, make) => {
        const y = fwd(k, make);
        const dx = make(rows * inF, 0).fill(0);
        const dW = make(outF * inF, 4); // accumulated into
        const db = bias ? make(outF, 0).fill(0) : null;
        k.linearBackward({
          g: make(rows * outF, 5),
          y,
          x: make(rows * inF, 1),
          w: make(outF * inF, 2),
          act,
          rows,
          inF,
          outF,
          dx,
          dW,
          dWAccumulate: true,
          db,
          dbAccumulate: false,
        });
        return db === null ? [dx, dW] : [dx, dW, db];
      },
    },
  ];
}

function convRows(relu: boolean): Row[] {
  const ySize = CONV_N * CONV_O * geom.colCols;
  const fwd = (k: Kernels, make: Make): TypedArray => {
    const y = make(ySize, 0).fill(0);
    const x = make(CONV_N * geom.imageSize, 1);
    k.conv2dForward({
      x,
      w: make(CONV_O * geom.colRows, 2),
      bias: make(CONV_O, 3),
      relu,
      g: geom,
      n: CONV_N,
      o: CONV_O,
      y,
    });
    return y;
  };
  return [
    {
      entry: `conv2dForward${relu ? ' +relu' : ''}`,
      bits: true,
      tol: 1e-5,
      run: (k, make) => [fwd(k, make)],
    },
    {
      entry: `conv2dBackward${relu ? ' +relu' : ''}`,
      bits: true,
      tol: 1e-5,
      run: (k, make) => {
        const y = fwd(k, make);
        const dx = make(CONV_N * geom.imageSize, 0).fill(0);
        const dW = make(CONV_O * geom.colRows, 0).fill(0);
        const db = make(CONV_O, 6); // accumulated into
        k.conv2dBackward({
          gy: make(ySize, 5),
          y: relu ? y : null,
          x: make(CONV_N * geom.imageSize, 1),
          w: make(CONV_O * geom.colRows, 2),
          g: geom,
          n: CONV_N,
          o: CONV_O,
          dx,
          dW,
          dWAccumulate: false,
          db,
          dbAccumulate: true,
        });
        return [dx, dW, db];
      },
    },
  ];
}

const [T, B, I, H] = [4, 3, 6, 8];
function rnnForward(k: Kernels, make: Make, h0: TypedArray | null): TypedArray {
  const hs = make(T * B * H, 0).fill(0);
  k.rnnTanhForward({
    x: make(T * B * I, 1),
    wIh: make(H * I, 2),
    bIh: make(H, 3),
    bHh: make(H, 4),
    whh: make(H * H, 5).map((v) => v * 0.3),
    h0,
    T,
    B,
    I,
    H,
    hs,
  });
  return hs;
}

const rows: Row[] = [
  {
    entry: 'gemm',
    bits: false,
    tol: 1e-5,
    run: (k, make) => {
      const c = make(11 * 17, 3);
      k.gemm({
        transA: true,
        transB: false,
        m: 11,
        n: 17,
        k: 23,
        alpha: 0.5,
        a: make(23 * 11, 1),
        aOffset: 0,
        b: make(23 * 17 + 2, 2),
        bOffset: 2,
        beta: 1,
        c,
        cOffset: 0,
      });
      return [c];
    },
  },
  {
    entry: 'im2col',
    bits: true,
    tol: 0,
    run: (k, make) => {
      const col = make(CONV_N * geom.colSize, 0).fill(0);
      k.im2col({
        x: make(CONV_N * geom.imageSize, 1),
        xOffset: 0,
        g: geom,
        col,
        colOffset: 0,
        batch: CONV_N,
      });
      return [col];
    },
  },
  {
    entry: 'col2im',
    bits: true,
    tol: 1e-6,
    run: (k, make) => {
      const x = make(CONV_N * geom.imageSize, 2); // added onto
      k.col2im({
        x,
        xOffset: 0,
        g: geom,
        col: make(CONV_N * geom.colSize, 1),
        colOffset: 0,
        batch: CONV_N,
      });
      return [x];
    },
  },
  ...linearRow(0, true),
  ...linearRow(1, true),
  ...linearRow(2, false),
  ...convRows(false),
  ...convRows(true),
  {
    entry: 'rnnTanhForward',
    bits: true,
    tol: 1e-5,
    run: (k, make) => [rnnForward(k, make, make(B * H, 6))],
  },
  {
    entry: 'rnnTanhBackward',
    bits: true,
    tol: 1e-5,
    run: (k, make) => {
      const h0 = make(B * H, 6);
      const hs = rnnForward(k, make, h0);
      const dPre = make(T * B * H, 0).fill(0);
      const dh0 = make(B * H, 0).fill(0);
      const dWhh = make(H * H, 7); // accumulated into
      const biasSums = new Float64Array(H);
      k.rnnTanhBackward({
        g: make(T * B * H, 8),
        hs,
        whh: make(H * H, 5).map((v) => v * 0.3),
        T,
        B,
        H,
        dPre,
        dh0,
        extras: { h0, dWhh, accumulate: true, biasSums },
      });
      return [dPre, dh0, dWhh, biasSums];
    },
  },
];

/** One LSTM gate step at step offset 1 of a 2-step buffer (offsets exercised), from c_{t−1}. */
function lstmStep(k: Kernels, make: Make, B: number, H: number, scale: number): TypedArray[] {
  const gates = make(2 * B * 4 * H, 11).map((v) => v * scale);
  const c = make(2 * B * H, 0).fill(0);
  const h = make(2 * B * H, 0).fill(0);
  k.lstmGatesForward({
    gates,
    gatesOffset: B * 4 * H,
    cPrev: make(2 * B * H, 12),
    cPrevOffset: B * H,
    c,
    cOffset: B * H,
    h,
    hOffset: B * H,
    B,
    H,
  });
  return [gates, c, h];
}

/** One GRU gate step at step offset 1 of a 2-step buffer, from h_{t−1}, with b_hh. */
function gruStep(k: Kernels, make: Make, B: number, H: number, scale: number): TypedArray[] {
  const gates = make(2 * B * 3 * H, 13).map((v) => v * scale);
  const hn = make(2 * B * H, 0).fill(0);
  const h = make(2 * B * H, 0).fill(0);
  k.gruGatesForward({
    gates,
    gatesOffset: B * 3 * H,
    hp: make(B * 3 * H, 14).map((v) => v * scale),
    bHh: make(3 * H, 15),
    hn,
    hnOffset: B * H,
    hPrev: make(2 * B * H, 16),
    hPrevOffset: B * H,
    h,
    hOffset: B * H,
    B,
    H,
  });
  return [gates, hn, h];
}

/**
 * The gate steps' rows for batch B, hidden size H and pre-activations ~ N(0, scale²): bits on
 * every backend (wasm and native evaluate gate-math.ts's operations, lane by lane).
 */
const gateRows = (B: number, H: number, scale: number, label: string): Row[] => [
  {
    entry: `lstmGatesForward${label}`,
    bits: true,
    tol: 1e-5,
    run: (k, make) => lstmStep(k, make, B, H, scale),
  },
  {
    entry: `lstmGatesBackward${label}`,
    bits: true,
    tol: 1e-5,
    run: (k, make) => {
      const [gates, c] = lstmStep(k, make, B, H, scale) as [TypedArray, TypedArray];
      const dh = make(B * H, 17);
      const dc = make(B * H, 18);
      const dG = make(2 * B * 4 * H, 0).fill(0);
      k.lstmGatesBackward({
        gates,
        gatesOffset: B * 4 * H,
        c,
        cOffset: B * H,
        cPrev: make(2 * B * H, 12),
        cPrevOffset: B * H,
        gh: make(2 * B * H, 19),
        ghOffset: B * H,
        dh,
        dc,
        dG,
        dGOffset: B * 4 * H,
        B,
        H,
      });
      return [dG, dc];
    },
  },
  {
    entry: `gruGatesForward${label}`,
    bits: true,
    tol: 1e-5,
    run: (k, make) => gruStep(k, make, B, H, scale),
  },
  {
    entry: `gruGatesBackward${label}`,
    bits: true,
    tol: 1e-5,
    run: (k, make) => {
      const [gates, hn] = gruStep(k, make, B, H, scale) as [TypedArray, TypedArray];
      const dh = make(B * H, 17);
      const dXP = make(2 * B * 3 * H, 0).fill(0);
      const dHP = make(2 * B * 3 * H, 0).fill(0);
      k.gruGatesBackward({
        gates,
        gatesOffset: B * 3 * H,
        hn,
        hnOffset: B * H,
        hPrev: make(2 * B * H, 16),
        hPrevOffset: B * H,
        gh: make(2 * B * H, 19),
        ghOffset: B * H,
        dh,
        dXP,
        dHP,
        dOffset: B * 3 * H,
        B,
        H,
      });
      return [dXP, dHP, dh];
    },
  },
];
// The op's sizes; then wide pre-activations (σ's tiny tail, tanh past its fitted interval, where
// the kernels switch formulas) and H = 7 (SIMD loops with a scalar remainder).
rows.push(...gateRows(B, H, 2, ''), ...gateRows(2, 7, 12, ' (wide inputs, H = 7)'));

/**
 * Softmax cross-entropy over [n, c] logits ~ N(0, scale²): the forward's log-sum-exps, sums and
 * per-row losses, then the backward's dz. Bits on every backend (the native kernel evaluates the
 * JS reference's exp and log operation for operation); every 5th row ignored when `ignore`.
 */
function crossEntropyRows(
  n: number,
  c: number,
  scale: number,
  o: { weight: boolean; eps: number; none: boolean; ignore: boolean },
  label: string,
): Row[] {
  const targets = Int32Array.from({ length: n }, (_, i) =>
    o.ignore && i % 5 === 3 ? -100 : (i * 7 + 3) % c,
  );
  const fwd = (
    k: Kernels,
    make: Make,
  ): [TypedArray, Float64Array, Float64Array, TypedArray | null] => {
    const z = make(n * c, 31).map((v) => v * scale);
    const lse = new Float64Array(n);
    const sums = new Float64Array(2);
    const perRow = o.none ? make(n, 0).fill(0) : null;
    const weight = o.weight ? make(c, 32).map((v) => 0.5 + Math.abs(v)) : null;
    k.crossEntropyForward({ z, targets, n, c, ignoreIndex: -100, weight, labelSmoothing: o.eps, lse, perRow, sums }); // prettier-ignore
    return [z, lse, sums, perRow];
  };
  return [
    {
      entry: `crossEntropyForward${label}`,
      bits: true,
      tol: 1e-5,
      run: (k, make) => {
        const [, lse, sums, perRow] = fwd(k, make);
        return perRow === null ? [lse, sums] : [lse, sums, perRow];
      },
    },
    {
      entry: `crossEntropyBackward${label}`,
      bits: true,
      tol: 1e-5,
      run: (k, make) => {
        const [z, lse, sums] = fwd(k, make);
        const weight = o.weight ? make(c, 32).map((v) => 0.5 + Math.abs(v)) : null;
        const dz = make(n * c, 33); // overwritten everywhere, ignored rows included
        const g = o.none ? make(n, 34) : null;
        const scaleAll = 0.75 / (sums[1] as number);
        k.crossEntropyBackward({ z, targets, n, c, ignoreIndex: -100, weight, labelSmoothing: o.eps, lse, scale: scaleAll, g, dz }); // prettier-ignore
        return [dz];
      },
    },
  ];
}
const plainXent = { weight: false, eps: 0, none: false, ignore: false };
rows.push(
  ...crossEntropyRows(13, 10, 1, plainXent, ' (W1: mean, no options)'),
  ...crossEntropyRows(23, 7, 30, { weight: true, eps: 0.1, none: false, ignore: true }, ' (weights, smoothing, ignored rows, wide logits)'), // prettier-ignore
  ...crossEntropyRows(9, 5, 3, { weight: false, eps: 0.2, none: true, ignore: true }, " (reduction 'none')"), // prettier-ignore
  ...crossEntropyRows(300, 200, 2, plainXent, ' (300 × 200: rows split over threads)'),
);

/** Adam (float32 only): the float64 reference is the same formula in doubles. */
function adamRun(k: Kernels | null, n: number, gradScale = 1): Float32Array[] {
  const p = makers.float32(n, 1) as Float32Array;
  const g = makers.float32(n, 2) as Float32Array;
  const m = (makers.float32(n, 3) as Float32Array).map((v) => v * 0.1);
  const v = (makers.float32(n, 4) as Float32Array).map((x) => x * x * 0.01);
  // t = 3, α = 1e-3, β = (0.9, 0.999), ε = 1e-8: stepScaled = −α·√(1−β2³)/(1−β1³), epsScaled = ε·√(1−β2³).
  const s = Math.sqrt(1 - 0.999 ** 3);
  const coef = Float32Array.of(
    1,
    0.9,
    0.1,
    0.999,
    0.001,
    (-1e-3 * s) / (1 - 0.9 ** 3),
    1e-8 * s,
    gradScale,
  );
  if (k !== null) {
    k.adam({ p, g, m, v, coef });
    return [p, m, v];
  }
  const out = [new Float64Array(p), new Float64Array(m), new Float64Array(v)] as const;
  for (let i = 0; i < n; i++) {
    const gi = (g[i] as number) * (coef[7] as number);
    const mi = 0.9 * (m[i] as number) + 0.1 * gi;
    const vi = 0.999 * (v[i] as number) + 0.001 * gi * gi;
    out[1][i] = mi;
    out[2][i] = vi;
    out[0][i] =
      (p[i] as number) + ((coef[5] as number) * mi) / (Math.sqrt(vi) + (coef[6] as number));
  }
  return out.map((a) => Float32Array.from(a));
}

function bitsOf(a: TypedArray): number[] {
  return Array.from(
    a instanceof Float32Array ? new Uint32Array(a.buffer, a.byteOffset, a.length) : a,
  );
}

function within(got: TypedArray, ref: TypedArray, tol: number): number {
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i] as number;
    worst = Math.max(worst, Math.abs((got[i] as number) - r) / (1 + Math.abs(r)));
  }
  return worst <= tol ? 0 : worst;
}

afterEach(() => setKernels('auto'));

describe.each(availableBackends().map((k) => [k.impl, k] as const))(
  'Kernels parity: %s backend',
  (impl, k) => {
    it.each(rows.map((r) => [r.entry, r] as const))('%s', (_, row) => {
      setKernels('js');
      const ref64 = row.run(jsKernels, makers.float64);
      setKernels(impl);
      const got = row.run(k, makers.float32);
      got.forEach((a, i) => expect(within(a, ref64[i] as TypedArray, row.tol)).toBe(0));
      if (row.bits) {
        const ref32 = row.run(jsKernels, makers.float32);
        got.forEach((a, i) => expect(bitsOf(a)).toEqual(bitsOf(ref32[i] as TypedArray)));
      }
    });

    it('adam (float32 arithmetic on every backend: bits), with and without a gradient scale', () => {
      setKernels(impl);
      for (const scale of [1, 0.37]) {
        for (const n of [1, 7, 4099]) {
          const got = adamRun(k, n, scale);
          const ref32 = adamRun(jsKernels, n, scale);
          const ref64 = adamRun(null, n, scale);
          got.forEach((a, i) => {
            expect(bitsOf(a)).toEqual(bitsOf(ref32[i] as Float32Array));
            expect(within(a, ref64[i] as Float32Array, 1e-6)).toBe(0);
          });
        }
      }
    });

    it('gradStats (float32 sums with the same bits on every backend; float64 reference within 4e-6)', () => {
      setKernels(impl);
      const cases: [string, Float32Array][] = [];
      for (const n of [0, 1, 7, 8, 9, 511, 512, 513, 520, 4099, 10_007]) {
        const x = makers.float32(n, n + 5) as Float32Array;
        for (let i = 0; i < n; i += 3) x[i] = 0; // exact zeros (a ReLU layer's gradient)
        cases.push([`n = ${n}`, x]);
      }
      const odd = makers.float32(1030, 9) as Float32Array;
      odd[5] = NaN;
      odd[700] = -Infinity;
      odd[1029] = -0;
      cases.push(['NaN and -Inf', odd]);
      // finite entries whose float32 squares overflow / underflow: the float64 fallbacks
      cases.push(['huge', (makers.float32(1030, 10) as Float32Array).map((v) => v * 1e25)]);
      cases.push(['tiny', (makers.float32(1030, 11) as Float32Array).map((v) => v * 1e-25)]);
      for (const [what, x] of cases) {
        const got = new Float64Array(5);
        const ref = new Float64Array(5);
        k.gradStats({ x, out: got, at: 1 });
        jsKernels.gradStats({ x, out: ref, at: 1 });
        expect(Array.from(got), what).toEqual(Array.from(ref));
        // the float64 truth
        let s = 0;
        let mx = 0;
        let zeros = 0;
        let bad = 0;
        for (const v of x) {
          if (!Number.isFinite(v)) bad++;
          else mx = Math.max(mx, Math.abs(v));
          s += v * v;
          zeros += +(v === 0);
        }
        expect(got[0], what).toBe(0); // slots outside [at, at + 4) untouched
        const sum = got[1] as number;
        if (Number.isFinite(s)) expect(Math.abs(sum - s), what).toBeLessThanOrEqual(4e-6 * s);
        else expect(sum, what).toBe(s);
        expect(got.slice(2), what).toEqual(Float64Array.of(mx, zeros, bad));
      }
    });

    it('gradStats without detail: the bits of the full pass for Σx² and the NaN/±Inf count, NaN for max |x| and zeros', () => {
      setKernels(impl);
      const cases: [string, Float32Array | Float64Array][] = [];
      for (const n of [0, 1, 7, 8, 9, 512, 513, 4099]) {
        const x = makers.float32(n, n + 21) as Float32Array;
        for (let i = 0; i < n; i += 3) x[i] = 0;
        cases.push([`n = ${n}`, x]);
      }
      const odd = makers.float32(1030, 22) as Float32Array;
      odd[5] = NaN;
      odd[700] = Infinity;
      cases.push(['NaN and +Inf', odd]);
      cases.push(['all zeros', new Float32Array(1030)]);
      // squares overflowing float32, and squares near its subnormals (the float64 fallbacks)
      cases.push(['huge', (makers.float32(1030, 23) as Float32Array).map((v) => v * 1e25)]);
      cases.push(['tiny', (makers.float32(1030, 24) as Float32Array).map((v) => v * 1e-25)]);
      // Σx² just above and below the bound n·2^-100 that decides whether the sum is final
      for (const scale of [2 ** -50 * 1.01, 2 ** -50 * 0.99])
        cases.push([`|x| = ${scale}`, new Float32Array(1030).fill(scale)]);
      const oneBig = new Float32Array(1030).fill(1e-20);
      oneBig[17] = 1;
      cases.push(['tiny with one normal entry', oneBig]);
      if (impl === 'js') cases.push(['float64', makers.float64(1031, 25) as Float64Array]);
      for (const [what, x] of cases) {
        const full = new Float64Array(5);
        const sum = new Float64Array(5);
        k.gradStats({ x, out: full, at: 1 });
        k.gradStats({ x, out: sum, at: 1, detail: false });
        expect(sum[0], what).toBe(0); // slots outside [at, at + 4) untouched
        expect(Object.is(sum[1], full[1]), what).toBe(true); // Σx², bit for bit (NaN too)
        expect(sum[4], what).toBe(full[4]); // NaN/±Inf count
        expect([sum[2], sum[3]], what).toEqual([NaN, NaN]);
      }
    });

    it('updateStats (float32 sums with the same bits on every backend; float64 reference within 4e-6)', () => {
      setKernels(impl);
      const cases: [string, Float32Array, Float32Array][] = [];
      for (const n of [0, 1, 7, 8, 9, 512, 513, 4099, 10_007]) {
        const p = makers.float32(n, n + 1) as Float32Array;
        // q: p one small step earlier (the monitor's snapshot)
        const q = p.map((v, i) => v + 1e-3 * Math.sin(i));
        cases.push([`n = ${n}`, p, q]);
      }
      const big = makers.float32(1030, 3) as Float32Array;
      cases.push(['huge', big.map((v) => v * 1e25), big.map((v) => v * 1.0001e25)]);
      cases.push(['tiny', big.map((v) => v * 1e-25), big.map((v) => v * 1.5e-25)]);
      for (const [what, p, q] of cases) {
        const got = new Float64Array(5);
        const ref = new Float64Array(5);
        k.updateStats({ p, q, out: got, at: 1 });
        jsKernels.updateStats({ p, q, out: ref, at: 1 });
        expect(Array.from(got), what).toEqual(Array.from(ref));
        let sp = 0;
        let sd = 0;
        let sq = 0;
        for (let i = 0; i < p.length; i++) {
          const a = p[i] as number;
          const b = q[i] as number;
          sp += a * a;
          sd += (a - b) * (a - b);
          sq += b * b;
        }
        expect(got[0], what).toBe(0);
        expect(got[4], what).toBe(0);
        [sp, sd, sq].forEach((s, j) =>
          expect(Math.abs((got[1 + j] as number) - s), what).toBeLessThanOrEqual(4e-6 * s),
        );
      }
    });
  },
);
