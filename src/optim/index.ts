export type {
  GradientTransformation,
  Params,
  ParamSource,
  StepContext,
  StepEvents,
  UpdateNormsRequest,
  StateOf,
} from './types.js';
// Core
export { chain, type ChainState } from './chain.js';
export { identity, type IdentityState } from './identity.js';
export { applyUpdates } from './apply-updates.js';
export { Optimizer, type OptimizerStateDict } from './optimizer.js';
export { masked, isDecayed, type MaskedState, type ParamPredicate } from './masked.js';
export { partition, type LabelFn, type PartitionState } from './partition.js';
export {
  injectHyperparams,
  type InjectHyperparamsOptions,
  type InjectHyperparamsState,
  type InjectedValues,
} from './inject-hyperparams.js';
export {
  skipNonFinite,
  countNonFinite,
  type SkipNonFiniteOptions,
  type SkipNonFiniteState,
} from './skip-non-finite.js';
export { multiSteps, type MultiStepsOptions, type MultiStepsState } from './multi-steps.js';
export {
  serializeState,
  deserializeState,
  assertStateCompatible,
  type JsonValue,
} from './serialize.js';
export { encodeBase64, decodeBase64 } from '../base64.js';
export {
  createStepContext,
  resetEvents,
  raiseEvent,
  type StepContextWithEvents,
} from './step-context.js';
export { namesOf } from './names.js';
export { GradStatsCache, gradStatsFor } from './grad-stats.js';
export { buffersLike, type Buffers } from './buffers.js';
// Building blocks
export { scale, type ScaleState } from './scale.js';
export {
  scaleByLearningRate,
  scaleBySchedule,
  type CountState,
  type ScaleByLearningRateOptions,
} from './scale-by-learning-rate.js';
export { addDecayedWeights, type AddDecayedWeightsState } from './add-decayed-weights.js';
export { trace, type TraceOptions, type TraceState } from './trace.js';
export { ema, type EmaOptions, type EmaState } from './ema.js';
export { scaleByAdam, type ScaleByAdamOptions, type ScaleByAdamState } from './scale-by-adam.js';
export {
  fusedAdam,
  FUSED_ADAM_OPTIONS,
  type FusedAdamOptions,
  type FusedAdamState,
} from './fused-adam.js';
export {
  scaleByAdamax,
  type ScaleByAdamaxOptions,
  type ScaleByAdamaxState,
} from './scale-by-adamax.js';
export {
  scaleByNadam,
  type ScaleByNadamOptions,
  type ScaleByNadamState,
} from './scale-by-nadam.js';
export {
  scaleByRadam,
  type ScaleByRadamOptions,
  type ScaleByRadamState,
} from './scale-by-radam.js';
export { scaleByRms, type ScaleByRmsOptions, type ScaleByRmsState } from './scale-by-rms.js';
export { scaleByRss, type ScaleByRssOptions, type ScaleByRssState } from './scale-by-rss.js';
export {
  scaleByAdadelta,
  type ScaleByAdadeltaOptions,
  type ScaleByAdadeltaState,
} from './scale-by-adadelta.js';
export { scaleByLion, type ScaleByLionOptions, type ScaleByLionState } from './scale-by-lion.js';
export {
  scaleByTrustRatio,
  type ScaleByTrustRatioOptions,
  type ScaleByTrustRatioState,
} from './scale-by-trust-ratio.js';
// Named optimizers: each module's factory, options type and declaration, and the registry
export type { NamedChainState } from './named-chain.js';
export * from './registry.js';
export {
  declareOptimizer,
  readOptimizerOptions,
  readOptions,
  type OptimizerDeclaration,
  type OptimizerOptions,
  type OptionsOf,
  type OptionSpec,
  type OptionSpecs,
  type OptionValue,
  type ResolvedOptions,
} from './declare.js';
export type { FieldSpec, FieldSpecs, NumberField } from './field-spec.js';
export type { Range } from './validate.js';
