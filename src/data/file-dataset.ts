import { ConfigError, DataError, fmt } from '../errors.js';
import { allocData, type DType } from '../tensor/dtype.js';
import { Rng } from '../tensor/rng.js';
import { createDataset, type Dataset } from './dataset.js';
import type { LabeledRows } from './labeled-rows.js';

/** Feature scaling of a user's data, with statistics of the training part only. */
export type FeatureNormalization = 'none' | 'standard' | 'minmax' | 'maxAbs';

/** Options of {@link fileDatasets}. */
export interface FileDatasetOptions {
  /** Class labels (default) or real-valued targets. */
  task?: 'classification' | 'regression';
  /** The class labels in order (label → index); default: the labels found, integers as they are, names sorted. */
  classes?: readonly (string | number)[];
  /** Fraction of the samples held out for evaluation when there is no test file (default 0.2; 0: none). */
  testFraction?: number;
  /** Seed of the held-out split (default 0). */
  seed?: number;
  /**
   * 'standard' (x − mean) / std per feature, 'minmax' (x − min) / (max − min) per feature,
   * 'maxAbs' x / max|x| over all features (MNIST pixels: /255), or 'none' (default). Statistics
   * come from the training samples and are applied to the test samples too.
   */
  normalize?: FeatureNormalization;
  /** dtype of the features and targets (default 'float32'). */
  dtype?: DType;
}

/** A user's data as datasets, with what was learned about it. */
export interface FileDatasets {
  train: Dataset;
  /** The held-out part or the test file (null when testFraction is 0 and there is no test file). */
  test: Dataset | null;
  /** Features per sample. */
  features: number;
  /** Class names in index order (classification), or null (regression). */
  classes: string[] | null;
  /** The model's output width: classes, or the regression target size. */
  outputSize: number;
}

function isIndex(v: string | number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/** The label → index map of a classification task, and the class names in order. */
function classMap(
  train: LabeledRows,
  given: FileDatasetOptions['classes'],
): { index: (v: string | number) => number | undefined; names: string[]; fromData: boolean } {
  if (given !== undefined) {
    const names = given.map(String);
    const m = new Map(names.map((n, i) => [n, i]));
    return { index: (v) => m.get(String(v)), names, fromData: false };
  }
  if (train.labels.every(isIndex)) {
    let max = 0;
    for (const v of train.labels as number[]) max = Math.max(max, v);
    return {
      index: (v) => (isIndex(v) && v <= max ? v : undefined),
      names: Array.from({ length: max + 1 }, (_, i) => String(i)),
      fromData: true,
    };
  }
  const distinct = [...new Set(train.labels.map(String))];
  const numeric = train.labels.every((v) => typeof v === 'number');
  distinct.sort(numeric ? (a, b) => Number(a) - Number(b) : undefined);
  const m = new Map(distinct.map((n, i) => [n, i]));
  return { index: (v) => m.get(String(v)), names: distinct, fromData: true };
}

/** Indices of the training and held-out samples: a seeded permutation, each part in file order. */
function split(n: number, fraction: number, seed: number): [Int32Array, Int32Array] {
  if (fraction === 0) return [Int32Array.from({ length: n }, (_, i) => i), new Int32Array(0)];
  const m = Math.max(1, Math.round(n * fraction));
  if (n - m < 1)
    throw new DataError(
      `data.testFraction = ${fraction} leaves no training samples out of ${n}; lower it or give a test file`,
    );
  const perm = new Rng(seed).permutation(n);
  const test = perm.slice(n - m).sort();
  const train = perm.slice(0, n - m).sort();
  return [train, test];
}

/** Per-feature scale and shift so that x' = (x − shift) · scale. */
function normalization(
  rows: LabeledRows,
  idx: Int32Array,
  mode: FeatureNormalization,
): { shift: Float64Array; scale: Float64Array } | null {
  if (mode === 'none') return null;
  const f = rows.features;
  const shift = new Float64Array(f);
  const scale = new Float64Array(f).fill(1);
  if (mode === 'maxAbs') {
    let m = 0;
    for (const i of idx)
      for (let j = 0; j < f; j++) m = Math.max(m, Math.abs(rows.x[i * f + j] as number));
    scale.fill(m > 0 ? 1 / m : 1);
    return { shift, scale };
  }
  for (let j = 0; j < f; j++) {
    let lo = Infinity;
    let hi = -Infinity;
    let sum = 0;
    for (const i of idx) {
      const v = rows.x[i * f + j] as number;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      sum += v;
    }
    if (mode === 'minmax') {
      shift[j] = lo;
      scale[j] = hi > lo ? 1 / (hi - lo) : 1;
    } else {
      const mean = sum / idx.length;
      let ss = 0;
      for (const i of idx) ss += ((rows.x[i * f + j] as number) - mean) ** 2;
      const std = Math.sqrt(ss / idx.length);
      shift[j] = mean;
      // A constant feature stays 0 rather than dividing by 0.
      scale[j] = std > 0 ? 1 / std : 1;
    }
  }
  return { shift, scale };
}

function buildSet(
  rows: LabeledRows,
  idx: Int32Array,
  norm: { shift: Float64Array; scale: Float64Array } | null,
  label: ((i: number) => number) | null,
  numClasses: number,
  dtype: DType,
): Dataset {
  const f = rows.features;
  const n = idx.length;
  const x = allocData(dtype, n * f);
  for (let k = 0; k < n; k++) {
    const i = idx[k] as number;
    for (let j = 0; j < f; j++) {
      const v = rows.x[i * f + j] as number;
      x[k * f + j] =
        norm === null ? v : (v - (norm.shift[j] as number)) * (norm.scale[j] as number);
    }
  }
  if (label !== null) {
    const y = new Int32Array(n);
    for (let k = 0; k < n; k++) y[k] = label(idx[k] as number);
    return createDataset(x, y, { featureShape: [f], numClasses });
  }
  const t = rows.targetSize;
  const y = allocData(dtype, n * t);
  for (let k = 0; k < n; k++)
    for (let j = 0; j < t; j++) y[k * t + j] = rows.labels[(idx[k] as number) * t + j] as number;
  return createDataset(x, y, { featureShape: [f], targetShape: [t], length: n });
}

/**
 * Turns labeled rows read from a user's files into training and test datasets: class labels
 * mapped to indices (the given `classes`, else integers as they are and names sorted; a label
 * of the test file that the training file lacks, or one outside `classes`, is a DataError naming
 * its line), the held-out split (seeded), and feature normalization from the training samples.
 * @example const { train, test, classes } = fileDatasets(csvRows(text, 'iris.csv'), null, { normalize: 'standard' });
 */
export function fileDatasets(
  train: LabeledRows,
  test: LabeledRows | null,
  options: FileDatasetOptions = {},
): FileDatasets {
  const task = options.task ?? 'classification';
  const dtype = options.dtype ?? 'float32';
  const fraction = options.testFraction ?? (test === null ? 0.2 : 0);
  if (!(fraction >= 0 && fraction < 1))
    throw new ConfigError(
      `data.testFraction = ${fmt(fraction)} is invalid; expected a number in [0, 1)`,
    );
  if (test !== null && test.features !== train.features)
    throw new DataError(
      `${test.where(0)}: ${test.features} features per sample, but the training data has ${train.features} (mismatched feature count)`,
    );
  if (test !== null && task === 'regression' && test.targetSize !== train.targetSize)
    throw new DataError(
      `${test.where(0)}: ${test.targetSize} targets per sample, but the training data has ${train.targetSize}`,
    );
  const [trainIdx, heldIdx] =
    test === null ? split(train.rows, fraction, options.seed ?? 0) : split(train.rows, 0, 0);
  const norm = normalization(train, trainIdx, options.normalize ?? 'none');
  if (task === 'regression') {
    return {
      train: buildSet(train, trainIdx, norm, null, 0, dtype),
      test:
        test !== null
          ? buildSet(
              test,
              Int32Array.from({ length: test.rows }, (_, i) => i),
              norm,
              null,
              0,
              dtype,
            )
          : heldIdx.length > 0
            ? buildSet(train, heldIdx, norm, null, 0, dtype)
            : null,
      features: train.features,
      classes: null,
      outputSize: train.targetSize,
    };
  }
  const map = classMap(train, options.classes);
  const indexer =
    (rows: LabeledRows) =>
    (i: number): number => {
      const v = rows.labels[i] as string | number;
      const k = map.index(v);
      if (k === undefined)
        throw new DataError(
          `${rows.whereLabel(i)}: label ${fmt(v)} is ${map.fromData ? 'not a class of the training data' : 'not one of data.classes'}; expected one of ${map.names
            .slice(0, 20)
            .map((s) => fmt(s))
            .join(', ')}${map.names.length > 20 ? ', …' : ''} (unknown label value)`,
        );
      return k;
    };
  const numClasses = map.names.length;
  if (numClasses < 2)
    throw new DataError(
      `${train.where(0)}: the labels have only ${numClasses} class (${map.names.map((s) => fmt(s)).join(', ')}); classification needs at least 2 (or set data.task = "regression")`,
    );
  return {
    train: buildSet(train, trainIdx, norm, indexer(train), numClasses, dtype),
    test:
      test !== null
        ? buildSet(
            test,
            Int32Array.from({ length: test.rows }, (_, i) => i),
            norm,
            indexer(test),
            numClasses,
            dtype,
          )
        : heldIdx.length > 0
          ? buildSet(train, heldIdx, norm, indexer(train), numClasses, dtype)
          : null,
    features: train.features,
    classes: map.names,
    outputSize: numClasses,
  };
}
