import { describe, expect, it } from 'vitest';
import { Rng } from '../../tensor/rng.js';
import { HEAP_ALIGN, WasmHeap } from './heap.js';

describe('WasmHeap (first fit, coalescing)', () => {
  it('hands out aligned blocks, reuses the first hole that fits, and lowers the top', () => {
    const h = new WasmHeap(1000); // base aligned up to 1024
    const a = h.alloc(100); // 128 bytes
    const b = h.alloc(64);
    const c = h.alloc(1);
    expect([a, b, c]).toEqual([1024, 1152, 1216]);
    expect(h.top).toBe(1280);
    h.free(a);
    expect(h.freeBytes).toBe(128);
    expect(h.alloc(64)).toBe(1024); // first fit: split the 128-byte hole
    expect(h.alloc(64)).toBe(1088); // the rest of it
    expect(h.freeBytes).toBe(0);
    // Freeing the topmost block lowers the top instead of listing a hole.
    h.free(c);
    expect(h.top).toBe(1216);
    expect(h.liveBlocks).toBe(3);
  });

  it('merges a freed block with both neighbours and with the top', () => {
    const h = new WasmHeap(0);
    const [a, b, c, d] = [h.alloc(64), h.alloc(64), h.alloc(64), h.alloc(64)];
    h.free(a);
    h.free(c);
    expect(h.freeBytes).toBe(128); // two holes
    h.free(b); // joins a and c into one hole of 192 bytes
    expect(h.freeBytes).toBe(192);
    expect(h.alloc(192)).toBe(0);
    h.free(0);
    h.free(d as number); // the top block: the top falls through the hole below it too
    expect(h.top).toBe(0);
    expect(h.freeBytes).toBe(0);
    expect(h.liveBytes).toBe(0);
  });

  it('keeps reservations, rejects double frees', () => {
    const h = new WasmHeap(0);
    const a = h.alloc(64);
    const r = h.reserve(10);
    expect(r).toBe(64);
    h.free(a);
    expect(h.top).toBe(128); // the reservation pins the top
    expect(() => h.free(a)).toThrow(/not the start of a live block/);
    expect(() => h.free(r)).toThrow(/not the start of a live block/);
  });

  it('a random alloc/free churn never overlaps live blocks and frees back to the base', () => {
    const h = new WasmHeap(0);
    const rng = new Rng(7);
    const live = new Map<number, number>();
    let bad = 0;
    for (let i = 0; i < 3000; i++) {
      if (live.size > 0 && rng.uniform() < 0.45) {
        const keys = [...live.keys()];
        const k = keys[rng.int(keys.length)] as number;
        h.free(k);
        live.delete(k);
      } else {
        const bytes = 1 + rng.int(5000);
        const p = h.alloc(bytes);
        if (p % HEAP_ALIGN !== 0 || p + bytes > h.top) bad++;
        for (const [q, n] of live) if (!(p + bytes <= q || q + n <= p)) bad++;
        live.set(p, bytes);
      }
    }
    expect(bad).toBe(0);
    for (const k of live.keys()) h.free(k);
    expect(h.top).toBe(0);
    expect(h.freeBytes).toBe(0);
  });
});
