import { describe, expect, it } from 'vitest';
import { ConfigError, DataError } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import { DataLoader, type Batch } from './data-loader.js';
import { createDataset, validateDataset } from './dataset.js';

/** 23 samples of 3 features: x[i] = [i, 10i, 100i], label i mod 4. */
function toy(n = 23): ReturnType<typeof createDataset> {
  const x = new Float64Array(n * 3);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    x.set([i, 10 * i, 100 * i], 3 * i);
    y[i] = i % 4;
  }
  return createDataset(x, y, { featureShape: [3], numClasses: 4 });
}

function snapshot(b: Batch): { idx: number[]; x: number[]; y: number[] } {
  return {
    idx: Array.from(b.indices),
    x: Array.from(b.x.data),
    y: Array.from(b.y instanceof Int32Array ? b.y : (b.y as Tensor).data),
  };
}

describe('DataLoader', () => {
  it('an epoch visits every sample once, in batches of batchSize with a smaller last one', () => {
    const loader = new DataLoader(toy(), { batchSize: 5, seed: 1 });
    expect(loader.length).toBe(5);
    const seen: number[] = [];
    const sizes: number[] = [];
    for (const b of loader) {
      sizes.push(b.size);
      expect(b.x.shape).toEqual([b.size, 3]);
      for (let i = 0; i < b.size; i++) {
        const r = b.indices[i] as number;
        seen.push(r);
        // rows and labels follow the indices
        expect(Array.from(b.x.data.subarray(3 * i, 3 * i + 3))).toEqual([r, 10 * r, 100 * r]);
        expect((b.y as Int32Array)[i]).toBe(r % 4);
      }
    }
    expect(sizes).toEqual([5, 5, 5, 5, 3]);
    expect(seen.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, i) => i));
    expect(seen).not.toEqual(Array.from({ length: 23 }, (_, i) => i)); // shuffled
    expect(loader.epoch).toBe(1);
  });

  it('dropLast drops the partial batch; shuffle false keeps the order', () => {
    const loader = new DataLoader(toy(), { batchSize: 5, shuffle: false, dropLast: true });
    const idx: number[] = [];
    for (const b of loader) idx.push(...b.indices); // copy now: the next batch reuses the buffer
    expect(idx).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('same seed → same order; each epoch reshuffles', () => {
    const a = new DataLoader(toy(), { batchSize: 23, seed: 7 });
    const b = new DataLoader(toy(), { batchSize: 23, seed: 7 });
    const a1 = Array.from(a.nextBatch().indices);
    expect(Array.from(b.nextBatch().indices)).toEqual(a1);
    expect(Array.from(a.nextBatch().indices)).not.toEqual(a1);
    // an Rng argument is forked: the loader does not consume the caller's stream afterwards
    const rng = new Rng(7);
    const c = new DataLoader(toy(), { batchSize: 23, seed: rng });
    const before = rng.state();
    c.nextBatch();
    expect(rng.state()).toEqual(before);
  });

  it('reuses its buffers by default (a batch is valid until the next one), not with reuseBuffers: false', () => {
    // collecting batches with [...loader] therefore needs reuseBuffers: false
    const collected = [
      ...new DataLoader(toy(), { batchSize: 5, shuffle: false, reuseBuffers: false }),
    ].flatMap((b) => Array.from(b.indices));
    expect(collected).toEqual(Array.from({ length: 23 }, (_, i) => i));
    const reuse = new DataLoader(toy(), { batchSize: 4, seed: 0 });
    const b1 = reuse.nextBatch();
    const kept = Array.from(b1.x.data);
    const b2 = reuse.nextBatch();
    expect(b2.x.data.buffer).toBe(b1.x.data.buffer);
    expect(Array.from(b1.x.data)).not.toEqual(kept); // overwritten
    const fresh = new DataLoader(toy(), { batchSize: 4, seed: 0, reuseBuffers: false });
    const c1 = fresh.nextBatch();
    const c2 = fresh.nextBatch();
    expect(c2.x.data.buffer).not.toBe(c1.x.data.buffer);
    expect(Array.from(c1.x.data)).toEqual(kept);
  });

  it('resumes bit-identically from a mid-epoch state (through JSON)', () => {
    const opts = { batchSize: 5, seed: 123 };
    const a = new DataLoader(toy(), opts);
    for (let i = 0; i < 7; i++) a.nextBatch(); // epoch 1, index 10
    const saved = JSON.parse(JSON.stringify(a.state()));
    expect(saved.epoch).toBe(1);
    expect(saved.index).toBe(10);
    const expected = Array.from({ length: 9 }, () => snapshot(a.nextBatch()));
    const b = new DataLoader(toy(), opts);
    b.loadState(saved);
    const got = Array.from({ length: 9 }, () => snapshot(b.nextBatch()));
    expect(got).toEqual(expected);
    expect(b.state()).toEqual(a.state());
  });

  it('a state taken at an epoch boundary reads { epoch: e + 1, index: 0 }', () => {
    const a = new DataLoader(toy(), { batchSize: 5, seed: 3 });
    for (const _ of a) void _;
    const s = a.state();
    expect([s.epoch, s.index]).toEqual([1, 0]);
    const next = snapshot(a.nextBatch());
    const b = new DataLoader(toy(), { batchSize: 5, seed: 3 });
    b.loadState(s);
    expect(snapshot(b.nextBatch())).toEqual(next);
  });

  it('loadState refuses a state from a different configuration', () => {
    const s = new DataLoader(toy(), { batchSize: 5 }).state();
    expect(() => new DataLoader(toy(), { batchSize: 6 }).loadState(s)).toThrow(
      /batchSize is 5 in the state but 6 in this loader/,
    );
    expect(() => new DataLoader(toy(20), { batchSize: 5 }).loadState(s)).toThrow(ConfigError);
  });

  it('NaN/Inf features → DataError naming the sample, or skipped and counted', () => {
    const ds = toy();
    ds.x[3 * 17 + 1] = NaN;
    ds.x[3 * 4] = Infinity;
    expect(() => new DataLoader(ds, { batchSize: 4 })).toThrow(DataError);
    expect(() => new DataLoader(ds, { batchSize: 4 })).toThrow(
      /sample 4: x\[4\] has Infinity at feature 0/,
    );
    const loader = new DataLoader(ds, { batchSize: 4, onInvalid: 'skip' });
    expect(loader.skipped).toEqual([4, 17]);
    expect(loader.numSamples).toBe(21);
    const idx: number[] = [];
    for (const b of loader) idx.push(...b.indices);
    expect(idx.sort((a, b) => a - b)).toEqual(
      Array.from({ length: 23 }, (_, i) => i).filter((i) => i !== 4 && i !== 17),
    );
    expect(idx).not.toContain(4);
    expect(idx).not.toContain(17);
  });

  it('labels out of range → DataError naming the sample and the range', () => {
    const ds = toy();
    ds.y[9] = 4;
    expect(() => new DataLoader(ds, { batchSize: 4 })).toThrow(
      /sample 9: label 4 of sample 9 is out of range \[0, 4\)/,
    );
    const neg = toy();
    neg.y[2] = -1;
    expect(() => validateDataset(neg)).toThrow(DataError);
  });

  it('float targets come out as a Tensor [B, ...targetShape]; NaN targets are caught', () => {
    const x = new Float32Array(12);
    const y = new Float32Array([0, 1, 2, 3, 4, 5, 6, 7]);
    const ds = createDataset(x, y, { featureShape: [3], targetShape: [2] });
    expect(ds.length).toBe(4);
    const b = new DataLoader(ds, { batchSize: 4, shuffle: false }).nextBatch();
    expect((b.y as Tensor).shape).toEqual([4, 2]);
    expect(Array.from((b.y as Tensor).data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    y[5] = NaN;
    expect(() => new DataLoader(ds, { batchSize: 2 })).toThrow(
      /sample 2: target y\[2\] has NaN at position 1/,
    );
  });

  it('converts to the requested dtype', () => {
    const b = new DataLoader(toy(), { batchSize: 3, dtype: 'float32' }).nextBatch();
    expect(b.x.dtype).toBe('float32');
  });

  it('validates options', () => {
    expect(() => new DataLoader(toy(), { batchSize: 0 })).toThrow(
      /batchSize must be a positive integer, got 0/,
    );
    const empty = new DataLoader(toy(3), { batchSize: 5, dropLast: true });
    expect(empty.length).toBe(0);
    expect([...empty]).toEqual([]);
    expect(empty.epoch).toBe(1);
    expect(() => empty.nextBatch()).toThrow(ConfigError);
    expect(() =>
      createDataset(new Float32Array(7), new Int32Array(3), { featureShape: [2] }),
    ).toThrow(/x has 7 values, expected 3 samples/);
  });
});
