import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../errors.js';
import { encodeIdx } from './idx.js';
import { loadMnistDir, loadMnistIdx, readIdxFile } from './idx-node.js';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const imgBytes = encodeIdx({
  type: 'uint8',
  dims: [3, 2, 2],
  data: Uint8Array.from([0, 51, 102, 255, 1, 2, 3, 4, 5, 6, 7, 8]),
});
const labBytes = encodeIdx({ type: 'uint8', dims: [3], data: Uint8Array.from([7, 0, 9]) });

function write(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

describe('IDX files (Node loader)', () => {
  // Issue 15: a small gzip that expands far past what its header declares (a gzip bomb) used to be
  // inflated completely before parseIdx noticed; decompression now stops at the declared size.
  it('stops decompressing at the size the IDX header declares', async () => {
    const header = encodeIdx({ type: 'uint8', dims: [10], data: new Uint8Array(10) });
    const bomb = new Uint8Array(header.length + 64 * 2 ** 20); // header + 64 MiB of zeros
    bomb.set(header);
    const p = write('bomb-idx1-ubyte.gz', gzipSync(bomb, { level: 1 }));
    await expect(readIdxFile(p)).rejects.toThrow(
      /decompresses to more than the 18 bytes its IDX header declares/,
    );
    // A header that declares more than the limit is refused before inflating.
    await expect(readIdxFile(p, { maxBytes: 10 })).rejects.toThrow(
      /declares 18 bytes, over the limit of 10 bytes/,
    );
    // One trailing byte is still parseIdx's "trailing bytes" error.
    const one = new Uint8Array(header.length + 1);
    one.set(header);
    await expect(readIdxFile(write('one-idx1-ubyte.gz', gzipSync(one)))).rejects.toThrow(
      /1 unexpected trailing bytes/,
    );
  });

  it('reads plain and gzip files alike', async () => {
    const plain = await readIdxFile(write('plain-idx3-ubyte', imgBytes));
    const gz = await readIdxFile(write('gz-idx3-ubyte.gz', gzipSync(imgBytes)));
    expect(plain.dims).toEqual([3, 2, 2]);
    expect(Array.from(gz.data)).toEqual(Array.from(plain.data));
  });

  it('loads an images/labels pair as a dataset', async () => {
    const ds = await loadMnistIdx({
      images: write('i.gz', gzipSync(imgBytes)),
      labels: write('l', labBytes),
    });
    expect(Array.from(ds.y)).toEqual([7, 0, 9]);
    expect(Array.from(ds.x.subarray(0, 4))).toEqual([0, 0.2, 0.4, 1].map(Math.fround));
  });

  it('loads the standard file names from a directory (.gz or not)', async () => {
    const d = mkdtempSync(join(dir, 'mnist-'));
    writeFileSync(join(d, 'train-images-idx3-ubyte.gz'), gzipSync(imgBytes));
    writeFileSync(join(d, 'train-labels-idx1-ubyte'), labBytes);
    writeFileSync(join(d, 't10k-images-idx3-ubyte'), imgBytes);
    writeFileSync(join(d, 't10k-labels-idx1-ubyte.gz'), gzipSync(labBytes));
    const { train, test } = await loadMnistDir(d);
    expect(train.length).toBe(3);
    expect(test.length).toBe(3);
    await expect(loadMnistDir(dir)).rejects.toThrow(
      /missing train-images-idx3-ubyte\[\.gz\], train-labels-idx1-ubyte\[\.gz\], t10k-images/,
    );
  });

  it('corrupt variants: truncated gzip, truncated data, wrong counts, bad magic, missing file', async () => {
    const gz = gzipSync(imgBytes);
    await expect(readIdxFile(write('cut.gz', gz.subarray(0, gz.length - 6)))).rejects.toThrow(
      /corrupt or truncated gzip data/,
    );
    await expect(
      readIdxFile(write('short', imgBytes.subarray(0, imgBytes.length - 3))),
    ).rejects.toThrow(/truncated: dimensions \[3, 2, 2\] of uint8 need 28 bytes, the data has 25/);
    const twoLabels = encodeIdx({ type: 'uint8', dims: [2], data: Uint8Array.from([1, 2]) });
    await expect(
      loadMnistIdx({ images: write('i3', imgBytes), labels: write('l2', twoLabels) }),
    ).rejects.toThrow(/has 3 images but .*l2 has 2 labels/);
    await expect(
      readIdxFile(write('text.txt', new TextEncoder().encode('hello world'))),
    ).rejects.toThrow(/bad magic number/);
    await expect(readIdxFile(join(dir, 'nope'))).rejects.toThrow(DataError);
  });
});
