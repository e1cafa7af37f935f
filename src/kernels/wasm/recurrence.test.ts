import { describe, expect, it } from 'vitest';
import { Rng } from '../../tensor/rng.js';
import { normalF32 as normal } from '../../../test/op-test-utils.js';
import { tanhF32, TANH_EDGE } from '../js/tanh.js';
import { decodeBase64 } from '../../base64.js';
import { KERNELS_WASM_BASE64 } from './generated/kernels-wasm.js';
import { sharedKernelsBytes } from './loader.js';
import { encodeBase64 } from '../../base64.js';
import { WasmKernels } from './wasm-kernels.js';

/** The shared-memory build, as the loader derives it. */
const KERNELS_WASM_SHARED_BASE64 = encodeBase64(sharedKernelsBytes());

// The sequence kernels of the tanh RNN (WasmKernels.rnnTanhForwardF32 / rnnTanhBackwardF32)
// promise the same bits as the op's step-by-step loops run on the same wasm GEMM: one GEMM per
// step (W_hh packed again every time), tanhF32 / the tanh backward in JS doubles. The loops
// below are exactly those of ops/recurrent.ts, written against the kernel instance.

interface Case {
  T: number;
  B: number;
  I: number;
  H: number;
  bias: 'both' | 'ih' | 'hh' | 'none';
  h0: boolean;
  scale: number;
}

function inputs(c: Case, seed: number) {
  const rng = new Rng(seed);
  return {
    x: normal(rng, c.T * c.B * c.I, 1),
    wIh: normal(rng, c.H * c.I, c.scale / Math.sqrt(c.I)),
    whh: normal(rng, c.H * c.H, c.scale / Math.sqrt(c.H)),
    bIh: c.bias === 'both' || c.bias === 'ih' ? normal(rng, c.H, 0.5) : null,
    bHh: c.bias === 'both' || c.bias === 'hh' ? normal(rng, c.H, 0.5) : null,
    h0: c.h0 ? normal(rng, c.B * c.H, 0.5) : null,
    g: normal(rng, c.T * c.B * c.H, 1),
  };
}

function stepwiseForward(wk: WasmKernels, c: Case, d: ReturnType<typeof inputs>): Float32Array {
  const { T, B, I, H } = c;
  const bh = B * H;
  const hs = new Float32Array(T * bh);
  wk.gemmF32({
    transA: false,
    transB: true,
    m: T * B,
    n: H,
    k: I,
    alpha: 1,
    a: d.x,
    aOffset: 0,
    b: d.wIh,
    bOffset: 0,
    beta: 0,
    c: hs,
    cOffset: 0,
  });
  // The op's bias loop: (x·W_ihᵀ + b_ih) + b_hh in doubles, rounded once.
  for (let r = 0; r < T * B; r++) {
    for (let j = 0; j < H; j++) {
      const v = (hs[r * H + j] as number) + (d.bIh ? (d.bIh[j] as number) : 0);
      hs[r * H + j] = d.bHh ? v + (d.bHh[j] as number) : v;
    }
  }
  for (let t = 0; t < T; t++) {
    if (t > 0)
      wk.gemmF32({
        transA: false,
        transB: true,
        m: B,
        n: H,
        k: H,
        alpha: 1,
        a: hs,
        aOffset: (t - 1) * bh,
        b: d.whh,
        bOffset: 0,
        beta: 1,
        c: hs,
        cOffset: t * bh,
      });
    else if (d.h0)
      wk.gemmF32({
        transA: false,
        transB: true,
        m: B,
        n: H,
        k: H,
        alpha: 1,
        a: d.h0,
        aOffset: 0,
        b: d.whh,
        bOffset: 0,
        beta: 1,
        c: hs,
        cOffset: 0,
      });
    for (let k = t * bh; k < (t + 1) * bh; k++) hs[k] = tanhF32(hs[k] as number);
  }
  return hs;
}

function stepwiseBackward(
  wk: WasmKernels,
  c: Case,
  g: Float32Array,
  hs: Float32Array,
  whh: Float32Array,
): { dPre: Float32Array; dh: Float32Array } {
  const { T, B, H } = c;
  const bh = B * H;
  const dPre = new Float32Array(T * bh);
  const dh = new Float32Array(bh);
  for (let t = T - 1; t >= 0; t--) {
    const o = t * bh;
    for (let k = 0; k < bh; k++) {
      const h = hs[o + k] as number;
      dPre[o + k] = ((g[o + k] as number) + (dh[k] as number)) * (1 - h * h);
    }
    if (t > 0 || c.h0)
      wk.gemmF32({
        transA: false,
        transB: false,
        m: B,
        n: H,
        k: H,
        alpha: 1,
        a: dPre,
        aOffset: o,
        b: whh,
        bOffset: 0,
        beta: 0,
        c: dh,
        cOffset: 0,
      });
  }
  return { dPre, dh };
}

const CASES: Case[] = [
  // the W3 benchmark's shape
  { T: 20, B: 32, I: 8, H: 128, bias: 'both', h0: false, scale: 1 },
  // partial 5×8 tiles, odd B·H (scalar tails of the SIMD passes), an initial state
  { T: 7, B: 3, I: 5, H: 13, bias: 'both', h0: true, scale: 1 },
  // no bias; large weights: many pre-activations beyond the fit's edge (Math.tanh finishes them)
  { T: 9, B: 6, I: 4, H: 21, bias: 'none', h0: true, scale: 6 },
  // tiny weights: the Taylor branch of tanh; one bias of the two
  { T: 5, B: 4, I: 3, H: 16, bias: 'ih', h0: false, scale: 0.01 },
  { T: 4, B: 6, I: 3, H: 12, bias: 'hh', h0: true, scale: 1 },
  // one step from a zero state: dW_hh = 0
  { T: 1, B: 5, I: 3, H: 9, bias: 'both', h0: false, scale: 1 },
  // H beyond one packed depth slice (KC = 256) and B beyond one row block (MC = 30)
  { T: 3, B: 33, I: 2, H: 300, bias: 'both', h0: true, scale: 1 },
];

describe.each([
  ['shared-memory build', KERNELS_WASM_SHARED_BASE64],
  ['private-memory build', KERNELS_WASM_BASE64],
])('tanh RNN sequence kernels (%s)', (_name, base64) => {
  const wk = WasmKernels.fromBytes(decodeBase64(base64));

  it.each(CASES)('forward and backward give the step-by-step bits: %o', (c) => {
    const d = inputs(c, c.T * 1000 + c.H);
    const want = stepwiseForward(wk, c, d);
    const hs = new Float32Array(c.T * c.B * c.H).fill(NaN);
    wk.rnnTanhForwardF32({
      x: d.x,
      wIh: d.wIh,
      bIh: d.bIh,
      bHh: d.bHh,
      whh: d.whh,
      h0: d.h0,
      T: c.T,
      B: c.B,
      I: c.I,
      H: c.H,
      hs,
    });
    expect(hs).toEqual(want);
    if (c.scale > 2) {
      const beyond = want.filter((v) => Math.abs(v) > Math.tanh(TANH_EDGE)).length;
      expect(beyond, 'values past the edge of the fit').toBeGreaterThan(0);
    }

    const ref = stepwiseBackward(wk, c, d.g, want, d.whh);
    const dPre = new Float32Array(hs.length).fill(NaN);
    const dh0 = c.h0 ? new Float32Array(c.B * c.H).fill(NaN) : null;
    const g = d.g.slice();
    wk.rnnTanhBackwardF32({ g, hs, whh: d.whh, T: c.T, B: c.B, H: c.H, dPre, dh0 });
    expect(dPre).toEqual(ref.dPre);
    if (dh0) expect(dh0).toEqual(ref.dh);
    expect(g, 'g is not modified').toEqual(d.g);

    // The extras, against the op's JS path: dW_hh by GEMMs on the copying entry (onto a prior
    // gradient when accumulating), the bias sums in float64 row after row.
    const { T, B, H } = c;
    const prior = normal(new Rng(5), H * H, 1);
    for (const accumulate of [false, true]) {
      const wantW = accumulate ? prior.slice() : new Float32Array(H * H);
      const later = (T - 1) * B;
      if (later > 0)
        wk.gemmF32({
          transA: true,
          transB: false,
          m: H,
          n: H,
          k: later,
          alpha: 1,
          a: ref.dPre,
          aOffset: B * H,
          b: want,
          bOffset: 0,
          beta: accumulate ? 1 : 0,
          c: wantW,
          cOffset: 0,
        });
      if (d.h0)
        wk.gemmF32({
          transA: true,
          transB: false,
          m: H,
          n: H,
          k: B,
          alpha: 1,
          a: ref.dPre,
          aOffset: 0,
          b: d.h0,
          bOffset: 0,
          beta: later > 0 || accumulate ? 1 : 0,
          c: wantW,
          cOffset: 0,
        });
      const wantSums = new Float64Array(H).fill(0.25);
      for (let r = 0; r < T * B; r++)
        for (let j = 0; j < H; j++)
          wantSums[j] = (wantSums[j] as number) + (ref.dPre[r * H + j] as number);
      const dWhh = accumulate ? prior.slice() : new Float32Array(H * H).fill(NaN);
      const biasSums = new Float64Array(H).fill(0.25);
      wk.rnnTanhBackwardF32({
        g: d.g,
        hs,
        whh: d.whh,
        T,
        B,
        H,
        dPre,
        dh0,
        extras: {
          h0: d.h0,
          dWhh,
          accumulate,
          biasSums,
        },
      });
      expect(dWhh).toEqual(wantW);
      expect(biasSums).toEqual(wantSums);
    }
  });

  it('the SIMD tanh equals tanhF32 bit for bit over a dense grid, and keeps NaN', () => {
    // T = 1, I = H = 1, W_ih = [1], no bias: hs = tanh(x) for every x of the grid (no −0: the
    // projection GEMM sums onto +0).
    const grid: number[] = [NaN, Infinity, -Infinity, 0, TANH_EDGE, -TANH_EDGE, 9, -20];
    for (let i = -100000; i <= 100000; i++) grid.push(i * 1.7e-4);
    for (let i = 1; i <= 2000; i++) grid.push(i * 1e-6, -i * 6e-5);
    const x = Float32Array.from(grid);
    const hs = new Float32Array(x.length);
    wk.rnnTanhForwardF32({
      x,
      wIh: Float32Array.of(1),
      bIh: null,
      bHh: null,
      whh: Float32Array.of(0),
      h0: null,
      T: 1,
      B: x.length,
      I: 1,
      H: 1,
      hs,
    });
    const want = x.map((v) => tanhF32(v));
    expect(hs).toEqual(want);
  });
});
