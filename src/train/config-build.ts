import { addition, multiplication } from '../data/addition.js';
import { charCorpus, loadFirstNames, unigramLoss, type CharCorpus } from '../data/char-text.js';
import { DataLoader, type Batch } from '../data/data-loader.js';
import { createDataset, type Dataset } from '../data/dataset.js';
import { gaussianMixture } from '../data/gaussian-mixture.js';
import { loadMnist, type MnistOptions, type MnistSplit } from '../data/mnist.js';
import { randomPermutation } from '../data/permutation-task.js';
import type { SequenceBatch } from '../data/sequence-task.js';
import { temporalOrder, temporalOrder3Bit } from '../data/temporal-order.js';
import { circles, gauss, moons, spiral, xor } from '../data/toy-2d.js';
import { ConfigError, DataError, fmt } from '../errors.js';
import type { FileDatasets } from '../data/file-dataset.js';
import type { InitSpec } from '../init/initializer.js';
import { gradientHealth, type GradientHealth } from '../monitor/gradient-health.js';
import type { HealthThresholds } from '../monitor/thresholds.js';
import type { VerdictKind } from '../monitor/types.js';
import { gpt } from '../nn/gpt.js';
import { mlp } from '../nn/mlp.js';
import type { Module } from '../nn/module.js';
import { crossEntropy, huber, mse } from '../ops/losses.js';
import { reshape } from '../ops/shape-ops.js';
import { chain } from '../optim/chain.js';
import { Optimizer } from '../optim/optimizer.js';
import { skipNonFinite } from '../optim/skip-non-finite.js';
import type { GradientTransformation } from '../optim/types.js';
import type { ScalarOrSchedule, Schedule } from '../schedule/types.js';
import { allocData, type DType } from '../tensor/dtype.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import type { Callback } from './callback.js';
import {
  attempt,
  checkModelFitsData,
  mixtureOptions,
  parseTrainConfig,
  taskOf,
  type BlockName,
  type ClipConfig,
  type ClipName,
  type DataConfig,
  type FileDataConfig,
  type LoadedDataInfo,
  type LossConfig,
  type ModelConfig,
  type MonitorConfig,
  type NamesDataConfig,
  type OptimizerName,
  type ScheduleConfig,
  type SequenceDataConfig,
  type SequenceTaskName,
  type TaskInfo,
  type Toy2dDataConfig,
  type TrainConfig,
} from './config.js';
import { checkBudget, DEFAULT_BUDGET, estimateTrainConfig, type Budget } from './budget.js';
import { SequenceModel, cnn } from './config-models.js';
import { BLOCKS, CLIPS, OPTIMIZERS, makeSchedule } from './config-specs.js';
import type { JsonObject } from './config-validate.js';
import { earlyStopping } from './early-stopping.js';
import type { LossFn } from './evaluate.js';
import type { FitOptions } from './fit.js';
import type { MetricName } from './metrics.js';
import { terminateOnNonFinite } from './terminate-on-non-finite.js';

/**
 * A gradient transformation of any state.
 * @inline
 */
type Tx = GradientTransformation<unknown>;

/**
 * The learning-rate schedule of a config with its base value (`baseLr`, `peak` or `maxLr`) set to
 * `baseLr` and its length (when the config leaves it out) set to `totalSteps`.
 * @example buildSchedule({ name: 'cosine' }, 0.1, 1000)(500) // 0.05
 */
export function buildSchedule(
  config: ScheduleConfig,
  baseLr: number,
  totalSteps: number,
): Schedule {
  return makeSchedule(config as unknown as JsonObject, baseLr, Math.max(1, totalSteps));
}

function buildClip(c: ClipConfig): Tx {
  return CLIPS[c.name as ClipName].build(c as unknown as JsonObject);
}

/**
 * The gradient transformation of a config's optimizer section, without the monitor: the `clip`
 * rules in order, then the optimizer (named, or its chain), with `schedule` driving the one
 * learning rate, wrapped in skipNonFinite when asked. `totalSteps` is the default length of the
 * schedule.
 * @example
 * const tx = buildOptimizerTransform({ optimizer: { name: 'adam', lr: 1e-3 }, clip: { name: 'byGlobalNorm', maxNorm: 1 } }, 1000);
 * // the same updates as optim.chain(clip.byGlobalNorm(1), optim.adam({ lr: 1e-3 }))
 */
export function buildOptimizerTransform(
  config: Pick<TrainConfig, 'optimizer' | 'schedule' | 'clip'>,
  totalSteps: number,
): Tx {
  const lrOf = (base: number): ScalarOrSchedule =>
    config.schedule === undefined ? base : buildSchedule(config.schedule, base, totalSteps);
  const named = (o: JsonObject): Tx => {
    const spec = OPTIMIZERS[o['name'] as OptimizerName];
    const base = (o['lr'] as number | undefined) ?? (spec.defaultLr as number);
    return spec.build(o, lrOf(base));
  };
  const links: Tx[] = [];
  const clips =
    config.clip === undefined ? [] : Array.isArray(config.clip) ? config.clip : [config.clip];
  for (const c of clips) links.push(buildClip(c));
  const opt = config.optimizer as unknown as JsonObject;
  const inner: Tx[] = [];
  if ('chain' in config.optimizer) {
    for (const e of config.optimizer.chain) {
      const o = e as unknown as JsonObject;
      const name = e.name;
      if (name in OPTIMIZERS) inner.push(named(o));
      else if (name in CLIPS) inner.push(buildClip(e as ClipConfig));
      else {
        const spec = BLOCKS[name as BlockName];
        inner.push(spec.build(o, spec.takesLr ? lrOf(o['lr'] as number) : undefined));
      }
    }
  } else {
    inner.push(named(opt));
  }
  links.push(...inner);
  const tx = links.length === 1 ? (links[0] as Tx) : chain(...links);
  return opt['skipNonFinite'] === true ? skipNonFinite(tx) : tx;
}

function toInit(v: unknown): InitSpec | undefined {
  return v as InitSpec | undefined;
}

/**
 * The model of a config for a task, its parameters drawn from `rng` in order.
 * @example buildModel({ name: 'mlp', hidden: [32] }, taskOf({ name: 'xor' }), new Rng(0))
 */
export function buildModel(
  config: ModelConfig,
  task: TaskInfo,
  rng: Rng,
  dtype: DType = 'float32',
): Module<[Tensor], Tensor> {
  switch (config.name) {
    case 'mlp': {
      const sizes = config.sizes ?? [
        task.inputShape[0] as number,
        ...(config.hidden ?? []),
        task.outputSize,
      ];
      return mlp({
        sizes,
        rng,
        dtype,
        ...(config.activation !== undefined ? { activation: config.activation } : {}),
        ...(config.init !== undefined ? { init: toInit(config.init) } : {}),
        ...(config.biasInit !== undefined ? { biasInit: toInit(config.biasInit) } : {}),
        ...(config.norm !== undefined ? { norm: config.norm } : {}),
        ...(config.residual !== undefined ? { residual: config.residual } : {}),
        ...(config.dropout !== undefined ? { dropout: config.dropout } : {}),
        ...(config.bias !== undefined ? { bias: config.bias } : {}),
      });
    }
    case 'cnn':
      return cnn({
        inChannels: 1,
        imageSize: 28,
        channels: config.channels,
        kernelSize: config.kernelSize ?? 5,
        pool: config.pool ?? 'max',
        hidden: config.hidden ?? [],
        outputSize: task.outputSize,
        activation: config.activation ?? 'relu',
        rng,
        dtype,
        ...(config.init !== undefined ? { init: toInit(config.init) } : {}),
        ...(config.biasInit !== undefined ? { biasInit: toInit(config.biasInit) } : {}),
      });
    case 'gpt':
      return gpt({
        vocab: task.outputSize,
        context: config.context,
        layers: config.layers,
        heads: config.heads,
        embed: config.embed,
        rng,
        dtype,
        ...(config.norm !== undefined ? { norm: config.norm } : {}),
        ...(config.normKind !== undefined ? { normKind: config.normKind } : {}),
        ...(config.ffn !== undefined ? { ffn: config.ffn } : {}),
        ...(config.activation !== undefined ? { activation: config.activation } : {}),
        ...(config.dropout !== undefined ? { dropout: config.dropout } : {}),
        ...(config.tieWeights !== undefined ? { tieWeights: config.tieWeights } : {}),
        ...(config.init !== undefined ? { init: config.init } : {}),
      });
    default:
      return new SequenceModel({
        cell: config.name,
        inputSize: task.inputShape[1] as number,
        hiddenSize: config.hiddenSize,
        outputSize: task.outputSize,
        rng,
        dtype,
        ...(config.numLayers !== undefined ? { numLayers: config.numLayers } : {}),
        ...(config.dropout !== undefined ? { dropout: config.dropout } : {}),
        ...(config.bias !== undefined ? { bias: config.bias } : {}),
        ...(config.init !== undefined ? { init: toInit(config.init) } : {}),
        ...(config.recurrentInit !== undefined
          ? { recurrentInit: toInit(config.recurrentInit) }
          : {}),
        ...(config.biasInit !== undefined ? { biasInit: toInit(config.biasInit) } : {}),
      });
  }
}

/** The first `n` samples of a dataset (views, no copy). */
function head(ds: Dataset, n: number): Dataset {
  return rows(ds, 0, n);
}

/** Samples [from, to) of a dataset (views, no copy). */
function rows(ds: Dataset, from: number, to: number): Dataset {
  const f = ds.x.length / Math.max(ds.length, 1);
  if (ds.y instanceof Int32Array) {
    return createDataset(ds.x.subarray(from * f, to * f), ds.y.subarray(from, to), {
      featureShape: ds.featureShape,
      ...(ds.numClasses !== undefined ? { numClasses: ds.numClasses } : {}),
    });
  }
  const t = ds.y.length / Math.max(ds.length, 1);
  return createDataset(ds.x.subarray(from * f, to * f), ds.y.subarray(from * t, to * t), {
    featureShape: ds.featureShape,
    targetShape: ds.targetShape ?? [t],
    length: to - from,
  });
}

/** A time-major sequence batch [T, B, I] as a dataset of B samples [T, I]. */
function sequenceDataset(b: SequenceBatch): Dataset {
  const [T, B, I] = b.xShape;
  const x = allocData(b.x instanceof Float64Array ? 'float64' : 'float32', T * B * I);
  for (let t = 0; t < T; t++)
    for (let s = 0; s < B; s++)
      for (let i = 0; i < I; i++) x[(s * T + t) * I + i] = b.x[(t * B + s) * I + i] as number;
  if (b.y instanceof Int32Array)
    return createDataset(x, b.y, {
      featureShape: [T, I],
      ...(b.numClasses !== undefined ? { numClasses: b.numClasses } : {}),
    });
  return createDataset(x, b.y, { featureShape: [T, I], targetShape: [1], length: B });
}

/** Loads MNIST; injectable (tests, a browser that has the digits elsewhere). */
export type MnistLoader = (options: MnistOptions) => Promise<MnistSplit>;

/**
 * Reads the data files of a `data: { name: "file" }` section (default: data.loadDataFiles from the
 * Node entry point; a browser injects its own, e.g. from dropped files).
 */
export type DataFileLoader = (
  data: FileDataConfig,
  options: { dtype: DType; seed: number; maxBytes: number },
) => Promise<FileDatasets>;

/** The Node reader of data files, next to this module's folder (tsc output, tsx, vitest). */
const NODE_DATA_READER = '../data/file-data-node.js';

/** The Node reader of data files, imported only when a config names one (browser bundles never follow it). */
const nodeDataFileLoader: DataFileLoader = async (data, o) => {
  // The specifier is a variable so that bundlers (Vite) neither follow it into node:fs nor copy
  // it as an asset.
  const url = new URL(NODE_DATA_READER, import.meta.url).href;
  let mod: typeof import('../data/file-data-node.js');
  try {
    mod = (await import(/* @vite-ignore */ url)) as typeof import('../data/file-data-node.js');
  } catch (e) {
    throw new ConfigError(
      `data.name = "file" needs Node's file system (${(e as Error).message}); in a browser pass options.loadDataFiles`,
    );
  }
  return mod.loadDataFiles(data, {
    dtype: o.dtype,
    seed: data.seed ?? o.seed,
    maxBytes: o.maxBytes,
    ...(data.task !== undefined ? { task: data.task } : {}),
    ...(data.classes !== undefined ? { classes: data.classes } : {}),
    ...(data.testFraction !== undefined ? { testFraction: data.testFraction } : {}),
    ...(data.normalize !== undefined ? { normalize: data.normalize } : {}),
  });
};

/** Loads the bundled names (data.loadFirstNames); injectable (tests, a browser with its own copy). */
export type NamesLoader = () => Promise<string[]>;

/**
 * The corpus of a `names` data section: the bundled names split by data.charCorpus with the
 * section's valFraction and splitSeed (the same corpus on every machine and every run).
 * @example const corpus = await namesCorpus({ name: 'names' }); corpus.vocab.size // 28
 */
export async function namesCorpus(
  data: NamesDataConfig,
  load: NamesLoader = loadFirstNames,
): Promise<CharCorpus> {
  return charCorpus(await load(), {
    ...(data.valFraction !== undefined ? { valFraction: data.valFraction } : {}),
    ...(data.splitSeed !== undefined ? { splitSeed: data.splitSeed } : {}),
  });
}

/**
 * Windows of `context` tokens of a token stream as a dataset: sample k starts at k·stride, its
 * features are the ids stream[s … s+T−1] and its targets (float ids, targetShape [T]) the next
 * tokens stream[s+1 … s+T]; windows that would run past the end are dropped.
 */
function tokenWindows(stream: Int32Array, context: number, stride: number, dtype: DType): Dataset {
  const n = Math.floor((stream.length - 1 - context) / stride) + 1;
  if (n < 1)
    throw new ConfigError(
      `model.context = ${context} is invalid; expected at most ${stream.length - 1} (the token stream has ${stream.length} tokens)`,
    );
  const x = allocData(dtype, n * context);
  const y = allocData(dtype, n * context);
  for (let k = 0; k < n; k++) {
    const s0 = k * stride;
    for (let t = 0; t < context; t++) {
      x[k * context + t] = stream[s0 + t] as number;
      y[k * context + t] = stream[s0 + t + 1] as number;
    }
  }
  return createDataset(x, y, { featureShape: [context], targetShape: [context], length: n });
}

function splitCount(d: { testSamples?: number }, n: number): number {
  return d.testSamples ?? Math.max(1, Math.round(n / 4));
}

/**
 * The training and test sets of a config (the test set is null when testSamples is 0). Generated
 * sets draw training and test samples in one draw from `seed` and split it, so they share the
 * same distribution (the mixture's class means, the spiral's arms).
 * @example const { train, test } = await buildData({ name: 'moons', numSamples: 400 }, 0);
 */
export async function buildData(
  data: DataConfig,
  seed: number,
  options: {
    dtype?: DType;
    imageShape?: boolean;
    loadMnist?: MnistLoader;
    loadDataFiles?: DataFileLoader;
    maxBytes?: number;
    /** Token data: the window length (the gpt model's context; required for `names`). */
    context?: number;
    /** Loads the names (default data.loadFirstNames). */
    loadNames?: NamesLoader;
  } = {},
): Promise<{
  train: Dataset;
  test: Dataset | null;
  loaded?: LoadedDataInfo;
  /** Token data: the loss of the input-independent (unigram) predictor on the test stream. */
  baseline?: { loss: number; name: string };
}> {
  const dtype = options.dtype ?? 'float32';
  const s = 'seed' in data && data.seed !== undefined ? data.seed : seed;
  switch (data.name) {
    case 'names': {
      const context = options.context;
      if (context === undefined)
        throw new ConfigError(
          'data.name = "names" needs a window length: model.context of a "gpt" model',
        );
      const corpus = await namesCorpus(data, options.loadNames);
      return {
        train: tokenWindows(corpus.train, context, data.stride ?? 1, dtype),
        test: tokenWindows(corpus.val, context, context, dtype),
        loaded: {
          features: context,
          classes: [...corpus.vocab.chars],
          outputSize: corpus.vocab.size,
        },
        baseline: { loss: unigramLoss(corpus), name: 'the unigram model' },
      };
    }
    case 'file': {
      const load = options.loadDataFiles ?? nodeDataFileLoader;
      const f = await load(data, {
        dtype,
        seed,
        maxBytes: options.maxBytes ?? DEFAULT_BUDGET.maxBytes,
      });
      return {
        train: f.train,
        test: f.test,
        loaded: { features: f.features, classes: f.classes, outputSize: f.outputSize },
      };
    }
    case 'mnist': {
      const load = options.loadMnist ?? loadMnist;
      const split = await load({ dtype, keepImageShape: options.imageShape === true });
      const n = data.numSamples ?? split.train.length;
      const m = data.testSamples ?? split.test.length;
      if (n > split.train.length)
        throw new ConfigError(
          `data.numSamples = ${n} is invalid; expected at most ${split.train.length} (the MNIST training split)`,
        );
      if (m > split.test.length)
        throw new ConfigError(
          `data.testSamples = ${m} is invalid; expected at most ${split.test.length} (the MNIST test split)`,
        );
      return { train: head(split.train, n), test: m === 0 ? null : head(split.test, m) };
    }
    case 'gaussianMixture': {
      const mo = mixtureOptions(data);
      const n = mo.numSamples;
      const m = splitCount(data, n);
      const all = gaussianMixture({ ...mo, numSamples: n + m, dtype }, s);
      return { train: rows(all, 0, n), test: m === 0 ? null : rows(all, n, n + m) };
    }
    case 'spiral':
    case 'circles':
    case 'moons':
    case 'xor':
    case 'gauss': {
      const d = data as Toy2dDataConfig;
      const n = d.numSamples ?? (d.name === 'spiral' ? 100 : 200);
      const m = splitCount(d, n);
      const o = {
        numSamples: n + m,
        dtype,
        ...(d.noise !== undefined ? { noise: d.noise } : {}),
      };
      const all =
        d.name === 'spiral'
          ? spiral(s, { ...o, ...(d.classes !== undefined ? { classes: d.classes } : {}) })
          : d.name === 'circles'
            ? circles(s, { ...o, ...(d.factor !== undefined ? { factor: d.factor } : {}) })
            : d.name === 'moons'
              ? moons(s, o)
              : d.name === 'xor'
                ? xor(s, o)
                : gauss(s, o);
      // The spiral's counts are per class (its points are shuffled, so a prefix is balanced on average).
      const k = d.name === 'spiral' ? all.numClasses : 1;
      return {
        train: rows(all, 0, n * k),
        test: m === 0 ? null : rows(all, n * k, (n + m) * k),
      };
    }
    default: {
      const name = data.name as SequenceTaskName;
      const sq = data as SequenceDataConfig;
      const n = sq.numSamples ?? 1000;
      const m = sq.testSamples ?? 200;
      const T = sq.T;
      const b =
        name === 'addition'
          ? addition(n + m, T, s, { dtype, jitterLength: false })
          : name === 'multiplication'
            ? multiplication(n + m, T, s, { dtype, jitterLength: false })
            : name === 'temporalOrder'
              ? temporalOrder(n + m, T, s, { dtype })
              : name === 'temporalOrder3Bit'
                ? temporalOrder3Bit(n + m, T, s, { dtype })
                : randomPermutation(n + m, T, s, { dtype });
      const all = sequenceDataset(b);
      return { train: rows(all, 0, n), test: m === 0 ? null : rows(all, n, n + m) };
    }
  }
}

function targetsTensor(y: Tensor | Int32Array, what: string): Tensor {
  if (y instanceof Tensor) return y;
  throw new DataError(`${what}: expected float regression targets, got class labels`);
}

/**
 * The loss function of a config (default: cross-entropy for class labels, mse for regression).
 * @example const lossFn = buildLoss({ name: 'huber', delta: 0.5 }, task);
 */
export function buildLoss(config: LossConfig | undefined, task: TaskInfo): LossFn {
  if (task.tokens === true) {
    // Next-token cross-entropy: logits [B, T, V] against the float ids [B, T] of the targets.
    const ls =
      config !== undefined && typeof config !== 'string' && 'labelSmoothing' in config
        ? config.labelSmoothing
        : undefined;
    let labels = new Int32Array(0);
    const fn: LossFn = (out, y) => {
      const t = targetsTensor(y, 'crossEntropy over tokens');
      if (labels.length !== t.size) labels = new Int32Array(t.size);
      const d = t.data;
      for (let i = 0; i < labels.length; i++) labels[i] = d[i] as number;
      const v = out.shape[out.ndim - 1] as number;
      return crossEntropy(
        reshape(out, [t.size, v]),
        labels,
        ls === undefined ? {} : { labelSmoothing: ls },
      );
    };
    return Object.defineProperty(fn, 'name', { value: 'crossEntropy' });
  }
  const c =
    config === undefined
      ? { name: task.kind === 'classification' ? 'crossEntropy' : 'mse' }
      : typeof config === 'string'
        ? { name: config }
        : config;
  if (c.name === 'crossEntropy') {
    const ls = 'labelSmoothing' in c ? c.labelSmoothing : undefined;
    const fn: LossFn = (out, y) =>
      crossEntropy(out, y, ls === undefined ? {} : { labelSmoothing: ls });
    return Object.defineProperty(fn, 'name', { value: 'crossEntropy' });
  }
  if (c.name === 'huber') {
    const delta = 'delta' in c ? c.delta : undefined;
    const fn: LossFn = (out, y) =>
      huber(out, targetsTensor(y, 'huber'), delta === undefined ? {} : { delta });
    return Object.defineProperty(fn, 'name', { value: 'huber' });
  }
  const fn: LossFn = (out, y) => mse(out, targetsTensor(y, 'mse'));
  return Object.defineProperty(fn, 'name', { value: 'mse' });
}

/** The monitor section as gradientHealth options, or null when off. */
function monitorOf(m: TrainConfig['monitor']): MonitorConfig | null {
  if (m === undefined || m === false) return null;
  if (m === true) return {};
  return m.enabled === false ? null : m;
}

/** The loss on the first training batch (unshuffled), as the curvature probe's closure. */
function firstBatchLoss(
  model: Module<[Tensor], Tensor>,
  train: Dataset,
  batchSize: number,
  lossFn: LossFn,
): () => Tensor {
  const first = new DataLoader(train, { batchSize, shuffle: false })[Symbol.iterator]().next();
  const b = first.value as Batch;
  return () => lossFn(model.forward(b.x), b.y);
}

/** Options of {@link buildTrainRun}. */
export interface TrainRunOptions {
  /** Loads MNIST (default data.loadMnist, the bundled digits). */
  loadMnist?: MnistLoader;
  /** Train for this many steps instead of train.epochs / train.steps (a quick try of a config). */
  steps?: number;
  /** Memory and time limits checked against the config's estimate before anything is built (default {@link DEFAULT_BUDGET}: 4 GiB, 24 h). */
  budget?: Budget;
  /** Reads the files of `data: { name: "file" }` (default: the Node reader, data/file-data-node.ts). */
  loadDataFiles?: DataFileLoader;
  /** Loads the names of `data: { name: "names" }` (default data.loadFirstNames, the bundled file). */
  loadNames?: NamesLoader;
}

/** Everything a config describes, built and ready for {@link fit}. */
export interface TrainRun {
  /** The validated config (with `steps` applied). */
  config: TrainConfig;
  /** What the data set is: classification or regression, shapes, classes. */
  task: TaskInfo;
  /** The model, initialized from train.seed. */
  model: Module<[Tensor], Tensor>;
  /** The optimizer over the model: monitor (if on) → clipping → optimizer, as one chain. */
  optimizer: Optimizer<unknown>;
  /** The gradient-health monitor, first in the chain, with the model's probes attached (or null). */
  monitor: GradientHealth | null;
  /** The training set. */
  train: Dataset;
  /** The test set (null when testSamples is 0). */
  test: Dataset | null;
  /** Steps the run will take if nothing stops it. */
  totalSteps: number;
  /** Batches per epoch. */
  batchesPerEpoch: number;
  /** Options for fit (no runDir or progress settings: those are the caller's). */
  fit: FitOptions;
  /** One line: model, data, optimizer, schedule. */
  description: string;
}

/** "adam", "byGlobalNorm → adam", "chain(byGlobalNorm, scaleByAdam, scaleByLearningRate)". */
function describeOptimizer(config: TrainConfig): string {
  const clips =
    config.clip === undefined ? [] : Array.isArray(config.clip) ? config.clip : [config.clip];
  const o = config.optimizer;
  const opt = 'chain' in o ? `chain(${o.chain.map((e) => e.name).join(', ')})` : o.name;
  const parts = [...clips.map((c) => c.name), opt];
  return parts.join(' → ') + (config.schedule ? `, ${config.schedule.name} schedule` : '');
}

function describeModel(m: ModelConfig, task: TaskInfo): string {
  if (m.name === 'mlp') {
    const sizes = m.sizes ?? [task.inputShape[0] as number, ...(m.hidden ?? []), task.outputSize];
    return `mlp ${sizes.join('-')} (${m.activation ?? 'relu'})`;
  }
  if (m.name === 'cnn') return `cnn conv ${m.channels.join('-')} → ${task.outputSize}`;
  if (m.name === 'gpt')
    return `gpt ${m.layers}×${m.embed} (${m.norm ?? 'pre'}-LN, ${m.heads} heads, context ${m.context}, vocab ${task.outputSize})`;
  return `${m.name} ${m.numLayers ?? 1}×${m.hiddenSize}`;
}

/**
 * Builds what a config describes — data, model, the transformation chain (monitor first, then
 * clipping, then the optimizer with its schedule), the loss, metrics and callbacks — as the
 * arguments of {@link fit}. Validates the config first (ConfigError naming the field). Browser-safe
 * (MNIST: the bundled digits of data.loadMnist, or `options.loadMnist`).
 * @example
 * const run = await buildTrainRun(parseTrainConfig(json));
 * const summary = await fit(run.model, run.optimizer, run.train, { ...run.fit, runDir: 'runs/x' });
 */
export async function buildTrainRun(
  config: TrainConfig,
  options: TrainRunOptions = {},
): Promise<TrainRun> {
  const cfg = parseTrainConfig(config);
  if (options.steps !== undefined) {
    if (!Number.isInteger(options.steps) || options.steps < 1)
      throw new ConfigError(`steps = ${fmt(options.steps)} is invalid; expected an integer >= 1`);
    cfg.train = { ...cfg.train, steps: options.steps };
    delete cfg.train.epochs;
  }
  // Budget first: a config that cannot fit is refused before data or parameters are allocated.
  // A data file's size is known only once it is read: its reader refuses a file over the
  // memory budget before reading it, and the estimate is checked again with what it held.
  const budget = options.budget ?? DEFAULT_BUDGET;
  checkBudget(estimateTrainConfig(cfg, options.steps), budget);
  const t = cfg.train;
  const seed = t.seed ?? 0;
  const dtype = t.dtype ?? 'float32';
  const { train, test, loaded, baseline } = await buildData(cfg.data, seed, {
    dtype,
    imageShape: cfg.model.name === 'cnn',
    ...(cfg.model.name === 'gpt' ? { context: cfg.model.context } : {}),
    ...(options.loadNames ? { loadNames: options.loadNames } : {}),
    maxBytes: budget.maxBytes,
    ...(options.loadMnist ? { loadMnist: options.loadMnist } : {}),
    ...(options.loadDataFiles ? { loadDataFiles: options.loadDataFiles } : {}),
  });
  const task = taskOf(cfg.data, loaded);
  if (loaded !== undefined && cfg.data.name === 'file') {
    checkModelFitsData(cfg.model, task);
    checkBudget(
      estimateTrainConfig(cfg, options.steps, {
        task,
        train: train.length,
        test: test?.length ?? 0,
      }),
      budget,
    );
  }
  const batchSize = t.batchSize ?? 32;
  const batchesPerEpoch = Math.ceil(train.length / batchSize);
  const totalSteps = Math.min(t.steps ?? Infinity, (t.epochs ?? Infinity) * batchesPerEpoch);

  const model = attempt('model', () => buildModel(cfg.model, task, new Rng(seed), dtype));
  const tx = buildOptimizerTransform(cfg, totalSteps);
  const mon = monitorOf(cfg.monitor);
  const lossFn = buildLoss(cfg.loss, task);
  let monitor: GradientHealth | null = null;
  if (mon !== null) {
    monitor = attempt('monitor', () =>
      gradientHealth({
        model,
        ...(mon.every !== undefined ? { every: mon.every } : {}),
        ...(mon.paramEvery !== undefined ? { paramEvery: mon.paramEvery } : {}),
        ...(mon.updateRatio !== undefined ? { updateRatio: mon.updateRatio } : {}),
        ...(mon.direction !== undefined ? { direction: mon.direction } : {}),
        ...(mon.emitResolved !== undefined ? { emitResolved: mon.emitResolved } : {}),
        ...(mon.historyLength !== undefined ? { historyLength: mon.historyLength } : {}),
        ...(mon.thresholds !== undefined
          ? { thresholds: mon.thresholds as Partial<HealthThresholds> }
          : {}),
        ...(mon.curvatureEvery !== undefined
          ? {
              curvature: {
                every: mon.curvatureEvery,
                loss: firstBatchLoss(model, train, batchSize, lossFn),
              },
            }
          : {}),
        ...(mon.detectors !== undefined
          ? { detectors: mon.detectors as Partial<Record<VerdictKind, boolean>> }
          : {}),
        // What the data and the model declare: the input-independent loss (notLearning's
        // baseline level) and a Transformer's norm placement (its remedies).
        ...(baseline !== undefined || cfg.model.name === 'gpt'
          ? {
              declared: {
                ...(baseline !== undefined
                  ? { baselineLoss: baseline.loss, baselineName: baseline.name }
                  : {}),
                ...(cfg.model.name === 'gpt' ? { transformerNorm: cfg.model.norm ?? 'pre' } : {}),
              },
            }
          : {}),
      }),
    );
  }
  const optimizer = new Optimizer(model, monitor === null ? tx : chain(monitor, tx));
  monitor?.setLr(() => optimizer.lr);

  const callbacks: Callback[] = [];
  if (t.stopOnNonFinite !== false) callbacks.push(terminateOnNonFinite());
  if (t.earlyStopping !== undefined) callbacks.push(earlyStopping(t.earlyStopping));
  const metrics: MetricName[] =
    task.kind === 'classification' && task.tokens !== true ? ['accuracy'] : [];
  const fit: FitOptions = {
    batchSize,
    seed,
    shuffle: t.shuffle ?? true,
    metrics,
    lossFn,
    callbacks,
    config: cfg as unknown as Record<string, unknown>,
    ...(t.epochs !== undefined ? { epochs: t.epochs } : {}),
    ...(t.steps !== undefined ? { steps: t.steps } : {}),
    ...(test !== null ? { evalData: test } : {}),
    ...(t.evalBatchSize !== undefined ? { evalBatchSize: t.evalBatchSize } : {}),
    ...(t.evalEvery !== undefined ? { evalEvery: t.evalEvery } : {}),
    ...(t.logEvery !== undefined ? { logEvery: t.logEvery } : {}),
    ...(t.checkpointEvery !== undefined ? { checkpointEvery: t.checkpointEvery } : {}),
  };
  const description =
    `${describeModel(cfg.model, task)} on ${cfg.data.name === 'file' ? (cfg.data.path.split(/[\\/]/).pop() ?? cfg.data.path) : cfg.data.name} (${train.length} train` +
    `${test ? ` / ${test.length} test` : ''}), ${describeOptimizer(cfg)}` +
    `${monitor ? ', monitor on' : ''}`;
  return {
    config: cfg,
    task,
    model,
    optimizer,
    monitor,
    train,
    test,
    totalSteps,
    batchesPerEpoch,
    fit,
    description,
  };
}
