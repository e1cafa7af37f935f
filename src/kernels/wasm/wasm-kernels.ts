import type {
  Conv2dBackwardArgs,
  Conv2dForwardArgs,
  GruGatesArgs,
  GruGatesBackwardArgs,
  LstmGatesArgs,
  LstmGatesBackwardArgs,
  LinearBackwardArgs,
  LinearForwardArgs,
  RnnBackwardArgs,
  RnnForwardArgs,
} from '../args.js';
import { DtypeError, fmt } from '../../errors.js';
import type { ConvGeometry } from '../conv-geometry.js';
import type { AdamArgs, GemmArgs, GemmPtrArgs, Im2colArgs } from '../types.js';
import { checkConvArgs, checkGemmArgs } from '../validate.js';
import { instantiate, wasmApi, type WasmMemory } from './abi.js';
import { adamF32 } from './adam-host.js';
import { copyF32, gradStatsF32, sumSquaresF32, updateStatsF32 } from './grad-stats-host.js';
import { conv2dBackwardF32, conv2dForwardF32 } from './conv-host.js';
import {
  gruGatesBackwardF32,
  gruGatesForwardF32,
  lstmGatesBackwardF32,
  lstmGatesForwardF32,
} from './gates-host.js';
import { gemmF32Ptr, gemmF32Unchecked } from './gemm-host.js';
import {
  col2imF32Ptr,
  col2imF32Unchecked,
  im2colF32Ptr,
  im2colF32Unchecked,
} from './im2col-host.js';
import { linearBackwardF32, linearForwardF32 } from './linear-host.js';
import { rnnTanhBackwardF32, rnnTanhForwardF32 } from './rnn-host.js';
import { WasmRuntime } from './runtime.js';

// Float64 has no wasm kernel: the checks allow both dtypes, this narrows to float32.
function requireF32(fn: string, name: string, arr: unknown): void {
  if (!(arr instanceof Float32Array)) {
    throw new DtypeError(
      `${fn}: ${name} must be a Float32Array (the wasm kernels are float32-only), got ${fmt((arr as object).constructor.name)}`,
    );
  }
}

/**
 * The WebAssembly SIMD kernels (float32) with their linear memory. Two kinds of entry points:
 * the typed-array ones copy inputs into wasm memory, compute, and copy the result out (arrays
 * that already live in this module's memory, i.e. views of `memory.buffer`, are used in place);
 * the `...Ptr` ones compute on byte addresses already in wasm memory, for data kept there
 * (see {@link WasmKernels.reserve}). The work is done by the runtime (runtime.ts: memory, heap,
 * copies), the thread policy (gemm-threads.ts) and one host file per kernel family
 * (gemm-host, im2col-host, adam-host, linear-host, conv-host, rnn-host); this class is their
 * public face.
 *
 * Memory layout: [0, heapBase) static data · GEMM packing workspace · the heap (a first-fit free
 * list, see WasmHeap: reservations that are never freed, such as each worker thread's packing
 * workspace and the thread pool's control block, and resident arrays, freed with freeResident) ·
 * transient scratch above the heap's top for the copying entry points. Growing a private
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
 * wk.gemmF32({ transA: false, transB: false, m: 2, n: 2, k: 2, alpha: 1, a: new Float32Array([1, 2, 3, 4]), aOffset: 0,
 *              b: new Float32Array([1, 0, 0, 1]), bOffset: 0, beta: 0, c, cOffset: 0 });
 * // c = [1, 2, 3, 4]
 * @see K. Goto, R. van de Geijn, "Anatomy of High-Performance Matrix Multiplication", ACM TOMS 34(3), 2008.
 */
export class WasmKernels {
  private readonly rt: WasmRuntime;

  private constructor(rt: WasmRuntime) {
    this.rt = rt;
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
    return new WasmKernels(new WasmRuntime(module, exports, memory));
  }

  /**
   * Compiles asynchronously (allowed everywhere, including browser main threads), then instantiates.
   * @example const wk = await WasmKernels.fromBytesAsync(bytes);
   */
  static async fromBytesAsync(bytes: Uint8Array): Promise<WasmKernels> {
    const api = wasmApi();
    const module = await api.compile(bytes);
    const { exports, memory } = instantiate(api, module);
    return new WasmKernels(new WasmRuntime(module, exports, memory));
  }

  /**
   * The module's linear memory (its `buffer` changes when the memory grows).
   * @example const bytes = wk.memory.buffer.byteLength;
   */
  get memory(): WasmMemory {
    return this.rt.mem;
  }

  /**
   * True when the memory is shared (the threaded build): worker threads can join.
   * @example loadWasmKernels().shared // true in Node
   */
  get shared(): boolean {
    return this.rt.shared;
  }

  /**
   * m·n·k from which GEMMs are split over the threads (GEMM_PARALLEL_MIN_WORK unless changed,
   * e.g. to 0 by a benchmark measuring the crossover).
   * @example wk.parallelMinWork = 0; // split even tiny GEMMs
   */
  get parallelMinWork(): number {
    return this.rt.threads.parallelMinWork;
  }
  set parallelMinWork(v: number) {
    this.rt.threads.parallelMinWork = v;
  }

  /**
   * Whether each GEMM shape is split only when splitting measured faster than the calling thread
   * alone (see SplitChooser; true), or always above parallelMinWork (false: for tests and
   * benchmarks of the split itself).
   * @example wk.autoSplit = false; // always split from parallelMinWork on
   */
  get autoSplit(): boolean {
    return this.rt.threads.autoSplit;
  }
  set autoSplit(v: boolean) {
    this.rt.threads.autoSplit = v;
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
    this.rt.threads.setThreads(threads);
  }

  /**
   * Threads large GEMMs run on once the workers are up (1 when threads are unavailable).
   * @example wk.setThreads(2); wk.threads // 2 in Node
   */
  get threads(): number {
    return this.rt.threads.threads;
  }

  /**
   * Threads the next large GEMM actually uses: the caller plus the workers ready now.
   * @example await wk.whenThreadsReady(); wk.activeThreads // === wk.threads
   */
  get activeThreads(): number {
    return this.rt.threads.activeThreads;
  }

  /**
   * Why more than one thread was asked for but GEMMs run on one, or undefined.
   * @example if (wk.threadsUnavailable) console.warn(wk.threadsUnavailable);
   */
  get threadsUnavailable(): string | undefined {
    return this.rt.threads.threadsUnavailable;
  }

  /**
   * Starts the workers if needed and resolves to {@link WasmKernels.activeThreads} once they are
   * ready (or failed to start: then 1, with the reason in threadsUnavailable).
   * @example const n = await wk.whenThreadsReady();
   */
  whenThreadsReady(): Promise<number> {
    return this.rt.threads.whenThreadsReady();
  }

  /**
   * Counters of the current worker pool: GEMMs run split, their parts, and the parts the workers
   * computed (the calling thread computes the parts no worker claimed in time, e.g. on a busy
   * machine); and GEMMs big enough to split that ran on the calling thread because that measured
   * faster for their shape (see {@link WasmKernels.autoSplit}).
   * @example const { workerParts, parts } = wk.threadStats(); // workerParts / parts ≈ 1/2 on 2 idle cores
   */
  threadStats(): { splitGemms: number; parts: number; workerParts: number; unsplit: number } {
    return this.rt.threads.threadStats();
  }

  /**
   * Stops the worker threads (they are restarted on demand if the policy still asks for them).
   * @example wk.stopThreads();
   */
  stopThreads(): void {
    this.rt.threads.stopThreads();
  }

  /**
   * A float32 view of `length` floats at byte address `ptr`; valid until the memory next grows.
   * @example wk.f32View(ptr, n).set(data);
   */
  f32View(ptr: number, length: number): Float32Array {
    return this.rt.f32View(ptr, length);
  }

  /**
   * Reserves `bytes` of wasm memory for the caller's own long-lived data and returns its
   * 64-byte-aligned byte address. Reservations are never freed (for memory that is freed, see
   * {@link WasmKernels.allocResident}).
   * @example const ptr = wk.reserve(1024 * 4); wk.f32View(ptr, 1024).fill(1);
   */
  reserve(bytes: number): number {
    return this.rt.reserve(bytes);
  }

  /**
   * A zeroed Float32Array of n elements that lives in this module's shared memory (a resident
   * array: the kernels read and write it in place, without copies), or null when the memory is
   * private (its views would detach when it grows) or the live resident bytes would exceed
   * {@link RESIDENT_BUDGET_BYTES}. The block stays allocated until
   * {@link WasmKernels.freeResident} is called with this array; the heap reuses freed blocks
   * (first fit, coalescing neighbours), so models built and freed one after another stay resident.
   * @example const arena = wk.allocResident(n) ?? new Float32Array(n);
   */
  allocResident(n: number): Float32Array | null {
    return this.rt.allocResident(n);
  }

  /**
   * Frees the resident array `arr` (exactly an array {@link WasmKernels.allocResident} returned)
   * and returns true; returns false, doing nothing, for any other array (an ordinary one, or a
   * window of a resident one). Every view of the freed block is then dangling: the next
   * allocation may hand its memory to someone else.
   * @example wk.freeResident(arena); // true
   */
  freeResident(arr: Float32Array): boolean {
    return this.rt.freeResident(arr);
  }

  /**
   * Frees the resident block starting at byte address `ptr` (the garbage-collection backstop of
   * the memory owner, which keeps addresses, not arrays); a double free throws.
   * @example wk.freeResidentAt(arr.byteOffset);
   */
  freeResidentAt(ptr: number): void {
    this.rt.freeResidentAt(ptr);
  }

  /**
   * Whether `arr` is a view of this module's memory (a resident array or a window of one).
   * @example wk.holds(wk.allocResident(4)!) // true
   */
  holds(arr: Float32Array | Float64Array): boolean {
    return this.rt.holds(arr);
  }

  /**
   * Bookkeeping of the resident arrays: live blocks and bytes, free bytes below the heap top.
   * @example wk.residentStats().liveBytes // 0 once every model was disposed
   */
  residentStats(): { liveBlocks: number; liveBytes: number; freeBytes: number } {
    return this.rt.residentStats();
  }

  /**
   * C[m×n] = alpha·op(A)·op(B) + beta·C on byte addresses in wasm memory (float32, row-major),
   * with the semantics of {@link gemmJs}. No copies, no growth.
   * @example wk.gemmF32Ptr({ transA: false, transB: false, m, n, k, alpha: 1, aPtr, bPtr, beta: 0, cPtr });
   */
  gemmF32Ptr(args: GemmPtrArgs): void {
    gemmF32Ptr(this.rt, args);
  }

  /**
   * {@link gemmJs}'s contract on Float32Arrays, computed in wasm: inputs are copied in (unless
   * they already live in wasm memory), C is copied back.
   * @example wk.gemmF32({ transA: false, transB: true, m, n, k, alpha: 1, a, aOffset: 0, b, bOffset: 0, beta: 0, c, cOffset: 0 });
   */
  gemmF32(args: GemmArgs<Float32Array>): void {
    checkGemmArgs('WasmKernels.gemmF32', args);
    requireF32('WasmKernels.gemmF32', 'a', args.a);
    gemmF32Unchecked(this.rt, args);
  }

  /**
   * {@link WasmKernels.gemmF32} without argument checks.
   * @example wk.gemmF32Unchecked(args); // after validating args
   */
  gemmF32Unchecked(args: GemmArgs<Float32Array>): void {
    gemmF32Unchecked(this.rt, args);
  }

  /**
   * im2col (see {@link im2colJs}) on byte addresses in wasm memory: `batch` images at xPtr,
   * `batch` column matrices written at colPtr.
   * @example wk.im2colF32Ptr(xPtr, g, colPtr, 1);
   */
  im2colF32Ptr(xPtr: number, g: ConvGeometry, colPtr: number, batch: number): void {
    im2colF32Ptr(this.rt, xPtr, g, colPtr, batch);
  }

  /**
   * col2im (see {@link col2imJs}) on byte addresses in wasm memory: adds `batch` column matrices
   * at colPtr onto `batch` images at xPtr.
   * @example wk.col2imF32Ptr(colPtr, g, xPtr, 1);
   */
  col2imF32Ptr(colPtr: number, g: ConvGeometry, xPtr: number, batch: number): void {
    col2imF32Ptr(this.rt, colPtr, g, xPtr, batch);
  }

  /**
   * {@link im2colJs}'s contract on Float32Arrays, computed in wasm (copying x in and col out).
   * @example wk.im2colF32(x, 0, g, col, 0, batch);
   */
  im2colF32(args: Im2colArgs<Float32Array>): void {
    const { x } = args;
    checkConvArgs('WasmKernels.im2colF32', args);
    requireF32('WasmKernels.im2colF32', 'x', x);
    im2colF32Unchecked(this.rt, args);
  }

  /**
   * {@link WasmKernels.im2colF32} without argument checks.
   * @example wk.im2colF32Unchecked(...args); // after validating args
   */
  im2colF32Unchecked(args: Im2colArgs<Float32Array>): void {
    im2colF32Unchecked(this.rt, args);
  }

  /**
   * {@link col2imJs}'s contract on Float32Arrays (accumulates into x), computed in wasm.
   * @example wk.col2imF32(col, 0, g, dx, 0, batch);
   */
  col2imF32(args: Im2colArgs<Float32Array>): void {
    const { x } = args;
    checkConvArgs('WasmKernels.col2imF32', args);
    requireF32('WasmKernels.col2imF32', 'x', x);
    col2imF32Unchecked(this.rt, args);
  }

  /**
   * {@link WasmKernels.col2imF32} without argument checks.
   * @example wk.col2imF32Unchecked(...args); // after validating args
   */
  col2imF32Unchecked(args: Im2colArgs<Float32Array>): void {
    col2imF32Unchecked(this.rt, args);
  }

  /**
   * One float32 Adam step over n = g.length elements with the SIMD kernel (see adam-host.ts):
   * p non-null applies p ← p + u (the fused step), null writes u into g; m and v advance.
   * `coef` holds [sign, β1, 1−β1, β2, 1−β2, stepScaled, epsScaled, gradScale].
   * @example wk.adamF32({ p, g, m, v, coef }); // p += Adam update, m and v advanced
   * @see Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.
   */
  adamF32(a: AdamArgs): void {
    adamF32(this.rt, a);
  }

  /**
   * The fast pass of the gradient statistics over float32 x (see grad-stats-host.ts): Σx²,
   * max |x| and the zero count written to out[at..at+2] (kernels/grad-stats.ts finishes them).
   * @example wk.gradStatsF32(g, out, 0); // out[0] = Σg², out[1] = max|g|, out[2] = zeros
   */
  gradStatsF32(x: Float32Array, out: Float64Array, at: number): void {
    gradStatsF32(this.rt, x, out, at);
  }

  /**
   * Σx² of float32 x alone, with the bits of {@link WasmKernels.gradStatsF32}'s sum (see
   * grad-stats-host.ts), written to out[at] (kernels/grad-stats.ts decides whether it is final).
   * @example wk.sumSquaresF32(g, out, 0); // out[0] = Σg²
   */
  sumSquaresF32(x: Float32Array, out: Float64Array, at: number): void {
    sumSquaresF32(this.rt, x, out, at);
  }

  /**
   * Σp², Σ(p − q)², Σq² of float32 p and q in one SIMD pass (see grad-stats-host.ts), written to
   * out[at..at+2] (kernels/grad-stats.ts finishes them).
   * @example wk.updateStatsF32(p, snapshot, out, 0); // [‖p‖², ‖Δp‖², ‖p_before‖²]
   */
  updateStatsF32(p: Float32Array, q: Float32Array, out: Float64Array, at: number): void {
    updateStatsF32(this.rt, p, q, out, at);
  }

  /**
   * dst ← src (same length, float32): memory.copy when both are resident, else a plain copy.
   * @example wk.copyF32(snapshot, p);
   */
  copyF32(dst: Float32Array, src: Float32Array): void {
    copyF32(this.rt, dst, src);
  }

  /**
   * The fused linear layer y = act(x·Wᵀ + b) in one call (see linear-host.ts).
   * @example wk.linearForwardF32({ x, w, bias: b, act: 1, rows: 128, inF: 784, outF: 256, y });
   */
  linearForwardF32(args: LinearForwardArgs<Float32Array>): void {
    linearForwardF32(this.rt, args);
  }

  /**
   * The backward pass of {@link WasmKernels.linearForwardF32} (see linear-host.ts).
   * @example wk.linearBackwardF32({ g, y, x, w, act: 1, rows, inF, outF, dx: null, dW, dWAccumulate: true, db, dbAccumulate: true });
   */
  linearBackwardF32(args: LinearBackwardArgs<Float32Array>): void {
    linearBackwardF32(this.rt, args);
  }

  /**
   * A float32 2-D convolution's forward pass over the batch (see conv-host.ts).
   * @example wk.conv2dForwardF32({ x, w, bias: b, relu: true, g, n: 64, o: 32, y });
   */
  conv2dForwardF32(args: Conv2dForwardArgs<Float32Array>): void {
    conv2dForwardF32(this.rt, args);
  }

  /**
   * The backward pass of {@link WasmKernels.conv2dForwardF32} (see conv-host.ts).
   * @example wk.conv2dBackwardF32({ gy, y: null, x, w, g, n, o, dx, dW, dWAccumulate: true, db, dbAccumulate: true });
   */
  conv2dBackwardF32(args: Conv2dBackwardArgs<Float32Array>): void {
    conv2dBackwardF32(this.rt, args);
  }

  /**
   * A float32 tanh RNN's forward pass over a whole sequence (see rnn-host.ts).
   * @example wk.rnnTanhForwardF32({ x, wIh, bIh, bHh, whh, h0: null, T, B, I, H, hs });
   */
  rnnTanhForwardF32(args: RnnForwardArgs<Float32Array>): void {
    rnnTanhForwardF32(this.rt, args);
  }

  /**
   * The backward pass of {@link WasmKernels.rnnTanhForwardF32} (see rnn-host.ts).
   * @example wk.rnnTanhBackwardF32({ g, hs, whh, T, B, H, dPre, dh0: null });
   */
  rnnTanhBackwardF32(args: RnnBackwardArgs<Float32Array>): void {
    rnnTanhBackwardF32(this.rt, args);
  }

  /**
   * One float32 LSTM step's gates (see gates-host.ts): the bits of the JS reference.
   * @example wk.lstmGatesForwardF32({ gates, gatesOffset: 0, cPrev: null, cPrevOffset: 0, c, cOffset: 0, h, hOffset: 0, B, H });
   */
  lstmGatesForwardF32(args: LstmGatesArgs<Float32Array>): void {
    lstmGatesForwardF32(this.rt, args);
  }

  /**
   * One float32 LSTM step's gates backward (see gates-host.ts).
   * @example wk.lstmGatesBackwardF32({ gates, gatesOffset, c, cOffset, cPrev, cPrevOffset, gh, ghOffset, dh, dc, dG, dGOffset, B, H });
   */
  lstmGatesBackwardF32(args: LstmGatesBackwardArgs<Float32Array>): void {
    lstmGatesBackwardF32(this.rt, args);
  }

  /**
   * One float32 GRU step's gates (see gates-host.ts).
   * @example wk.gruGatesForwardF32({ gates, gatesOffset, hp, bHh, hn, hnOffset, hPrev: null, hPrevOffset: 0, h, hOffset, B, H });
   */
  gruGatesForwardF32(args: GruGatesArgs<Float32Array>): void {
    gruGatesForwardF32(this.rt, args);
  }

  /**
   * One float32 GRU step's gates backward (see gates-host.ts).
   * @example wk.gruGatesBackwardF32({ gates, gatesOffset, hn, hnOffset, hPrev, hPrevOffset, gh, ghOffset, dh, dXP, dHP, dOffset, B, H });
   */
  gruGatesBackwardF32(args: GruGatesBackwardArgs<Float32Array>): void {
    gruGatesBackwardF32(this.rt, args);
  }
}
