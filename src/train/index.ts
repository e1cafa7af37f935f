// The training loop, callbacks, metrics, checkpoints (pure: serialize/parse/verify/restore) and
// run logs. Browser-safe: the file-writing parts are in ./node.ts.
export { fit, type FitOptions, type FitData } from './fit.js';
export type { FitSummary, EvalRecord } from './fit-summary.js';
export {
  evaluate,
  defaultLoss,
  type EvaluateOptions,
  type EvaluateResult,
  type LossFn,
} from './evaluate.js';
export { accuracy, resolveMetrics, type Metric, type MetricName, type Targets } from './metrics.js';
export type { Callback, TrainingControl, StepInfo, EpochInfo, EvalInfo } from './callback.js';
export { earlyStopping, type EarlyStoppingOptions } from './early-stopping.js';
export {
  terminateOnNonFinite,
  type TerminateOnNonFiniteOptions,
} from './terminate-on-non-finite.js';
export {
  trainLoop,
  trainStep,
  computeGradients,
  applyStep,
  runLoop,
  loopControl,
  cycle,
  type TrainLoopOptions,
  type LoopStep,
  type PendingStep,
  type LoopCallback,
  type LoopControl,
  type LoopEnd,
} from './loop.js';
export {
  ProgressReporter,
  formatDuration,
  type ProgressMode,
  type ProgressOptions,
  type ProgressTone,
} from './progress.js';
export { MemoryRunLog, toJsonSafe, type RunLog, type MetricsRecord } from './run-log.js';
export {
  captureCheckpoint,
  serializeCheckpoint,
  parseCheckpoint,
  prepareRestore,
  restoreCheckpoint,
  type Checkpoint,
  type CheckpointTargets,
  type CaptureCheckpointOptions,
  type RestoreOptions,
} from './checkpoint.js';
export { CheckpointError } from './checkpoint-error.js';
export {
  encodeCheckpoint,
  isBinaryCheckpoint,
  sha256Chunks,
  BINARY_CHECKPOINT_FORMAT,
  BINARY_CHECKPOINT_VERSION,
} from './checkpoint-binary.js';
export { findRngs } from './rngs.js';
export { sha256 } from './sha256.js';
// Training runs from a JSON config (what `gradscope train --config` reads): the schema, its
// validation and the builders.
export {
  parseTrainConfig,
  taskOf,
  checkModelFitsData,
  DATA_NAMES,
  type TrainConfig,
  type ModelConfig,
  type MlpModelConfig,
  type RecurrentModelConfig,
  type CnnModelConfig,
  type GptModelConfig,
  type InitConfig,
  type DataConfig,
  type MnistDataConfig,
  type NamesDataConfig,
  type Toy2dDataConfig,
  type Toy2dDataName,
  type GaussianMixtureDataConfig,
  type SequenceDataConfig,
  type SequenceTaskName,
  type FileDataConfig,
  type LoadedDataInfo,
  type LossConfig,
  type LossName,
  type OptimizerConfig,
  type OptimizerName,
  type NamedOptimizerConfig,
  type TransformConfig,
  type BlockConfig,
  type BlockName,
  type ClipConfig,
  type ClipName,
  type ScheduleConfig,
  type ScheduleName,
  type MonitorConfig,
  type TrainLoopConfig,
  type TaskInfo,
} from './config.js';
export {
  buildTrainRun,
  buildOptimizerTransform,
  buildSchedule,
  buildModel,
  buildData,
  buildLoss,
  namesCorpus,
  type NamesLoader,
  type TrainRun,
  type TrainRunOptions,
  type MnistLoader,
  type DataFileLoader,
} from './config-build.js';
export { resolveConfigPaths, DATA_PATH_KEYS } from './config-paths.js';
export { parseConfigText, lineColumn } from './config-json.js';
export { SequenceModel, cnn, type SequenceModelOptions, type CnnOptions } from './config-models.js';
export { DEFAULT_BUDGET, type Budget, type LoadedData } from './budget.js';
export { sampleText, type SampleTextOptions } from './sample-text.js';
export {
  trainCharLm,
  validationLoss,
  type CharLmOptions,
  type CharLmEval,
  type CharLmRun,
} from './char-lm.js';
