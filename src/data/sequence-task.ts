import { ConfigError, fmt } from '../errors.js';
import { allocData, assertDtype, type DType, type TypedArray } from '../tensor/dtype.js';
import { toRng, type Rng } from '../tensor/rng.js';

/**
 * A batch of a synthetic sequence task, time-major as PyTorch's recurrent layers take it:
 * x is [T, B, I] row-major (x[(t·B + b)·I + i]). Targets are read either from the last time
 * step (`targetAt: 'last'`, y has one entry per sequence) or from every step (`'all'`, y is
 * time-major [T, B] labels).
 */
export interface SequenceBatch {
  /** Inputs, row-major [T, B, I]. */
  x: TypedArray;
  xShape: [number, number, number];
  /** Class labels (Int32Array) or regression targets (float), shaped `yShape`. */
  y: Int32Array | TypedArray;
  /** [B] for last-step classification, [B, 1] for last-step regression, [T, B] for per-step labels. */
  yShape: number[];
  kind: 'classification' | 'regression';
  /** Number of classes for classification tasks. */
  numClasses?: number;
  targetAt: 'last' | 'all';
  /** The task and its generated structure (positions of the relevant symbols, length used). */
  meta: SequenceMeta;
}

/** Task name, sizes, and the positions of the symbols the target depends on. */
export interface SequenceMeta {
  /** The task's name. */
  task: string;
  /** Sequence length actually generated (the addition/multiplication tasks jitter it). */
  T: number;
  /** Sequences in the batch (B). */
  batchSize: number;
  /** Features per time step (I). */
  inputSize: number;
  /** Per relevant symbol, its time step in each sequence ([k][b]). */
  positions: Int32Array[];
}

/** Options shared by the sequence generators. */
export interface SequenceOptions {
  /** dtype of x and of float targets (default 'float32'). */
  dtype?: DType;
}

/** @internal Validates the common arguments and returns the generator and dtype. */
export function sequenceSetup(
  task: string,
  batchSize: number,
  T: number,
  rng: number | Rng,
  options: SequenceOptions,
  minT: number,
): { r: Rng; dtype: DType } {
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new ConfigError(`${task}: batchSize must be a positive integer, got ${fmt(batchSize)}`);
  if (!Number.isInteger(T) || T < minT)
    throw new ConfigError(`${task}: T must be an integer >= ${minT}, got ${fmt(T)}`);
  const dtype = options.dtype ?? 'float32';
  assertDtype(dtype, `${task}: dtype`);
  return { r: toRng(rng), dtype };
}

/** @internal A zeroed [T, B, I] array. */
export function allocSequence(dtype: DType, T: number, B: number, I: number): TypedArray {
  return allocData(dtype, T * B * I);
}

/** @internal n draws of U{0..k−1} + offset (numpy's randint(k, size=n) + offset). */
export function randints(r: Rng, n: number, k: number, offset = 0): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = offset + r.int(k);
  return out;
}
