import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { BudgetError, ConfigError, DataError } from '../errors.js';
import { dataFileFormat } from './data-file.js';
import { loadDataFiles } from './file-data-node.js';
import { encodeIdx } from './idx.js';
import { encodeNpy } from './npy.js';

const tmp = mkdtempSync(join(tmpdir(), 'gs-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, content: string | Uint8Array): string => {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
};

describe('dataFileFormat', () => {
  it('infers the format from the name', () => {
    expect(dataFileFormat('a/b.CSV')).toBe('csv');
    expect(dataFileFormat('x.tsv')).toBe('csv');
    expect(dataFileFormat('x.npy')).toBe('npy');
    expect(dataFileFormat('x.ndjson')).toBe('jsonl');
    expect(dataFileFormat('train-images-idx3-ubyte.gz')).toBe('idx');
    expect(dataFileFormat('x.idx1')).toBe('idx');
    expect(dataFileFormat('x.dat')).toBeNull();
  });
});

describe('CSV', () => {
  const csv = file(
    'flowers.csv',
    'a,b,species\n1,10,red\n2,20,blue\n3,30,red\n4,40,green\n5,50,blue\n',
  );
  it('reads a header, string labels (sorted into classes) and holds out a seeded fraction', async () => {
    const d = await loadDataFiles({ path: csv, labelColumn: 'species' }, { testFraction: 0.4 });
    expect(d.classes).toEqual(['blue', 'green', 'red']);
    expect(d.features).toBe(2);
    expect(d.train.length + (d.test?.length ?? 0)).toBe(5);
    expect(d.test?.length).toBe(2);
    // Same seed, same split; another seed, (here) another split.
    const again = await loadDataFiles({ path: csv }, { testFraction: 0.4 });
    expect(Array.from(again.train.x)).toEqual(Array.from(d.train.x));
  });
  it('standardizes with the training statistics (mean 0, std 1 per feature on the training part)', async () => {
    const d = await loadDataFiles({ path: csv }, { testFraction: 0, normalize: 'standard' });
    const x = Array.from(d.train.x);
    const col = (j: number): number[] => x.filter((_, i) => i % 2 === j);
    for (const j of [0, 1]) {
      const c = col(j);
      const mean = c.reduce((a, b) => a + b, 0) / c.length;
      const sd = Math.sqrt(c.reduce((a, b) => a + (b - mean) ** 2, 0) / c.length);
      expect(mean).toBeCloseTo(0, 6);
      expect(sd).toBeCloseTo(1, 6);
    }
    // x = 1..5: mean 3, population std √2; the first sample (1) becomes (1 − 3)/√2.
    expect(d.train.x[0]).toBeCloseTo(-2 / Math.SQRT2, 6);
  });
  it('minmax and maxAbs', async () => {
    const mm = await loadDataFiles({ path: csv }, { testFraction: 0, normalize: 'minmax' });
    expect(Array.from(mm.train.x.subarray(0, 2))).toEqual([0, 0]);
    expect(Array.from(mm.train.x.subarray(8, 10))).toEqual([1, 1]);
    const ma = await loadDataFiles({ path: csv }, { testFraction: 0, normalize: 'maxAbs' });
    // One scale for all features: max |x| = 50.
    expect(ma.train.x[0]).toBeCloseTo(1 / 50, 7);
  });
  it('detects a missing header, takes a label column by index and a tab-separated file', async () => {
    const p = file('nohead.tsv', '0\t1.5\t2\n1\t-1\t3\n0\t2\t1\n');
    const d = await loadDataFiles({ path: p, labelColumn: 0 }, { testFraction: 0 });
    expect(d.classes).toEqual(['0', '1']);
    expect(Array.from(d.train.x)).toEqual([1.5, 2, -1, 3, 2, 1]);
    expect(Array.from(d.train.y)).toEqual([0, 1, 0]);
  });
  it('reads regression targets', async () => {
    const p = file('reg.csv', 'x,y\n1,0.5\n2,1.5\n3,2.5\n');
    const d = await loadDataFiles({ path: p }, { task: 'regression', testFraction: 0 });
    expect(d.classes).toBeNull();
    expect(d.outputSize).toBe(1);
    expect(Array.from(d.train.y)).toEqual([0.5, 1.5, 2.5]);
  });
  it('names the file, line and column of bad data', async () => {
    const bad = async (text: string, re: RegExp, opts = {}): Promise<void> => {
      const p = file('bad.csv', text);
      await expect(loadDataFiles({ path: p, ...opts }, { testFraction: 0 })).rejects.toThrow(re);
    };
    await bad(
      'a,b,y\n1,2,u\n3,NaN,v\n',
      /bad\.csv:3:3: NaN in column "b": NaN and Infinity are refused in the data \(row 2\)/,
    );
    await bad(
      'a,b,y\n1,2,u\n3,4\n',
      /bad\.csv:3: 2 fields, expected 3 as in line 1 \(mismatched feature count\)/,
    );
    await bad('a,b,y\n1,2,u\n3,x4,v\n', /bad\.csv:3:3: "x4" in column "b" is not a number/);
    await bad('a,b,y\n1,,u\n3,4,v\n', /bad\.csv:2:3: empty value in column "b"/);
    await bad(
      'a,b,y\n1,2,u\n',
      /no column named "label" in the header; expected one of "a", "b", "y"/,
      {
        labelColumn: 'label',
      },
    );
    await bad('a,b,y\n1,2,"u\n', /bad\.csv:2:5: unterminated quoted field/);
    await bad('a,b,y\n1,2,u\n', /labels have only 1 class/);
    await bad(
      'a,b,y\n1,2,u\n3,4,nan\n',
      /bad\.csv:3:5: label "nan" in column "y": NaN and Infinity are refused as class labels \(row 2\)/,
    );
  });
  it('refuses a test file label that the training file lacks, and a label outside data.classes', async () => {
    const train = file('tr.csv', 'a,y\n1,cat\n2,dog\n');
    const test = file('te.csv', 'a,y\n1,cat\n2,cow\n');
    await expect(loadDataFiles({ path: train, testPath: test })).rejects.toThrow(
      /te\.csv:3:3: label "cow" is not a class of the training data; expected one of "cat", "dog" \(unknown label value\)/,
    );
    await expect(
      loadDataFiles({ path: train }, { classes: ['cat', 'bird'], testFraction: 0 }),
    ).rejects.toThrow(/tr\.csv:3:3: label "dog" is not one of data\.classes/);
    const wide = file('wide.csv', 'a,b,y\n1,2,cat\n');
    await expect(loadDataFiles({ path: train, testPath: wide })).rejects.toThrow(
      /wide\.csv:2: 2 features per sample, but the training data has 1 \(mismatched feature count\)/,
    );
  });
  it('refuses a file over the memory budget before reading it', async () => {
    await expect(loadDataFiles({ path: csv }, { maxBytes: 10 })).rejects.toThrow(BudgetError);
    await expect(loadDataFiles({ path: join(tmp, 'missing.csv') })).rejects.toThrow(
      /data\.path = ".*missing\.csv": cannot read the file/,
    );
  });
});

describe('IDX', () => {
  const x = encodeIdx({
    type: 'uint8',
    dims: [4, 2, 2],
    data: Uint8Array.from({ length: 16 }, (_, i) => i * 10),
  });
  const y = encodeIdx({ type: 'uint8', dims: [4], data: new Uint8Array([0, 1, 2, 1]) });
  it('reads plain and gzipped pairs, flattening [N, 2, 2] to 4 features', async () => {
    const plain = await loadDataFiles(
      { path: file('x-idx3-ubyte', x), labels: file('y-idx1-ubyte', y) },
      { testFraction: 0 },
    );
    const gz = await loadDataFiles(
      { path: file('x-idx3-ubyte.gz', gzipSync(x)), labels: file('y-idx1-ubyte.gz', gzipSync(y)) },
      { testFraction: 0, normalize: 'maxAbs' },
    );
    expect(plain.features).toBe(4);
    expect(plain.classes).toEqual(['0', '1', '2']);
    expect(Array.from(plain.train.y)).toEqual([0, 1, 2, 1]);
    expect(gz.train.x[15]).toBeCloseTo(1, 6); // 150 / 150
    expect(gz.train.x[1]).toBeCloseTo(10 / 150, 6);
  });
  it('refuses mismatched counts and a missing labels file', async () => {
    const y3 = encodeIdx({ type: 'uint8', dims: [3], data: new Uint8Array([0, 1, 2]) });
    await expect(
      loadDataFiles({ path: file('x2-idx3-ubyte', x), labels: file('y3-idx1-ubyte', y3) }),
    ).rejects.toThrow(/y3-idx1-ubyte has 3 labels \(shape \[3\]\) for the 4 samples/);
    await expect(loadDataFiles({ path: file('x3-idx3-ubyte', x) })).rejects.toThrow(
      /data\.labels is missing/,
    );
  });
});

describe('.npy', () => {
  it('reads float32 features and int32 labels', async () => {
    const d = await loadDataFiles(
      {
        path: file(
          'x.npy',
          encodeNpy({
            dtype: 'float32',
            shape: [3, 2],
            data: new Float32Array([1, 2, 3, 4, 5, 6]),
          }),
        ),
        labels: file(
          'y.npy',
          encodeNpy({ dtype: 'int32', shape: [3], data: new Int32Array([1, 0, 1]) }),
        ),
      },
      { testFraction: 0, dtype: 'float64' },
    );
    expect(Array.from(d.train.x)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(d.train.y)).toEqual([1, 0, 1]);
  });
  it('reads the NumPy-written fixture and refuses NaN with the sample', async () => {
    const fx = new URL('../../reference/npy/f8-3x2-v2.npy', import.meta.url).pathname;
    const d = await loadDataFiles(
      {
        path: fx,
        labels: file(
          'y3.npy',
          encodeNpy({ dtype: 'uint8', shape: [3], data: new Uint8Array([0, 1, 0]) }),
        ),
      },
      { testFraction: 0, dtype: 'float64' },
    );
    expect(d.train.length).toBe(3);
    const nan = file(
      'nan.npy',
      encodeNpy({ dtype: 'float64', shape: [2, 2], data: new Float64Array([1, 2, NaN, 4]) }),
    );
    await expect(
      loadDataFiles({
        path: nan,
        labels: file(
          'y2.npy',
          encodeNpy({ dtype: 'int32', shape: [2], data: new Int32Array([0, 1]) }),
        ),
      }),
    ).rejects.toThrow(/nan\.npy: sample 1 has NaN at feature 0: NaN and Infinity are refused/);
  });
  it('refuses an absurd declared shape before reading the data', async () => {
    // A 128-byte header that declares 100000 × 100000 float64 (80 GB).
    const dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }";
    const head = new Uint8Array(10 + dict.length);
    head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, dict.length, 0]);
    for (let i = 0; i < dict.length; i++) head[10 + i] = dict.charCodeAt(i);
    const p = file('huge.npy', head);
    const e = await loadDataFiles({ path: p, labels: p }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(BudgetError);
    expect((e as Error).message).toMatch(
      /data\.path = ".*huge\.npy" declares shape \(100000, 100000\) = 10000000000 elements/,
    );
  });
});

describe('JSONL', () => {
  it('reads features and labels, with custom keys', async () => {
    const p = file('d.jsonl', '{"x":[1,2],"y":"a"}\n\n{"x":[3,4],"y":"b"}\n');
    const d = await loadDataFiles(
      { path: p, featuresKey: 'x', labelColumn: 'y' },
      { testFraction: 0 },
    );
    expect(d.classes).toEqual(['a', 'b']);
    expect(Array.from(d.train.x)).toEqual([1, 2, 3, 4]);
  });
  it('names the line of bad records', async () => {
    const bad = (text: string): Promise<unknown> =>
      loadDataFiles({ path: file('bad.jsonl', text) }, { testFraction: 0 });
    await expect(bad('{"features":[1],"label":0}\n{"features":[1,2],"label":1}\n')).rejects.toThrow(
      /bad\.jsonl:2: "features" has 2 values, expected 1 as in line 1 \(mismatched feature count\)/,
    );
    await expect(bad('{"features":[1],"label":0}\n{"features":[1],"label":1,}\n')).rejects.toThrow(
      /bad\.jsonl:2(:\d+)?: invalid JSON/,
    );
    await expect(bad('{"features":[1e999],"label":0}\n')).rejects.toThrow(
      /bad\.jsonl:1: "features"\[0\] = Infinity is not a finite number/,
    );
    await expect(bad('{"features":[1]}\n')).rejects.toThrow(/bad\.jsonl:1: "label" is missing/);
  });
});

describe('errors', () => {
  it('unknown format and unreadable files are ConfigErrors, bad content DataErrors', async () => {
    await expect(loadDataFiles({ path: file('x.dat', '1,2') })).rejects.toThrow(ConfigError);
    await expect(loadDataFiles({ path: file('e.csv', '\n\n') })).rejects.toThrow(DataError);
  });
});
