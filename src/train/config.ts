import type { AgcOptions } from '../clip/agc.js';
import type { AutoClipOptions } from '../clip/auto-clip.js';
import type { ByGlobalNormOptions } from '../clip/by-global-norm.js';
import type { SpikeClipOptions } from '../clip/spike-clip.js';
import type { ZClipOptions } from '../clip/z-clip.js';
import { ConfigError, fmt } from '../errors.js';
import { resolveInitializer } from '../init/initializer.js';
import type { InitializerConfig, InitializerName } from '../init/initializer.js';
import { DEFAULT_THRESHOLDS, resolveThresholds } from '../monitor/thresholds.js';
import type { HealthThresholds } from '../monitor/thresholds.js';
import { VERDICT_KINDS, type VerdictKind } from '../monitor/types.js';
import type { ActivationName } from '../nn/activations.js';
import type { EmaOptions } from '../optim/ema.js';
import type { ScaleByAdadeltaOptions } from '../optim/scale-by-adadelta.js';
import type { ScaleByAdamOptions } from '../optim/scale-by-adam.js';
import type { ScaleByAdamaxOptions } from '../optim/scale-by-adamax.js';
import type { ScaleByLearningRateOptions } from '../optim/scale-by-learning-rate.js';
import type { ScaleByLionOptions } from '../optim/scale-by-lion.js';
import type { ScaleByNadamOptions } from '../optim/scale-by-nadam.js';
import type { ScaleByRadamOptions } from '../optim/scale-by-radam.js';
import type { ScaleByRmsOptions } from '../optim/scale-by-rms.js';
import type { ScaleByRssOptions } from '../optim/scale-by-rss.js';
import type { ScaleByTrustRatioOptions } from '../optim/scale-by-trust-ratio.js';
import type { TraceOptions } from '../optim/trace.js';
import type { ClipName as RegistryClipName } from '../clip/registry.js';
import type { ScheduleName as RegistryScheduleName } from '../schedule/registry.js';
import type {
  NamedOptimizerSection,
  OptimizerName as RegistryOptimizerName,
} from '../optim/registry.js';
import type { ConstantOptions } from '../schedule/constant.js';
import type { CosineOptions } from '../schedule/cosine.js';
import type { CosineWarmRestartsOptions } from '../schedule/cosine-warm-restarts.js';
import type { CyclicOptions } from '../schedule/cyclic.js';
import type { ExponentialOptions } from '../schedule/exponential.js';
import type { InverseTimeOptions } from '../schedule/inverse-time.js';
import type { LinearOptions as LinearScheduleOptions } from '../schedule/linear.js';
import type { MultiStepOptions } from '../schedule/multi-step.js';
import type { OneCycleOptions } from '../schedule/one-cycle.js';
import type { PolynomialOptions } from '../schedule/polynomial.js';
import type { StepOptions } from '../schedule/step-decay.js';
import type { WarmupCosineOptions } from '../schedule/warmup-cosine.js';
import type { DType } from '../tensor/dtype.js';
import {
  DATA_FILE_FORMATS,
  dataFileFormat,
  type DataFileFormat,
  type DataFileSource,
} from '../data/data-file.js';
import type { FeatureNormalization } from '../data/file-dataset.js';
import { Rng } from '../tensor/rng.js';
import type { EarlyStoppingOptions } from './early-stopping.js';
import { BLOCKS, CLIPS, LR_FIELD, OPTIMIZERS, SCHEDULES, makeSchedule } from './config-specs.js';
import {
  checkFields,
  checkName,
  checkObject,
  describeField,
  invalid,
  joinPath,
  missing,
  suggest,
  type FieldSpec,
  type FieldSpecs,
  type JsonObject,
} from './config-validate.js';

// ---------------------------------------------------------------------------------------------
// The schema. These types are the documented, stable format of `gradscope train --config`.
// Every object is closed: a key not listed here is refused (a typo must not be ignored).
// ---------------------------------------------------------------------------------------------

/** An initializer: a name with default options, or `{ "name": ..., ...options }` (see init/). */
export type InitConfig = InitializerName | InitializerConfig;

/**
 * A multilayer perceptron (nn.mlp): Linear → [norm] → activation → [dropout] per hidden layer.
 * Give `hidden` (the hidden widths; input and output widths come from the data) or `sizes`
 * (all widths, checked against the data).
 */
export interface MlpModelConfig {
  /** The model kind. */
  name: 'mlp';
  /** Hidden layer widths, e.g. [128, 64]; [] is a linear model. */
  hidden?: number[];
  /** All widths [in, hidden…, out] instead of `hidden`; in and out must match the data. */
  sizes?: number[];
  /** Hidden activation (default 'relu'). */
  activation?: ActivationName;
  /** Weight initializer (default PyTorch's U(±1/√fanIn)). */
  init?: InitConfig;
  /** Bias initializer (default PyTorch's U(±1/√fanIn)). */
  biasInit?: InitConfig;
  /** Normalisation after each hidden Linear (default 'none'). */
  norm?: 'none' | 'layer' | 'batch';
  /** Residual connections around hidden blocks of equal width (default false). */
  residual?: boolean;
  /** Dropout probability after each hidden activation, in [0, 1) (default 0). */
  dropout?: number;
  /** Learn biases (default true). */
  bias?: boolean;
}

/**
 * A recurrent network for the sequence tasks: an RNN (tanh), LSTM or GRU stack over the
 * sequence, then a Linear head on the last step's hidden state.
 */
export interface RecurrentModelConfig {
  /** The cell: tanh RNN, LSTM or GRU. */
  name: 'rnn' | 'lstm' | 'gru';
  /** Hidden units per layer. */
  hiddenSize: number;
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Initializer of the input weights (and of the recurrent ones unless recurrentInit). */
  init?: InitConfig;
  /** Initializer of the recurrent weights weightHh, e.g. 'orthogonal'. */
  recurrentInit?: InitConfig;
  /** Initializer of the biases (default U(±1/√H)). */
  biasInit?: InitConfig;
  /** Dropout between stacked layers, in [0, 1) (default 0). */
  dropout?: number;
  /** Learn biases (default true). */
  bias?: boolean;
}

/**
 * A small convolutional network for images (MNIST): per entry of `channels` a Conv2d with
 * "same" padding → activation → pooling (2×2), then Flatten, the `hidden` Linear layers and the
 * output Linear.
 */
export interface CnnModelConfig {
  /** The model kind. */
  name: 'cnn';
  /** Output channels of each convolution, e.g. [16, 32]. */
  channels: number[];
  /** Odd kernel size (default 5). */
  kernelSize?: number;
  /** Pooling after each convolution: 'max' (default), 'avg' or 'none'. */
  pool?: 'max' | 'avg' | 'none';
  /** Hidden Linear widths after the convolutions (default []). */
  hidden?: number[];
  /** Activation (default 'relu'). */
  activation?: ActivationName;
  /** Weight initializer of every layer. */
  init?: InitConfig;
  /** Bias initializer of every layer. */
  biasInit?: InitConfig;
}

/**
 * A decoder-only Transformer language model (nn.gpt) for the character data sets (`names`): token
 * and learned positional embeddings, `layers` causal self-attention blocks, a linear head to the
 * vocabulary (tied to the token embedding by default). The vocabulary comes from the data.
 */
export interface GptModelConfig {
  /** The model kind. */
  name: 'gpt';
  /** Context length: tokens per training window (and the longest sequence the model reads). */
  context: number;
  /** Transformer blocks. */
  layers: number;
  /** Attention heads per block (must divide embed). */
  heads: number;
  /** Embedding width. */
  embed: number;
  /** LayerNorm placement: 'pre' (default, as GPT-2) or 'post' (as the original Transformer). */
  norm?: 'pre' | 'post';
  /** 'layer' (default) or 'rms' normalisation. */
  normKind?: 'layer' | 'rms';
  /** Feed-forward width (default 4 × embed). */
  ffn?: number;
  /** Feed-forward activation (default 'geluTanh'). */
  activation?: 'relu' | 'gelu' | 'geluTanh';
  /** Dropout on embeddings, attention weights and residual branches, in [0, 1) (default 0). */
  dropout?: number;
  /** Share the token embedding with the output layer (default true). */
  tieWeights?: boolean;
  /** 'gpt2' (default: N(0, 0.02²)), 'xavier' (as torch.nn.Transformer) or 'torch' (PyTorch's module defaults). */
  init?: 'gpt2' | 'xavier' | 'torch';
}

/** The model section. */
export type ModelConfig = MlpModelConfig | RecurrentModelConfig | CnnModelConfig | GptModelConfig;

/** The toy 2-D sets of data/. */
export type Toy2dDataName = 'spiral' | 'circles' | 'moons' | 'xor' | 'gauss';

/** The synthetic sequence tasks of data/ usable for training from a config. */
export type SequenceTaskName =
  'addition' | 'multiplication' | 'temporalOrder' | 'temporalOrder3Bit' | 'randomPermutation';

/**
 * MNIST: the 10,000 digits of the `mnist` package, split 8,000 / 2,000 (data.loadMnist);
 * `numSamples` / `testSamples` keep the first N of each split (the splits are class-interleaved).
 */
export interface MnistDataConfig {
  /** The data set. */
  name: 'mnist';
  /** Training samples used (default 8000, all). */
  numSamples?: number;
  /** Test samples used for evaluation (default 2000, all; 0: no evaluation). */
  testSamples?: number;
}

/** A toy 2-D set (spiral, circles, moons, xor, gauss); training and test points come from one draw. */
export interface Toy2dDataConfig {
  /** Which toy set. */
  name: Toy2dDataName;
  /** Training points (spiral: per class), default 200 (spiral 100). */
  numSamples?: number;
  /** Test points (spiral: per class), default a quarter of numSamples; 0: no evaluation. */
  testSamples?: number;
  /** Noise std (defaults per set, see data/toy-2d.ts). */
  noise?: number;
  /** spiral only: number of arms (default 3). */
  classes?: number;
  /** circles only: radius of the inner circle, in (0, 1) (default 0.5). */
  factor?: number;
  /** Seed of the draw (default train.seed). */
  seed?: number;
}

/** A mixture of isotropic Gaussians (data.gaussianMixture); defaults from the preset (heInit). */
export interface GaussianMixtureDataConfig {
  /** The data set. */
  name: 'gaussianMixture';
  /** 'heInit' (10 classes in 32-d, the default) or 'glorotSaturation' (9 classes in 256-d). */
  preset?: 'heInit' | 'glorotSaturation';
  /** Mixture components, one per class (default the preset's). */
  numClasses?: number;
  /** Input dimension (default the preset's). */
  dim?: number;
  /** Training samples (default the preset's). */
  numSamples?: number;
  /** Test samples (default a quarter of numSamples; 0: no evaluation). */
  testSamples?: number;
  /** Std of the class means around 0 (default the preset's). */
  meanStd?: number;
  /** Std of the points around their class mean (default the preset's). */
  noiseStd?: number;
  /** Seed of the draw (default train.seed). */
  seed?: number;
}

/**
 * A synthetic sequence task (Hochreiter & Schmidhuber / Pascanu et al.) as a fixed dataset of
 * `numSamples` sequences of length T (no length jitter), plus `testSamples` fresh ones.
 */
export interface SequenceDataConfig {
  /** Which sequence task. */
  name: SequenceTaskName;
  /** Sequence length (>= 10, randomPermutation >= 1). */
  T: number;
  /** Training sequences (default 1000). */
  numSamples?: number;
  /** Test sequences (default 200; 0: no evaluation). */
  testSamples?: number;
  /** Seed of the draw (default train.seed). */
  seed?: number;
}

/**
 * Your own data from a file: CSV (feature columns and a label column), IDX (gzipped or not, with
 * a labels file), NumPy .npy (features [N, ...] and labels [N]) or JSON Lines (an object per line
 * with a feature array and a label). Relative paths are relative to the config file's folder.
 * Without `testPath`, `testFraction` of the samples (default 0.2) are held out for evaluation.
 * @example { "name": "file", "path": "iris.csv", "labelColumn": "species", "normalize": "standard" }
 */
export interface FileDataConfig extends DataFileSource {
  /** The data set. */
  name: 'file';
  /** Class labels ('classification', the default) or real-valued targets ('regression'). */
  task?: 'classification' | 'regression';
  /** The class labels in order (label → index 0, 1, …); other labels are refused. Default: integers as they are, names sorted. */
  classes?: (string | number)[];
  /** Fraction held out for evaluation when there is no testPath, in [0, 1) (default 0.2; 0: no evaluation). */
  testFraction?: number;
  /** Feature scaling from the training samples: 'standard', 'minmax', 'maxAbs' or 'none' (default). */
  normalize?: FeatureNormalization;
  /** Seed of the held-out split (default train.seed). */
  seed?: number;
}

/**
 * The 8,422 English first names bundled with gradscope (data.loadFirstNames), character by
 * character: split once into training and validation names by a fixed seeded shuffle
 * (data.charCorpus), each side one token stream with the boundary token '\n' between names.
 * Training samples are the windows of `model.context` tokens of the training stream, every
 * `stride` tokens; validation is every consecutive window of the validation stream, so
 * `val.loss` is the mean cross-entropy per character (as train.validationLoss). The monitor is
 * told the unigram model's loss (2.853 nats), the level of a model that ignores its input.
 */
export interface NamesDataConfig {
  /** The data set. */
  name: 'names';
  /** Tokens between the starts of consecutive training windows (default 1: every window). */
  stride?: number;
  /** Fraction of the names held out for validation, in (0, 1) (default 0.1). */
  valFraction?: number;
  /** Seed of the split (default 2024: the split is fixed in advance, whatever train.seed). */
  splitSeed?: number;
}

/** The data section. */
export type DataConfig =
  | NamesDataConfig
  | MnistDataConfig
  | Toy2dDataConfig
  | GaussianMixtureDataConfig
  | SequenceDataConfig
  | FileDataConfig;

/** The losses a config can name. */
export type LossName = 'crossEntropy' | 'mse' | 'huber';

/** The loss: a name, or a name with options (default crossEntropy for classes, mse for regression). */
export type LossConfig =
  | LossName
  | { name: 'crossEntropy'; labelSmoothing?: number }
  | { name: 'mse' }
  | { name: 'huber'; delta?: number };

/** Names of the optimizers a config can use (optim/registry.ts). */
export type OptimizerName = RegistryOptimizerName;

/** A named optimizer with its hyper-parameters (PyTorch's names; lr a number > 0); derived from optim/registry.ts. */
export type NamedOptimizerConfig = NamedOptimizerSection;

/** Names of the clipping transformations (clip/registry.ts). */
export type ClipName = RegistryClipName;

/** A clipping transformation and its options (thresholds > 0). */
export type ClipConfig =
  | { name: 'byValue'; clipValue: number }
  | { name: 'byNorm'; maxNorm: number }
  | ({ name: 'byGlobalNorm'; maxNorm: number } & ByGlobalNormOptions)
  | { name: 'byBlockRms'; threshold: number }
  | ({ name: 'agc'; clipping?: number } & AgcOptions)
  | ({ name: 'autoClip' } & AutoClipOptions)
  | ({ name: 'zClip' } & ZClipOptions)
  | ({ name: 'spikeClip' } & SpikeClipOptions);

/** Names of the optim/ building blocks usable in a chain. */
export type BlockName =
  | 'scaleByAdam'
  | 'scaleByAdamax'
  | 'scaleByNadam'
  | 'scaleByRadam'
  | 'scaleByRms'
  | 'scaleByRss'
  | 'scaleByAdadelta'
  | 'scaleByLion'
  | 'scaleByTrustRatio'
  | 'trace'
  | 'ema'
  | 'scale'
  | 'addDecayedWeights'
  | 'scaleByLearningRate';

/** A building block of a chain (optim/), with its options. */
export type BlockConfig =
  | ({ name: 'scaleByAdam' } & ScaleByAdamOptions)
  | ({ name: 'scaleByAdamax' } & ScaleByAdamaxOptions)
  | ({ name: 'scaleByNadam' } & ScaleByNadamOptions)
  | ({ name: 'scaleByRadam' } & ScaleByRadamOptions)
  | ({ name: 'scaleByRms' } & ScaleByRmsOptions)
  | ({ name: 'scaleByRss' } & ScaleByRssOptions)
  | ({ name: 'scaleByAdadelta' } & ScaleByAdadeltaOptions)
  | ({ name: 'scaleByLion' } & ScaleByLionOptions)
  | ({ name: 'scaleByTrustRatio' } & ScaleByTrustRatioOptions)
  | ({ name: 'trace' } & TraceOptions)
  | ({ name: 'ema' } & EmaOptions)
  | { name: 'scale'; factor: number }
  | { name: 'addDecayedWeights'; weightDecay: number }
  | ({ name: 'scaleByLearningRate'; lr: number } & ScaleByLearningRateOptions);

/** One entry of an optimizer chain: a building block, a clipping rule or a named optimizer. */
export type TransformConfig = BlockConfig | ClipConfig | NamedOptimizerConfig;

/**
 * The optimizer section: a named optimizer with its hyper-parameters, or a `chain` of
 * transformations applied in order (Optax style). `skipNonFinite` wraps it in
 * optim.skipNonFinite (a step with NaN/Inf gradients leaves the parameters unchanged).
 */
export type OptimizerConfig =
  | (NamedOptimizerConfig & { skipNonFinite?: boolean })
  | { chain: TransformConfig[]; skipNonFinite?: boolean };

/** Names of the learning-rate schedules a config can use (schedule/registry.ts). */
export type ScheduleName = RegistryScheduleName;

/**
 * The learning-rate schedule. Its base value (baseLr, warmupCosine's peak, oneCycle's maxLr) is
 * the optimizer's lr; its length (cosine's tMax, polynomial's totalIters, warmupCosine's total,
 * oneCycle's totalSteps) defaults to the number of training steps.
 */
export type ScheduleConfig =
  | ({ name: 'constant' } & Omit<ConstantOptions, 'baseLr'>)
  | ({ name: 'step' } & Omit<StepOptions, 'baseLr'>)
  | ({ name: 'multiStep' } & Omit<MultiStepOptions, 'baseLr'>)
  | ({ name: 'exponential' } & Omit<ExponentialOptions, 'baseLr'>)
  | ({ name: 'inverseTime' } & Omit<InverseTimeOptions, 'baseLr'>)
  | { name: 'inverseSqrt' }
  | ({ name: 'polynomial' } & Partial<Omit<PolynomialOptions, 'baseLr'>>)
  | ({ name: 'cosine' } & Partial<Omit<CosineOptions, 'baseLr'>>)
  | ({ name: 'cosineWarmRestarts' } & Omit<CosineWarmRestartsOptions, 'baseLr'>)
  | ({ name: 'linear' } & Omit<LinearScheduleOptions, 'baseLr'>)
  | ({ name: 'warmupCosine' } & Omit<WarmupCosineOptions, 'peak' | 'total'> & { total?: number })
  | ({ name: 'oneCycle' } & Omit<OneCycleOptions, 'maxLr' | 'totalSteps'> & { totalSteps?: number })
  | ({ name: 'cyclic' } & Omit<CyclicOptions, 'baseLr' | 'scaleFn' | 'scaleMode'>);

/** The gradient-health monitor (monitor.gradientHealth), placed first in the chain. */
export interface MonitorConfig {
  /** Default true when the section is present. */
  enabled?: boolean;
  /** Measure every k-th step (default 1). */
  every?: number;
  /** Read the parameters every k-th check (default 10). */
  paramEvery?: number;
  /** Measure the update ratio ‖Δp‖/‖p‖ (default true). */
  updateRatio?: boolean;
  /** Track the gradient direction for the oscillation detector (default false). */
  direction?: boolean;
  /** Also emit 'resolved' verdicts (default false). */
  emitResolved?: boolean;
  /** Points kept per time series (default 1000). */
  historyLength?: number;
  /** Detector threshold overrides (monitor.DEFAULT_THRESHOLDS has the names and defaults). */
  thresholds?: Partial<HealthThresholds>;
  /** Turn detectors on or off by verdict kind, e.g. { "plateau": false }. */
  detectors?: Partial<Record<VerdictKind, boolean>>;
  /** Write a statistics line to monitor.jsonl every n-th check (default 10; verdicts always). */
  logEvery?: number;
  /**
   * Probe the extreme Hessian eigenvalues on the first training batch every k-th check, for the
   * saddle detector (default off; each probe costs up to ~120 gradient evaluations).
   */
  curvatureEvery?: number;
}

/** The training loop (train.fit): how long, batches, seeds, evaluation and logging. */
export interface TrainLoopConfig {
  /** Epochs over the training data. Give epochs, steps or both (whichever ends first). */
  epochs?: number;
  /** Optimizer steps. */
  steps?: number;
  /** Batch size (default 32). */
  batchSize?: number;
  /** Seed of the model init, the data draw and the shuffling (default 0). */
  seed?: number;
  /** Shuffle the training data every epoch (default true). */
  shuffle?: boolean;
  /** Evaluate every N steps or at the end of each epoch ('epoch', the default). */
  evalEvery?: number | 'epoch';
  /** Batch size of the evaluation (default 1000). */
  evalBatchSize?: number;
  /** Steps between metrics lines (default about 10 per epoch). */
  logEvery?: number;
  /** Save a checkpoint every N steps (default 0: only at the end). */
  checkpointEvery?: number;
  /** dtype of the data and the parameters (default 'float32'). */
  dtype?: DType;
  /** Stop at the first NaN/Inf loss or gradient (default true). */
  stopOnNonFinite?: boolean;
  /** Stop when a metric stops improving (train.earlyStopping's options). */
  earlyStopping?: EarlyStoppingOptions;
}

/**
 * A training run, as `gradscope train --config FILE` reads it (JSON). Required: model, data,
 * optimizer, train.
 * @example
 * const config = parseTrainConfig({
 *   model: { name: 'mlp', hidden: [32, 32], activation: 'tanh' },
 *   data: { name: 'spiral' },
 *   optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 },
 *   train: { epochs: 20, batchSize: 32 },
 * });
 */
export interface TrainConfig {
  /** The JSON Schema the file follows (`gradscope schema`), for editors; ignored. */
  $schema?: string;
  /** Run name (the default run directory's suffix). */
  name?: string;
  /** Free text, kept in the run directory. */
  description?: string;
  /** The network. */
  model: ModelConfig;
  /** The data set. */
  data: DataConfig;
  /** The loss (default crossEntropy for classes, mse for regression). */
  loss?: LossConfig;
  /** A named optimizer or a chain of transformations. */
  optimizer: OptimizerConfig;
  /** The learning-rate schedule (its base value is the optimizer's lr). */
  schedule?: ScheduleConfig;
  /** Clipping applied to the gradients before the optimizer (one rule or several, in order). */
  clip?: ClipConfig | ClipConfig[];
  /** The gradient-health monitor: true, false, or its options (default off). */
  monitor?: boolean | MonitorConfig;
  /** The training loop: how long, batches, seeds, evaluation and logging. */
  train: TrainLoopConfig;
  /** Run directory (the command line's --out takes precedence). */
  out?: string;
}

// ---------------------------------------------------------------------------------------------
// What the data gives the model.
// ---------------------------------------------------------------------------------------------

/** What a data set is, known from its config alone (before anything is generated or loaded). */
export interface TaskInfo {
  /** The data set's name. */
  data: DataConfig['name'];
  /** Class labels (cross-entropy) or real-valued targets (mse, huber). */
  kind: 'classification' | 'regression';
  /** Whether samples are sequences [T, I] (the recurrent models' input). */
  sequence: boolean;
  /** Shape of one sample for an MLP / recurrent model ([784], [2], [T, I]); CNNs see [1, 28, 28]. [] for a file not read yet. */
  inputShape: number[];
  /** Classes (classification) — the model's output width. */
  numClasses?: number;
  /** Output width of the model (classes, or 1 for the regression tasks); 0 for a file not read yet. */
  outputSize: number;
  /**
   * Token data (the character data sets): samples are windows of token ids, targets the next
   * token of every position (classes: the vocabulary; outputSize 0 until the data is read).
   */
  tokens?: boolean;
}

/** What reading a data file told: features per sample, class names and the model's output width. */
export interface LoadedDataInfo {
  /** Features per sample. */
  features: number;
  /** Class names in index order (classification), or null (regression). */
  classes: string[] | null;
  /** Output width: classes, or the regression target size. */
  outputSize: number;
}

const TOY2D: readonly Toy2dDataName[] = ['spiral', 'circles', 'moons', 'xor', 'gauss'];
const SEQUENCES: Readonly<
  Record<SequenceTaskName, { input: number; classes: number | null; minT: number }>
> = {
  addition: { input: 2, classes: null, minT: 10 },
  multiplication: { input: 2, classes: null, minT: 10 },
  temporalOrder: { input: 6, classes: 4, minT: 10 },
  temporalOrder3Bit: { input: 6, classes: 8, minT: 10 },
  randomPermutation: { input: 100, classes: 100, minT: 1 },
};
const MIXTURE_PRESETS = {
  heInit: { numClasses: 10, dim: 32, numSamples: 4096, meanStd: 1, noiseStd: 1 },
  glorotSaturation: { numClasses: 9, dim: 256, numSamples: 20000, meanStd: 0.15, noiseStd: 1 },
} as const;

/** The data set names a config accepts. */
export const DATA_NAMES: readonly DataConfig['name'][] = [
  'names',
  'mnist',
  ...TOY2D,
  'gaussianMixture',
  ...(Object.keys(SEQUENCES) as SequenceTaskName[]),
  'file',
];

/** @internal The mixture's sizes with the preset's defaults filled in. */
export function mixtureOptions(d: GaussianMixtureDataConfig): {
  numClasses: number;
  dim: number;
  numSamples: number;
  meanStd: number;
  noiseStd: number;
} {
  const p = MIXTURE_PRESETS[d.preset ?? 'heInit'];
  return {
    numClasses: d.numClasses ?? p.numClasses,
    dim: d.dim ?? p.dim,
    numSamples: d.numSamples ?? p.numSamples,
    meanStd: d.meanStd ?? p.meanStd,
    noiseStd: d.noiseStd ?? p.noiseStd,
  };
}

/**
 * What the configured data set is: classification or regression, the sample shape, the number
 * of classes and the model's output width. Pure: nothing is loaded (a data file's sizes come
 * from `loaded`, what reading it told; without it they are unknown: inputShape [], outputSize 0).
 * @example taskOf({ name: 'spiral', classes: 4 }) // { kind: 'classification', inputShape: [2], numClasses: 4, outputSize: 4, … }
 */
export function taskOf(data: DataConfig, loaded?: LoadedDataInfo): TaskInfo {
  if (data.name === 'names')
    return {
      data: 'names',
      kind: 'classification',
      sequence: false,
      tokens: true,
      inputShape: loaded === undefined ? [] : [loaded.features],
      ...(loaded !== undefined ? { numClasses: loaded.outputSize } : {}),
      outputSize: loaded?.outputSize ?? 0,
    };
  if (data.name === 'file') {
    const kind = data.task ?? 'classification';
    return {
      data: 'file',
      kind,
      sequence: false,
      inputShape: loaded === undefined ? [] : [loaded.features],
      ...(kind === 'classification' && loaded !== undefined && loaded.classes !== null
        ? { numClasses: loaded.classes.length }
        : {}),
      outputSize: loaded?.outputSize ?? 0,
    };
  }
  if (data.name === 'mnist')
    return {
      data: 'mnist',
      kind: 'classification',
      sequence: false,
      inputShape: [784],
      numClasses: 10,
      outputSize: 10,
    };
  if (data.name === 'gaussianMixture') {
    const m = mixtureOptions(data);
    return {
      data: data.name,
      kind: 'classification',
      sequence: false,
      inputShape: [m.dim],
      numClasses: m.numClasses,
      outputSize: m.numClasses,
    };
  }
  if ((TOY2D as readonly string[]).includes(data.name)) {
    const d = data as Toy2dDataConfig;
    const k = d.name === 'spiral' ? (d.classes ?? 3) : 2;
    return {
      data: d.name,
      kind: 'classification',
      sequence: false,
      inputShape: [2],
      numClasses: k,
      outputSize: k,
    };
  }
  const s = data as SequenceDataConfig;
  const f = SEQUENCES[s.name];
  return {
    data: s.name,
    kind: f.classes === null ? 'regression' : 'classification',
    sequence: true,
    inputShape: [s.T, f.input],
    ...(f.classes === null ? {} : { numClasses: f.classes }),
    outputSize: f.classes ?? 1,
  };
}

// ---------------------------------------------------------------------------------------------
// Parsing.
// ---------------------------------------------------------------------------------------------

/**
 * Runs `fn`, re-throwing a library ConfigError it raises prefixed with the config path.
 * @example attempt('optimizer', () => adam(opts)) // ConfigError 'optimizer: adam: lr must be …'
 */
export function attempt<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`${path}: ${e.message}`);
    throw e;
  }
}

const POS_INT: FieldSpec = { type: 'number', integer: true, min: 1 };
const NONNEG_INT: FieldSpec = { type: 'number', integer: true, min: 0 };
const SEED: FieldSpec = { type: 'number', integer: true, min: 0 };
const ACTIVATIONS: Readonly<Record<ActivationName, true>> = {
  relu: true,
  leakyRelu: true,
  elu: true,
  gelu: true,
  tanh: true,
  sigmoid: true,
  softplus: true,
  softsign: true,
  identity: true,
};
/** @internal Every initializer name a config accepts (an object form may name any of them). */
export const INIT_NAMES: Readonly<Record<InitializerConfig['name'], true>> = {
  zeros: true,
  ones: true,
  constant: true,
  uniform: true,
  normal: true,
  truncatedNormal: true,
  xavierUniform: true,
  xavierNormal: true,
  heUniform: true,
  heNormal: true,
  kaimingUniform: true,
  kaimingNormal: true,
  lecunNormal: true,
  orthogonal: true,
  sparse: true,
};
const ACTIVATION: FieldSpec = { type: 'enum', values: Object.keys(ACTIVATIONS) };
const INIT: FieldSpec = {
  type: 'custom',
  expected: `an initializer name (${Object.keys(INIT_NAMES).join(', ')}) or { "name": ..., ...options }`,
};
const DROPOUT: FieldSpec = { type: 'number', min: 0, max: 1, maxExclusive: true };

/** Checks an initializer: a known name, or an object whose options the initializer accepts (tried on a 4×4 matrix). */
function checkInit(v: unknown, path: string): void {
  const names = Object.keys(INIT_NAMES);
  const name = typeof v === 'string' ? v : (v as { name?: unknown } | null)?.name;
  if (typeof v !== 'string' && (v === null || typeof v !== 'object' || Array.isArray(v)))
    throw invalid(path, v, describeField(INIT));
  if (typeof name !== 'string' || !names.includes(name)) {
    const p = typeof v === 'string' ? path : joinPath(path, 'name');
    throw new ConfigError(
      `${p} = ${fmt(name)} is not a known initializer${typeof name === 'string' ? suggest(name, names) : ''}; expected one of ${names.join(', ')}`,
    );
  }
  if (typeof v === 'string' && name === 'constant')
    throw invalid(
      path,
      v,
      'the object { "name": "constant", "value": x } (constant needs a value)',
    );
  attempt(path, () => resolveInitializer(v as InitConfig)([4, 4], new Rng(0), 'float64'));
}

const BIAS: FieldSpec = { type: 'boolean', doc: 'Learn biases (default true)' };
const MLP_FIELDS: FieldSpecs = {
  hidden: {
    type: 'numbers',
    item: { type: 'number', integer: true, min: 1 },
    doc: 'Hidden layer widths, e.g. [128, 64]; [] is a linear model',
  },
  sizes: {
    type: 'numbers',
    item: { type: 'number', integer: true, min: 1 },
    minLength: 2,
    doc: 'All widths [in, hidden…, out] instead of hidden; in and out must match the data',
  },
  activation: { ...ACTIVATION, doc: "Hidden activation (default 'relu')" },
  init: { ...INIT, doc: "Weight initializer (default PyTorch's U(±1/√fanIn))" },
  biasInit: { ...INIT, doc: "Bias initializer (default PyTorch's U(±1/√fanIn))" },
  norm: {
    type: 'enum',
    values: ['none', 'layer', 'batch'],
    doc: "Normalisation after each hidden Linear (default 'none')",
  },
  residual: {
    type: 'boolean',
    doc: 'Residual connections around hidden blocks of equal width (default false)',
  },
  dropout: { ...DROPOUT, doc: 'Dropout probability after each hidden activation (default 0)' },
  bias: BIAS,
};
const RECURRENT_FIELDS: FieldSpecs = {
  hiddenSize: { ...POS_INT, required: true, doc: 'Hidden units per layer' },
  numLayers: { ...POS_INT, doc: 'Stacked layers (default 1)' },
  init: { ...INIT, doc: 'Initializer of the input weights (and of the recurrent ones)' },
  recurrentInit: { ...INIT, doc: "Initializer of the recurrent weights, e.g. 'orthogonal'" },
  biasInit: { ...INIT, doc: 'Initializer of the biases (default U(±1/√H))' },
  dropout: { ...DROPOUT, doc: 'Dropout between stacked layers (default 0)' },
  bias: BIAS,
};
const CNN_FIELDS: FieldSpecs = {
  channels: {
    type: 'numbers',
    item: { type: 'number', integer: true, min: 1 },
    minLength: 1,
    required: true,
    doc: 'Output channels of each convolution, e.g. [16, 32]',
  },
  kernelSize: { ...POS_INT, doc: 'Odd kernel size (default 5)' },
  pool: {
    type: 'enum',
    values: ['max', 'avg', 'none'],
    doc: "Pooling after each convolution (default 'max')",
  },
  hidden: {
    type: 'numbers',
    item: { type: 'number', integer: true, min: 1 },
    doc: 'Hidden Linear widths after the convolutions (default [])',
  },
  activation: { ...ACTIVATION, doc: "Activation (default 'relu')" },
  init: { ...INIT, doc: 'Weight initializer of every layer' },
  biasInit: { ...INIT, doc: 'Bias initializer of every layer' },
};
const GPT_FIELDS: FieldSpecs = {
  context: { ...POS_INT, required: true, doc: 'Context length: tokens per training window' },
  layers: { ...POS_INT, required: true, doc: 'Transformer blocks' },
  heads: { ...POS_INT, required: true, doc: 'Attention heads per block (must divide embed)' },
  embed: { ...POS_INT, required: true, doc: 'Embedding width' },
  norm: {
    type: 'enum',
    values: ['pre', 'post'],
    doc: "LayerNorm placement: 'pre' (default, GPT-2) or 'post' (the original Transformer)",
  },
  normKind: { type: 'enum', values: ['layer', 'rms'], doc: "'layer' (default) or 'rms'" },
  ffn: { ...POS_INT, doc: 'Feed-forward width (default 4 × embed)' },
  activation: {
    type: 'enum',
    values: ['relu', 'gelu', 'geluTanh'],
    doc: "Feed-forward activation (default 'geluTanh')",
  },
  dropout: {
    ...DROPOUT,
    doc: 'Dropout on embeddings, attention and residual branches (default 0)',
  },
  tieWeights: {
    type: 'boolean',
    doc: 'Share the token embedding with the output layer (default true)',
  },
  init: {
    type: 'enum',
    values: ['gpt2', 'xavier', 'torch'],
    doc: "'gpt2' (default: N(0, 0.02²)), 'xavier' (as torch.nn.Transformer) or 'torch' (PyTorch's module defaults)",
  },
};
const MODEL_NAMES = ['mlp', 'rnn', 'lstm', 'gru', 'cnn', 'gpt'] as const;

/** @internal The fields of the model section, by model name (the validator's and the JSON Schema's table). */
export const MODEL_FIELDS: Readonly<Record<ModelConfig['name'], FieldSpecs>> = {
  mlp: MLP_FIELDS,
  rnn: RECURRENT_FIELDS,
  lstm: RECURRENT_FIELDS,
  gru: RECURRENT_FIELDS,
  cnn: CNN_FIELDS,
  gpt: GPT_FIELDS,
};

/**
 * Checks that an MLP's explicit `sizes` match the data: the input width and the output width
 * (classes or targets). A data file not read yet (inputShape []) passes; the config builder
 * calls this again with what the file told.
 * @example checkModelFitsData({ name: 'mlp', sizes: [3, 8, 2] }, taskOf({ name: 'xor' })) // throws: model.sizes[0] = 3 does not match the data …
 */
export function checkModelFitsData(model: ModelConfig, task: TaskInfo): void {
  if (model.name !== 'mlp' || model.sizes === undefined || task.inputShape.length === 0) return;
  const sizes = model.sizes;
  const dataName = `data.name = ${fmt(task.data)}`;
  const inSize = task.inputShape[0] as number;
  if (sizes[0] !== inSize)
    throw new ConfigError(
      `model.sizes[0] = ${sizes[0]} does not match the data: ${dataName} has ${inSize} input features`,
    );
  const last = sizes.length - 1;
  if (sizes[last] !== task.outputSize)
    throw new ConfigError(
      `model.sizes[${last}] = ${sizes[last]} does not match the data: ${dataName} needs ${task.outputSize} outputs (${task.kind === 'classification' ? 'one per class' : 'the regression target'})`,
    );
}

function parseModel(v: unknown, task: TaskInfo): void {
  const path = 'model';
  const o = checkObject(v, path, 'an object with a name (mlp, rnn, lstm, gru, cnn or gpt)');
  const name = checkName(o, path, MODEL_NAMES, 'model');
  const what = `model "${name}"`;
  checkFields(o, path, MODEL_FIELDS[name], what, ['name']);
  if (name !== 'gpt')
    for (const k of ['init', 'biasInit', 'recurrentInit'])
      if (o[k] !== undefined) checkInit(o[k], joinPath(path, k));
  const dataName = `data.name = ${fmt(task.data)}`;
  if (task.tokens === true && name !== 'gpt')
    throw new ConfigError(
      `model.name = ${fmt(name)} cannot read token windows: ${dataName} is a character data set; use model "gpt"`,
    );
  if (name === 'gpt') {
    if (task.tokens !== true)
      throw new ConfigError(
        `model.name = "gpt" needs token data: ${dataName} is not a character data set; use data "names"`,
      );
    const heads = o['heads'] as number;
    const embed = o['embed'] as number;
    if (embed % heads !== 0)
      throw invalid(
        'model.heads',
        heads,
        `a divisor of model.embed = ${embed} (each head gets embed / heads features)`,
      );
  } else if (name === 'mlp') {
    if (task.sequence)
      throw new ConfigError(
        `model.name = "mlp" cannot read sequences: ${dataName} is a sequence task; use "rnn", "lstm" or "gru"`,
      );
    if (o['hidden'] !== undefined && o['sizes'] !== undefined)
      throw new ConfigError(
        'model: give either hidden (the hidden widths) or sizes (all widths), not both',
      );
    if (o['hidden'] === undefined && o['sizes'] === undefined)
      throw missing(
        'model.hidden',
        'the hidden layer widths, e.g. [128] ([] for a linear model), or model.sizes with all widths',
        'required by model "mlp"',
      );
    checkModelFitsData(o as unknown as ModelConfig, task);
  } else if (name === 'cnn') {
    if (task.data !== 'mnist')
      throw new ConfigError(
        `model.name = "cnn" needs images: ${dataName} is not an image data set; the cnn model works with "mnist"`,
      );
    const k = (o['kernelSize'] as number | undefined) ?? 5;
    if (k % 2 !== 1)
      throw invalid('model.kernelSize', k, 'an odd integer >= 1 (for "same" padding)');
    const pools = (o['pool'] ?? 'max') === 'none' ? 0 : (o['channels'] as number[]).length;
    if (28 >> pools < 1)
      throw invalid(
        'model.channels',
        o['channels'],
        `at most 4 convolutions when pooling (each halves the 28×28 image)`,
      );
  } else if (!task.sequence) {
    throw new ConfigError(
      `model.name = ${fmt(name)} needs sequences: ${dataName} is not a sequence task; use one of ${Object.keys(SEQUENCES).join(', ')}, or model "mlp"`,
    );
  }
}

const SAMPLES: FieldSpec = { ...POS_INT, doc: 'Training samples (default: the set’s)' };
const TEST_SAMPLES: FieldSpec = { ...NONNEG_INT, doc: 'Test samples (0: no evaluation)' };
const DATA_SEED: FieldSpec = { ...SEED, doc: 'Seed of the draw (default train.seed)' };
const TOY_COMMON: FieldSpecs = {
  numSamples: { ...SAMPLES, doc: 'Training points (spiral: per class), default 200 (spiral 100)' },
  testSamples: TEST_SAMPLES,
  noise: { type: 'number', min: 0, doc: 'Noise std (defaults per set)' },
  seed: DATA_SEED,
};
const TOY_EXTRA: Readonly<Record<Toy2dDataName, FieldSpecs>> = {
  spiral: { classes: { type: 'number', integer: true, min: 2, doc: 'Number of arms (default 3)' } },
  circles: {
    factor: {
      type: 'number',
      min: 0,
      max: 1,
      minExclusive: true,
      maxExclusive: true,
      doc: 'Radius of the inner circle (default 0.5)',
    },
  },
  moons: {},
  xor: {},
  gauss: {},
};

const FILE_FIELDS: FieldSpecs = {
  path: {
    type: 'string',
    required: true,
    doc: "The data file (CSV/JSONL: features and labels; IDX/.npy: the features), relative to the config file's folder",
  },
  format: {
    type: 'enum',
    values: [...DATA_FILE_FORMATS],
    doc: 'The file format (default: from the extension: .csv/.tsv, .npy, .jsonl/.ndjson, -ubyte/.idx, each optionally .gz for IDX)',
  },
  labels: { type: 'string', doc: 'IDX/.npy: the labels file, one label per sample' },
  labelColumn: {
    type: 'custom',
    expected: 'a column name or a 0-based column index (negative from the end)',
    doc: 'CSV: the label column, by header name or 0-based index (default the last); JSONL: the key of the label (default "label")',
  },
  featuresKey: { type: 'string', doc: 'JSONL: the key of the feature array (default "features")' },
  header: {
    type: 'boolean',
    doc: 'CSV: whether the first row is a header (default: detected; a string labelColumn needs one)',
  },
  delimiter: {
    type: 'string',
    doc: 'CSV: the field separator, one character (default ",", a tab for .tsv)',
  },
  task: {
    type: 'enum',
    values: ['classification', 'regression'],
    doc: "Class labels or real-valued targets (default 'classification')",
  },
  classes: {
    type: 'custom',
    expected: 'an array of at least 2 class labels (strings or numbers)',
    doc: 'The class labels in order (label → index 0, 1, …); a label not listed is refused (default: integers as they are, names sorted)',
  },
  testPath: {
    type: 'string',
    doc: 'A separate test file in the same format (instead of testFraction)',
  },
  testLabels: { type: 'string', doc: 'IDX/.npy: the labels file of testPath' },
  testFraction: {
    type: 'number',
    min: 0,
    max: 1,
    maxExclusive: true,
    doc: 'Fraction of the samples held out for evaluation when there is no testPath (default 0.2; 0: no evaluation)',
  },
  normalize: {
    type: 'enum',
    values: ['none', 'standard', 'minmax', 'maxAbs'],
    doc: "Feature scaling from the training samples: 'standard' (z-score), 'minmax' ([0, 1]), 'maxAbs' (x / max|x|, e.g. pixels / 255) or 'none' (default)",
  },
  seed: { ...DATA_SEED, doc: 'Seed of the held-out split (default train.seed)' },
};

/** @internal The fields of the data section, by data set name (the validator's and the JSON Schema's table). */
export const DATA_FIELDS: Readonly<Record<DataConfig['name'], FieldSpecs>> = {
  names: {
    stride: {
      ...POS_INT,
      doc: 'Tokens between the starts of consecutive training windows (default 1: every window)',
    },
    valFraction: {
      type: 'number',
      min: 0,
      max: 1,
      minExclusive: true,
      maxExclusive: true,
      doc: 'Fraction of the names held out for validation (default 0.1)',
    },
    splitSeed: {
      ...SEED,
      doc: 'Seed of the train/validation split (default 2024: fixed in advance, whatever train.seed)',
    },
  },
  mnist: { numSamples: SAMPLES, testSamples: TEST_SAMPLES },
  ...(Object.fromEntries(TOY2D.map((n) => [n, { ...TOY_COMMON, ...TOY_EXTRA[n] }])) as Record<
    Toy2dDataName,
    FieldSpecs
  >),
  gaussianMixture: {
    preset: {
      type: 'enum',
      values: Object.keys(MIXTURE_PRESETS),
      doc: 'The defaults of the other fields (default heInit)',
    },
    numClasses: { type: 'number', integer: true, min: 2, doc: 'Mixture components (classes)' },
    dim: { ...POS_INT, doc: 'Input dimension' },
    numSamples: SAMPLES,
    testSamples: TEST_SAMPLES,
    meanStd: { type: 'number', min: 0, doc: 'Std of the class means' },
    noiseStd: { type: 'number', min: 0, doc: 'Std of the points around their mean' },
    seed: DATA_SEED,
  },
  ...(Object.fromEntries(
    (Object.keys(SEQUENCES) as SequenceTaskName[]).map((n): [string, FieldSpecs] => [
      n,
      {
        T: {
          type: 'number',
          integer: true,
          min: SEQUENCES[n].minT,
          required: true,
          doc: 'Sequence length',
        },
        numSamples: { ...SAMPLES, doc: 'Training sequences (default 1000)' },
        testSamples: { ...TEST_SAMPLES, doc: 'Test sequences (default 200; 0: no evaluation)' },
        seed: DATA_SEED,
      },
    ]),
  ) as Record<SequenceTaskName, FieldSpecs>),
  file: FILE_FIELDS,
};

/** The keys of data "file" that only some formats read. */
const FORMAT_ONLY: Readonly<Record<string, readonly string[]>> = {
  labels: ['idx', 'npy'],
  testLabels: ['idx', 'npy'],
  header: ['csv'],
  delimiter: ['csv'],
  featuresKey: ['jsonl'],
};

/** The extra checks of data "file" (the field table checks types and ranges). */
function parseFileData(o: JsonObject): void {
  const path = o['path'] as string;
  if (path.trim() === '') throw invalid('data.path', path, 'a file path');
  const format = (o['format'] as DataFileFormat | undefined) ?? dataFileFormat(path);
  if (format === null)
    throw missing(
      'data.format',
      `one of ${DATA_FILE_FORMATS.map((f) => fmt(f)).join(', ')}`,
      `data.path = ${fmt(path)} does not tell it: expected a name ending in .csv, .tsv, .npy, .jsonl, .ndjson, -ubyte or .idx (optionally .gz)`,
    );
  for (const [k, formats] of Object.entries(FORMAT_ONLY))
    if (o[k] !== undefined && !formats.includes(format))
      throw new ConfigError(
        `data.${k} is for the ${formats.join(' and ')} format${formats.length > 1 ? 's' : ''}; data.path = ${fmt(path)} is ${format}`,
      );
  if ((format === 'idx' || format === 'npy') && o['labels'] === undefined)
    throw missing(
      'data.labels',
      `the ${format === 'npy' ? '.npy' : 'IDX'} file of the labels, one per sample of data.path`,
      `required by the ${format} format`,
    );
  for (const k of ['path', 'labels', 'testPath', 'testLabels'])
    if (typeof o[k] === 'string' && (o[k] as string).trim() === '')
      throw invalid(`data.${k}`, o[k], 'a file path');
  if (o['testPath'] !== undefined && o['testFraction'] !== undefined)
    throw new ConfigError(
      'data: give either testPath (a test file) or testFraction (a held-out part of data.path), not both',
    );
  if (o['testLabels'] !== undefined && o['testPath'] === undefined)
    throw missing('data.testPath', 'the test features file', 'data.testLabels is given');
  if (
    (format === 'idx' || format === 'npy') &&
    o['testPath'] !== undefined &&
    o['testLabels'] === undefined
  )
    throw missing(
      'data.testLabels',
      'the labels file of data.testPath',
      `required by the ${format} format`,
    );
  const d = o['delimiter'];
  if (d !== undefined && ((d as string).length !== 1 || d === '"' || d === '\n' || d === '\r'))
    throw invalid(
      'data.delimiter',
      d,
      'one character other than a quote or a newline, e.g. "," or ";" or "\\t"',
    );
  const lc = o['labelColumn'];
  if (
    lc !== undefined &&
    !(typeof lc === 'string' && lc !== '') &&
    !(typeof lc === 'number' && Number.isInteger(lc))
  )
    throw invalid('data.labelColumn', lc, describeField(FILE_FIELDS['labelColumn'] as FieldSpec));
  if (format === 'jsonl' && typeof lc === 'number')
    throw invalid(
      'data.labelColumn',
      lc,
      'the key of the label in each JSON object (a string), e.g. "label"',
    );
  const classes = o['classes'];
  if (classes !== undefined) {
    if (o['task'] === 'regression')
      throw new ConfigError('data.classes is for classification; data.task is "regression"');
    if (
      !Array.isArray(classes) ||
      classes.length < 2 ||
      !classes.every((c) => typeof c === 'string' || (typeof c === 'number' && Number.isFinite(c)))
    )
      throw invalid(
        'data.classes',
        classes,
        'an array of at least 2 class labels (strings or numbers)',
      );
    const seen = new Set<string>();
    classes.forEach((c, i) => {
      if (seen.has(String(c)))
        throw invalid(
          joinPath('data.classes', i),
          c,
          'a label not listed before (each class once)',
        );
      seen.add(String(c));
    });
  }
}

function parseData(v: unknown): TaskInfo {
  const path = 'data';
  const o = checkObject(v, path, `an object with a name (${DATA_NAMES.join(', ')})`);
  const name = checkName(o, path, DATA_NAMES, 'data set');
  checkFields(o, path, DATA_FIELDS[name], `data "${name}"`, ['name']);
  if (name === 'file') parseFileData(o);
  return taskOf(o as unknown as DataConfig);
}

/** @internal The options of each loss (the validator's and the JSON Schema's table). */
export const LOSS_FIELDS: Readonly<Record<LossName, FieldSpecs>> = {
  crossEntropy: { labelSmoothing: { type: 'number', min: 0, max: 1 } },
  mse: {},
  huber: { delta: { type: 'number', min: 0, minExclusive: true } },
};
const LOSSES = Object.keys(LOSS_FIELDS) as LossName[];

function parseLoss(v: unknown, task: TaskInfo): void {
  if (v === undefined) return;
  const path = 'loss';
  let name: LossName;
  if (typeof v === 'string') {
    if (!(LOSSES as readonly string[]).includes(v))
      throw new ConfigError(
        `loss = ${fmt(v)} is not a known loss${suggest(v, LOSSES)}; expected one of ${LOSSES.join(', ')}`,
      );
    name = v as LossName;
  } else {
    const o = checkObject(
      v,
      path,
      `a loss name (${LOSSES.join(', ')}) or { "name": ..., ...options }`,
    );
    name = checkName(o, path, LOSSES, 'loss');
    checkFields(o, path, LOSS_FIELDS[name], `loss "${name}"`, ['name']);
  }
  const p = typeof v === 'string' ? 'loss' : 'loss.name';
  if (name === 'crossEntropy' && task.kind !== 'classification')
    throw new ConfigError(
      `${p} = "crossEntropy" needs class labels, but data.name = ${fmt(task.data)} is a regression task; use "mse" or "huber"`,
    );
  if (name !== 'crossEntropy' && task.kind !== 'regression')
    throw new ConfigError(
      `${p} = ${fmt(name)} needs regression targets, but data.name = ${fmt(task.data)} has class labels; use "crossEntropy"`,
    );
}

/** @internal The fields of the train section. */
export const TRAIN_FIELDS: FieldSpecs = {
  epochs: { ...POS_INT, doc: 'Epochs over the training data (give epochs, steps or both)' },
  steps: { ...POS_INT, doc: 'Optimizer steps (with epochs: whichever ends first)' },
  batchSize: { ...POS_INT, doc: 'Batch size (default 32)' },
  seed: { ...SEED, doc: 'Seed of the model init, the data draw and the shuffling (default 0)' },
  shuffle: { type: 'boolean', doc: 'Shuffle the training data every epoch (default true)' },
  evalEvery: {
    type: 'numberOrEnum',
    item: { type: 'number', integer: true, min: 1 },
    values: ['epoch'],
    doc: "Evaluate every N steps or at the end of each epoch ('epoch', the default)",
  },
  evalBatchSize: { ...POS_INT, doc: 'Batch size of the evaluation (default 1000)' },
  logEvery: { ...POS_INT, doc: 'Steps between metrics lines (default about 10 per epoch)' },
  checkpointEvery: {
    ...NONNEG_INT,
    doc: 'Save a checkpoint every N steps (default 0: only at the end)',
  },
  dtype: {
    type: 'enum',
    values: ['float32', 'float64'],
    doc: "dtype of the data and the parameters (default 'float32')",
  },
  stopOnNonFinite: {
    type: 'boolean',
    doc: 'Stop at the first NaN/Inf loss or gradient (default true)',
  },
  earlyStopping: {
    type: 'custom',
    expected: 'an object (train.earlyStopping options)',
    doc: 'Stop when a metric stops improving',
  },
};
/** @internal The fields of train.earlyStopping. */
export const EARLY_STOPPING_FIELDS: FieldSpecs = {
  monitor: {
    type: 'string',
    doc: "The logged value to watch: 'val.loss' (default), 'val.accuracy', 'train.loss', …",
  },
  patience: { ...POS_INT, doc: 'Evaluations without improvement before stopping' },
  minDelta: { type: 'number', min: 0, doc: 'The smallest change that counts as improvement' },
  mode: {
    type: 'enum',
    values: ['min', 'max', 'auto'],
    doc: 'Whether lower or higher is better (auto: from the name)',
  },
  restoreBest: { type: 'boolean', doc: 'Restore the best parameters when stopping' },
};

function parseTrain(v: unknown, task: TaskInfo, hasTest: boolean): void {
  const path = 'train';
  const o = checkObject(v, path, 'an object with epochs or steps');
  checkFields(o, path, TRAIN_FIELDS, 'train');
  if (o['epochs'] === undefined && o['steps'] === undefined)
    throw missing('train.epochs', 'an integer >= 1 (or give train.steps): how long to train');
  const es = o['earlyStopping'];
  if (es !== undefined) {
    const e = checkObject(es, 'train.earlyStopping');
    checkFields(e, 'train.earlyStopping', EARLY_STOPPING_FIELDS, 'train.earlyStopping');
    const m = (e['monitor'] as string | undefined) ?? 'val.loss';
    const metrics = [
      'loss',
      ...(task.kind === 'classification' && task.tokens !== true ? ['accuracy'] : []),
    ];
    const allowed = [
      ...(hasTest ? metrics.map((x) => `val.${x}`) : []),
      ...metrics.map((x) => `train.${x}`),
    ];
    if (!allowed.includes(m))
      throw new ConfigError(
        `train.earlyStopping.monitor = ${fmt(m)} is not a logged value${suggest(m, allowed)}; expected one of ${allowed.join(', ')}${hasTest ? '' : ' (there is no test set to evaluate)'}`,
      );
  }
}

/** Checks a named optimizer (plus `extra` fields); returns its base learning rate. */
function parseNamedOptimizer(o: JsonObject, path: string, extra: FieldSpecs): number {
  const name = checkName(o, path, Object.keys(OPTIMIZERS) as OptimizerName[], 'optimizer');
  const spec = OPTIMIZERS[name];
  if (spec.defaultLr === undefined && o['lr'] === undefined)
    throw missing(
      joinPath(path, 'lr'),
      describeField(LR_FIELD),
      `${name} has no default learning rate`,
    );
  checkFields(o, path, { ...spec.fields, ...extra }, `optimizer "${name}"`, ['name']);
  const lr = (o['lr'] as number | undefined) ?? (spec.defaultLr as number);
  attempt(path, () => spec.build(o, lr));
  return lr;
}

const TRANSFORM_NAMES: readonly string[] = [
  ...Object.keys(OPTIMIZERS),
  ...Object.keys(CLIPS),
  ...Object.keys(BLOCKS),
];

function parseClipEntry(o: JsonObject, path: string): void {
  const name = checkName(o, path, Object.keys(CLIPS) as ClipName[], 'clipping rule');
  const spec = CLIPS[name];
  checkFields(o, path, spec.fields, `clip "${name}"`, ['name']);
  attempt(path, () => spec.build(o));
}

/** A learning rate a schedule could drive: where it is and its value. */
interface LrSlot {
  path: string;
  value: number;
}

function parseOptimizer(v: unknown): LrSlot[] {
  const path = 'optimizer';
  const o = checkObject(
    v,
    path,
    `an object with a name (${Object.keys(OPTIMIZERS).join(', ')}) or a chain`,
  );
  if (o['chain'] === undefined) {
    if (o['name'] === undefined)
      throw missing(
        'optimizer.name',
        `one of ${Object.keys(OPTIMIZERS).join(', ')}, or give optimizer.chain (a list of transformations)`,
      );
    const value = parseNamedOptimizer(o, path, { skipNonFinite: { type: 'boolean' } });
    return [{ path: 'optimizer.lr', value }];
  }
  checkFields(
    o,
    path,
    {
      chain: { type: 'custom', expected: 'an array of transformations' },
      skipNonFinite: { type: 'boolean' },
    },
    'optimizer (a chain)',
  );
  const chain = o['chain'];
  if (!Array.isArray(chain) || chain.length === 0)
    throw invalid(
      'optimizer.chain',
      chain,
      'a non-empty array of transformations, e.g. [{ "name": "byGlobalNorm", "maxNorm": 1 }, { "name": "adam", "lr": 0.001 }]',
    );
  const slots: LrSlot[] = [];
  chain.forEach((entry, i) => {
    const p = joinPath('optimizer.chain', i);
    const e = checkObject(entry, p, 'an object with a name');
    const name = checkName(e, p, TRANSFORM_NAMES, 'transformation');
    if (name in OPTIMIZERS) {
      slots.push({ path: joinPath(p, 'lr'), value: parseNamedOptimizer(e, p, {}) });
    } else if (name in CLIPS) {
      parseClipEntry(e, p);
    } else {
      const spec = BLOCKS[name as BlockName];
      checkFields(e, p, spec.fields, `transformation "${name}"`, ['name']);
      attempt(p, () => spec.build(e, undefined));
      if (spec.takesLr) slots.push({ path: joinPath(p, 'lr'), value: e['lr'] as number });
    }
  });
  return slots;
}

function parseSchedule(v: unknown, slots: readonly LrSlot[], steps: number | undefined): void {
  if (v === undefined) return;
  const path = 'schedule';
  const o = checkObject(v, path, `an object with a name (${Object.keys(SCHEDULES).join(', ')})`);
  const name = checkName(o, path, Object.keys(SCHEDULES) as ScheduleName[], 'schedule');
  const spec = SCHEDULES[name];
  checkFields(o, path, spec.fields, `schedule "${name}"`, ['name']);
  const slot = slots[0];
  if (slots.length !== 1 || slot === undefined)
    throw new ConfigError(
      slots.length === 0
        ? 'schedule: the optimizer chain has no learning rate to schedule; add a named optimizer or { "name": "scaleByLearningRate", "lr": ... } to optimizer.chain'
        : `schedule: the optimizer chain has ${slots.length} learning rates (${slots.map((s) => s.path).join(', ')}); a schedule drives exactly one`,
    );
  // The run's length is known here only when train.steps is given (or the schedule has its own);
  // otherwise the schedule is checked again when it is built, once the data size is known.
  if (spec.length !== undefined && o[spec.length] === undefined && steps === undefined) return;
  makeSchedule(o, slot.value, steps ?? 1);
}

function parseClip(v: unknown): void {
  if (v === undefined) return;
  if (Array.isArray(v)) {
    v.forEach((c, i) => parseClipEntry(checkObject(c, joinPath('clip', i)), joinPath('clip', i)));
    return;
  }
  parseClipEntry(
    checkObject(
      v,
      'clip',
      `a clipping rule { "name": ..., ... } (${Object.keys(CLIPS).join(', ')}) or an array of them`,
    ),
    'clip',
  );
}

/** @internal The fields of the monitor section (when it is an object). */
export const MONITOR_FIELDS: FieldSpecs = {
  enabled: { type: 'boolean', doc: 'Default true when the section is present' },
  every: { ...POS_INT, doc: 'Measure every k-th step (default 1)' },
  paramEvery: { ...POS_INT, doc: 'Read the parameters every k-th check (default 10)' },
  updateRatio: { type: 'boolean', doc: 'Measure the update ratio ‖Δp‖/‖p‖ (default true)' },
  direction: {
    type: 'boolean',
    doc: 'Track the gradient direction for the oscillation detector (default false)',
  },
  emitResolved: { type: 'boolean', doc: "Also emit 'resolved' verdicts (default false)" },
  historyLength: {
    type: 'number',
    integer: true,
    min: 2,
    doc: 'Points kept per time series (default 1000)',
  },
  thresholds: {
    type: 'custom',
    expected: 'an object of threshold overrides',
    doc: 'Detector threshold overrides (monitor.DEFAULT_THRESHOLDS has the names and defaults)',
  },
  detectors: {
    type: 'custom',
    expected: 'an object { kind: true | false }',
    doc: 'Turn detectors on or off by verdict kind, e.g. { "plateau": false }',
  },
  curvatureEvery: {
    ...POS_INT,
    doc: 'Probe the extreme Hessian eigenvalues on the first training batch every k-th check, for the saddle detector (default off)',
  },
  logEvery: {
    ...POS_INT,
    doc: 'Write a statistics line to monitor.jsonl every n-th check (default 10)',
  },
};

/** @internal monitor.thresholds: every detector threshold, by name (monitor.DEFAULT_THRESHOLDS). */
export const THRESHOLD_FIELDS: FieldSpecs = Object.fromEntries(
  Object.keys(DEFAULT_THRESHOLDS).map((k) => [k, { type: 'number' } as FieldSpec]),
);
/** @internal monitor.detectors: each verdict kind on or off. */
export const DETECTOR_FIELDS: FieldSpecs = Object.fromEntries(
  VERDICT_KINDS.map((k) => [k, { type: 'boolean' } as FieldSpec]),
);

function parseMonitor(v: unknown): void {
  if (v === undefined || typeof v === 'boolean') return;
  const path = 'monitor';
  const o = checkObject(v, path, 'true, false or an object of gradientHealth options');
  checkFields(o, path, MONITOR_FIELDS, 'monitor');
  if (o['thresholds'] !== undefined) {
    const t = checkObject(o['thresholds'], 'monitor.thresholds');
    checkFields(t, 'monitor.thresholds', THRESHOLD_FIELDS, 'monitor.thresholds');
    attempt('monitor.thresholds', () => resolveThresholds(t as Partial<HealthThresholds>));
  }
  if (o['detectors'] !== undefined) {
    const d = checkObject(o['detectors'], 'monitor.detectors');
    checkFields(d, 'monitor.detectors', DETECTOR_FIELDS, 'monitor.detectors');
  }
}

/** @internal The top-level keys of a train config. */
export const TOP_FIELDS: FieldSpecs = {
  name: { type: 'string', doc: "Run name (the default run directory's suffix)" },
  description: { type: 'string', doc: 'Free text, kept in the run directory' },
  model: {
    type: 'custom',
    expected: 'an object',
    required: true,
    doc: 'The network: mlp, rnn, lstm, gru, cnn or gpt, with its widths and initializers',
  },
  data: {
    type: 'custom',
    expected: 'an object',
    required: true,
    doc: 'The data set by name (mnist, toy 2-D sets, a Gaussian mixture, sequence tasks, the names as characters) or your own file ("file": CSV, IDX, .npy, JSONL)',
  },
  loss: {
    type: 'custom',
    expected: 'a loss name or object',
    doc: 'crossEntropy, mse or huber (default crossEntropy for classes, mse for regression)',
  },
  optimizer: {
    type: 'custom',
    expected: 'an object',
    required: true,
    doc: 'A named optimizer with its hyper-parameters, or a chain of transformations',
  },
  schedule: {
    type: 'custom',
    expected: 'an object',
    doc: "The learning-rate schedule; its base value is the optimizer's lr",
  },
  clip: {
    type: 'custom',
    expected: 'an object or an array',
    doc: 'Clipping applied to the gradients before the optimizer (one rule or several, in order)',
  },
  monitor: {
    type: 'custom',
    expected: 'true, false or an object',
    doc: 'The gradient-health monitor: true, false, or its options (default off)',
  },
  train: {
    type: 'custom',
    expected: 'an object',
    required: true,
    doc: 'The training loop: how long, batches, seeds, evaluation and logging',
  },
  out: { type: 'string', doc: "Run directory (the command line's --out takes precedence)" },
  $schema: {
    type: 'string',
    doc: 'The JSON Schema this file follows (for editors); gradscope ignores it.',
  },
};

/** Whether the configured data set has a test split (testSamples not 0). */
function hasTestSet(data: JsonObject): boolean {
  if (data['name'] === 'file') return data['testPath'] !== undefined || data['testFraction'] !== 0;
  return data['testSamples'] !== 0;
}

/**
 * Validates a parsed JSON value as a {@link TrainConfig} and returns a deep copy. Every problem
 * is a ConfigError naming the field path (e.g. `optimizer.lr`), the value received and what is
 * allowed: unknown keys are refused with the allowed keys (and a "did you mean"), unknown names
 * list the known ones, missing required fields are named, learning rates must be > 0, and the
 * model, the data and the loss must fit together (input and output widths, sequences for
 * recurrent models, class labels for cross-entropy). Hyper-parameters are also tried on the
 * library's own constructors, so a combination they refuse (Nesterov without momentum) fails here.
 *
 * @example
 * parseTrainConfig({ model: { name: 'mlp', hidden: [16] }, data: { name: 'xor' },
 *   optimizer: { name: 'adam', lr: -1 }, train: { epochs: 1 } });
 * // throws ConfigError: optimizer.lr = -1 is invalid; expected a number > 0
 */
export function parseTrainConfig(json: unknown): TrainConfig {
  const root = checkObject(json, 'config', 'a JSON object with model, data, optimizer and train');
  checkFields(root, '', TOP_FIELDS, 'the config');
  const task = parseData(root['data']);
  parseModel(root['model'], task);
  parseLoss(root['loss'], task);
  parseTrain(root['train'], task, hasTestSet(root['data'] as JsonObject));
  const slots = parseOptimizer(root['optimizer']);
  const steps = (root['train'] as JsonObject)['steps'] as number | undefined;
  parseSchedule(root['schedule'], slots, steps);
  parseClip(root['clip']);
  parseMonitor(root['monitor']);
  if (root['out'] !== undefined && (root['out'] as string).trim() === '')
    throw invalid('out', root['out'], 'a directory path');
  return structuredClone(root) as unknown as TrainConfig;
}
