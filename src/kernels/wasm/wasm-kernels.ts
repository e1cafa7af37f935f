import { ConfigError, DtypeError, GradscopeError, ShapeError, fmt } from '../../errors.js';
import type { ConvGeometry } from '../conv-geometry.js';
import { checkConvArgs, checkCount, checkGemmArgs } from '../validate.js';
import { decodeBase64 } from './base64.js';
import { GemmPool, MAX_PARTS, poolControlBytes } from './gemm-pool.js';
import type { GemmPart } from './gemm-pool.js';
import { splitGemm } from './gemm-split.js';
import { SplitChooser } from './split-chooser.js';
import {
  KERNELS_SHARED_MAX_PAGES,
  KERNELS_WASM_BASE64,
  KERNELS_WASM_SHARED_BASE64,
} from './generated/kernels-wasm.js';
import { currentThreadHost } from './thread-host.js';
import { resolveThreads, threadSetting } from './thread-setting.js';

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
  Module: {
    new (bytes: Uint8Array): object;
    imports(module: object): Array<{ module: string; name: string; kind: string }>;
  };
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  compile(bytes: Uint8Array): Promise<object>;
}
interface KernelExports {
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
/** Pages a shared memory starts with (grown on demand like the private one). */
const SHARED_INITIAL_PAGES = 32;

/**
 * A float32 GEMM is split over the worker threads when m·n·k is at least this (and it can be cut
 * into whole 4×8 tiles). Below it, posting the parts and waiting for the slowest thread costs
 * more than the halved compute saves (measured crossover on 2 cores: see bench/gemm.ts).
 * @example wk.threads > 1 && m * n * k >= GEMM_PARALLEL_MIN_WORK // the GEMM runs on threads
 */
export const GEMM_PARALLEL_MIN_WORK = 64 * 64 * 64;
const FUNCTIONS = [
  'heapBase',
  'gemmWorkBytes',
  'gemmF32',
  'im2colF32',
  'col2imF32',
  'adamF32',
] as const;

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

// Instantiates a kernels module: a module importing its memory gets a new shared memory (the
// threaded build); every other import is a function that throws (the kernels call none).
function instantiate(
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

function asKernelExports(exports: Record<string, unknown>): KernelExports {
  for (const name of FUNCTIONS) {
    if (typeof exports[name] !== 'function') {
      throw new GradscopeError(
        `the kernels module does not export ${name}(); rebuild it with \`npm run build:wasm\``,
      );
    }
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
 * upwards, never freed; they include each worker thread's packing workspace and the thread
 * pool's control block) · transient scratch for the copying entry points. Growing a private
 * memory detaches every view of the old `memory.buffer`; growing a shared one (the threaded
 * build) leaves old views valid but short: take views after the calls that may grow.
 *
 * Threads: with a shared memory, large GEMMs are cut into parts computed by the calling thread
 * and worker threads that instantiate the same module on the same memory (see
 * {@link WasmKernels.setThreads}); results are bit-identical to the single-threaded ones, since
 * every element is summed in the same order whichever thread computes it.
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
  private readonly mem: WasmMemory;
  private readonly module: object;
  private readonly work: number;
  private reservedTop: number;
  private heap: Float32Array;
  /**
   * True when the memory is shared (the threaded build): worker threads can join.
   * @example loadWasmKernels().shared // true in Node
   */
  readonly shared: boolean;
  // Threads: `threadPolicy` undefined follows the global setting (the shared instance), a
  // number is this instance's own. The pool starts lazily, at the first GEMM that would use it.
  private threadPolicy: number | undefined = 1;
  private pool: GemmPool | undefined;
  private poolFailure: string | undefined;
  private readonly workerWork: number[] = [];
  /**
   * m·n·k from which GEMMs are split over the threads (GEMM_PARALLEL_MIN_WORK unless changed,
   * e.g. to 0 by a benchmark measuring the crossover).
   * @example wk.parallelMinWork = 0; // split even tiny GEMMs
   */
  parallelMinWork = GEMM_PARALLEL_MIN_WORK;
  /**
   * Whether each GEMM shape is split only when splitting measured faster than the calling thread
   * alone (see SplitChooser; true), or always above parallelMinWork (false: for tests and
   * benchmarks of the split itself).
   * @example wk.autoSplit = false; // always split from parallelMinWork on
   */
  autoSplit = true;
  private readonly chooser = new SplitChooser();
  private unsplit = 0;

  private constructor(module: object, exports: Record<string, unknown>, memory?: WasmMemory) {
    this.ex = asKernelExports(exports);
    const mem = memory ?? (exports['memory'] as Partial<WasmMemory> | undefined);
    if (mem === undefined || typeof mem.grow !== 'function') {
      throw new GradscopeError(
        'the kernels module neither imports nor exports its memory; rebuild it with `npm run build:wasm`',
      );
    }
    this.mem = mem as WasmMemory;
    this.module = module;
    this.shared = memory !== undefined;
    this.work = align(this.ex.heapBase());
    this.reservedTop = align(this.work + this.ex.gemmWorkBytes());
    this.heap = new Float32Array(this.mem.buffer);
    this.ensureBytes(this.reservedTop);
  }

  /**
   * Compiles and instantiates the kernels synchronously (Node, Web Workers, and browser main
   * threads up to the engine's limit for synchronous compiles: 8 MiB in current Chrome, 4 KiB in
   * older versions, below the ~4.5 KiB of the kernels: there, use fromBytesAsync / initKernels).
   * A module that imports its memory (the threaded build) gets a new shared memory. The instance
   * runs single-threaded until {@link WasmKernels.setThreads}.
   * @example const wk = WasmKernels.fromBytes(bytes);
   */
  static fromBytes(bytes: Uint8Array): WasmKernels {
    const api = wasmApi();
    const module = new api.Module(bytes);
    const { exports, memory } = instantiate(api, module);
    return new WasmKernels(module, exports, memory);
  }

  /**
   * Compiles asynchronously (allowed everywhere, including browser main threads), then instantiates.
   * @example const wk = await WasmKernels.fromBytesAsync(bytes);
   */
  static async fromBytesAsync(bytes: Uint8Array): Promise<WasmKernels> {
    const api = wasmApi();
    const module = await api.compile(bytes);
    const { exports, memory } = instantiate(api, module);
    return new WasmKernels(module, exports, memory);
  }

  /**
   * The module's linear memory (its `buffer` changes when the memory grows).
   * @example const bytes = wk.memory.buffer.byteLength;
   */
  get memory(): WasmMemory {
    return this.mem;
  }

  /**
   * How many threads large GEMMs of this instance may use: a count ≥ 1, or 'global' to follow
   * the library-wide setThreads() (the shared instance of loadWasmKernels() does). More than one
   * needs shared memory and a thread host; otherwise GEMMs stay on the calling thread and
   * {@link WasmKernels.threadsUnavailable} says why. Workers start at the first GEMM that uses
   * them (or with {@link WasmKernels.whenThreadsReady}) and never keep the process alive.
   * @example wk.setThreads(2); await wk.whenThreadsReady(); // 2
   */
  setThreads(threads: number | 'global'): void {
    if (threads !== 'global' && !(Number.isInteger(threads) && threads >= 1 && threads <= 64)) {
      throw new ConfigError(
        `WasmKernels.setThreads: threads must be an integer in [1, 64] or 'global', got ${fmt(threads)}`,
      );
    }
    this.threadPolicy = threads === 'global' ? undefined : threads;
  }

  /** Threads the policy asks for and why fewer may run (no shared memory, no host). */
  private targetThreads(): { threads: number; wanted: number; reason: string } {
    const { host, reason } = currentThreadHost();
    const wanted = this.threadPolicy ?? resolveThreads(threadSetting().setting, host);
    if (wanted <= 1) return { threads: 1, wanted, reason: '' };
    if (!this.shared) {
      return {
        threads: 1,
        wanted,
        reason:
          'the kernels run on a private (not shared) memory: SharedArrayBuffer is unavailable (in a browser the page must be cross-origin isolated)',
      };
    }
    if (host === undefined) return { threads: 1, wanted, reason };
    if (this.poolFailure !== undefined) return { threads: 1, wanted, reason: this.poolFailure };
    return { threads: wanted, wanted, reason: '' };
  }

  /**
   * Threads large GEMMs run on once the workers are up (1 when threads are unavailable).
   * @example wk.setThreads(2); wk.threads // 2 in Node
   */
  get threads(): number {
    return this.targetThreads().threads;
  }

  /**
   * Threads the next large GEMM actually uses: the caller plus the workers ready now.
   * @example await wk.whenThreadsReady(); wk.activeThreads // === wk.threads
   */
  get activeThreads(): number {
    const pool = this.currentPool(false);
    return pool === undefined ? 1 : 1 + Math.min(pool.ready(), this.threads - 1);
  }

  /**
   * Why more than one thread was asked for but GEMMs run on one, or undefined.
   * @example if (wk.threadsUnavailable) console.warn(wk.threadsUnavailable);
   */
  get threadsUnavailable(): string | undefined {
    const { threads, wanted, reason } = this.targetThreads();
    return threads === 1 && wanted > 1 ? reason || undefined : undefined;
  }

  /**
   * Starts the workers if needed and resolves to {@link WasmKernels.activeThreads} once they are
   * ready (or failed to start: then 1, with the reason in threadsUnavailable).
   * @example const n = await wk.whenThreadsReady();
   */
  async whenThreadsReady(): Promise<number> {
    const pool = this.currentPool(true);
    if (pool !== undefined && !(await pool.whenReady())) {
      this.poolFailure ??= pool.failureReason ?? 'the workers did not start within 30 s';
    }
    return this.activeThreads;
  }

  /**
   * Counters of the current worker pool: GEMMs run split, their parts, and the parts the workers
   * computed (the calling thread computes the parts no worker claimed in time, e.g. on a busy
   * machine); and GEMMs big enough to split that ran on the calling thread because that measured
   * faster for their shape (see {@link WasmKernels.autoSplit}).
   * @example const { workerParts, parts } = wk.threadStats(); // workerParts / parts ≈ 1/2 on 2 idle cores
   */
  threadStats(): { splitGemms: number; parts: number; workerParts: number; unsplit: number } {
    const stats = this.pool?.stats ?? { splitGemms: 0, parts: 0, workerParts: 0 };
    return { ...stats, unsplit: this.unsplit };
  }

  /**
   * Stops the worker threads (they are restarted on demand if the policy still asks for them).
   * @example wk.stopThreads();
   */
  stopThreads(): void {
    this.pool?.stop();
    this.pool = undefined;
  }

  // A pool with at least threads − 1 workers, started when `start` (a smaller one is replaced;
  // a bigger one is kept, its extra workers idle in Atomics.wait, so that switching the thread
  // count between calls costs nothing).
  private currentPool(start: boolean): GemmPool | undefined {
    if (this.pool?.failureReason !== undefined) {
      this.poolFailure = this.pool.failureReason;
      this.stopThreads();
    }
    const { threads } = this.targetThreads();
    if (threads <= 1) return undefined;
    if (this.pool !== undefined && this.pool.size >= threads - 1) return this.pool;
    if (!start) return undefined;
    const host = currentThreadHost().host;
    if (host === undefined) return undefined;
    this.stopThreads();
    const workers = threads - 1;
    while (this.workerWork.length < workers) {
      this.workerWork.push(this.reserve(this.ex.gemmWorkBytes()));
    }
    // A fresh control block for every pool: a stopped pool's worker may still be reading its own.
    const control = this.reserve(poolControlBytes(workers));
    this.pool = new GemmPool(
      host,
      this.module,
      this.mem,
      control,
      this.workerWork.slice(0, workers),
    );
    if (this.pool.failureReason !== undefined) {
      this.poolFailure = this.pool.failureReason;
      this.stopThreads();
      return undefined;
    }
    return this.pool;
  }

  // C = alpha·op(A)·op(B) + beta·C on addresses in wasm memory: on the calling thread, or cut
  // into parts for it and the ready workers when the problem is big enough to repay the dispatch.
  private compute(
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
  ): void {
    const lda = ta ? m : k;
    const ldb = tb ? k : n;
    if (m * n * k >= this.parallelMinWork && this.threadPolicy !== 1) {
      const pool = this.currentPool(true);
      const workers = pool === undefined ? 0 : Math.min(pool.ready(), this.threads - 1);
      if (pool !== undefined && workers > 0) {
        const count = Math.min(workers + 1, MAX_PARTS);
        const parts = splitGemm(
          ta !== 0,
          tb !== 0,
          m,
          n,
          k,
          alpha,
          a,
          lda,
          b,
          ldb,
          beta,
          c,
          n,
          count,
        );
        if (parts.length > 1) {
          if (!this.autoSplit) {
            pool.run(parts, this.ex.gemmF32, this.work);
            return;
          }
          const key = `${ta}${tb},${m},${n},${k},${parts.length}`;
          const split = this.chooser.choose(key);
          const t0 = performance.now();
          if (split) pool.run(parts, this.ex.gemmF32, this.work);
          else this.ex.gemmF32(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, n, this.work);
          this.chooser.record(key, split, performance.now() - t0);
          if (!split) this.unsplit++;
          return;
        }
      }
    }
    this.ex.gemmF32(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, n, this.work);
  }

  /**
   * A float32 view of `length` floats at byte address `ptr`; valid until the memory next grows.
   * @example wk.f32View(ptr, n).set(data);
   */
  f32View(ptr: number, length: number): Float32Array {
    if (ptr % 4 !== 0 || ptr < 0 || length < 0 || ptr + length * 4 > this.mem.buffer.byteLength) {
      throw new ShapeError(
        `WasmKernels.f32View: [${ptr}, ${ptr + length * 4}) is not an aligned range inside the ${this.mem.buffer.byteLength}-byte memory`,
      );
    }
    return new Float32Array(this.mem.buffer, ptr, length);
  }

  /**
   * One float32 Adam step over n = g.length elements with the SIMD kernel (assembly/adam.ts):
   * copies g, m, v (and p when given) into scratch memory, runs, and copies m, v and then p
   * (p ← p + u, the fused step) or g (g ← u, the update) back. `coef` holds the float32
   * coefficients [sign, β1, 1−β1, β2, 1−β2, stepScaled, epsScaled], stepScaled =
   * −α·√(1−β2^t)/(1−β1^t), epsScaled = ε·√(1−β2^t).
   * @example wk.adamF32(p, g, m, v, coef); // p += Adam update, m and v advanced
   * @see Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.
   */
  adamF32(
    p: Float32Array | null,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    coef: Float32Array,
  ): void {
    const n = g.length;
    if (m.length !== n || v.length !== n || (p !== null && p.length !== n) || coef.length < 7) {
      throw new ShapeError(
        `WasmKernels.adamF32: g, m, v${p ? ', p' : ''} must have the same length and coef 7 values, got ${n}, ${m.length}, ${v.length}${p ? `, ${p.length}` : ''} and ${coef.length}`,
      );
    }
    const coefPtr = this.reservedTop;
    const gPtr = align(coefPtr + 32);
    const mPtr = align(gPtr + n * 4);
    const vPtr = align(mPtr + n * 4);
    const pPtr = align(vPtr + n * 4);
    this.ensureBytes(align(pPtr + (p === null ? 0 : n * 4)));
    const heap = this.heap;
    heap.set(coef.subarray(0, 7), coefPtr >> 2);
    heap.set(g, gPtr >> 2);
    heap.set(m, mPtr >> 2);
    heap.set(v, vPtr >> 2);
    if (p !== null) heap.set(p, pPtr >> 2);
    this.ex.adamF32(pPtr, gPtr, mPtr, vPtr, n, coefPtr, p === null ? 0 : 1);
    m.set(heap.subarray(mPtr >> 2, (mPtr >> 2) + n));
    v.set(heap.subarray(vPtr >> 2, (vPtr >> 2) + n));
    if (p !== null) p.set(heap.subarray(pPtr >> 2, (pPtr >> 2) + n));
    else g.set(heap.subarray(gPtr >> 2, (gPtr >> 2) + n));
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
    const have = this.mem.buffer.byteLength;
    if (end > have) this.mem.grow(Math.ceil((end - have) / PAGE));
    if (this.heap.buffer !== this.mem.buffer) this.heap = new Float32Array(this.mem.buffer);
  }

  /** Byte address of arr[offset] if `arr` is a view of this module's memory, else -1. */
  private addressOf(arr: Float32Array, offset: number): number {
    return arr.buffer === this.mem.buffer ? arr.byteOffset + offset * 4 : -1;
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
    this.compute(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, aPtr, bPtr, beta, cPtr);
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
    this.compute(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, aPtr, bPtr, beta, cPtr);
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

// The threaded build wherever a shared memory can be created (Node; browsers only when
// cross-origin isolated), else the private-memory build.
function sharedMemoryUsable(): boolean {
  const g = globalThis as { crossOriginIsolated?: boolean };
  return typeof SharedArrayBuffer !== 'undefined' && g.crossOriginIsolated !== false;
}

function adopt(wk: WasmKernels): WasmKernels {
  wk.setThreads('global');
  instance = wk;
  failure = undefined;
  return wk;
}

/**
 * The shared kernels instance, compiled synchronously on first use from the bundled binary (the
 * shared-memory build where SharedArrayBuffer is available, so that large GEMMs can use worker
 * threads per setThreads(); the private-memory build otherwise). Throws a GradscopeError (with
 * the engine's reason) when WebAssembly or SIMD is unavailable; the failure is remembered, so
 * later calls throw at once.
 * @example const wk = loadWasmKernels();
 */
export function loadWasmKernels(): WasmKernels {
  if (instance !== undefined) return instance;
  if (failure === undefined) {
    if (sharedMemoryUsable()) {
      try {
        return adopt(WasmKernels.fromBytes(decodeBase64(KERNELS_WASM_SHARED_BASE64)));
      } catch {
        // e.g. a shared memory of this maximum cannot be reserved: the private build below
      }
    }
    try {
      return adopt(WasmKernels.fromBytes(decodeBase64(KERNELS_WASM_BASE64)));
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
  if (sharedMemoryUsable()) {
    try {
      return adopt(await WasmKernels.fromBytesAsync(decodeBase64(KERNELS_WASM_SHARED_BASE64)));
    } catch {
      // the private build below
    }
  }
  try {
    return adopt(await WasmKernels.fromBytesAsync(decodeBase64(KERNELS_WASM_BASE64)));
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
