import { DtypeError, GradscopeError, ShapeError, fmt } from '../../errors.js';
import type { ConvGeometry } from '../conv-geometry.js';
import { checkConvArgs, checkCount, checkGemmArgs } from '../validate.js';
import { decodeBase64 } from './base64.js';
import { KERNELS_WASM_BASE64 } from './generated/kernels-wasm.js';

// The few WebAssembly JS-API members used here are typed locally (not via lib.dom) so the core
// type-checks without DOM types and still runs wherever `WebAssembly` exists.

/**
 * The part of a `WebAssembly.Memory` the kernels expose: its current buffer and `grow`.
 * @example new Float32Array(loadWasmKernels().memory.buffer, ptr, n)
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  compile(bytes: Uint8Array): Promise<object>;
}
interface KernelExports {
  readonly memory: WasmMemory;
  heapBase(): number;
  gemmWorkBytes(): number;
  gemmF32(
    ta: number,
    tb: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: number,
    b: number,
    beta: number,
    c: number,
    work: number,
  ): void;
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

const PAGE = 65536;
const ALIGN = 64;
/** Largest linear memory this loader will grow to (wasm32 allows 4 GiB; stay well inside). */
const MAX_BYTES = 2 ** 31;
const FUNCTIONS = ['heapBase', 'gemmWorkBytes', 'gemmF32', 'im2colF32', 'col2imF32'] as const;

// Float64 has no wasm kernel: the checks above allow both dtypes, this narrows to float32.
function requireF32(fn: string, name: string, arr: unknown): void {
  if (!(arr instanceof Float32Array)) {
    throw new DtypeError(
      `${fn}: ${name} must be a Float32Array (the wasm kernels are float32-only), got ${fmt((arr as object).constructor.name)}`,
    );
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}

function wasmApi(): WasmApi {
  const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (api === undefined)
    throw new GradscopeError('WebAssembly is not available in this JavaScript environment');
  return api;
}

function asKernelExports(exports: Record<string, unknown>): KernelExports {
  for (const name of FUNCTIONS) {
    if (typeof exports[name] !== 'function') {
      throw new GradscopeError(
        `the kernels module does not export ${name}(); rebuild it with \`npm run build:wasm\``,
      );
    }
  }
  const memory = exports['memory'] as Partial<WasmMemory> | undefined;
  if (memory === undefined || typeof memory.grow !== 'function') {
    throw new GradscopeError(
      'the kernels module does not export its memory; rebuild it with `npm run build:wasm`',
    );
  }
  return exports as unknown as KernelExports;
}

/**
 * The WebAssembly SIMD kernels (float32) with their linear memory. Two kinds of entry points:
 * the typed-array ones copy inputs into wasm memory, compute, and copy the result out (arrays
 * that already live in this module's memory, i.e. views of `memory.buffer`, are used in place);
 * the `...Ptr` ones compute on byte addresses already in wasm memory, for data kept there
 * (see {@link WasmKernels.reserve}).
 *
 * Memory layout: [0, heapBase) static data · GEMM packing workspace · reserved regions (grow
 * upwards, never freed) · transient scratch for the copying entry points. Growing the memory
 * detaches every view of the old `memory.buffer`: take views after the calls that may grow.
 *
 * @example
 * const wk = loadWasmKernels();
 * const c = new Float32Array(4);
 * wk.gemmF32(false, false, 2, 2, 2, 1, new Float32Array([1, 2, 3, 4]), 0, new Float32Array([1, 0, 0, 1]), 0, 0, c, 0);
 * // c = [1, 2, 3, 4]
 * @see K. Goto, R. van de Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM TOMS 34(3), 2008.
 */
export class WasmKernels {
  private readonly ex: KernelExports;
  private readonly work: number;
  private reservedTop: number;
  private heap: Float32Array;

  private constructor(exports: Record<string, unknown>) {
    this.ex = asKernelExports(exports);
    this.work = align(this.ex.heapBase());
    this.reservedTop = align(this.work + this.ex.gemmWorkBytes());
    this.heap = new Float32Array(this.ex.memory.buffer);
    this.ensureBytes(this.reservedTop);
  }

  /**
   * Compiles and instantiates the kernels synchronously (Node, Web Workers, and browser main
   * threads for modules under 4 KiB).
   * @example const wk = WasmKernels.fromBytes(bytes);
   */
  static fromBytes(bytes: Uint8Array): WasmKernels {
    const api = wasmApi();
    const instance = new api.Instance(new api.Module(bytes), {});
    return new WasmKernels(instance.exports);
  }

  /**
   * Compiles asynchronously (allowed everywhere, including browser main threads), then instantiates.
   * @example const wk = await WasmKernels.fromBytesAsync(bytes);
   */
  static async fromBytesAsync(bytes: Uint8Array): Promise<WasmKernels> {
    const api = wasmApi();
    const module = await api.compile(bytes);
    return new WasmKernels(new api.Instance(module, {}).exports);
  }

  /**
   * The module's linear memory (its `buffer` changes when the memory grows).
   * @example const bytes = wk.memory.buffer.byteLength;
   */
  get memory(): WasmMemory {
    return this.ex.memory;
  }

  /**
   * A float32 view of `length` floats at byte address `ptr`; valid until the memory next grows.
   * @example wk.f32View(ptr, n).set(data);
   */
  f32View(ptr: number, length: number): Float32Array {
    if (
      ptr % 4 !== 0 ||
      ptr < 0 ||
      length < 0 ||
      ptr + length * 4 > this.ex.memory.buffer.byteLength
    ) {
      throw new ShapeError(
        `WasmKernels.f32View: [${ptr}, ${ptr + length * 4}) is not an aligned range inside the ${this.ex.memory.buffer.byteLength}-byte memory`,
      );
    }
    return new Float32Array(this.ex.memory.buffer, ptr, length);
  }

  /**
   * Reserves `bytes` of wasm memory for the caller's own long-lived data (e.g. a tensor arena)
   * and returns its 64-byte-aligned byte address. Reservations are never freed.
   * @example const ptr = wk.reserve(1024 * 4); wk.f32View(ptr, 1024).fill(1);
   */
  reserve(bytes: number): number {
    checkCount('WasmKernels.reserve', 'bytes', bytes);
    const ptr = this.reservedTop;
    this.ensureBytes(align(ptr + bytes));
    this.reservedTop = align(ptr + bytes);
    return ptr;
  }

  /** Grows the memory so that it holds at least `end` bytes. */
  private ensureBytes(end: number): void {
    if (end > MAX_BYTES) {
      throw new ShapeError(
        `WasmKernels: the problem needs ${end} bytes of wasm memory; at most ${MAX_BYTES} are allowed`,
      );
    }
    const have = this.ex.memory.buffer.byteLength;
    if (end > have) this.ex.memory.grow(Math.ceil((end - have) / PAGE));
    if (this.heap.buffer !== this.ex.memory.buffer)
      this.heap = new Float32Array(this.ex.memory.buffer);
  }

  /** Byte address of arr[offset] if `arr` is a view of this module's memory, else -1. */
  private addressOf(arr: Float32Array, offset: number): number {
    return arr.buffer === this.ex.memory.buffer ? arr.byteOffset + offset * 4 : -1;
  }

  /**
   * C[m×n] = alpha·op(A)·op(B) + beta·C on byte addresses in wasm memory (float32, row-major),
   * with the semantics of {@link gemmJs}. No copies, no growth.
   * @example wk.gemmF32Ptr(false, false, m, n, k, 1, aPtr, bPtr, 0, cPtr);
   */
  gemmF32Ptr(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    aPtr: number,
    bPtr: number,
    beta: number,
    cPtr: number,
  ): void {
    this.ex.gemmF32(
      transA ? 1 : 0,
      transB ? 1 : 0,
      m,
      n,
      k,
      alpha,
      aPtr,
      bPtr,
      beta,
      cPtr,
      this.work,
    );
  }

  /**
   * {@link gemmJs}'s contract on Float32Arrays, computed in wasm: inputs are copied in (unless
   * they already live in wasm memory), C is copied back.
   * @example wk.gemmF32(false, true, m, n, k, 1, a, 0, b, 0, 0, c, 0);
   */
  gemmF32(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    aOffset: number,
    b: Float32Array,
    bOffset: number,
    beta: number,
    c: Float32Array,
    cOffset: number,
  ): void {
    checkGemmArgs('WasmKernels.gemmF32', m, n, k, alpha, a, aOffset, b, bOffset, beta, c, cOffset);
    requireF32('WasmKernels.gemmF32', 'a', a);
    this.gemmF32Unchecked(transA, transB, m, n, k, alpha, a, aOffset, b, bOffset, beta, c, cOffset);
  }

  /**
   * {@link WasmKernels.gemmF32} without argument checks.
   * @example wk.gemmF32Unchecked(...args); // after validating args
   */
  gemmF32Unchecked(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    aOffset: number,
    b: Float32Array,
    bOffset: number,
    beta: number,
    c: Float32Array,
    cOffset: number,
  ): void {
    if (m === 0 || n === 0) return;
    const readsAB = k > 0 && alpha !== 0;
    // Addresses are taken before any growth: growing detaches in-memory views, not their data.
    let aPtr = this.addressOf(a, aOffset);
    let bPtr = this.addressOf(b, bOffset);
    let cPtr = this.addressOf(c, cOffset);
    const copyA = aPtr < 0 && readsAB;
    const copyB = bPtr < 0 && readsAB;
    const cInPlace = cPtr >= 0;
    let top = this.reservedTop;
    if (copyA) {
      aPtr = top;
      top = align(top + m * k * 4);
    }
    if (copyB) {
      bPtr = top;
      top = align(top + k * n * 4);
    }
    if (!cInPlace) {
      cPtr = top;
      top = align(top + m * n * 4);
    }
    this.ensureBytes(top);
    const heap = this.heap;
    if (copyA) heap.set(a.subarray(aOffset, aOffset + m * k), aPtr >> 2);
    if (copyB) heap.set(b.subarray(bOffset, bOffset + k * n), bPtr >> 2);
    if (!cInPlace && beta !== 0) heap.set(c.subarray(cOffset, cOffset + m * n), cPtr >> 2);
    this.ex.gemmF32(
      transA ? 1 : 0,
      transB ? 1 : 0,
      m,
      n,
      k,
      alpha,
      aPtr,
      bPtr,
      beta,
      cPtr,
      this.work,
    );
    if (!cInPlace) c.set(heap.subarray(cPtr >> 2, (cPtr >> 2) + m * n), cOffset);
  }

  /**
   * im2col (see {@link im2colJs}) on byte addresses in wasm memory: `batch` images at xPtr,
   * `batch` column matrices written at colPtr.
   * @example wk.im2colF32Ptr(xPtr, g, colPtr, 1);
   */
  im2colF32Ptr(xPtr: number, g: ConvGeometry, colPtr: number, batch: number): void {
    this.ex.im2colF32(
      xPtr,
      g.channels,
      g.height,
      g.width,
      g.kernelH,
      g.kernelW,
      g.strideH,
      g.strideW,
      g.padH,
      g.padW,
      g.dilationH,
      g.dilationW,
      g.outH,
      g.outW,
      colPtr,
      batch,
    );
  }

  /**
   * col2im (see {@link col2imJs}) on byte addresses in wasm memory: adds `batch` column matrices
   * at colPtr onto `batch` images at xPtr.
   * @example wk.col2imF32Ptr(colPtr, g, xPtr, 1);
   */
  col2imF32Ptr(colPtr: number, g: ConvGeometry, xPtr: number, batch: number): void {
    this.ex.col2imF32(
      colPtr,
      g.channels,
      g.height,
      g.width,
      g.kernelH,
      g.kernelW,
      g.strideH,
      g.strideW,
      g.padH,
      g.padW,
      g.dilationH,
      g.dilationW,
      g.outH,
      g.outW,
      xPtr,
      batch,
    );
  }

  /**
   * {@link im2colJs}'s contract on Float32Arrays, computed in wasm (copying x in and col out).
   * @example wk.im2colF32(x, 0, g, col, 0, batch);
   */
  im2colF32(
    x: Float32Array,
    xOffset: number,
    g: ConvGeometry,
    col: Float32Array,
    colOffset: number,
    batch = 1,
  ): void {
    checkConvArgs('WasmKernels.im2colF32', g, x, 'x', xOffset, col, colOffset, batch);
    requireF32('WasmKernels.im2colF32', 'x', x);
    this.im2colF32Unchecked(x, xOffset, g, col, colOffset, batch);
  }

  /**
   * {@link WasmKernels.im2colF32} without argument checks.
   * @example wk.im2colF32Unchecked(...args); // after validating args
   */
  im2colF32Unchecked(
    x: Float32Array,
    xOffset: number,
    g: ConvGeometry,
    col: Float32Array,
    colOffset: number,
    batch: number,
  ): void {
    const xs = batch * g.imageSize;
    const cs = batch * g.colSize;
    if (cs === 0) return;
    const xPtr = this.reservedTop;
    const colPtr = align(xPtr + xs * 4);
    this.ensureBytes(align(colPtr + cs * 4));
    const heap = this.heap;
    heap.set(x.subarray(xOffset, xOffset + xs), xPtr >> 2);
    this.im2colF32Ptr(xPtr, g, colPtr, batch);
    col.set(heap.subarray(colPtr >> 2, (colPtr >> 2) + cs), colOffset);
  }

  /**
   * {@link col2imJs}'s contract on Float32Arrays (accumulates into x), computed in wasm.
   * @example wk.col2imF32(col, 0, g, dx, 0, batch);
   */
  col2imF32(
    col: Float32Array,
    colOffset: number,
    g: ConvGeometry,
    x: Float32Array,
    xOffset: number,
    batch = 1,
  ): void {
    checkConvArgs('WasmKernels.col2imF32', g, x, 'x', xOffset, col, colOffset, batch);
    requireF32('WasmKernels.col2imF32', 'x', x);
    this.col2imF32Unchecked(col, colOffset, g, x, xOffset, batch);
  }

  /**
   * {@link WasmKernels.col2imF32} without argument checks.
   * @example wk.col2imF32Unchecked(...args); // after validating args
   */
  col2imF32Unchecked(
    col: Float32Array,
    colOffset: number,
    g: ConvGeometry,
    x: Float32Array,
    xOffset: number,
    batch: number,
  ): void {
    const xs = batch * g.imageSize;
    const cs = batch * g.colSize;
    if (cs === 0) return;
    const xPtr = this.reservedTop;
    const colPtr = align(xPtr + xs * 4);
    this.ensureBytes(align(colPtr + cs * 4));
    const heap = this.heap;
    heap.set(x.subarray(xOffset, xOffset + xs), xPtr >> 2);
    heap.set(col.subarray(colOffset, colOffset + cs), colPtr >> 2);
    this.col2imF32Ptr(colPtr, g, xPtr, batch);
    x.set(heap.subarray(xPtr >> 2, (xPtr >> 2) + xs), xOffset);
  }
}

let instance: WasmKernels | undefined;
let failure: Error | undefined;

/**
 * The shared kernels instance, compiled synchronously on first use from the bundled binary.
 * Throws a GradscopeError (with the engine's reason) when WebAssembly or SIMD is unavailable;
 * the failure is remembered, so later calls throw at once.
 * @example const wk = loadWasmKernels();
 */
export function loadWasmKernels(): WasmKernels {
  if (instance !== undefined) return instance;
  if (failure === undefined) {
    try {
      instance = WasmKernels.fromBytes(decodeBase64(KERNELS_WASM_BASE64));
      return instance;
    } catch (e) {
      failure = e instanceof Error ? e : new Error(String(e));
    }
  }
  throw new GradscopeError(
    `the WebAssembly SIMD kernels could not be instantiated: ${failure.message}`,
  );
}

/**
 * Like {@link loadWasmKernels} but compiles asynchronously, for environments that forbid large
 * synchronous compiles (browser main threads). Resolves to undefined instead of throwing.
 * @example await loadWasmKernelsAsync(); // later sync calls reuse the instance
 */
export async function loadWasmKernelsAsync(): Promise<WasmKernels | undefined> {
  if (instance !== undefined) return instance;
  try {
    instance = await WasmKernels.fromBytesAsync(decodeBase64(KERNELS_WASM_BASE64));
    failure = undefined;
    return instance;
  } catch (e) {
    failure = e instanceof Error ? e : new Error(String(e));
    return undefined;
  }
}

/**
 * Why the kernels could not be loaded, or undefined if they loaded or were never tried.
 * @example if (wasmKernelsFailure()) console.warn(wasmKernelsFailure()?.message);
 */
export function wasmKernelsFailure(): Error | undefined {
  return failure;
}
