/** What a detector diagnoses. */
export type VerdictKind =
  | 'vanishing'
  | 'exploding'
  | 'nonFinite'
  | 'saturated'
  | 'deadUnits'
  | 'plateau'
  | 'saddle'
  | 'oscillation';

/** Every verdict kind, in the order the terminal view lists them. */
export const VERDICT_KINDS: readonly VerdictKind[] = [
  'nonFinite',
  'exploding',
  'vanishing',
  'saturated',
  'deadUnits',
  'oscillation',
  'saddle',
  'plateau',
];

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
  /** Change the learning rate: multiply by `factor`, to `lr` when the current one is known. */
  | { action: 'lr'; factor: number; lr?: number }
  /** Add a learning-rate schedule (e.g. warmupCosine, healthAwareDecay). */
  | { action: 'schedule'; kind: string }
  /** Insert a normalization layer after these layers' linear maps (before the activation). */
  | { action: 'normalization'; kind: 'layerNorm' | 'batchNorm'; layers: string[] }
  /** Change the architecture: gated recurrent cells or residual connections. */
  | { action: 'architecture'; kind: 'lstm' | 'gru' | 'residual'; layers: string[] }
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

/** Evidence of a `vanishing` verdict. */
export interface VanishingEvidence {
  /** ‖g‖ of the first layer / ‖g‖ of the last layer. */
  ratio: number;
  /** First and last layer names and gradient norms. */
  firstLayer: string;
  lastLayer: string;
  firstNorm: number;
  lastNorm: number;
  /** ‖g‖/‖p‖ of the first layer. */
  firstRelative: number;
  /** Each layer's gradient norm relative to the last layer's, in depth order. */
  layerRatios: Record<string, number>;
  /** Thresholds that were crossed. */
  ratioFloor: number;
  checks: number;
}

/** Evidence of an `exploding` verdict. */
export interface ExplodingEvidence {
  /** Which rule fired. */
  trigger: 'spike' | 'growth' | 'ceiling' | 'update';
  /** ‖g‖ over all parameters at this step. */
  totalNorm: number;
  /** Geometric running mean of ‖g‖ before this step (NaN during warm-up). */
  runningNorm: number;
  /** z-score of log ‖g‖ against the running statistics (NaN during warm-up). */
  zScore: number;
  /** Growth of ‖g‖ over the growth window (NaN if not enough history). */
  growth: number;
  /** ‖g‖ / max(‖p‖, 1). */
  relativeNorm: number;
  /** ‖Δp‖/‖p‖ of the previous update (NaN when unknown). */
  updateRatio: number;
  /** Median ‖g‖ of the recent finite checks (the suggested clipping threshold). */
  medianNorm: number;
  /** Layers in depth order with the largest gradient norms first (at most 3). */
  topLayers: { layer: string; norm: number }[];
}

/** Where the trace of a non-finite value ended. */
export interface NonFiniteOrigin {
  /** 'input': a leaf without grad (data) held it; 'parameter': a parameter did; 'op': an op produced it from finite inputs. */
  kind: 'input' | 'parameter' | 'op';
  /** The op's name (kind 'op') or the tensor's name if it has one. */
  name: string;
  /** Shape of the tensor holding the first non-finite value. */
  shape: number[];
  /** Flat index and value of the first non-finite element. */
  index: number;
  value: number;
  /** Leading-axis index (the batch row for inputs). */
  row: number;
}

/** Evidence of a `nonFinite` verdict. */
export interface NonFiniteEvidence {
  /** First parameter (arena order) whose gradient holds NaN/Inf (null if only the loss is non-finite). */
  firstParam: string | null;
  /** NaN/Inf gradient entries over all parameters. */
  count: number;
  /** Parameters with non-finite gradients and their counts (arena order, at most 8). */
  params: { name: string; count: number }[];
  /** The loss of the step (NaN if not given). */
  loss: number;
  /** Anomaly mode's first record (the op that produced the first NaN/Inf from finite inputs), if anomaly mode was on. */
  anomaly: {
    op: string;
    phase: 'forward' | 'backward';
    index: number;
    value: number;
    inputShapes: number[][];
  } | null;
  /** The tape trace from the watched loss, if a loss tensor was given to `watch()`. */
  origin: NonFiniteOrigin | null;
  /** ‖g‖ of the last finite check before (for "it exploded first"). */
  lastFiniteNorm: number;
}

/** Evidence of a `saturated` verdict. */
export interface SaturatedEvidence {
  /** The activation module and its kind. */
  module: string;
  activation: 'tanh' | 'sigmoid';
  /** Fraction of outputs in the flat tails (tanh |a| > 0.99, sigmoid a < 0.01 or a > 0.99). */
  saturation: number;
  /** Mean output now and at the first check. */
  mean: number;
  initialMean: number;
  /** Mean slope relative to the peak slope (1 linear, → 0 saturated). */
  gain: number;
  /** Which rule fired: 'tails' (hard saturation fraction) or 'collapse' (sigmoid mean pushed to 0 or 1). */
  rule: 'tails' | 'collapse';
}

/** Evidence of a `deadUnits` verdict. */
export interface DeadUnitsEvidence {
  /** The ReLU module. */
  module: string;
  /** Fraction and number of units zero on every sample of the last `window` checks. */
  deadFraction: number;
  deadUnits: number;
  width: number;
  window: number;
  /** Mean output of the layer. */
  mean: number;
}

/** Evidence of a `plateau` verdict. */
export interface PlateauEvidence {
  /** Mean loss over the first and second half of the window. */
  lossBefore: number;
  lossAfter: number;
  /** Relative change (lossBefore − lossAfter)/|lossBefore|. */
  relativeChange: number;
  /** Median ‖g‖/max(‖p‖, 1) over the window. */
  relativeGradient: number;
  window: number;
}

/** Evidence of a `saddle` verdict. */
export interface SaddleEvidence {
  /** Most negative and largest Hessian eigenvalue estimates (shifted power iteration on HVPs). */
  minEigenvalue: number;
  maxEigenvalue: number;
  /** ‖g‖ and ‖g‖/max(‖p‖, 1) at the probe. */
  gradNorm: number;
  relativeGradient: number;
  /** Hessian-vector products used. */
  hvps: number;
}

/** Evidence of an `oscillation` verdict. */
export interface OscillationEvidence {
  /** Which signal: loss differences alternating in sign, or successive gradients pointing opposite ways. */
  signal: 'loss' | 'gradient';
  /** Fraction of sign alternations of Δloss over the window (loss), or of negative cosines (gradient). */
  alternation: number;
  /** Mean |Δloss| (or ‖g‖) of the window's second half over its first half. */
  growth: number;
  /** Mean cosine between successive gradients over the window (NaN if not tracked). */
  meanCosine: number;
  window: number;
  /** Learning rate used for the remedy (the configured one, or the effective ‖Δp‖/‖g‖; NaN if unknown). */
  lr: number;
}

interface VerdictBase<K extends VerdictKind, E> {
  kind: K;
  /** 'started' when the condition set in, 'resolved' when it cleared (only with emitResolved). */
  status: 'started' | 'resolved';
  /** The optimizer step (0-based count of updates before it) whose gradients showed it. */
  step: number;
  /** Layers concerned, in depth order (names from {@link layerOf}). */
  layers: string[];
  severity: Severity;
  /** One line for humans. */
  message: string;
  evidence: E;
  /** Ranked remedies (empty for 'resolved'). */
  remedies: Remedy[];
}

/** A diagnosis: typed data for the CLI, the report and the browser. */
export type Verdict =
  | VerdictBase<'vanishing', VanishingEvidence>
  | VerdictBase<'exploding', ExplodingEvidence>
  | VerdictBase<'nonFinite', NonFiniteEvidence>
  | VerdictBase<'saturated', SaturatedEvidence>
  | VerdictBase<'deadUnits', DeadUnitsEvidence>
  | VerdictBase<'plateau', PlateauEvidence>
  | VerdictBase<'saddle', SaddleEvidence>
  | VerdictBase<'oscillation', OscillationEvidence>;

/** The verdict of one kind. */
export type VerdictOf<K extends VerdictKind> = Extract<Verdict, { kind: K }>;
