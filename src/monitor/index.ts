// The gradient-health monitor: statistics, detectors, verdicts with remedies, probes, outputs.
// Node-only file output lives in ./node.ts.
export {
  gradientHealth,
  type GradientHealth,
  type GradientHealthOptions,
  type HealthSummary,
  type LrSource,
} from './gradient-health.js';
export { DEFAULT_THRESHOLDS, resolveThresholds, type HealthThresholds } from './thresholds.js';
export {
  VERDICT_KINDS,
  type Verdict,
  type VerdictKind,
  type VerdictOf,
  type Severity,
  type Remedy,
  type RemedyAction,
  type VanishingEvidence,
  type ExplodingEvidence,
  type NonFiniteEvidence,
  type NonFiniteOrigin,
  type NonFiniteAnomaly,
  type SaturatedEvidence,
  type DeadUnitsEvidence,
  type PlateauEvidence,
  type SaddleEvidence,
  type OscillationEvidence,
} from './types.js';
export type { HealthState, HealthRing, HealthEpisodes, ProbeState } from './state.js';
export { DETECTORS, type DetectorTable } from './detector-table.js';
export type { Detector, EpisodeThresholds, ThresholdSpec, ThresholdSpecs } from './detector.js';
export type { DeclaredContext, RemedyContext } from './remedies.js';
export type { RunningStates } from './state.js';
export type { ThresholdsOf } from './thresholds.js';
export type { VanishingThresholds } from './detectors/vanishing.js';
export type { ExplodingThresholds, ExplodingRunning } from './detectors/exploding.js';
export type {
  LossSpikeEvidence,
  LossSpikeMeasure,
  LossSpikeRunning,
  LossSpikeThresholds,
} from './detectors/loss-spike.js';
export type { OscillationMeasure, OscillationThresholds } from './detectors/oscillation.js';
export type { PlateauMeasure, PlateauRunning, PlateauThresholds } from './detectors/plateau.js';
export type {
  NotLearningEvidence,
  NotLearningMeasure,
  NotLearningRunning,
  NotLearningThresholds,
} from './detectors/not-learning.js';
export type { SaddleThresholds } from './detectors/saddle.js';
export type { SaturatedRunning, SaturatedThresholds } from './detectors/saturated.js';
export type { DeadUnitsThresholds } from './detectors/dead-units.js';
export {
  replay,
  createReplayer,
  type Replayer,
  type ReplayError,
  type ReplayOptions,
  type ReplayResult,
} from './replay.js';
export { phraseRemedies, type RemedyFramework } from './remedies.js';
export { createStats, measureGradients, type GradientStats, type MeasureOptions } from './stats.js';
export { layerOf, moduleOf, layoutOf, formatLayers, type LayerLayout } from './layers.js';
export {
  ActivationProbes,
  defaultClassifier,
  type ActivationProbe,
  type ActivationKind,
  type ActivationClassifier,
} from './activation-probe.js';
export {
  CurvatureProbe,
  type CurvatureOptions,
  type CurvatureResult,
  type LossClosure,
} from './curvature.js';
export { traceNonFinite } from './trace-non-finite.js';
export { renderHealth, type RenderOptions } from './render.js';
export {
  statsRecord,
  verdictRecord,
  toJsonLine,
  recordNumber,
  fromRecordNumber,
  modelSummary,
  RECORD_FORMAT,
  RECORD_VERSION,
  type RecordDtype,
  type HeaderRecord,
  type RecordNumber,
  type CheckTrace,
  type StatsRecord,
  type VerdictRecord,
  type StatsRecordOptions,
} from './records.js';
export { DecimatingSeries } from './history.js';
export { type Episode } from './episode.js';
