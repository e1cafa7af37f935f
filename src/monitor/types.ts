import type { DetectorTable } from './detector-table.js';
import type { VerdictBase } from './detector.js';

/** What a detector diagnoses: a key of the detector table. */
export type VerdictKind = keyof DetectorTable;

/** How bad it is: 'critical' stops training from working, 'warning' slows or harms it, 'info' is worth a look. */
export type Severity = 'info' | 'warning' | 'critical';

/**
 * A one-click form of a remedy, for a UI or an experiment runner to apply. Layers are layer names
 * as in the verdict (module paths such as "0", "rnn.l0").
 */
export type RemedyAction =
  /** Re-initialize the weights (or the biases, `param: 'bias'`) of these layers. */
  | { action: 'init'; init: string; layers: string[]; param?: 'weight' | 'bias'; value?: number }
  /** Replace the activation after these layers. */
  | { action: 'activation'; from: string; to: string; layers: string[] }
  /** Add a clipping transformation before the optimizer. */
  | { action: 'clip'; kind: 'globalNorm'; maxNorm: number }
  /** Add ZClip (z-score clipping of the global norm, Kumar et al. 2025) before the optimizer. */
  | { action: 'clip'; kind: 'zClip'; zThreshold: number }
  /** Add SPAM's element-wise spike clipping (gᵢ² ≤ θ·vᵢ, Huang et al. 2025) before the optimizer. */
  | { action: 'clip'; kind: 'spikeClip'; threshold: number }
  /** Change the learning rate: multiply by `factor`, to `lr` when the current one is known. */
  | { action: 'lr'; factor: number; lr?: number }
  /** Add a learning-rate schedule (e.g. warmupCosine, healthAwareDecay). */
  | { action: 'schedule'; kind: string }
  /** Insert a normalization layer after these layers' linear maps (before the activation). */
  | { action: 'normalization'; kind: 'layerNorm' | 'batchNorm'; layers: string[] }
  /** Change the architecture: gated recurrent cells, residual connections, or a Transformer's LayerNorm moved inside the residual branch (Pre-LN). */
  | { action: 'architecture'; kind: 'lstm' | 'gru' | 'residual' | 'preLN'; layers: string[] }
  /** Initialize the recurrent weights (weightHh) of these layers orthogonally. */
  | { action: 'recurrentInit'; init: 'orthogonal'; layers: string[] }
  /** Switch optimizer. */
  | { action: 'optimizer'; name: string; options?: Record<string, number> }
  /** Wrap the chain in skipNonFinite (skip steps whose gradients are NaN/Inf). */
  | { action: 'skipNonFinite' }
  /** Inspect/clean the input data (the trace found non-finite values in an input). */
  | { action: 'checkData'; rows?: number[] }
  /** Rewrite an op in a numerically stable form. */
  | { action: 'stableOp'; op: string }
  /** Add isotropic noise to escape a saddle (perturbed gradient descent). */
  | { action: 'noise'; scale: number };

/** A ranked, concrete suggestion built from the evidence. */
export interface Remedy {
  /** 1 = try first. */
  rank: number;
  /** What to do, with the numbers ("clip.byGlobalNorm at ≈ the median norm (1.8)"). */
  text: string;
  /** The machine-readable form. */
  action: RemedyAction;
  /** Why, with the source where there is one. */
  why: string;
}

export type { VanishingEvidence } from './detectors/vanishing.js';
export type { ExplodingEvidence } from './detectors/exploding.js';
export type {
  NonFiniteEvidence,
  NonFiniteOrigin,
  NonFiniteAnomaly,
} from './detectors/non-finite.js';
export type { SaturatedEvidence } from './detectors/saturated.js';
export type { DeadUnitsEvidence } from './detectors/dead-units.js';
export type { PlateauEvidence } from './detectors/plateau.js';
export type { SaddleEvidence } from './detectors/saddle.js';
export type { OscillationEvidence } from './detectors/oscillation.js';
export type { LossSpikeEvidence } from './detectors/loss-spike.js';

/** The verdict of one kind: what its detector's verdict builder returns. */
export type VerdictOf<K extends VerdictKind> = VerdictBase<
  K,
  ReturnType<DetectorTable[K]['verdict']>['evidence']
>;

/** A diagnosis: typed data for the CLI, the report and the browser (a union over the kinds). */
export type Verdict = { [K in VerdictKind]: VerdictOf<K> }[VerdictKind];

export { VERDICT_KINDS } from './detector-table.js';
