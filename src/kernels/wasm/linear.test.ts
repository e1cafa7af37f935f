import { describe, expect, it } from 'vitest';
import { Rng } from '../../tensor/rng.js';
import { normalF32 as normal } from '../../../test/op-test-utils.js';
import { tanhF32 } from '../js/tanh.js';
import { decodeBase64 } from '../../base64.js';
import { KERNELS_WASM_BASE64 } from './generated/kernels-wasm.js';
import { sharedKernelsBytes } from './loader.js';
import { encodeBase64 } from '../../base64.js';
import type { LinearAct } from '../types.js';
import { WasmKernels } from './wasm-kernels.js';

/** The shared-memory build, as the loader derives it. */
const KERNELS_WASM_SHARED_BASE64 = encodeBase64(sharedKernelsBytes());

// The fused linear layer on wasm (WasmKernels.linearForwardF32 / linearBackwardF32) promises
// the bits of ops/linear.ts's JS path on the same wasm GEMM: GEMM, then float32 bias adds and
// the activation (ReLU as `v < 0 ? 0 : v`, tanhF32); backward gz = g·act'(y) in doubles, two
// GEMMs and float32 column sums. The loops below are exactly those of ops/linear.ts.

interface Case {
  rows: number;
  inF: number;
  outF: number;
  act: LinearAct;
  bias: boolean;
}

function referenceForward(
  wk: WasmKernels,
  c: Case,
  x: Float32Array,
  w: Float32Array,
  b: Float32Array | null,
): Float32Array {
  const y = new Float32Array(c.rows * c.outF);
  wk.gemmF32({
    transA: false,
    transB: true,
    m: c.rows,
    n: c.outF,
    k: c.inF,
    alpha: 1,
    a: x,
    aOffset: 0,
    b: w,
    bOffset: 0,
    beta: 0,
    c: y,
    cOffset: 0,
  });
  for (let r = 0; r < c.rows; r++) {
    for (let j = 0; j < c.outF; j++) {
      const i = r * c.outF + j;
      const v = (y[i] as number) + (b === null ? 0 : (b[j] as number));
      y[i] = c.act === 1 ? (v < 0 ? 0 : v) : v;
    }
  }
  if (c.act === 2) for (let i = 0; i < y.length; i++) y[i] = tanhF32(y[i] as number);
  return y;
}

const CASES: Case[] = [
  { rows: 32, inF: 64, outF: 64, act: 2, bias: true }, // W2's layers
  { rows: 128, inF: 784, outF: 256, act: 1, bias: true }, // W1's first layer (splits on 2 threads)
  { rows: 7, inF: 13, outF: 11, act: 0, bias: true }, // partial tiles, scalar tails
  { rows: 9, inF: 6, outF: 17, act: 1, bias: false },
  { rows: 5, inF: 3, outF: 10, act: 2, bias: false },
];

describe.each([
  ['shared-memory build', KERNELS_WASM_SHARED_BASE64, 2],
  ['private-memory build', KERNELS_WASM_BASE64, 1],
])('fused linear kernels (%s)', (_name, base64, threads) => {
  const wk = WasmKernels.fromBytes(decodeBase64(base64));
  wk.setThreads(threads);

  it.each(CASES)('forward and backward give the JS path’s bits: %o', async (c) => {
    await wk.whenThreadsReady();
    const rng = new Rng(c.rows * 100 + c.outF);
    const x = normal(rng, c.rows * c.inF);
    const w = normal(rng, c.outF * c.inF, 1 / Math.sqrt(c.inF));
    const b = c.bias ? normal(rng, c.outF, 0.5) : null;
    // A NaN input: its row is NaN before the activation, and stays NaN through ReLU and tanh.
    x[0] = NaN;
    const want = referenceForward(wk, c, x, w, b);
    const y = new Float32Array(want.length).fill(7);
    wk.linearForwardF32({ x, w, bias: b, act: c.act, rows: c.rows, inF: c.inF, outF: c.outF, y });
    expect(y).toEqual(want);
    expect(y.subarray(0, c.outF).every(Number.isNaN), 'the NaN row').toBe(true);
    x[0] = 0.5;
    const yy = referenceForward(wk, c, x, w, b);

    const g = normal(rng, c.rows * c.outF);
    const gz = new Float32Array(g.length);
    for (let i = 0; i < g.length; i++) {
      const v = yy[i] as number;
      gz[i] =
        c.act === 1
          ? v > 0
            ? (g[i] as number)
            : 0
          : c.act === 2
            ? (g[i] as number) * (1 - v * v)
            : (g[i] as number);
    }
    const wantDx = new Float32Array(c.rows * c.inF);
    wk.gemmF32({
      transA: false,
      transB: false,
      m: c.rows,
      n: c.inF,
      k: c.outF,
      alpha: 1,
      a: gz,
      aOffset: 0,
      b: w,
      bOffset: 0,
      beta: 0,
      c: wantDx,
      cOffset: 0,
    });
    const prior = normal(rng, c.outF * c.inF);
    const priorB = normal(rng, c.outF);
    for (const accumulate of [false, true]) {
      const wantDw = accumulate ? prior.slice() : new Float32Array(c.outF * c.inF);
      wk.gemmF32({
        transA: true,
        transB: false,
        m: c.outF,
        n: c.inF,
        k: c.rows,
        alpha: 1,
        a: gz,
        aOffset: 0,
        b: x,
        bOffset: 0,
        beta: accumulate ? 1 : 0,
        c: wantDw,
        cOffset: 0,
      });
      const wantDb = accumulate ? priorB.slice() : new Float32Array(c.outF);
      for (let r = 0; r < c.rows; r++)
        for (let j = 0; j < c.outF; j++)
          wantDb[j] = (wantDb[j] as number) + (gz[r * c.outF + j] as number);
      const dx = new Float32Array(wantDx.length).fill(NaN);
      const dW = accumulate ? prior.slice() : new Float32Array(wantDw.length).fill(NaN);
      const db = accumulate ? priorB.slice() : new Float32Array(c.outF).fill(NaN);
      const gIn = g.slice();
      wk.linearBackwardF32({
        g: gIn,
        y: yy,
        x,
        w,
        act: c.act,
        rows: c.rows,
        inF: c.inF,
        outF: c.outF,
        dx,
        dW,
        dWAccumulate: accumulate,
        db,
        dbAccumulate: accumulate,
      });
      expect(dx).toEqual(wantDx);
      expect(dW).toEqual(wantDw);
      expect(db).toEqual(wantDb);
      expect(gIn, 'g is not modified').toEqual(g);
    }
    // Only what is asked for: no dx, no db.
    const dW = new Float32Array(c.outF * c.inF);
    wk.linearBackwardF32({
      g,
      y: yy,
      x,
      w,
      act: c.act,
      rows: c.rows,
      inF: c.inF,
      outF: c.outF,
      dx: null,
      dW,
      dWAccumulate: false,
      db: null,
      dbAccumulate: false,
    });
    const wantDw = new Float32Array(dW.length);
    wk.gemmF32({
      transA: true,
      transB: false,
      m: c.outF,
      n: c.inF,
      k: c.rows,
      alpha: 1,
      a: gz,
      aOffset: 0,
      b: x,
      bOffset: 0,
      beta: 0,
      c: wantDw,
      cOffset: 0,
    });
    expect(dW).toEqual(wantDw);
  });
});
