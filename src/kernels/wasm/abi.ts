import { GradscopeError } from '../../errors.js';
import { KERNELS_SHARED_MAX_PAGES } from './generated/kernels-wasm.js';
import type { GemmPart } from './gemm-pool.js';

// The kernels module's ABI and its instantiation. The few WebAssembly JS-API members used here are typed locally (not via lib.dom) so the core
// type-checks without DOM types and still runs wherever `WebAssembly` exists.

/**
 * The part of a `WebAssembly.Memory` the kernels expose: its current buffer and `grow`.
 * @example new Float32Array(loadWasmKernels().memory.buffer, ptr, n)
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  /** Grows the memory by `deltaPages` 64 KiB pages; returns the previous size in pages. */
  grow(deltaPages: number): number;
}
/** The WebAssembly JS API members the loader uses. */
export interface WasmApi {
  Module: {
    new (bytes: Uint8Array): object;
    imports(module: object): Array<{ module: string; name: string; kind: string }>;
  };
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  compile(bytes: Uint8Array): Promise<object>;
}
/** The kernels module's exports: its ABI (byte addresses and counts, hence positional). */
export interface KernelExports {
  heapBase(): number;
  gemmWorkBytes(): number;
  gemmF32(...args: [...GemmPart, work: number]): void;
  im2colF32(
    x: number,
    c: number,
    h: number,
    w: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    ph: number,
    pw: number,
    dh: number,
    dw: number,
    outH: number,
    outW: number,
    col: number,
    batch: number,
  ): void;
  adamF32(p: number, g: number, m: number, v: number, n: number, coef: number, apply: number): void;
  adamStatsF32(
    p: number,
    g: number,
    m: number,
    v: number,
    n: number,
    coef: number,
    out: number,
  ): void;
  gradStatsF32(x: number, n: number, out: number): void;
  sumSquaresF32(x: number, n: number, out: number): void;
  updateStatsF32(p: number, q: number, n: number, out: number): void;
  copyF32(dst: number, src: number, n: number): void;
  packedBBytes(k: number, n: number): number;
  packBAllF32(transB: number, b: number, ldb: number, k: number, n: number, dst: number): void;
  gemmPackedBF32(
    transA: number,
    m: number,
    n: number,
    k: number,
    a: number,
    lda: number,
    packed: number,
    beta: number,
    c: number,
    ldc: number,
    work: number,
  ): void;
  tanhF32(p: number, n: number): number;
  tanhGradF32(g: number, dh: number, h: number, out: number, n: number): void;
  addRowsF32(c: number, rows: number, cols: number, b1: number, b2: number, two: number): void;
  colSumsF64(src: number, rows: number, cols: number, dst: number): void;
  lstmGatesFwdF32(
    g: number,
    cp: number,
    hasCp: number,
    c: number,
    h: number,
    B: number,
    H: number,
  ): void;
  lstmGatesBwdF32(
    g: number,
    c: number,
    cp: number,
    hasCp: number,
    gh: number,
    dh: number,
    dc: number,
    dG: number,
    B: number,
    H: number,
  ): void;
  gruGatesFwdF32(
    g: number,
    hp: number,
    bias: number,
    hasB: number,
    hn: number,
    hPrev: number,
    hasHPrev: number,
    h: number,
    B: number,
    H: number,
  ): void;
  gruGatesBwdF32(
    g: number,
    hn: number,
    hPrev: number,
    hasHPrev: number,
    gh: number,
    dh: number,
    dXP: number,
    dHP: number,
    B: number,
    H: number,
  ): void;
  reluF32(p: number, n: number): void;
  actGradF32(g: number, y: number, out: number, n: number, act: number): void;
  addColSumsF32(src: number, rows: number, cols: number, dst: number): void;
  addChannelBiasF32(y: number, rows: number, cols: number, bias: number, channels: number): void;
  addChannelSumsF32(src: number, rows: number, cols: number, dst: number, channels: number): void;
  col2imF32(
    col: number,
    c: number,
    h: number,
    w: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    ph: number,
    pw: number,
    dh: number,
    dw: number,
    outH: number,
    outW: number,
    x: number,
    batch: number,
  ): void;
}

/** Pages a shared memory starts with (grown on demand like the private one). */
const SHARED_INITIAL_PAGES = 32;

const FUNCTIONS = [
  'heapBase',
  'gemmWorkBytes',
  'gemmF32',
  'im2colF32',
  'col2imF32',
  'adamF32',
  'adamStatsF32',
  'gradStatsF32',
  'sumSquaresF32',
  'updateStatsF32',
  'copyF32',
  'packedBBytes',
  'packBAllF32',
  'gemmPackedBF32',
  'tanhF32',
  'tanhGradF32',
  'addRowsF32',
  'colSumsF64',
  'lstmGatesFwdF32',
  'lstmGatesBwdF32',
  'gruGatesFwdF32',
  'gruGatesBwdF32',
  'reluF32',
  'actGradF32',
  'addColSumsF32',
  'addChannelBiasF32',
  'addChannelSumsF32',
] as const;

/**
 * The WebAssembly JS API of this environment; throws when there is none.
 * @example const api = wasmApi();
 */
export function wasmApi(): WasmApi {
  const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (api === undefined)
    throw new GradscopeError('WebAssembly is not available in this JavaScript environment');
  return api;
}

/**
 * Instantiates a kernels module: a module importing its memory gets a new shared memory (the
 * threaded build); every other import is a function that throws (the kernels call none).
 * @example const { exports, memory } = instantiate(wasmApi(), module);
 */
export function instantiate(
  api: WasmApi,
  module: object,
): { exports: Record<string, unknown>; memory: WasmMemory | undefined } {
  let memory: WasmMemory | undefined;
  const imports: Record<string, Record<string, unknown>> = {};
  for (const imp of api.Module.imports(module)) {
    const ns = (imports[imp.module] ??= {});
    if (imp.kind === 'memory') {
      memory = new api.Memory({
        initial: SHARED_INITIAL_PAGES,
        maximum: KERNELS_SHARED_MAX_PAGES,
        shared: true,
      });
      ns[imp.name] = memory;
    } else {
      ns[imp.name] = () => {
        throw new GradscopeError(`the kernels called the import ${imp.module}.${imp.name}`);
      };
    }
  }
  return { exports: new api.Instance(module, imports).exports, memory };
}

/**
 * Checks that a module exports every kernel function and types its exports.
 * @example const ex = asKernelExports(exports);
 */
export function asKernelExports(exports: Record<string, unknown>): KernelExports {
  for (const name of FUNCTIONS) {
    if (typeof exports[name] !== 'function') {
      throw new GradscopeError(
        `the kernels module does not export ${name}(); rebuild it with \`npm run build:wasm\``,
      );
    }
  }
  return exports as unknown as KernelExports;
}
