import type { DType, TypedArray } from './dtype.js';

/** Counters of a {@link BufferPool} (cumulative; {@link BufferPool.resetStats} zeroes them). */
export interface BufferPoolStats {
  /** Buffers made with `new Float32Array/Float64Array` because no free one of that size existed. */
  fresh: number;
  /** Bytes of those fresh buffers. */
  freshBytes: number;
  /** Requests served from a free list (zero-filled again before they are handed out, unless taken with `zero` false). */
  reused: number;
  /** Buffers given back to the free lists. */
  released: number;
  /** Bytes currently held in the free lists. */
  freeBytes: number;
}

/** Told of every buffer a {@link BufferPool} hands out while it is the pool's tracker. */
export interface BufferTracker {
  /** `data` was just handed out. */
  made(data: TypedArray): void;
}

/**
 * A size-keyed cache of typed arrays (PyTorch's caching allocator, reduced to what a
 * single-threaded CPU engine needs): {@link BufferPool.take} pops a free buffer of exactly that dtype and
 * length (zero-filled, as a fresh typed array is) or allocates one; {@link BufferPool.give} puts a buffer it
 * handed out back. It never decides by itself that a buffer is dead: only code that can prove it
 * (the backward sweep for gradients it made and consumed, a step arena of autograd/ for the
 * tapes its steps released) gives buffers back. Buffers it did not make, views (`subarray`) and buffers
 * already free are refused, so a double release cannot hand one buffer to two tensors.
 *
 * While a pool is installed ({@link withBufferPool}), `allocData` — the output and gradient
 * allocation of every op, whatever backend computes it — draws from it.
 * @example
 * const pool = new BufferPool();
 * const a = pool.take('float32', 1024); pool.give(a); pool.take('float32', 1024) === a // true
 */
export class BufferPool {
  private readonly free32 = new Map<number, Float32Array[]>();
  private readonly free64 = new Map<number, Float64Array[]>();
  /** Buffers this pool made (only these can be given back). */
  private readonly mine = new WeakSet<ArrayBuffer>();
  /** Buffers currently in a free list. */
  private readonly isFree = new WeakSet<ArrayBuffer>();
  /** @internal When set, told of every buffer handed out (how the backward sweep knows what it made). */
  tracker: BufferTracker | null = null;
  private readonly counts: BufferPoolStats = {
    fresh: 0,
    freshBytes: 0,
    reused: 0,
    released: 0,
    freeBytes: 0,
  };

  /**
   * A zero-filled buffer of `size` elements: a free one of that dtype and size, else a new one.
   * With `zero` false a reused buffer keeps its old contents (PyTorch's `torch.empty`), for an
   * output its maker overwrites entirely before anything reads it.
   */
  take(dtype: DType, size: number, zero = true): TypedArray {
    const list = dtype === 'float32' ? this.free32.get(size) : this.free64.get(size);
    let out: TypedArray;
    if (list !== undefined && list.length > 0) {
      out = list.pop() as TypedArray;
      this.isFree.delete(out.buffer as ArrayBuffer);
      this.counts.freeBytes -= out.byteLength;
      if (zero) out.fill(0);
      this.counts.reused++;
    } else {
      out = freshData(dtype, size);
      this.mine.add(out.buffer as ArrayBuffer);
      this.counts.fresh++;
      this.counts.freshBytes += out.byteLength;
    }
    this.tracker?.made(out);
    return out;
  }

  /** Whether `data` is a whole buffer this pool handed out and that is not free now. */
  owns(data: TypedArray): boolean {
    const buf = data.buffer as ArrayBuffer;
    return (
      this.mine.has(buf) &&
      !this.isFree.has(buf) &&
      data.byteOffset === 0 &&
      data.byteLength === buf.byteLength
    );
  }

  /**
   * Puts `data` back for reuse; returns false (and does nothing) unless {@link BufferPool.owns} holds. The
   * caller promises that nothing will read or write `data` again.
   */
  give(data: TypedArray): boolean {
    if (!this.owns(data)) return false;
    const buf = data.buffer as ArrayBuffer;
    this.isFree.add(buf);
    if (data instanceof Float32Array) {
      const l = this.free32.get(data.length);
      if (l === undefined) this.free32.set(data.length, [data]);
      else l.push(data);
    } else {
      const l = this.free64.get(data.length);
      if (l === undefined) this.free64.set(data.length, [data]);
      else l.push(data);
    }
    this.counts.released++;
    this.counts.freeBytes += data.byteLength;
    return true;
  }

  /** Drops every free buffer (the garbage collector takes them); live buffers are untouched. */
  clear(): void {
    for (const m of [this.free32, this.free64] as Map<number, TypedArray[]>[]) {
      for (const l of m.values()) for (const d of l) this.isFree.delete(d.buffer as ArrayBuffer);
      m.clear();
    }
    this.counts.freeBytes = 0;
  }

  /** A copy of the counters. */
  stats(): BufferPoolStats {
    return { ...this.counts };
  }

  /** Zeroes the cumulative counters (`freeBytes` stays: it is a level, not a count). */
  resetStats(): void {
    this.counts.fresh = 0;
    this.counts.freshBytes = 0;
    this.counts.reused = 0;
    this.counts.released = 0;
  }
}

let active: BufferPool | null = null;
const made = { buffers: 0, bytes: 0 };

/** @internal A new zero-filled typed array, counted in {@link allocationCounts}. */
export function freshData(dtype: DType, size: number): TypedArray {
  made.buffers++;
  made.bytes += size * (dtype === 'float32' ? 4 : 8);
  return dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
}

/**
 * How many typed arrays `allocData` has created since the process started, and their bytes
 * (pool reuses not counted): the steady-state allocation of a training step is the difference
 * between two readings.
 * @example const a = allocationCounts().bytes; step(); allocationCounts().bytes - a // bytes/step
 */
export function allocationCounts(): { buffers: number; bytes: number } {
  return { ...made };
}

/** The pool `allocData` draws from now, or null (then every allocation is a new typed array). */
export function activeBufferPool(): BufferPool | null {
  return active;
}

/**
 * Runs `fn` with `pool` installed as the source of `allocData` (restores the previous one after,
 * also on a throw). Nesting is allowed; the innermost pool serves.
 * @example withBufferPool(pool, () => model.forward(x))
 */
export function withBufferPool<T>(pool: BufferPool | null, fn: () => T): T {
  const prev = active;
  active = pool;
  try {
    return fn();
  } finally {
    active = prev;
  }
}
