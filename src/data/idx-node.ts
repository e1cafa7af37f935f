// Node-only: reads files and gunzips. The parsing itself is in idx.ts (pure, browser-safe).
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { DataError } from '../errors.js';
import type { Dataset } from './dataset.js';
import {
  idxDeclaredBytes,
  isGzip,
  mnistFromIdx,
  parseIdx,
  type IdxArray,
  type MnistIdxOptions,
} from './idx.js';

/** Default limit of a decompressed file: 4 GiB (the default memory budget, train/budget.ts). */
const DEFAULT_MAX_BYTES = 4 * 2 ** 30;
/** Compressed bytes decompressed to read the IDX header (at most ~4 MiB of output). */
const HEADER_PROBE = 4096;

/** Options of {@link readMaybeGzip} and {@link readIdxFile}. */
export interface ReadIdxOptions {
  /** Largest file (after decompression) accepted, in bytes (default 4 GiB). */
  maxBytes?: number;
}

/**
 * Gunzips an IDX file with its output bounded by the size its header declares: the header is read
 * from the first compressed bytes, then the stream is inflated with at most that many bytes (+1,
 * so that trailing data is reported by parseIdx). A 1 MB gzip bomb that expands to 1 GiB fails
 * after the declared size, in bounded memory.
 */
function gunzipIdx(bytes: Uint8Array, path: string, maxBytes: number): Uint8Array {
  const view = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  let head: Uint8Array;
  try {
    head = view(
      gunzipSync(bytes.subarray(0, HEADER_PROBE), { finishFlush: zlibConstants.Z_SYNC_FLUSH }),
    );
  } catch (e) {
    throw new DataError(`${path}: corrupt gzip data (${(e as Error).message})`);
  }
  const declared = idxDeclaredBytes(head);
  // Not an IDX header (or too short to hold one): parseIdx words the problem.
  if (declared === null) return head;
  if (declared > maxBytes)
    throw new DataError(
      `${path}: the IDX header declares ${declared} bytes, over the limit of ${maxBytes} bytes (the maxBytes option)`,
    );
  try {
    return view(gunzipSync(bytes, { maxOutputLength: Math.max(declared + 1, 1) }));
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new DataError(
        `${path}: the gzip data decompresses to more than the ${declared} bytes its IDX header declares (stopped there)`,
      );
    throw new DataError(`${path}: corrupt or truncated gzip data (${(e as Error).message})`);
  }
}

/**
 * Reads a file's bytes, gunzipping when it starts with the gzip magic (whatever its name), with
 * decompression bounded by the IDX header's declared size (and `maxBytes`). A missing file, a
 * corrupt gzip stream or a stream longer than declared throws a DataError naming the path.
 * @example const bytes = await readMaybeGzip('t10k-labels-idx1-ubyte.gz');
 */
export async function readMaybeGzip(
  path: string,
  options: ReadIdxOptions = {},
): Promise<Uint8Array> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (e) {
    throw new DataError(`${path}: cannot read file (${(e as Error).message})`);
  }
  const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!isGzip(bytes)) {
    if (bytes.length > maxBytes)
      throw new DataError(`${path}: ${bytes.length} bytes, over the limit of ${maxBytes} bytes`);
    return bytes;
  }
  return gunzipIdx(bytes, path, maxBytes);
}

/**
 * Reads and parses one IDX file (plain or gzip).
 * @example (await readIdxFile('train-labels-idx1-ubyte.gz')).dims // [60000]
 * @see Y. LeCun, C. Cortes, C. Burges, "The MNIST database of handwritten digits"
 */
export async function readIdxFile(path: string, options: ReadIdxOptions = {}): Promise<IdxArray> {
  return parseIdx(await readMaybeGzip(path, options), path);
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
