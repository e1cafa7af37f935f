import { describe, expect, it } from 'vitest';
import { Rng } from '../../tensor/rng.js';
import { normalF32 as normal } from '../../../test/op-test-utils.js';
import { convGeometry } from '../conv-geometry.js';
import { decodeBase64 } from '../../base64.js';
import { KERNELS_WASM_BASE64 } from './generated/kernels-wasm.js';
import { sharedKernelsBytes } from './loader.js';
import { encodeBase64 } from '../../base64.js';
import { RESIDENT_BUDGET_BYTES } from './runtime.js';
import { WasmKernels } from './wasm-kernels.js';

/** The shared-memory build, as the loader derives it. */
const KERNELS_WASM_SHARED_BASE64 = encodeBase64(sharedKernelsBytes());

// Resident arrays (views of the shared wasm memory from allocResident) are read and updated in
// place by the kernels instead of being copied in and out. Every entry point must give the same
// results with resident operands as with ordinary arrays, also after the memory has grown (the
// views then keep an older buffer object of the same memory).

const shared = (): WasmKernels => WasmKernels.fromBytes(decodeBase64(KERNELS_WASM_SHARED_BASE64));

/** A resident copy of `a` (throws if the instance has none to give). */
function resident(wk: WasmKernels, a: Float32Array): Float32Array {
  const r = wk.allocResident(a.length);
  if (r === null) throw new Error('no resident memory');
  r.set(a);
  return r;
}

describe('resident arrays', () => {
  it('are zeroed views of the shared memory, within a budget; none on a private memory', () => {
    const wk = shared();
    // Dirty the scratch area first: a resident region carved from it must still come back zeroed.
    const c = new Float32Array(64 * 64);
    wk.gemmF32({
      transA: false,
      transB: false,
      m: 64,
      n: 64,
      k: 64,
      alpha: 1,
      a: normal(new Rng(1), 4096),
      aOffset: 0,
      b: normal(new Rng(2), 4096),
      bOffset: 0,
      beta: 0,
      c,
      cOffset: 0,
    });
    const r = wk.allocResident(1000);
    expect(r).not.toBeNull();
    expect(r!.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(r!.every((v) => v === 0)).toBe(true);
    const chunk = 4 * 1024 * 1024;
    let given = 1;
    while (wk.allocResident(chunk / 4) !== null) given++;
    expect(given).toBe(Math.floor((RESIDENT_BUDGET_BYTES - 4032) / chunk) + 1);
    expect(WasmKernels.fromBytes(decodeBase64(KERNELS_WASM_BASE64)).allocResident(10)).toBeNull();
    expect(() => wk.allocResident(-1)).toThrow(/allocResident: n must be/);
  });

  it('freed arrays give their bytes back to the budget; other arrays are not freed', () => {
    const wk = shared();
    const chunk = 4 * 1024 * 1024;
    const held: Float32Array[] = [];
    for (let r = wk.allocResident(chunk / 4); r !== null; r = wk.allocResident(chunk / 4))
      held.push(r);
    expect(wk.allocResident(chunk / 4)).toBeNull(); // the budget is spent
    const last = held.pop()!;
    expect(wk.freeResident(last.subarray(1))).toBe(false); // a window, not the block
    expect(wk.freeResident(new Float32Array(chunk / 4))).toBe(false); // not in this memory
    expect(wk.freeResident(last)).toBe(true);
    expect(wk.freeResident(last)).toBe(false); // no double free
    expect(wk.allocResident(chunk / 4)).not.toBeNull(); // fits again, in the freed block
    for (const r of held) wk.freeResident(r);
    expect(wk.residentStats().liveBlocks).toBe(1);
  });

  it('every entry point gives the same results with resident operands, also after growth', () => {
    const wk = shared();
    const rng = new Rng(3);
    const rows = 24;
    const inF = 40;
    const outF = 32;
    const x = normal(rng, rows * inF);
    const w = normal(rng, outF * inF, 0.2);
    const b = normal(rng, outF);
    const wR = resident(wk, w);
    const bR = resident(wk, b);
    const dW0 = normal(rng, outF * inF);
    const db0 = normal(rng, outF);
    const dWR = resident(wk, dW0);
    const dbR = resident(wk, db0);
    // Grow the memory past the views (they keep the old buffer object), then compute.
    wk.reserve(8 * 1024 * 1024);
    expect(wR.buffer === wk.memory.buffer).toBe(false);

    const y = new Float32Array(rows * outF);
    const yR = new Float32Array(rows * outF);
    wk.linearForwardF32({ x, w, bias: b, act: 1, rows, inF, outF, y });
    wk.linearForwardF32({ x, w: wR, bias: bR, act: 1, rows, inF, outF, y: yR });
    expect(yR).toEqual(y);

    const g = normal(rng, rows * outF);
    const dx = new Float32Array(rows * inF);
    const dxR = new Float32Array(rows * inF);
    const dW = dW0.slice();
    const db = db0.slice();
    wk.linearBackwardF32({
      g,
      y,
      x,
      w,
      act: 1,
      rows,
      inF,
      outF,
      dx,
      dW,
      dWAccumulate: true,
      db,
      dbAccumulate: true,
    });
    wk.linearBackwardF32({
      g,
      y,
      x,
      w: wR,
      act: 1,
      rows,
      inF,
      outF,
      dx: dxR,
      dW: dWR,
      dWAccumulate: true,
      db: dbR,
      dbAccumulate: true,
    });
    expect(dxR).toEqual(dx);
    expect(dWR).toEqual(dW);
    expect(dbR).toEqual(db);

    // Adam (fused step): p, g, m, v all resident, against ordinary copies.
    const n = 5000;
    const p = normal(rng, n);
    const gr = normal(rng, n);
    const m = normal(rng, n, 0.1);
    const v = normal(rng, n, 0.1).map(Math.abs);
    const coef = Float32Array.of(1, 0.9, 0.1, 0.999, 0.001, -1e-3, 1e-8, 1);
    const [pR, gR, mR, vR] = [p, gr, m, v].map((a) => resident(wk, a)) as Float32Array[];
    wk.adamF32({ p, g: gr, m, v, coef });
    wk.adamF32({ p: pR!, g: gR!, m: mR!, v: vR!, coef });
    expect([pR, mR, vR, gR]).toEqual([p, m, v, gr]);

    // GEMM through the copying entry with a resident C (accumulated in place).
    const a = normal(rng, 30 * 50);
    const bb = normal(rng, 50 * 20);
    const c = normal(rng, 30 * 20);
    const cR = resident(wk, c);
    wk.gemmF32({
      transA: false,
      transB: false,
      m: 30,
      n: 20,
      k: 50,
      alpha: 1,
      a,
      aOffset: 0,
      b: bb,
      bOffset: 0,
      beta: 1,
      c,
      cOffset: 0,
    });
    wk.gemmF32({
      transA: false,
      transB: false,
      m: 30,
      n: 20,
      k: 50,
      alpha: 1,
      a,
      aOffset: 0,
      b: resident(wk, bb),
      bOffset: 0,
      beta: 1,
      c: cR,
      cOffset: 0,
    });
    expect(cR).toEqual(c);
  });

  it('conv2d and the tanh RNN with resident weights and gradient buffers', () => {
    const wk = shared();
    const rng = new Rng(4);
    const g = convGeometry({
      channels: 3,
      height: 9,
      width: 9,
      kernelH: 3,
      kernelW: 3,
      padH: 1,
      padW: 1,
    });
    const n = 4;
    const o = 6;
    const x = normal(rng, n * g.imageSize);
    const w = normal(rng, o * g.colRows, 0.3);
    const b = normal(rng, o);
    const y = new Float32Array(n * o * g.colCols);
    const yR = new Float32Array(y.length);
    wk.conv2dForwardF32({ x, w, bias: b, relu: true, g, n, o, y });
    wk.conv2dForwardF32({
      x,
      w: resident(wk, w),
      bias: resident(wk, b),
      relu: true,
      g,
      n,
      o,
      y: yR,
    });
    expect(yR).toEqual(y);
    const gy = normal(rng, y.length);
    const dW = normal(rng, w.length);
    const db = normal(rng, o);
    const dWR = resident(wk, dW);
    const dbR = resident(wk, db);
    const dx = new Float32Array(x.length);
    const dxR = new Float32Array(x.length);
    wk.conv2dBackwardF32({
      gy,
      y,
      x,
      w,
      g,
      n,
      o,
      dx,
      dW,
      dWAccumulate: true,
      db,
      dbAccumulate: true,
    });
    wk.conv2dBackwardF32({
      gy,
      y,
      x,
      w: resident(wk, w),
      g,
      n,
      o,
      dx: dxR,
      dW: dWR,
      dWAccumulate: true,
      db: dbR,
      dbAccumulate: true,
    });
    expect([dxR, dWR, dbR]).toEqual([dx, dW, db]);

    const [T, B, I, H] = [6, 5, 4, 16];
    const xs = normal(rng, T * B * I);
    const wIh = normal(rng, H * I, 0.5);
    const whh = normal(rng, H * H, 0.25);
    const bIh = normal(rng, H);
    const bHh = normal(rng, H);
    const hs = new Float32Array(T * B * H);
    const hsR = new Float32Array(hs.length);
    wk.rnnTanhForwardF32({ x: xs, wIh, bIh, bHh, whh, h0: null, T, B, I, H, hs });
    const [wIhR, bIhR, bHhR, whhR] = [wIh, bIh, bHh, whh].map((a) =>
      resident(wk, a),
    ) as Float32Array[];
    wk.rnnTanhForwardF32({
      x: xs,
      wIh: wIhR!,
      bIh: bIhR!,
      bHh: bHhR!,
      whh: whhR!,
      h0: null,
      T,
      B,
      I,
      H,
      hs: hsR,
    });
    expect(hsR).toEqual(hs);
    const gh = normal(rng, hs.length);
    const dWhh = normal(rng, H * H);
    const dWhhR = resident(wk, dWhh);
    const dPre = new Float32Array(hs.length);
    const dPreR = new Float32Array(hs.length);
    const extras = { h0: null, accumulate: true, biasSums: null };
    wk.rnnTanhBackwardF32({
      g: gh,
      hs,
      whh,
      T,
      B,
      H,
      dPre,
      dh0: null,
      extras: { ...extras, dWhh },
    });
    wk.rnnTanhBackwardF32({
      g: gh,
      hs,
      whh: whhR!,
      T,
      B,
      H,
      dPre: dPreR,
      dh0: null,
      extras: { ...extras, dWhh: dWhhR },
    });
    expect([dPreR, dWhhR]).toEqual([dPre, dWhh]);
  });
});
