import { ConfigError, DataError, ShapeError, fmt } from '../errors.js';
import type { TypedArray } from '../tensor/dtype.js';
import { sizeOf } from '../tensor/shape.js';

/**
 * An in-memory dataset of `length` samples: features `x` stored row-major as
 * [length, ...featureShape], and either integer class labels (`y` an Int32Array of `length`) or
 * float regression targets (`y` a Float32Array/Float64Array of [length, ...targetShape]).
 */
export interface Dataset {
  /** Features, row-major [length, ...featureShape]. */
  readonly x: TypedArray;
  /** Shape of one sample's features, e.g. [784] or [1, 28, 28]. */
  readonly featureShape: readonly number[];
  /** Class labels (Int32Array [length]) or regression targets (float [length, ...targetShape]). */
  readonly y: Int32Array | TypedArray;
  /** Shape of one sample's target when `y` is float (default [y.length / length]). */
  readonly targetShape?: readonly number[];
  /** Number of classes when `y` holds labels: every label must be in [0, numClasses). */
  readonly numClasses?: number;
  /** Number of samples. */
  readonly length: number;
}

/** Options of {@link createDataset}. */
export interface CreateDatasetOptions {
  /** Shape of one sample (default [x.length / n], n = number of labels or targets). */
  featureShape?: readonly number[];
  /** Shape of one target when y is float (default [y.length / n]). */
  targetShape?: readonly number[];
  /** Number of classes when y holds labels. */
  numClasses?: number;
  /** Number of samples, needed when y holds float targets of more than one value each. */
  length?: number;
}

function isLabels(y: Int32Array | TypedArray): y is Int32Array {
  return y instanceof Int32Array;
}

/**
 * Wraps features and labels (or targets) as a {@link Dataset}, checking that the sizes agree.
 * Values are checked by the DataLoader (or {@link validateDataset}), not here.
 * @example createDataset(new Float32Array(6), new Int32Array([0, 1, 1]), { featureShape: [2], numClasses: 2 })
 */
export function createDataset(
  x: TypedArray,
  y: Int32Array | TypedArray,
  options: CreateDatasetOptions = {},
): Dataset {
  if (!(x instanceof Float32Array || x instanceof Float64Array)) {
    throw new ConfigError(`createDataset: x must be a Float32Array or Float64Array, got ${fmt(x)}`);
  }
  if (!(y instanceof Int32Array || y instanceof Float32Array || y instanceof Float64Array)) {
    throw new ConfigError(
      `createDataset: y must be an Int32Array of labels or a Float32Array/Float64Array of targets, got ${fmt(y)}`,
    );
  }
  let length = options.length;
  if (length === undefined) {
    if (isLabels(y) || options.targetShape === undefined) length = y.length;
    else length = y.length / Math.max(1, sizeOf(options.targetShape));
  }
  if (!Number.isInteger(length) || length < 0)
    throw new ShapeError(`createDataset: cannot infer the number of samples (got ${fmt(length)})`);
  const featureShape = options.featureShape ?? [length === 0 ? 0 : x.length / length];
  const featureSize = sizeOf(featureShape);
  if (
    !featureShape.every((d) => Number.isInteger(d) && d >= 0) ||
    featureSize * length !== x.length
  ) {
    throw new ShapeError(
      `createDataset: x has ${x.length} values, expected ${length} samples × featureShape ${fmt(featureShape)} = ${featureSize * length}`,
    );
  }
  if (isLabels(y)) {
    if (y.length !== length)
      throw new ShapeError(`createDataset: y has ${y.length} labels for ${length} samples`);
    if (
      options.numClasses !== undefined &&
      !(Number.isInteger(options.numClasses) && options.numClasses > 0)
    ) {
      throw new ConfigError(
        `createDataset: numClasses must be a positive integer, got ${fmt(options.numClasses)}`,
      );
    }
    const ds: Dataset = { x, featureShape: [...featureShape], y, length };
    return options.numClasses === undefined ? ds : { ...ds, numClasses: options.numClasses };
  }
  const targetShape = options.targetShape ?? [length === 0 ? 1 : y.length / length];
  if (sizeOf(targetShape) * length !== y.length) {
    throw new ShapeError(
      `createDataset: y has ${y.length} targets, expected ${length} samples × targetShape ${fmt(targetShape)}`,
    );
  }
  return { x, featureShape: [...featureShape], y, targetShape: [...targetShape], length };
}

/** What {@link validateDataset} found. */
export interface ValidationReport {
  /** Indices of the samples that passed, ascending. */
  valid: Int32Array;
  /** Indices of the samples skipped (only with onInvalid: 'skip'). */
  skipped: number[];
}

/**
 * Checks every sample: features and float targets finite, labels integers in [0, numClasses)
 * (or ≥ 0 without numClasses). With onInvalid 'throw' (default) the first bad sample throws a
 * DataError naming its index, the field, the position and the value; with 'skip' bad samples
 * are listed and left out of `valid`.
 * @example validateDataset(ds, { onInvalid: 'skip' }).skipped.length
 */
export function validateDataset(
  ds: Dataset,
  options: { onInvalid?: 'throw' | 'skip'; numClasses?: number } = {},
): ValidationReport {
  const onInvalid = options.onInvalid ?? 'throw';
  if (onInvalid !== 'throw' && onInvalid !== 'skip') {
    throw new ConfigError(`onInvalid must be 'throw' or 'skip', got ${fmt(onInvalid)}`);
  }
  const numClasses = options.numClasses ?? ds.numClasses;
  const f = sizeOf(ds.featureShape);
  const y = ds.y;
  const labels = isLabels(y);
  const t = labels ? 1 : y.length / Math.max(ds.length, 1);
  const valid: number[] = [];
  const skipped: number[] = [];
  for (let i = 0; i < ds.length; i++) {
    let problem: string | null = null;
    for (let j = 0; j < f; j++) {
      const v = ds.x[i * f + j] as number;
      if (!Number.isFinite(v)) {
        problem = `x[${i}] has ${fmt(v)} at feature ${j}`;
        break;
      }
    }
    if (problem === null && labels) {
      const label = y[i] as number;
      if (label < 0 || (numClasses !== undefined && label >= numClasses)) {
        problem = `label ${label} of sample ${i} is out of range [0, ${numClasses ?? 'inf'})`;
      }
    } else if (problem === null) {
      for (let j = 0; j < t; j++) {
        const v = y[i * t + j] as number;
        if (!Number.isFinite(v)) {
          problem = `target y[${i}] has ${fmt(v)} at position ${j}`;
          break;
        }
      }
    }
    if (problem === null) valid.push(i);
    else if (onInvalid === 'skip') skipped.push(i);
    else
      throw new DataError(`sample ${i}: ${problem} (pass onInvalid: 'skip' to drop such samples)`);
  }
  return { valid: Int32Array.from(valid), skipped };
}
