import { GradscopeError, ShapeError } from '../../errors.js';
import { TANH_EDGE } from '../js/tanh.js';
import { checkCount } from '../validate.js';
import { asKernelExports, type KernelExports, type WasmMemory } from './abi.js';
import { GemmThreads } from './gemm-threads.js';
import { WasmHeap, alignBytes as align } from './heap.js';

const PAGE = 65536;
/**
 * Bytes of shared wasm memory {@link WasmRuntime.allocResident} keeps live at once: enough for
 * the arenas and Adam moments of several models of a few million parameters; past it, buffers
 * are ordinary arrays and the kernels copy them in and out. Freed arrays give their bytes back.
 */
export const RESIDENT_BUDGET_BYTES = 64 * 1024 * 1024;
/** Largest linear memory this loader will grow to (wasm32 allows 4 GiB; stay well inside). */
const MAX_BYTES = 2 ** 31;

/**
 * One instance of the kernels module with its linear memory: the exports, the heap (WasmHeap:
 * reservations and resident arrays), the transient scratch above the heap's top, the copies in
 * and out of it, and the thread policy of its GEMMs (GemmThreads). The kernel families (one host
 * file each: gemm-host, im2col-host, adam-host, linear-host, conv-host, rnn-host) lay out their
 * scratch and call the exports through it; WasmKernels is the public face.
 *
 * Memory layout: [0, heapBase) static data · GEMM packing workspace · the heap (reservations
 * never freed, such as each worker thread's packing workspace and the thread pool's control
 * block, and resident arrays, freed with freeResident) · transient scratch above the heap's top.
 * Growing a private memory detaches every view of the old `memory.buffer`; growing a shared one
 * (the threaded build) leaves old views valid but short: take views after the calls that grow.
 * @example const rt = new WasmRuntime(module, exports, memory); const top = rt.scratchTop(0);
 */
export class WasmRuntime {
  /** The module's exports (the kernels' ABI). */
  readonly ex: KernelExports;
  /** The module's linear memory (its `buffer` changes when the memory grows). */
  readonly mem: WasmMemory;
  /** The compiled module (worker threads instantiate it on the same memory). */
  readonly module: object;
  /** Byte address of the calling thread's GEMM packing workspace. */
  readonly work: number;
  /** True when the memory is shared (the threaded build): worker threads can join. */
  readonly shared: boolean;
  /** The GEMM thread policy and pool of this instance. */
  readonly threads: GemmThreads;
  /** A float32 view of the whole current memory (renewed when the memory grows). */
  heap: Float32Array;
  // A float64 view of the same memory, made again when `heap` is (see heap64).
  private h64: Float64Array<ArrayBufferLike> = new Float64Array(0);
  // Blocks above the GEMM workspace: reservations (pool workspaces and control blocks) and the
  // resident arrays (freed with freeResident); the scratch of the copying entry points is above.
  private readonly heapAlloc: WasmHeap;
  // Every ArrayBuffer object this memory has exposed: a shared memory's views stay valid when it
  // grows, but keep the buffer object they were made on (addressOf must know them all).
  private readonly buffers = new WeakSet<object>();

  /**
   * @param module The compiled kernels module.
   * @param exports Its instance's exports.
   * @param memory The shared memory it imports, or undefined when it exports its own.
   */
  constructor(module: object, exports: Record<string, unknown>, memory?: WasmMemory) {
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
    this.heapAlloc = new WasmHeap(this.work + this.ex.gemmWorkBytes());
    this.heap = new Float32Array(this.mem.buffer);
    this.buffers.add(this.mem.buffer);
    this.ensureBytes(this.heapAlloc.top);
    const ex = this.ex;
    this.threads = new GemmThreads({
      shared: this.shared,
      module,
      memory: this.mem,
      gemm: ex.gemmF32,
      work: this.work,
      workBytes: ex.gemmWorkBytes(),
      reserve: (bytes) => this.reserve(bytes),
    });
  }

  /**
   * A float64 view of the whole current memory, for kernels that return float64 results
   * (renewed with `heap`, so reading a result allocates nothing).
   * @example const sum = rt.heap64[outPtr >> 3];
   */
  get heap64(): Float64Array<ArrayBufferLike> {
    const buf = this.heap.buffer;
    if (this.h64.buffer !== buf) this.h64 = new Float64Array(buf, 0, buf.byteLength >> 3);
    return this.h64;
  }

  /**
   * First byte of the transient scratch (the heap's top), for a call that runs no GEMM.
   * @example const coefPtr = rt.scratchBase;
   */
  get scratchBase(): number {
    return this.heapAlloc.top;
  }

  /**
   * First byte of the transient scratch for a call that may run a GEMM of m·n·k = `work` (a
   * worker pool such a GEMM needs is started first: it reserves memory where the scratch lies).
   * @example const xPtr = rt.scratchTop(m * n * k);
   */
  scratchTop(work: number): number {
    this.threads.prepare(work);
    return this.heapAlloc.top;
  }

  /**
   * C = alpha·op(A)·op(B) + beta·C on byte addresses (the exported GEMM's ABI), on the threads
   * the policy allows (see GemmThreads.compute).
   * @example rt.compute(0, 1, m, n, k, 1, aPtr, bPtr, 0, cPtr);
   */
  compute(
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
    this.threads.compute(ta, tb, m, n, k, alpha, a, b, beta, c);
  }

  /**
   * Finishes the SIMD tanh of n floats at byte address ptr: the kernel leaves |x| > 7.9053
   * (outside its fit) unchanged, Math.tanh does those, exactly as the JS tanhF32 does.
   * @example if (rt.ex.tanhF32(p, n) > 0) rt.finishTanh(p, n);
   */
  finishTanh(ptr: number, n: number): void {
    const heap = this.heap;
    const start = ptr >> 2;
    for (let i = start; i < start + n; i++) {
      const v = heap[i] as number;
      if (v > TANH_EDGE || v < -TANH_EDGE) heap[i] = Math.tanh(v);
    }
  }

  /**
   * Reserves `bytes` of wasm memory for the caller's own long-lived data and returns its
   * 64-byte-aligned byte address. Reservations are never freed (for memory that is freed, see
   * {@link WasmKernels.allocResident}).
   * @example const ptr = wk.reserve(1024 * 4); wk.f32View(ptr, 1024).fill(1);
   */
  reserve(bytes: number): number {
    checkCount('WasmKernels.reserve', 'bytes', bytes);
    const ptr = this.heapAlloc.reserve(bytes);
    this.ensureBytes(this.heapAlloc.top);
    return ptr;
  }

  /** Grows the memory so that it holds at least `end` bytes. */
  ensureBytes(end: number): void {
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
  addressOf(arr: Float32Array, offset: number): number {
    const buf = arr.buffer;
    const mine = buf === this.mem.buffer || (this.shared && this.buffers.has(buf));
    return mine ? arr.byteOffset + offset * 4 : -1;
  }

  /** Address of arr's first n floats for a read-only operand: in place when it lives in this
   * memory (a resident array), else copied to `ptr`. */
  input(arr: Float32Array, n: number, ptr: number): number {
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
  target(arr: Float32Array, n: number, ptr: number, load: boolean): number {
    const a = this.addressOf(arr, 0);
    if (a >= 0) return a;
    if (load) this.put(arr, ptr, n);
    return ptr;
  }

  /** Copies a result computed at `ptr` back into `arr`, unless `arr` is that memory itself. */
  output(ptr: number, arr: Float32Array, n: number): void {
    if (this.addressOf(arr, 0) !== ptr) this.take(ptr, arr, n);
  }

  /** Copies the first n floats of `src` to byte address ptr (inside memory already grown). */
  put(src: Float32Array, ptr: number, n: number): void {
    this.heap.set(n === src.length ? src : src.subarray(0, n), ptr >> 2);
  }

  /** Copies n floats at byte address ptr into the start of `dst`. */
  take(ptr: number, dst: Float32Array, n: number): void {
    dst.set(this.heap.subarray(ptr >> 2, (ptr >> 2) + n));
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
    checkCount('WasmKernels.allocResident', 'n', n);
    const bytes = Math.max(align(n * 4), align(1));
    if (!this.shared || this.heapAlloc.liveBytes + bytes > RESIDENT_BUDGET_BYTES) return null;
    const ptr = this.heapAlloc.alloc(bytes);
    this.ensureBytes(this.heapAlloc.top);
    const view = new Float32Array(this.mem.buffer, ptr, n);
    view.fill(0); // the block may hold an earlier call's scratch or a freed array's values
    return view;
  }

  /**
   * Frees the resident array `arr` (exactly an array {@link WasmKernels.allocResident} returned)
   * and returns true; returns false, doing nothing, for any other array (an ordinary one, or a
   * window of a resident one). Every view of the freed block is then dangling: the next
   * allocation may hand its memory to someone else.
   * @example wk.freeResident(arena); // true
   */
  freeResident(arr: Float32Array): boolean {
    const ptr = this.addressOf(arr, 0);
    if (ptr < 0) return false;
    const size = this.heapAlloc.sizeOf(ptr);
    if (size === undefined || Math.max(align(arr.length * 4), align(1)) !== size) return false;
    this.heapAlloc.free(ptr);
    return true;
  }

  /**
   * Frees the resident block starting at byte address `ptr` (the garbage-collection backstop of
   * the memory owner, which keeps addresses, not arrays); a double free throws.
   * @example wk.freeResidentAt(arr.byteOffset);
   */
  freeResidentAt(ptr: number): void {
    this.heapAlloc.free(ptr);
  }

  /**
   * Whether `arr` is a view of this module's memory (a resident array or a window of one).
   * @example wk.holds(wk.allocResident(4)!) // true
   */
  holds(arr: Float32Array | Float64Array): boolean {
    return arr instanceof Float32Array && this.addressOf(arr, 0) >= 0;
  }

  /**
   * Bookkeeping of the resident arrays: live blocks and bytes, free bytes below the heap top.
   * @example wk.residentStats().liveBytes // 0 once every model was disposed
   */
  residentStats(): { liveBlocks: number; liveBytes: number; freeBytes: number } {
    const h = this.heapAlloc;
    return { liveBlocks: h.liveBlocks, liveBytes: h.liveBytes, freeBytes: h.freeBytes };
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
}
