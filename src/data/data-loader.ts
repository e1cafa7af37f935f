import { ConfigError, fmt } from '../errors.js';
import { allocData, assertDtype, type DType, type TypedArray } from '../tensor/dtype.js';
import { Rng, type RngState } from '../tensor/rng.js';
import { sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { validateDataset, type Dataset } from './dataset.js';

/** Options of {@link DataLoader}. */
export interface DataLoaderOptions {
  /** Samples per batch (a positive integer). */
  batchSize: number;
  /** Reshuffle the sample order at the start of every epoch (default true). */
  shuffle?: boolean;
  /**
   * Seed, or an Rng to fork an independent generator from (the loader owns its generator, so
   * restoring its state never disturbs anyone else's). Default 0.
   */
  seed?: number | Rng;
  /** Drop the last, smaller batch of an epoch (default false). */
  dropLast?: boolean;
  /** dtype of the yielded x and float y (default: the dataset's). */
  dtype?: DType;
  /** Check every sample at construction; 'throw' (default) or 'skip' bad samples. */
  onInvalid?: 'throw' | 'skip';
  /** Override or supply the number of classes used to check labels. */
  numClasses?: number;
  /**
   * Reuse the output buffers (default true): a yielded batch's data are overwritten by the next
   * batch, so copy what you keep. false allocates fresh arrays for every batch.
   */
  reuseBuffers?: boolean;
}

/** One batch: features [B, ...featureShape], and labels (Int32Array [B]) or targets [B, ...targetShape]. */
export interface Batch {
  /** The inputs, one row per sample: `[B, ...sampleShape]`. */
  x: Tensor;
  /** The targets: class labels (Int32Array) or a regression Tensor `[B, ...targetShape]`. */
  y: Tensor | Int32Array;
  /** Dataset indices of the batch's rows, in order. */
  indices: Int32Array;
  /** Number of samples B. */
  size: number;
}

/**
 * A DataLoader's position, plain JSON: restoring it continues with bit-identical batches, even
 * in the middle of an epoch.
 */
export interface DataLoaderState {
  /** Completed epochs. */
  epoch: number;
  /** Samples already yielded in the current epoch. */
  index: number;
  /** Generator state from which the current epoch's order was (or will be) drawn. */
  rngState: RngState;
  /** Consistency checks on restore. */
  length: number;
  batchSize: number;
  shuffle: boolean;
  dropLast: boolean;
}

/**
 * Batches a {@link Dataset} with a seeded shuffle per epoch. Iterating the loader yields the rest
 * of the current epoch; the epoch counter advances right after an epoch's last batch, so a
 * checkpoint taken between epochs reads { epoch: e + 1, index: 0 }. `state()` / `loadState()`
 * save and restore the exact position (epoch, index, generator), so a resumed run sees the same
 * batches bit for bit. Samples are validated once at construction (NaN/Inf features or targets,
 * labels out of range → DataError naming the sample, or skipped with onInvalid: 'skip').
 *
 * Buffers: with reuseBuffers (the default) x, y and indices are written into the same arrays
 * every batch — a batch is valid until the next one is requested. Steady-state iteration
 * allocates only the small Tensor wrappers.
 * @example
 * const loader = new DataLoader(train, { batchSize: 128, seed: 1 });
 * for (let epoch = 0; epoch < 3; epoch++) for (const { x, y } of loader) step(x, y);
 */
export class DataLoader implements Iterable<Batch> {
  /** Samples per batch (the last one may be smaller unless dropLast). */
  readonly batchSize: number;
  /** Whether each epoch visits the samples in a fresh seeded order. */
  readonly shuffle: boolean;
  /** Whether a final batch smaller than batchSize is skipped. */
  readonly dropLast: boolean;
  /** dtype of the batches' x (and of regression targets). */
  readonly dtype: DType;
  /** Number of samples iterated per epoch (after skipping invalid ones). */
  readonly numSamples: number;
  /** Dataset indices of the samples skipped as invalid. */
  readonly skipped: readonly number[];

  private readonly dataset: Dataset;
  private readonly featureSize: number;
  private readonly targetSize: number;
  private readonly labels: boolean;
  private readonly base: Int32Array;
  private readonly order: Int32Array;
  private rng: Rng;
  private epochRngState: RngState;
  private ordered = false;
  private epochCount = 0;
  private position = 0;
  private readonly reuse: boolean;
  private xBuf: TypedArray | null = null;
  private yBuf: Int32Array | TypedArray | null = null;
  private iBuf: Int32Array | null = null;

  constructor(dataset: Dataset, options: DataLoaderOptions) {
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new ConfigError(
        `DataLoader: batchSize must be a positive integer, got ${fmt(batchSize)}`,
      );
    }
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? true;
    this.dropLast = options.dropLast ?? false;
    this.reuse = options.reuseBuffers ?? true;
    this.dtype = options.dtype ?? (dataset.x instanceof Float64Array ? 'float64' : 'float32');
    assertDtype(this.dtype, 'DataLoader: dtype');
    const seed = options.seed ?? 0;
    this.rng = seed instanceof Rng ? seed.fork() : new Rng(seed);
    this.epochRngState = this.rng.state();
    this.dataset = dataset;
    this.featureSize = sizeOf(dataset.featureShape);
    this.labels = dataset.y instanceof Int32Array;
    this.targetSize = this.labels
      ? 1
      : sizeOf(dataset.targetShape ?? [dataset.y.length / Math.max(1, dataset.length)]);
    const report = validateDataset(dataset, {
      onInvalid: options.onInvalid ?? 'throw',
      ...(options.numClasses === undefined ? {} : { numClasses: options.numClasses }),
    });
    this.base = report.valid;
    this.skipped = report.skipped;
    this.numSamples = report.valid.length;
    this.order = new Int32Array(this.numSamples);
  }

  /** Batches per epoch. */
  get length(): number {
    return this.dropLast
      ? Math.floor(this.numSamples / this.batchSize)
      : Math.ceil(this.numSamples / this.batchSize);
  }

  /** Completed epochs. */
  get epoch(): number {
    return this.epochCount;
  }

  /** Samples yielded so far in the current epoch. */
  get index(): number {
    return this.position;
  }

  private startEpoch(): void {
    this.epochRngState = this.rng.state();
    this.order.set(this.base);
    if (this.shuffle) this.rng.shuffle(this.order);
    this.ordered = true;
  }

  private endEpoch(): void {
    this.epochCount++;
    this.position = 0;
    this.ordered = false;
  }

  /** Samples in the batch that starts at the current position (0 when the epoch is done). */
  private nextBatchSize(): number {
    const left = this.numSamples - this.position;
    if (left >= this.batchSize) return this.batchSize;
    return this.dropLast ? 0 : left;
  }

  /**
   * The next batch, rolling over into the next epoch when the current one is done (an endless
   * stream). Throws a ConfigError if an epoch has no batches at all.
   */
  nextBatch(): Batch {
    if (this.length === 0) {
      throw new ConfigError(
        `DataLoader: no batches: ${this.numSamples} samples with batchSize ${this.batchSize} and dropLast`,
      );
    }
    if (this.nextBatchSize() === 0) this.endEpoch();
    return this.take();
  }

  private take(): Batch {
    if (!this.ordered) this.startEpoch();
    const b = this.nextBatchSize();
    const F = this.featureSize;
    const T = this.targetSize;
    const full = this.batchSize;
    if (!this.reuse || this.xBuf === null) {
      this.xBuf = allocData(this.dtype, full * F);
      this.yBuf = this.labels ? new Int32Array(full) : allocData(this.dtype, full * T);
      this.iBuf = new Int32Array(full);
    }
    const xb = b === full ? this.xBuf : this.xBuf.subarray(0, b * F);
    const yAll = this.yBuf as Int32Array | TypedArray;
    const yb = b === full ? yAll : yAll.subarray(0, b * T);
    const ib = b === full ? (this.iBuf as Int32Array) : (this.iBuf as Int32Array).subarray(0, b);
    const { x, y } = this.dataset;
    for (let i = 0; i < b; i++) {
      const r = this.order[this.position + i] as number;
      ib[i] = r;
      xb.set(x.subarray(r * F, r * F + F), i * F);
      if (T === 1) yb[i] = y[r] as number;
      else yb.set(y.subarray(r * T, r * T + T), i * T);
    }
    this.position += b;
    const batch: Batch = {
      x: new Tensor(xb, [b, ...this.dataset.featureShape]),
      y: this.labels
        ? (yb as Int32Array)
        : new Tensor(yb as TypedArray, [b, ...(this.dataset.targetShape ?? [T])]),
      indices: ib,
      size: b,
    };
    if (this.nextBatchSize() === 0) this.endEpoch();
    return batch;
  }

  /** Yields the remaining batches of the current epoch; the epoch counter advances after the last. */
  *[Symbol.iterator](): Iterator<Batch> {
    const epoch = this.epochCount;
    if (this.nextBatchSize() === 0) {
      // An epoch with no batches (fewer samples than batchSize with dropLast) still counts.
      this.endEpoch();
      return;
    }
    while (this.epochCount === epoch) yield this.take();
  }

  /** The current position as plain JSON data (see {@link DataLoaderState}). */
  state(): DataLoaderState {
    return {
      epoch: this.epochCount,
      index: this.position,
      rngState: this.ordered ? this.epochRngState : this.rng.state(),
      length: this.numSamples,
      batchSize: this.batchSize,
      shuffle: this.shuffle,
      dropLast: this.dropLast,
    };
  }

  /**
   * Restores a position from {@link DataLoader.state}; the next batch is the one that followed
   * when the state was taken. The loader must be built on the same data with the same options
   * (checked: sample count, batchSize, shuffle, dropLast).
   */
  loadState(state: DataLoaderState): void {
    const mismatch = (['length', 'batchSize', 'shuffle', 'dropLast'] as const).find((k) => {
      const mine = k === 'length' ? this.numSamples : this[k];
      return state[k] !== mine;
    });
    if (mismatch !== undefined) {
      const mine = mismatch === 'length' ? this.numSamples : this[mismatch];
      throw new ConfigError(
        `DataLoader.loadState: ${mismatch} is ${fmt(state[mismatch])} in the state but ${fmt(mine)} in this loader`,
      );
    }
    if (!Number.isInteger(state.epoch) || state.epoch < 0)
      throw new ConfigError(
        `DataLoader.loadState: epoch must be a non-negative integer, got ${fmt(state.epoch)}`,
      );
    if (
      !Number.isInteger(state.index) ||
      state.index < 0 ||
      state.index >= Math.max(this.numSamples, 1)
    ) {
      throw new ConfigError(
        `DataLoader.loadState: index must be an integer in [0, ${this.numSamples}), got ${fmt(state.index)}`,
      );
    }
    this.rng = Rng.fromState(state.rngState);
    this.epochCount = state.epoch;
    this.position = 0;
    this.ordered = false;
    if (state.index > 0) {
      this.startEpoch();
      this.position = state.index;
    }
  }
}
