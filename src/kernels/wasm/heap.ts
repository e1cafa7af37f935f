import { ShapeError, fmt } from '../../errors.js';

/** Alignment (bytes) of every block the heap hands out: a cache line, and whole SIMD vectors. */
export const HEAP_ALIGN = 64;

/**
 * Rounds a byte count up to {@link HEAP_ALIGN}.
 * @example alignBytes(1) // 64
 */
export function alignBytes(bytes: number): number {
  return Math.ceil(bytes / HEAP_ALIGN) * HEAP_ALIGN;
}

interface FreeBlock {
  start: number;
  bytes: number;
}

/**
 * The allocator of the kernels' linear memory above the static data: a first-fit free list with
 * coalescing (Knuth, TAOCP vol. 1 §2.5, "first fit" with boundary merging) over the region
 * [base, top), where `top` only moves up for a new block that fits nowhere below and moves down
 * again when the topmost block is freed. Everything above `top` is transient scratch for the
 * copying kernel entry points; growing the memory to cover a block is the caller's job (see
 * {@link WasmHeap.top}).
 *
 * Two kinds of block: {@link WasmHeap.reserve} (never freed: the GEMM packing workspaces and the
 * thread pool's control blocks) and {@link WasmHeap.alloc} / {@link WasmHeap.free} (resident
 * arrays: parameter and gradient arenas, optimizer moments). Pure bookkeeping on byte addresses:
 * it never touches the memory, so it is tested on its own.
 *
 * @example
 * const h = new WasmHeap(1024);
 * const a = h.alloc(100); // 1024
 * const b = h.alloc(100); // 1088
 * h.free(a); h.alloc(64); // 1024 again (first fit)
 */
export class WasmHeap {
  private end: number;
  // Free blocks below `end`, sorted by address, never adjacent to each other nor to `end`.
  private readonly freeList: FreeBlock[] = [];
  // Live alloc() blocks: start → bytes.
  private readonly live = new Map<number, number>();
  private liveTotal = 0;

  /** @param base First byte the heap may hand out (aligned up to {@link HEAP_ALIGN}). */
  constructor(base: number) {
    this.end = alignBytes(base);
  }

  /**
   * First byte above every block: the start of the transient scratch.
   * @example const scratch = heap.top;
   */
  get top(): number {
    return this.end;
  }

  /**
   * Bytes held by live {@link WasmHeap.alloc} blocks (reservations not counted).
   * @example heap.liveBytes // 0 after every block was freed
   */
  get liveBytes(): number {
    return this.liveTotal;
  }

  /**
   * Live {@link WasmHeap.alloc} blocks.
   * @example heap.liveBlocks // 2 after two allocs
   */
  get liveBlocks(): number {
    return this.live.size;
  }

  /**
   * Bytes in free blocks below {@link WasmHeap.top} (fragmentation a later alloc can reuse).
   * @example heap.freeBytes // 0 when the free list is empty
   */
  get freeBytes(): number {
    let s = 0;
    for (const b of this.freeList) s += b.bytes;
    return s;
  }

  /**
   * A permanent block of `bytes` (never freed) at the top: returns its aligned start.
   * @example const ws = heap.reserve(workspaceBytes);
   */
  reserve(bytes: number): number {
    const start = this.end;
    this.end = alignBytes(start + bytes);
    return start;
  }

  /**
   * A block of at least `bytes` (rounded up to {@link HEAP_ALIGN}; at least one unit): the
   * lowest free block that fits (split when larger), else a new block at the top.
   * @example const ptr = heap.alloc(4 * n);
   */
  alloc(bytes: number): number {
    const size = Math.max(HEAP_ALIGN, alignBytes(bytes));
    let start = -1;
    for (let i = 0; i < this.freeList.length; i++) {
      const b = this.freeList[i] as FreeBlock;
      if (b.bytes < size) continue;
      start = b.start;
      if (b.bytes === size) this.freeList.splice(i, 1);
      else {
        b.start += size;
        b.bytes -= size;
      }
      break;
    }
    if (start < 0) start = this.reserve(size);
    this.live.set(start, size);
    this.liveTotal += size;
    return start;
  }

  /**
   * The size in bytes of the live block starting at `ptr`, or undefined.
   * @example heap.sizeOf(ptr) // 4096
   */
  sizeOf(ptr: number): number | undefined {
    return this.live.get(ptr);
  }

  /**
   * Returns the live block at `ptr` to the free list, merging it with free neighbours; a block
   * that ends at the top lowers the top instead. A pointer that is not a live block's start
   * (a double free) throws.
   * @example heap.free(ptr);
   */
  free(ptr: number): void {
    const size = this.live.get(ptr);
    if (size === undefined) {
      throw new ShapeError(`WasmHeap.free: ${fmt(ptr)} is not the start of a live block`);
    }
    this.live.delete(ptr);
    this.liveTotal -= size;
    const list = this.freeList;
    // Insertion point: the first free block above ptr.
    let i = 0;
    while (i < list.length && (list[i] as FreeBlock).start < ptr) i++;
    let start = ptr;
    let bytes = size;
    const prev = list[i - 1];
    if (prev !== undefined && prev.start + prev.bytes === start) {
      start = prev.start;
      bytes += prev.bytes;
      list.splice(--i, 1);
    }
    const next = list[i];
    if (next !== undefined && start + bytes === next.start) {
      bytes += next.bytes;
      list.splice(i, 1);
    }
    if (start + bytes === this.end) this.end = start;
    else list.splice(i, 0, { start, bytes });
  }
}
