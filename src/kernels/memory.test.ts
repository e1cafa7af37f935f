import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { allocArray, arrayView, isResident, releaseArray } from './memory.js';
import { loadWasmKernels } from './wasm/loader.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const live = (): number => loadWasmKernels().residentStats().liveBytes;

/** Collects garbage until `done()` or `rounds` rounds (finalizers run on later tasks). */
async function collectUntil(done: () => boolean, rounds = 100): Promise<void> {
  for (let i = 0; i < rounds && !done(); i++) {
    gc();
    await new Promise((r) => setTimeout(r, 5));
  }
}

// Node has SharedArrayBuffer: float32 arrays from the memory owner are resident here.
describe('the kernels memory owner', () => {
  it('places float32 arrays in the shared wasm memory, float64 ones outside, zeroed', () => {
    const a = allocArray('float32', 1000);
    const b = allocArray('float64', 1000);
    expect(isResident(a)).toBe(true);
    expect(isResident(arrayView(a, 10, 20))).toBe(true);
    expect(isResident(b)).toBe(false);
    expect(isResident(new Float32Array(4))).toBe(false);
    expect(a.every((v) => v === 0) && b.every((v) => v === 0)).toBe(true);
    expect(releaseArray(a)).toBe(true);
    expect(releaseArray(a)).toBe(false); // already released: not freed twice
    expect(releaseArray(b)).toBe(false); // the garbage collector's
  });

  it('releaseArray gives the bytes back and the next array reuses them', () => {
    const before = live();
    const a = allocArray('float32', 5000);
    expect(live() - before).toBe(20032); // 20 000 bytes rounded up to 64
    const at = a.byteOffset;
    a.fill(7);
    releaseArray(a);
    expect(live()).toBe(before);
    const b = allocArray('float32', 5000);
    expect(b.byteOffset).toBe(at); // first fit: the same block
    expect(b.every((v) => v === 0)).toBe(true); // zeroed again
    releaseArray(b);
  });

  it('frees an unreachable array (FinalizationRegistry backstop), not while a view lives', async () => {
    const before = live();
    let view: Float32Array | Float64Array | null = arrayView(allocArray('float32', 100_000), 5, 10);
    // The base is unreachable, but the view made with arrayView keeps its memory.
    await collectUntil(() => live() === before, 10);
    expect(live()).toBeGreaterThan(before);
    expect(view.length).toBe(5);
    view = null;
    await collectUntil(() => live() === before);
    expect(live()).toBe(before);
  });
});
