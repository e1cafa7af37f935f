// Node-only: reads files and gunzips. The parsing itself is in idx.ts (pure, browser-safe).
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../errors.js';
import type { Dataset } from './dataset.js';
import { isGzip, mnistFromIdx, parseIdx, type IdxArray, type MnistIdxOptions } from './idx.js';

/**
 * Reads a file's bytes, gunzipping when it starts with the gzip magic (whatever its name). A
 * missing file or a corrupt gzip stream throws a DataError naming the path.
 * @example const bytes = await readMaybeGzip('t10k-labels-idx1-ubyte.gz');
 */
export async function readMaybeGzip(path: string): Promise<Uint8Array> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (e) {
    throw new DataError(`${path}: cannot read file (${(e as Error).message})`);
  }
  const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  if (!isGzip(bytes)) return bytes;
  try {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    throw new DataError(`${path}: corrupt or truncated gzip data (${(e as Error).message})`);
  }
}

/**
 * Reads and parses one IDX file (plain or gzip).
 * @example (await readIdxFile('train-labels-idx1-ubyte.gz')).dims // [60000]
 * @see Y. LeCun, C. Cortes, C. Burges, "The MNIST database of handwritten digits"
 */
export async function readIdxFile(path: string): Promise<IdxArray> {
  return parseIdx(await readMaybeGzip(path), path);
}

/**
 * Loads an MNIST-format images/labels pair (plain or gzip) as a {@link Dataset} — the full 70,000
 * MNIST digits, Fashion-MNIST or any IDX pair. See {@link mnistFromIdx} for scaling and checks.
 * @example const train = await loadMnistIdx({ images: 'data/train-images-idx3-ubyte.gz', labels: 'data/train-labels-idx1-ubyte.gz' });
 */
export async function loadMnistIdx(
  paths: { images: string; labels: string },
  options: MnistIdxOptions = {},
): Promise<Dataset> {
  const [images, labels] = await Promise.all([
    readMaybeGzip(paths.images),
    readMaybeGzip(paths.labels),
  ]);
  return mnistFromIdx(images, labels, {
    imagesName: paths.images,
    labelsName: paths.labels,
    ...options,
  });
}

/**
 * Loads the standard MNIST files from a directory: train-images-idx3-ubyte, train-labels-idx1-ubyte,
 * t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each with or without `.gz`.
 * @example const { train, test } = await loadMnistDir('~/data/mnist');
 */
export async function loadMnistDir(
  dir: string,
  options: MnistIdxOptions = {},
): Promise<{ train: Dataset; test: Dataset }> {
  const find = async (base: string): Promise<string | null> => {
    for (const name of [base, `${base}.gz`]) {
      const p = join(dir, name);
      try {
        await access(p);
        return p;
      } catch {
        // try the next spelling
      }
    }
    return null;
  };
  const names = [
    'train-images-idx3-ubyte',
    'train-labels-idx1-ubyte',
    't10k-images-idx3-ubyte',
    't10k-labels-idx1-ubyte',
  ];
  const found = await Promise.all(names.map(find));
  const missing = names.filter((_, i) => found[i] === null);
  if (missing.length > 0)
    throw new DataError(`${dir}: missing ${missing.map((m) => `${m}[.gz]`).join(', ')}`);
  const [trI, trL, teI, teL] = found as [string, string, string, string];
  const [train, test] = await Promise.all([
    loadMnistIdx({ images: trI, labels: trL }, options),
    loadMnistIdx({ images: teI, labels: teL }, options),
  ]);
  return { train, test };
}
