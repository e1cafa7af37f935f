import { describe, expect, it } from 'vitest';
import { Rng } from '../../tensor/rng.js';
import { normalF32 as normal } from '../../../test/op-test-utils.js';
import { convGeometry, type ConvGeometry } from '../conv-geometry.js';
import { decodeBase64 } from '../../base64.js';
import { KERNELS_WASM_BASE64 } from './generated/kernels-wasm.js';
import { sharedKernelsBytes } from './loader.js';
import { encodeBase64 } from '../../base64.js';
import { WasmKernels } from './wasm-kernels.js';

/** The shared-memory build, as the loader derives it. */
const KERNELS_WASM_SHARED_BASE64 = encodeBase64(sharedKernelsBytes());

// The batched convolution on wasm (WasmKernels.conv2dForwardF32 / conv2dBackwardF32) promises
// the bits of ops/conv.ts's per-image path on the same wasm kernels: im2col + GEMM per image,
// the float32 bias add, ReLU as `v < 0 ? 0 : v`; backward gz = g·[y > 0], dW and dx by GEMMs
// (col2im adds), db by rows summed in doubles. The loops below are exactly those of ops/conv.ts.

interface Case {
  n: number;
  c: number;
  hw: number;
  o: number;
  k: number;
  stride: number;
  pad: number;
  relu: boolean;
  bias: boolean;
}

const direct = (g: ConvGeometry): boolean =>
  g.kernelH === 1 && g.kernelW === 1 && g.strideH === 1 && g.padH === 0 && g.padW === 0;

function referenceForward(
  wk: WasmKernels,
  cs: Case,
  g: ConvGeometry,
  x: Float32Array,
  w: Float32Array,
  b: Float32Array | null,
): Float32Array {
  const p = g.colCols;
  const y = new Float32Array(cs.n * cs.o * p);
  const cols = new Float32Array(g.colSize);
  for (let i = 0; i < cs.n; i++) {
    if (direct(g)) {
      wk.gemmF32({
        transA: false,
        transB: false,
        m: cs.o,
        n: p,
        k: g.colRows,
        alpha: 1,
        a: w,
        aOffset: 0,
        b: x,
        bOffset: i * g.imageSize,
        beta: 0,
        c: y,
        cOffset: i * cs.o * p,
      });
    } else {
      wk.im2colF32({ x, xOffset: i * g.imageSize, g, col: cols, colOffset: 0, batch: 1 });
      wk.gemmF32({
        transA: false,
        transB: false,
        m: cs.o,
        n: p,
        k: g.colRows,
        alpha: 1,
        a: w,
        aOffset: 0,
        b: cols,
        bOffset: 0,
        beta: 0,
        c: y,
        cOffset: i * cs.o * p,
      });
    }
  }
  if (b)
    for (let r = 0; r < cs.n * cs.o; r++)
      for (let j = 0; j < p; j++) y[r * p + j] = (y[r * p + j] as number) + (b[r % cs.o] as number);
  if (cs.relu)
    for (let i = 0; i < y.length; i++) y[i] = (y[i] as number) < 0 ? 0 : (y[i] as number);
  return y;
}

const CASES: Case[] = [
  // W4's two layers (fewer images)
  { n: 3, c: 1, hw: 28, o: 32, k: 5, stride: 1, pad: 2, relu: true, bias: true },
  { n: 2, c: 32, hw: 14, o: 64, k: 5, stride: 1, pad: 2, relu: true, bias: true },
  // strided, padded 3×3 over 3 channels; no ReLU
  { n: 4, c: 3, hw: 11, o: 6, k: 3, stride: 2, pad: 1, relu: false, bias: true },
  // 1×1 (the image is its own cols), no bias
  { n: 3, c: 8, hw: 7, o: 12, k: 1, stride: 1, pad: 0, relu: true, bias: false },
];

describe.each([
  ['shared-memory build', KERNELS_WASM_SHARED_BASE64],
  ['private-memory build', KERNELS_WASM_BASE64],
])('batched conv2d kernels (%s)', (_name, base64) => {
  const wk = WasmKernels.fromBytes(decodeBase64(base64));

  it.each(CASES)('forward and backward give the per-image bits: %o', (cs) => {
    const g = convGeometry({
      channels: cs.c,
      height: cs.hw,
      width: cs.hw,
      kernelH: cs.k,
      kernelW: cs.k,
      strideH: cs.stride,
      strideW: cs.stride,
      padH: cs.pad,
      padW: cs.pad,
    });
    const rng = new Rng(cs.c * 100 + cs.o);
    const x = normal(rng, cs.n * g.imageSize);
    x[5] = NaN; // stays NaN through the ReLU, as in the relu op
    const w = normal(rng, cs.o * g.colRows, 1 / Math.sqrt(g.colRows));
    const b = cs.bias ? normal(rng, cs.o, 0.5) : null;
    const want = referenceForward(wk, cs, g, x, w, b);
    const y = new Float32Array(want.length).fill(3);
    wk.conv2dForwardF32({ x, w, bias: b, relu: cs.relu, g, n: cs.n, o: cs.o, y });
    expect(y).toEqual(want);
    expect(want.some(Number.isNaN)).toBe(true);
    x[5] = 0.25;
    const yy = referenceForward(wk, cs, g, x, w, b);

    const p = g.colCols;
    const gy = normal(rng, yy.length);
    const gz = cs.relu ? gy.map((v, i) => ((yy[i] as number) > 0 ? v : 0)) : gy;
    const cols = new Float32Array(g.colSize);
    const prior = normal(rng, cs.o * g.colRows);
    const priorB = normal(rng, cs.o);
    let firstDx = new Float32Array(0);
    for (const accumulate of [false, true]) {
      const wantDw = accumulate ? prior.slice() : new Float32Array(prior.length);
      const wantDx = new Float32Array(x.length);
      for (let i = 0; i < cs.n; i++) {
        const beta = i > 0 || accumulate ? 1 : 0;
        if (direct(g)) {
          wk.gemmF32({
            transA: false,
            transB: true,
            m: cs.o,
            n: g.colRows,
            k: p,
            alpha: 1,
            a: gz,
            aOffset: i * cs.o * p,
            b: x,
            bOffset: i * g.imageSize,
            beta,
            c: wantDw,
            cOffset: 0,
          });
          wk.gemmF32({
            transA: true,
            transB: false,
            m: g.colRows,
            n: p,
            k: cs.o,
            alpha: 1,
            a: w,
            aOffset: 0,
            b: gz,
            bOffset: i * cs.o * p,
            beta: 0,
            c: wantDx,
            cOffset: i * g.imageSize,
          });
        } else {
          wk.im2colF32({ x, xOffset: i * g.imageSize, g, col: cols, colOffset: 0, batch: 1 });
          wk.gemmF32({
            transA: false,
            transB: true,
            m: cs.o,
            n: g.colRows,
            k: p,
            alpha: 1,
            a: gz,
            aOffset: i * cs.o * p,
            b: cols,
            bOffset: 0,
            beta,
            c: wantDw,
            cOffset: 0,
          });
          wk.gemmF32({
            transA: true,
            transB: false,
            m: g.colRows,
            n: p,
            k: cs.o,
            alpha: 1,
            a: w,
            aOffset: 0,
            b: gz,
            bOffset: i * cs.o * p,
            beta: 0,
            c: cols,
            cOffset: 0,
          });
          wk.col2imF32({
            x: wantDx,
            xOffset: i * g.imageSize,
            g,
            col: cols,
            colOffset: 0,
            batch: 1,
          });
        }
      }
      const wantDb = accumulate ? priorB.slice() : new Float32Array(cs.o);
      for (let r = 0; r < cs.n * cs.o; r++) {
        let s = 0;
        for (let j = 0; j < p; j++) s += gz[r * p + j] as number;
        wantDb[r % cs.o] = (wantDb[r % cs.o] as number) + s;
      }
      const dx = new Float32Array(x.length).fill(NaN);
      const dW = accumulate ? prior.slice() : new Float32Array(prior.length).fill(NaN);
      const db = accumulate ? priorB.slice() : new Float32Array(cs.o).fill(NaN);
      const gIn = gy.slice();
      wk.conv2dBackwardF32({
        gy: gIn,
        y: cs.relu ? yy : null,
        x,
        w,
        g,
        n: cs.n,
        o: cs.o,
        dx,
        dW,
        dWAccumulate: accumulate,
        db,
        dbAccumulate: accumulate,
      });
      expect(dx).toEqual(wantDx);
      firstDx = wantDx;
      expect(dW).toEqual(wantDw);
      expect(db).toEqual(wantDb);
      expect(gIn, 'gy is not modified').toEqual(gy);
    }
    // Only dx asked for.
    const dx = new Float32Array(x.length);
    wk.conv2dBackwardF32({
      gy,
      y: cs.relu ? yy : null,
      x,
      w,
      g,
      n: cs.n,
      o: cs.o,
      dx,
      dW: null,
      dWAccumulate: false,
      db: null,
      dbAccumulate: false,
    });
    expect(dx).toEqual(firstDx);
  });
});
