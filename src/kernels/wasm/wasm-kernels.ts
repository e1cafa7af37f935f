import { ConfigError, DtypeError, GradscopeError, ShapeError, fmt } from '../../errors.js';
import { isDirectConv, type ConvGeometry } from '../conv-geometry.js';
import { TANH_EDGE } from '../js/tanh.js';
import { checkConvArgs, checkCount, checkGemmArgs } from '../validate.js';
import { decodeBase64 } from '../../base64.js';
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
 * The activation of {@link WasmKernels.linearForwardF32}: 0 none, 1 ReLU, 2 tanh.
 * @example const act: LinearAct = 1; // relu
 */
export type LinearAct = 0 | 1 | 2;

/**
 * Optional outputs of {@link WasmKernels.rnnTanhBackwardF32}, computed while dpre is in wasm memory.
 * @example wk.rnnTanhBackwardF32(g, hs, whh, T, B, H, dPre, null, { h0: null, dWhh, accumulate: true, biasSums: null });
 */
export interface RnnBackwardExtras {
  /** The initial state ([B, H]) if the sequence had one: the first step's term of dW_hh. */
  h0: Float32Array | null;
  /** Receives dW_hh ([H, H]) = Σ_t dpre_tᵀ·h_{t−1}, or null for none. */
  dWhh: Float32Array | null;
  /** Add dW_hh to dWhh's contents instead of overwriting them. */
  accumulate: boolean;
  /** Receives Σ over all T·B rows of dpre ([H], float64), added to its contents; or null. */
  biasSums: Float64Array | null;
}

/**
 * The part of a `WebAssembly.Memory` the kernels expose: its current buffer and `grow`.
 * @example new Float32Array(loadWasmKernels().memory.buffer, ptr, n)
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  /** Grows the memory by `deltaPages` 64 KiB pages; returns the previous size in pages. */
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

const PAGE = 65536;
/**
 * Bytes of shared wasm memory {@link WasmKernels.allocResident} hands out in all (never freed):
 * enough for the arenas and Adam moments of several models of a few million parameters; past it,
 * buffers are ordinary arrays and the kernels copy them in and out.
 */
export const RESIDENT_BUDGET_BYTES = 64 * 1024 * 1024;
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
  'packedBBytes',
  'packBAllF32',
  'gemmPackedBF32',
  'tanhF32',
  'tanhGradF32',
  'addRowsF32',
  'colSumsF64',
  'reluF32',
  'actGradF32',
  'addColSumsF32',
  'addChannelBiasF32',
  'addChannelSumsF32',
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
  // Every ArrayBuffer object this memory has exposed: a shared memory's views stay valid when it
  // grows, but keep the buffer object they were made on (addressOf must know them all).
  private readonly buffers = new WeakSet<object>();
  private residentBytes = 0;
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
    this.buffers.add(this.mem.buffer);
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
      // Started (if at all) by scratchTop, before the caller laid out its scratch.
      const pool = this.currentPool(false);
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
   * First byte of the transient scratch for a call that may run a GEMM of m·n·k = `work`. A
   * worker pool such a GEMM needs is started first: starting it reserves memory (its packing
   * workspaces, its control block, which is zeroed) exactly where the scratch would otherwise lie.
   */
  private scratchTop(work: number): number {
    if (work >= this.parallelMinWork && this.threadPolicy !== 1) this.currentPool(true);
    return this.reservedTop;
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
    this.heap.set(coef.subarray(0, 7), coefPtr >> 2);
    // Resident arrays (a parameter arena, Adam moments from allocResident) are used in place.
    const gA = this.target(g, n, gPtr, true);
    const mA = this.target(m, n, mPtr, true);
    const vA = this.target(v, n, vPtr, true);
    const pA = p === null ? pPtr : this.target(p, n, pPtr, true);
    this.ex.adamF32(pA, gA, mA, vA, n, coefPtr, p === null ? 0 : 1);
    this.output(mA, m, n);
    this.output(vA, v, n);
    if (p !== null) this.output(pA, p, n);
    else this.output(gA, g, n);
  }

  /**
   * y = act(x·Wᵀ + b) on float32 data (x [rows, inF], W [outF, inF], b [outF] or null; act 0
   * none, 1 ReLU, 2 tanh), the fused linear layer of ops/linear.ts in one call: the GEMM, then
   * the bias and the activation on the result while it is in wasm memory. Same bits as that op's
   * JS path on the wasm GEMM (float32 bias add; ReLU `v > 0 ? v : 0`; tanh as tanhF32).
   * @example wk.linearForwardF32(x, w, b, 1, 128, 784, 256, y); // relu(x·Wᵀ + b)
   * @see https://pytorch.org/docs/stable/generated/torch.nn.functional.linear.html
   */
  linearForwardF32(
    x: Float32Array,
    w: Float32Array,
    bias: Float32Array | null,
    act: LinearAct,
    rows: number,
    inF: number,
    outF: number,
    y: Float32Array,
  ): void {
    const n = rows * outF;
    const xPtr = this.scratchTop(rows * outF * inF);
    const wPtr = align(xPtr + rows * inF * 4);
    const bPtr = align(wPtr + outF * inF * 4);
    const yPtr = align(bPtr + outF * 4);
    this.ensureBytes(align(yPtr + n * 4));
    const xA = this.input(x, rows * inF, xPtr);
    const wA = this.input(w, outF * inF, wPtr);
    const ex = this.ex;
    this.compute(0, 1, rows, outF, inF, 1, xA, wA, 0, yPtr);
    if (bias !== null) ex.addRowsF32(yPtr, rows, outF, this.input(bias, outF, bPtr), 0, 0);
    if (act === 1) ex.reluF32(yPtr, n);
    else if (act === 2 && ex.tanhF32(yPtr, n) > 0) finishTanh(this.heap, yPtr >> 2, n);
    this.take(yPtr, y, n);
  }

  /**
   * The backward pass of {@link WasmKernels.linearForwardF32} from dL/dy (`g`) and the forward's
   * output `y` (unused when act is 0): gz = g·act'(y), then dx = gz·W, dW = gzᵀ·x and db = the
   * column sums of gz (float32, row after row), each written to its array when it is given, and
   * added to its contents instead when the matching accumulate flag is set (a parameter's
   * gradient buffer). Same bits as the op's JS path on the wasm GEMM.
   * @example wk.linearBackwardF32(g, y, x, w, 1, 128, 784, 256, null, dW, true, db, true);
   */
  linearBackwardF32(
    g: Float32Array,
    y: Float32Array,
    x: Float32Array,
    w: Float32Array,
    act: LinearAct,
    rows: number,
    inF: number,
    outF: number,
    dx: Float32Array | null,
    dW: Float32Array | null,
    dWAccumulate: boolean,
    db: Float32Array | null,
    dbAccumulate: boolean,
  ): void {
    const n = rows * outF;
    const gPtr = this.scratchTop(rows * outF * inF);
    const yPtr = align(gPtr + n * 4);
    const xPtr = align(yPtr + (act === 0 ? 0 : n * 4));
    const wPtr = align(xPtr + rows * inF * 4);
    const dxPtr = align(wPtr + outF * inF * 4);
    const dwPtr = align(dxPtr + rows * inF * 4);
    const dbPtr = align(dwPtr + outF * inF * 4);
    this.ensureBytes(align(dbPtr + outF * 4));
    const ex = this.ex;
    this.put(g, gPtr, n);
    if (act !== 0) {
      this.put(y, yPtr, n);
      ex.actGradF32(gPtr, yPtr, gPtr, n, act);
    }
    if (dx !== null) {
      const wA = this.input(w, outF * inF, wPtr);
      this.compute(0, 0, rows, inF, outF, 1, gPtr, wA, 0, dxPtr);
      this.take(dxPtr, dx, rows * inF);
    }
    if (dW !== null) {
      const xA = this.input(x, rows * inF, xPtr);
      const dwA = this.target(dW, outF * inF, dwPtr, dWAccumulate);
      this.compute(1, 0, outF, inF, rows, 1, gPtr, xA, dWAccumulate ? 1 : 0, dwA);
      this.output(dwA, dW, outF * inF);
    }
    if (db !== null) {
      const dbA = this.target(db, outF, dbPtr, dbAccumulate);
      if (!dbAccumulate) this.heap.fill(0, dbA >> 2, (dbA >> 2) + outF);
      ex.addColSumsF32(gPtr, rows, outF, dbA);
      this.output(dbA, db, outF);
    }
  }

  /**
   * The forward pass of a float32 2-D convolution over `n` images in one call (see conv2d in
   * ops/conv.ts): per image, cols = im2col(x[i]) (skipped for a 1×1, stride-1, unpadded kernel,
   * whose image is its own cols) and y[i] = W·cols (W [O, C·kh·kw]), then y[i, o] += b[o] when
   * `bias` is given; x, W and y cross into wasm memory once, not once per image. Same bits as
   * the op's per-image path on the wasm kernels. `relu` fuses y ← max(y, 0) (NaN kept) after it.
   * @example wk.conv2dForwardF32(x, w, b, true, g, 64, 32, y);
   * @see K. Chellapilla, S. Puri, P. Simard, "High Performance Convolutional Neural Networks for Document Processing" (2006).
   */
  conv2dForwardF32(
    x: Float32Array,
    w: Float32Array,
    bias: Float32Array | null,
    relu: boolean,
    g: ConvGeometry,
    n: number,
    o: number,
    y: Float32Array,
  ): void {
    const k = g.colRows;
    const p = g.colCols;
    const direct = isDirectConv(g);
    const xPtr = this.scratchTop(o * p * k);
    const wPtr = align(xPtr + n * g.imageSize * 4);
    const bPtr = align(wPtr + o * k * 4);
    const colPtr = align(bPtr + o * 4);
    const yPtr = align(colPtr + (direct ? 0 : g.colSize * 4));
    this.ensureBytes(align(yPtr + n * o * p * 4));
    const xA = this.input(x, n * g.imageSize, xPtr);
    const wA = this.input(w, o * k, wPtr);
    for (let i = 0; i < n; i++) {
      const img = xA + i * g.imageSize * 4;
      if (!direct) this.im2colF32Ptr(img, g, colPtr, 1);
      this.compute(0, 0, o, p, k, 1, wA, direct ? img : colPtr, 0, yPtr + i * o * p * 4);
    }
    if (bias !== null) {
      this.ex.addChannelBiasF32(yPtr, n * o, p, this.input(bias, o, bPtr), o);
    }
    if (relu) this.ex.reluF32(yPtr, n * o * p);
    this.take(yPtr, y, n * o * p);
  }

  /**
   * The backward pass of {@link WasmKernels.conv2dForwardF32} from dL/dy (`gy`, [N, O, P]): with
   * `y` (the fused ReLU's output) given, gz = gy·[y > 0], else gz = gy; then dW = Σ_i
   * gz[i]·cols(x[i])ᵀ, dx[i] = col2im(Wᵀ·gz[i]) and db[o] = Σ gz[·, o, ·] (each row summed in
   * doubles), each written to its array when given, dW and db added to it instead when their
   * accumulate flag is set. The cols are recomputed per image. Same bits as the op's per-image
   * path on the wasm kernels.
   * @example wk.conv2dBackwardF32(gy, null, x, w, g, 64, 32, dx, dW, true, db, true);
   */
  conv2dBackwardF32(
    gy: Float32Array,
    y: Float32Array | null,
    x: Float32Array,
    w: Float32Array,
    g: ConvGeometry,
    n: number,
    o: number,
    dx: Float32Array | null,
    dW: Float32Array | null,
    dWAccumulate: boolean,
    db: Float32Array | null,
    dbAccumulate: boolean,
  ): void {
    const k = g.colRows;
    const p = g.colCols;
    const direct = isDirectConv(g);
    const gPtr = this.scratchTop(o * p * k);
    const yPtr = align(gPtr + n * o * p * 4);
    const xPtr = align(yPtr + (y === null ? 0 : n * o * p * 4));
    const wPtr = align(xPtr + (dW === null ? 0 : n * g.imageSize * 4));
    const dwPtr = align(wPtr + o * k * 4);
    const dbPtr = align(dwPtr + o * k * 4);
    const colPtr = align(dbPtr + o * 4);
    const dxPtr = align(colPtr + (direct ? 0 : g.colSize * 4));
    this.ensureBytes(align(dxPtr + (dx === null ? 0 : n * g.imageSize * 4)));
    const ex = this.ex;
    this.put(gy, gPtr, n * o * p);
    if (y !== null) {
      this.put(y, yPtr, n * o * p);
      ex.actGradF32(gPtr, yPtr, gPtr, n * o * p, 1);
    }
    const wA = this.input(w, o * k, wPtr);
    if (dW !== null) {
      const xA = this.input(x, n * g.imageSize, xPtr);
      const dwA = this.target(dW, o * k, dwPtr, dWAccumulate);
      for (let i = 0; i < n; i++) {
        const img = xA + i * g.imageSize * 4;
        if (!direct) this.im2colF32Ptr(img, g, colPtr, 1);
        const beta = i > 0 || dWAccumulate ? 1 : 0;
        this.compute(0, 1, o, k, p, 1, gPtr + i * o * p * 4, direct ? img : colPtr, beta, dwA);
      }
      this.output(dwA, dW, o * k);
    }
    if (dx !== null) {
      this.heap.fill(0, dxPtr >> 2, (dxPtr >> 2) + n * g.imageSize);
      for (let i = 0; i < n; i++) {
        const img = dxPtr + i * g.imageSize * 4;
        const gi = gPtr + i * o * p * 4;
        if (direct) this.compute(1, 0, k, p, o, 1, wA, gi, 0, img);
        else {
          this.compute(1, 0, k, p, o, 1, wA, gi, 0, colPtr);
          this.col2imF32Ptr(colPtr, g, img, 1);
        }
      }
      this.take(dxPtr, dx, n * g.imageSize);
    }
    if (db !== null) {
      const dbA = this.target(db, o, dbPtr, dbAccumulate);
      if (!dbAccumulate) this.heap.fill(0, dbA >> 2, (dbA >> 2) + o);
      ex.addChannelSumsF32(gPtr, n * o, p, dbA, o);
      this.output(dbA, db, o);
    }
  }

  /** Copies the first n floats of `src` to byte address ptr (inside memory already grown). */
  private put(src: Float32Array, ptr: number, n: number): void {
    this.heap.set(n === src.length ? src : src.subarray(0, n), ptr >> 2);
  }

  /** Copies n floats at byte address ptr into the start of `dst`. */
  private take(ptr: number, dst: Float32Array, n: number): void {
    dst.set(this.heap.subarray(ptr >> 2, (ptr >> 2) + n));
  }

  /**
   * The forward pass of a tanh RNN over a whole sequence on float32 data (see rnnTanh in
   * ops/recurrent.ts): hs[t] = tanh(X_t·W_ihᵀ + b_ih + b_hh + h_{t−1}·W_hhᵀ) for t < T, h_{−1} = h0
   * (zero when null), written to `hs` ([T, B, H]). Everything runs in wasm memory: the input
   * projection of all steps at once, then per step one GEMM against W_hhᵀ packed once for the
   * whole sequence and one SIMD tanh pass. Same bits as the JS path of that op on the wasm GEMM
   * (same tiles and order; the biases added in doubles; tanh evaluated as tanhF32 does).
   * @example wk.rnnTanhForwardF32(x, wIh, bIh, bHh, whh, null, T, B, I, H, hs);
   * @see J. L. Elman, "Finding Structure in Time", Cognitive Science 14(2), 1990.
   */
  rnnTanhForwardF32(
    x: Float32Array,
    wIh: Float32Array,
    bIh: Float32Array | null,
    bHh: Float32Array | null,
    whh: Float32Array,
    h0: Float32Array | null,
    T: number,
    B: number,
    I: number,
    H: number,
    hs: Float32Array,
  ): void {
    const bh = B * H;
    const xPtr = this.scratchTop(T * B * H * I);
    const wIhPtr = align(xPtr + T * B * I * 4);
    const biasPtr = align(wIhPtr + H * I * 4);
    const bias2Ptr = align(biasPtr + H * 4);
    const whhPtr = align(bias2Ptr + H * 4);
    const h0Ptr = align(whhPtr + H * H * 4);
    const hsPtr = align(h0Ptr + bh * 4);
    const packedPtr = align(hsPtr + T * bh * 4);
    this.ensureBytes(align(packedPtr + this.ex.packedBBytes(H, H)));
    const heap = this.heap;
    heap.set(x.subarray(0, T * B * I), xPtr >> 2);
    const wIhA = this.input(wIh, H * I, wIhPtr);
    const whhA = this.input(whh, H * H, whhPtr);
    // The biases in the JS loop's order: (x·W_ihᵀ + b_ih) + b_hh, in doubles, rounded once.
    const b1 = bIh ?? bHh;
    const b2 = bIh !== null ? bHh : null;
    const b1A = b1 === null ? biasPtr : this.input(b1, H, biasPtr);
    const b2A = b2 === null ? bias2Ptr : this.input(b2, H, bias2Ptr);
    if (h0 !== null) heap.set(h0.subarray(0, bh), h0Ptr >> 2);
    const ex = this.ex;
    this.compute(0, 1, T * B, H, I, 1, xPtr, wIhA, 0, hsPtr);
    if (b1 !== null) ex.addRowsF32(hsPtr, T * B, H, b1A, b2A, b2 !== null ? 1 : 0);
    ex.packBAllF32(1, whhA, H, H, H, packedPtr);
    for (let t = 0; t < T; t++) {
      const cur = hsPtr + t * bh * 4;
      const prev = t > 0 ? cur - bh * 4 : h0 !== null ? h0Ptr : -1;
      if (prev >= 0) ex.gemmPackedBF32(0, B, H, H, prev, H, packedPtr, 1, cur, H, this.work);
      if (ex.tanhF32(cur, bh) > 0) finishTanh(heap, cur >> 2, bh);
    }
    hs.set(heap.subarray(hsPtr >> 2, (hsPtr >> 2) + T * bh));
  }

  /**
   * The backward pass of {@link WasmKernels.rnnTanhForwardF32}: given dL/dhs (`g`, [T, B, H])
   * and the hidden states `hs`, writes dpre_t = (g_t + dh_t)·(1 − h_t²) to `dPre` for t = T−1…0
   * with dh_{t−1} = dpre_t·W_hh (dh_T = 0), and dh_{−1} (the gradient of h0) to `dh0` when it is
   * given. W_hh is packed once for the sequence. While dpre is in wasm memory it also computes,
   * when asked (`extras`): dW_hh = Σ_t dpre_tᵀ·h_{t−1} (h_{−1} = extras.h0; added to dWhh's
   * contents when `accumulate`) and the bias gradient Σ_rows dpre in float64 (added to
   * biasSums). Same bits as the op's JS path on the wasm GEMM.
   * @example wk.rnnTanhBackwardF32(g, hs, whh, T, B, H, dPre, null);
   * @see P. J. Werbos, "Backpropagation Through Time: What It Does and How to Do It", Proc. IEEE 78(10), 1990.
   */
  rnnTanhBackwardF32(
    g: Float32Array,
    hs: Float32Array,
    whh: Float32Array,
    T: number,
    B: number,
    H: number,
    dPre: Float32Array,
    dh0: Float32Array | null,
    extras?: RnnBackwardExtras,
  ): void {
    const bh = B * H;
    const dWhh = extras?.dWhh ?? null;
    const h0 = extras?.h0 ?? null;
    const sums = extras?.biasSums ?? null;
    const gPtr = this.scratchTop(dWhh === null ? 0 : H * H * T * B);
    const hsPtr = align(gPtr + T * bh * 4);
    const whhPtr = align(hsPtr + T * bh * 4);
    const dhPtr = align(whhPtr + H * H * 4);
    const h0Ptr = align(dhPtr + bh * 4);
    const dwPtr = align(h0Ptr + bh * 4);
    const sumsPtr = align(dwPtr + H * H * 4);
    const packedPtr = align(sumsPtr + H * 8);
    this.ensureBytes(align(packedPtr + this.ex.packedBBytes(H, H)));
    const heap = this.heap;
    heap.set(g.subarray(0, T * bh), gPtr >> 2);
    heap.set(hs.subarray(0, T * bh), hsPtr >> 2);
    const whhA = this.input(whh, H * H, whhPtr);
    heap.fill(0, dhPtr >> 2, (dhPtr >> 2) + bh);
    const ex = this.ex;
    ex.packBAllF32(0, whhA, H, H, H, packedPtr);
    for (let t = T - 1; t >= 0; t--) {
      const o = t * bh * 4;
      // dpre_t overwrites g_t (read once, just here).
      ex.tanhGradF32(gPtr + o, dhPtr, hsPtr + o, gPtr + o, bh);
      if (t > 0 || dh0 !== null) {
        ex.gemmPackedBF32(0, B, H, H, gPtr + o, H, packedPtr, 0, dhPtr, H, this.work);
      }
    }
    dPre.set(heap.subarray(gPtr >> 2, (gPtr >> 2) + T * bh));
    if (dh0 !== null) dh0.set(heap.subarray(dhPtr >> 2, (dhPtr >> 2) + bh));
    const later = (T - 1) * B;
    if (dWhh !== null && later === 0 && h0 === null) {
      if (extras?.accumulate !== true) dWhh.fill(0); // T = 1 from a zero state: dW_hh = 0
    } else if (dWhh !== null) {
      // As the op's JS path: steps 1..T−1 read h_0..h_{T−2} (contiguous), then h0's term.
      const accumulate = extras?.accumulate === true;
      const dwA = this.target(dWhh, H * H, dwPtr, accumulate);
      if (later > 0) {
        this.compute(1, 0, H, H, later, 1, gPtr + bh * 4, hsPtr, accumulate ? 1 : 0, dwA);
      }
      if (h0 !== null) {
        const h0A = this.input(h0, bh, h0Ptr);
        this.compute(1, 0, H, H, B, 1, gPtr, h0A, later > 0 || accumulate ? 1 : 0, dwA);
      }
      this.output(dwA, dWhh, H * H);
    }
    if (sums !== null) {
      const f64 = new Float64Array(this.mem.buffer, sumsPtr, H);
      f64.set(sums.subarray(0, H));
      ex.colSumsF64(gPtr, T * B, H, sumsPtr);
      sums.set(f64);
    }
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
    if (this.heap.buffer !== this.mem.buffer) {
      this.heap = new Float32Array(this.mem.buffer);
      this.buffers.add(this.mem.buffer);
    }
  }

  /**
   * Byte address of arr[offset] if `arr` is a view of this module's memory, else -1. A private
   * memory's old buffers are detached by growth (their views are empty), so only the current
   * buffer counts there; a shared memory's older buffer objects alias the same memory.
   */
  private addressOf(arr: Float32Array, offset: number): number {
    const buf = arr.buffer;
    const mine = buf === this.mem.buffer || (this.shared && this.buffers.has(buf));
    return mine ? arr.byteOffset + offset * 4 : -1;
  }

  /** Address of arr's first n floats for a read-only operand: in place when it lives in this
   * memory (a resident array), else copied to `ptr`. */
  private input(arr: Float32Array, n: number, ptr: number): number {
    const a = this.addressOf(arr, 0);
    if (a >= 0) return a;
    this.put(arr, ptr, n);
    return ptr;
  }

  /**
   * Address for an output of n floats: `arr` itself when it lives in this memory, else `ptr`
   * (filled with arr's contents first when `load`, for an accumulator). Pair with
   * {@link WasmKernels.output} to copy a scratch result back.
   */
  private target(arr: Float32Array, n: number, ptr: number, load: boolean): number {
    const a = this.addressOf(arr, 0);
    if (a >= 0) return a;
    if (load) this.put(arr, ptr, n);
    return ptr;
  }

  /** Copies a result computed at `ptr` back into `arr`, unless `arr` is that memory itself. */
  private output(ptr: number, arr: Float32Array, n: number): void {
    if (this.addressOf(arr, 0) !== ptr) this.take(ptr, arr, n);
  }

  /**
   * A zeroed Float32Array of n elements that lives in this module's shared memory (a resident
   * array: the kernels read and write it in place, without copies), or null when the memory is
   * private (its views would detach when it grows) or the resident budget
   * ({@link RESIDENT_BUDGET_BYTES}) is spent. Resident memory is never freed: it is meant for
   * long-lived buffers (a model's parameter and gradient arenas, optimizer moments).
   * @example const arena = wk.allocResident(n) ?? new Float32Array(n);
   */
  allocResident(n: number): Float32Array | null {
    checkCount('WasmKernels.allocResident', 'n', n);
    const bytes = align(n * 4);
    if (!this.shared || this.residentBytes + bytes > RESIDENT_BUDGET_BYTES) return null;
    const ptr = this.reserve(bytes);
    this.residentBytes += bytes;
    const view = new Float32Array(this.mem.buffer, ptr, n);
    view.fill(0); // the region may hold an earlier call's scratch
    return view;
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
    this.scratchTop(m * n * k);
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
    let top = this.scratchTop(m * n * k);
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

// tanhF32's kernel leaves |x| > 7.9053 (outside its fit) unchanged: Math.tanh finishes those,
// exactly as the JS tanhF32 does.
function finishTanh(heap: Float32Array, start: number, n: number): void {
  for (let i = start; i < start + n; i++) {
    const v = heap[i] as number;
    if (v > TANH_EDGE || v < -TANH_EDGE) heap[i] = Math.tanh(v);
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
