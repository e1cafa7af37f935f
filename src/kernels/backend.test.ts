import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import {
  GEMM_WASM_MIN_WORK,
  col2im,
  gemm,
  gemmKernelFor,
  getKernels,
  im2col,
  initKernels,
  nativeKernelsAvailable,
  setKernels,
  wasmKernelsAvailable,
} from './backend.js';
import { convGeometry } from './conv-geometry.js';
import { gemmJs } from './js/gemm.js';
import { col2imJs, im2colJs } from './js/im2col.js';
import { decodeBase64 } from '../base64.js';

afterEach(() => {
  setKernels('auto');
});

// The native addon is optional (built at install when a compiler is present): its choices are
// tested when it is loaded, and 'auto' prefers it then.
const NATIVE = nativeKernelsAvailable();
const CHOICES = NATIVE
  ? (['js', 'wasm', 'native', 'auto'] as const)
  : (['js', 'wasm', 'auto'] as const);

describe('kernel choice', () => {
  it("defaults to 'auto' and round-trips every valid choice", () => {
    expect(getKernels()).toBe('auto');
    for (const c of CHOICES) {
      setKernels(c);
      expect(getKernels()).toBe(c);
    }
  });
  it('rejects anything else, naming the value and the allowed ones', () => {
    expect(() => setKernels('gpu' as 'js')).toThrow(ConfigError);
    expect(() => setKernels('gpu' as 'js')).toThrow(
      /expected 'js', 'wasm', 'native' or 'auto', got "gpu"/,
    );
    expect(getKernels()).toBe('auto');
  });
  it('wasm is available here (Node 20 has WebAssembly SIMD)', async () => {
    expect(wasmKernelsAvailable()).toBe(true);
    expect(await initKernels()).toBe(true);
  });
  it.runIf(NATIVE)("'auto' picks native for both dtypes from GEMM_NATIVE_MIN_WORK on", () => {
    expect(gemmKernelFor('float32', 64, 64, 64)).toBe('native');
    expect(gemmKernelFor('float64', 64, 64, 64)).toBe('native');
    expect(gemmKernelFor('float32', 4, 4, 4)).toBe('js');
    // a 1×1×k dot product would pad to a 6×16 tile: 96× the work
    expect(gemmKernelFor('float32', 1, 1, 100_000)).toBe('js');
    setKernels('wasm');
    expect(gemmKernelFor('float32', 64, 64, 64)).toBe('wasm');
    expect(gemmKernelFor('float64', 64, 64, 64)).toBe('js');
    setKernels('native');
    expect(gemmKernelFor('float64', 1, 1, 1)).toBe('native');
  });
  it.skipIf(NATIVE)("'auto' picks wasm for big float32 problems only, float64 always JS", () => {
    expect(gemmKernelFor('float32', 64, 64, 64)).toBe('wasm');
    expect(gemmKernelFor('float32', 4, 4, 4)).toBe('js');
    expect(gemmKernelFor('float32', 8, 8, GEMM_WASM_MIN_WORK / 64)).toBe('wasm');
    // a 1×1×k dot product would pad to a 4×8 tile: 32× the work
    expect(gemmKernelFor('float32', 1, 1, 100_000)).toBe('js');
    expect(gemmKernelFor('float64', 512, 512, 512)).toBe('js');
    setKernels('js');
    expect(gemmKernelFor('float32', 512, 512, 512)).toBe('js');
    setKernels('wasm');
    expect(gemmKernelFor('float32', 1, 1, 1)).toBe('wasm');
    expect(gemmKernelFor('float64', 512, 512, 512)).toBe('js');
  });
});

describe('dispatch gives the reference results under every choice', () => {
  const rng = new Rng(21);
  const [m, n, k] = [19, 23, 37];
  const a = rng.fillNormal(new Float32Array(m * k + 4));
  const b = rng.fillNormal(new Float32Array(k * n));
  const c0 = rng.fillNormal(new Float32Array(m * n + 1));
  const want = c0.slice();
  gemmJs({
    transA: true,
    transB: false,
    m,
    n,
    k,
    alpha: 0.5,
    a,
    aOffset: 4,
    b,
    bOffset: 0,
    beta: 2,
    c: want,
    cOffset: 1,
  });
  it.each(CHOICES)('gemm under %s', (choice) => {
    setKernels(choice);
    const c = c0.slice();
    gemm({
      transA: true,
      transB: false,
      m,
      n,
      k,
      alpha: 0.5,
      a,
      aOffset: 4,
      b,
      bOffset: 0,
      beta: 2,
      c,
      cOffset: 1,
    });
    expect(c[0]).toBe(c0[0]);
    // |Δ| ≤ 2·k·2⁻²⁴·(Σ|a·b|+|2c|) ≲ 1e-4 for unit normals; actual differences are far smaller.
    for (let e = 1; e < c.length; e++)
      expect(Math.abs((c[e] as number) - (want[e] as number))).toBeLessThan(1e-4);
  });
  it.each(CHOICES)('im2col/col2im under %s', (choice) => {
    setKernels(choice);
    const g = convGeometry({
      channels: 3,
      height: 12,
      width: 10,
      kernelH: 3,
      kernelW: 3,
      padH: 1,
      padW: 1,
      strideW: 2,
    });
    const x = rng.fillNormal(new Float32Array(2 * g.imageSize));
    const col = new Float32Array(2 * g.colSize);
    const colRef = new Float32Array(2 * g.colSize);
    im2col({ x, xOffset: 0, g, col, colOffset: 0, batch: 2 });
    im2colJs({ x, xOffset: 0, g, col: colRef, colOffset: 0, batch: 2 });
    expect(Array.from(col)).toEqual(Array.from(colRef));
    const dx = new Float32Array(2 * g.imageSize);
    const dxRef = new Float32Array(2 * g.imageSize);
    col2im({ x: dx, xOffset: 0, g, col, colOffset: 0, batch: 2 });
    col2imJs({ x: dxRef, xOffset: 0, g, col, colOffset: 0, batch: 2 });
    for (let e = 0; e < dx.length; e++)
      expect(Math.abs((dx[e] as number) - (dxRef[e] as number))).toBeLessThanOrEqual(
        1e-5 * (1 + Math.abs(dxRef[e] as number)),
      );
  });
  it('float64 stays exact-ish under wasm (it runs on JS)', () => {
    setKernels('wasm');
    const a64 = Float64Array.from(a);
    const b64 = Float64Array.from(b);
    const c = new Float64Array(m * n);
    const ref = new Float64Array(m * n);
    gemm({
      transA: false,
      transB: true,
      m,
      n,
      k,
      alpha: 1,
      a: a64,
      aOffset: 0,
      b: b64,
      bOffset: 0,
      beta: 0,
      c,
      cOffset: 0,
    });
    gemmJs({
      transA: false,
      transB: true,
      m,
      n,
      k,
      alpha: 1,
      a: a64,
      aOffset: 0,
      b: b64,
      bOffset: 0,
      beta: 0,
      c: ref,
      cOffset: 0,
    });
    expect(Array.from(c)).toEqual(Array.from(ref));
  });
});

describe('without WebAssembly', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.unstubAllEnvs();
    vi.resetModules();
  });
  it("'auto' falls back to JS and 'wasm' throws a clear ConfigError", async () => {
    vi.resetModules();
    vi.stubGlobal('WebAssembly', undefined);
    vi.stubEnv('GRADSCOPE_NATIVE', '0'); // and no native addon (a browser)
    const fresh = await import('./backend.js');
    // Fresh module graph: its error classes are fresh too.
    const freshErrors = await import('../errors.js');
    expect(fresh.wasmKernelsAvailable()).toBe(false);
    expect(fresh.gemmKernelFor('float32', 256, 256, 256)).toBe('js');
    const c = new Float32Array(4);
    fresh.gemm({
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
    expect(() => fresh.setKernels('wasm')).toThrow(freshErrors.ConfigError);
    expect(() => fresh.setKernels('wasm')).toThrow(
      /'wasm' was requested but the WebAssembly SIMD kernels could not be instantiated: WebAssembly is not available/,
    );
    expect(fresh.getKernels()).toBe('auto');
    expect(await fresh.initKernels()).toBe(false);
  });
});

describe('decodeBase64', () => {
  it("matches Node's decoder on random bytes of every length mod 3", () => {
    const rng = new Rng(8);
    for (const len of [0, 1, 2, 3, 4, 5, 100, 257]) {
      const bytes = Uint8Array.from({ length: len }, () => rng.int(256));
      const text = Buffer.from(bytes).toString('base64');
      expect(Array.from(decodeBase64(text))).toEqual(Array.from(bytes));
    }
  });
  it('rejects characters outside the alphabet', () => {
    expect(() => decodeBase64('AB$D')).toThrow(/invalid character "\$" at index 2/);
  });
});
