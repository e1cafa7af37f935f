import { describe, expect, it } from 'vitest';
import { BufferPool, activeBufferPool, allocationCounts, withBufferPool } from './buffer-pool.js';
import { allocData } from './dtype.js';

describe('BufferPool', () => {
  it('hands a given-back buffer out again, zero-filled, keyed by dtype and size', () => {
    const pool = new BufferPool();
    const a = pool.take('float32', 8);
    a.fill(7);
    expect(pool.give(a)).toBe(true);
    expect(pool.take('float64', 8)).not.toBe(a); // other dtype: a new one
    expect(pool.take('float32', 9)).not.toBe(a); // other size: a new one
    const b = pool.take('float32', 8);
    expect(b).toBe(a);
    expect([...b]).toEqual(new Array(8).fill(0));
    expect(pool.stats()).toMatchObject({ fresh: 3, reused: 1, released: 1, freeBytes: 0 });
  });

  it('refuses buffers it did not make, views, and a second give of the same buffer', () => {
    const pool = new BufferPool();
    expect(pool.give(new Float32Array(4))).toBe(false);
    const a = pool.take('float64', 6);
    expect(pool.give(a.subarray(0, 3))).toBe(false);
    expect(pool.give(a)).toBe(true);
    expect(pool.give(a)).toBe(false); // already free: two takers never share it
    expect(pool.take('float64', 6)).toBe(a);
    expect(pool.take('float64', 6)).not.toBe(a);
  });

  it('clear() drops the free lists only', () => {
    const pool = new BufferPool();
    const a = pool.take('float32', 4);
    pool.give(a);
    pool.clear();
    expect(pool.stats().freeBytes).toBe(0);
    expect(pool.take('float32', 4)).not.toBe(a);
  });

  it('allocData draws from the installed pool, and counts only new arrays', () => {
    const pool = new BufferPool();
    const a = withBufferPool(pool, () => {
      expect(activeBufferPool()).toBe(pool);
      return allocData('float32', 5);
    });
    expect(activeBufferPool()).toBeNull();
    pool.give(a);
    const before = allocationCounts();
    const b = withBufferPool(pool, () => allocData('float32', 5));
    expect(b).toBe(a);
    expect(allocationCounts()).toEqual(before); // a reuse creates nothing
    allocData('float32', 5);
    expect(allocationCounts().buffers).toBe(before.buffers + 1);
    expect(allocationCounts().bytes).toBe(before.bytes + 20);
  });
});
