import { decodeJsonNumber, encodeJson, encodeJsonNumber } from '../json-encode.js';
import type { ActivationProbe } from './activation-probe.js';
import type { NonFiniteAnomaly, NonFiniteOrigin } from './detectors/non-finite.js';
import type { HealthState } from './state.js';
import type { DeclaredContext } from './remedies.js';
import type { HealthThresholds } from './thresholds.js';
import type { Verdict, VerdictKind } from './types.js';

/**
 * A number in a record: finite as it is, NaN and ±Infinity as the strings "NaN", "Infinity",
 * "-Infinity" (gradscope's one JSON encoding, json-encode.ts), so a replay reads back exactly
 * what the detectors saw; null only where a value does not exist (a one-layer model's ratio).
 */
export type RecordNumber = number | 'NaN' | 'Infinity' | '-Infinity' | null;

/** The format name of a monitor log's header (docs/records.md). */
export const RECORD_FORMAT = 'gradscope.monitor';

/** The format version this gradscope writes and reads (docs/records.md, "Versioning"). */
export const RECORD_VERSION = 1;

/** Parameter dtypes a header may name (other frameworks train in half precision too). */
export type RecordDtype = 'float16' | 'bfloat16' | 'float32' | 'float64';

/**
 * The first line of a monitor log: who wrote it, the model's parameters and layers from input to
 * output, and how the monitor was configured (format "gradscope.monitor" version 1, documented in
 * docs/records.md with a JSON Schema in schema/records.schema.json). Optional fields take the
 * documented defaults when absent; gradscope's monitor writes them all.
 */
export interface HeaderRecord {
  type: 'header';
  format: typeof RECORD_FORMAT;
  version: typeof RECORD_VERSION;
  /** Who wrote the records: 'gradscope', 'pytorch' or 'tfjs' (remedies are phrased for it). */
  framework: string;
  /** The framework's version, for humans. */
  frameworkVersion?: string;
  /** A summary of the model, for humans. */
  model?: { name?: string; numParameters?: number; summary?: string };
  /** Parameters from input to output with their shapes and dtypes. */
  params: { name: string; shape: number[]; dtype: RecordDtype }[];
  /** Layer names from input to output (derived from the parameter names, see layerOf). */
  layers: string[];
  /** Measure every k-th step (default 1). */
  every?: number;
  /** A stats record for every k-th check only (default 1: every check; see docs/records.md, Sampling). */
  recordEvery?: number;
  /** The thresholds of the run (missing ones: the defaults). */
  thresholds?: Partial<HealthThresholds>;
  /** Detectors switched on or off (missing kinds: the defaults). */
  detectors?: Partial<Record<VerdictKind, boolean>>;
  /** Whether 'resolved' verdicts were emitted (default false). */
  emitResolved?: boolean;
  /** What the model and the data declared to the monitor (gradientHealth's `declared`). */
  declared?: DeclaredContext;
}

/**
 * The model summary of a header: the number of trainable scalars (and a name when given).
 * @example modelSummary(header.params, 'mlp') // { name: 'mlp', numParameters: 101770 }
 */
export function modelSummary(
  params: readonly { shape: readonly number[] }[],
  name?: string,
): NonNullable<HeaderRecord['model']> {
  const numParameters = params.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
  return name === undefined ? { numParameters } : { name, numParameters };
}

/**
 * One check's statistics as a JSON-safe record (a line of the run's monitor log): everything
 * the detectors read, so {@link replay} over the lines of a run gives the run's verdicts.
 * `step` counts updates from 1 (the first update is step 1).
 */
export interface StatsRecord {
  type: 'stats';
  step: number;
  check: number;
  loss: RecordNumber;
  /** False when the check's gradients or its given loss held NaN/±Inf. */
  finite: boolean;
  /** Learning rate of the step (null if unknown). */
  lr: RecordNumber;
  totalGradNorm: RecordNumber;
  totalParamNorm: RecordNumber;
  updateRatio: RecordNumber;
  /**
   * The last measured update: ‖Δp‖, ‖p_before‖, the ‖g‖ of the step it came from, and whether it
   * was measured at this check (absent: unknown).
   */
  update?: { norm: RecordNumber; before: RecordNumber; gradNorm: RecordNumber; fresh: boolean };
  /** cos(g, g_prev) (null unless direction tracking is on; absent: null). */
  cosine?: RecordNumber;
  /** ‖g‖ of the first layer / ‖g‖ of the last (derived, for humans; readers recompute it). */
  firstLastRatio?: RecordNumber;
  nonFinite: number;
  layers: {
    name: string;
    gradNorm: RecordNumber;
    paramNorm: RecordNumber;
    updateRatio: RecordNumber;
  }[];
  /** Per parameter (with the `params` option, and always on a check with non-finite gradients). */
  params?: {
    name: string;
    gradNorm: RecordNumber;
    rms: RecordNumber;
    maxAbs: RecordNumber;
    zeroFraction: RecordNumber;
    nonFinite: number;
    paramNorm: RecordNumber;
    updateRatio: RecordNumber;
  }[];
  activations?: {
    module: string;
    kind: string;
    layer: string;
    observed: boolean;
    width: number;
    mean: RecordNumber;
    std: RecordNumber;
    saturation: RecordNumber;
    gain: RecordNumber;
    deadFraction: RecordNumber;
  }[];
  curvature?: {
    step: number;
    minEigenvalue: RecordNumber;
    maxEigenvalue: RecordNumber;
    hvps: number;
  };
  /** The non-finite trace of the check, when a nonFinite verdict computed it (values as record numbers). */
  trace?: {
    anomaly: (Omit<NonFiniteAnomaly, 'value'> & { value: RecordNumber }) | null;
    origin: (Omit<NonFiniteOrigin, 'value'> & { value: RecordNumber }) | null;
  };
}

/** A check's non-finite trace, as the monitor computed it. */
export interface CheckTrace {
  anomaly: NonFiniteAnomaly | null;
  origin: NonFiniteOrigin | null;
}

/**
 * A recorded trace back as the monitor computed it (its values NaN/±Infinity again).
 * @example traceFromRecord(rec.trace).origin?.value // NaN
 */
export function traceFromRecord(t: NonNullable<StatsRecord['trace']>): CheckTrace {
  return {
    anomaly: t.anomaly === null ? null : { ...t.anomaly, value: fromRecordNumber(t.anomaly.value) },
    origin: t.origin === null ? null : { ...t.origin, value: fromRecordNumber(t.origin.value) },
  };
}

/** A verdict as a log record. */
export type VerdictRecord = { type: 'verdict' } & Verdict;

/**
 * A number for a record (NaN and ±Infinity as strings).
 * @example recordNumber(Infinity) // 'Infinity'
 */
export function recordNumber(x: number): RecordNumber {
  return encodeJsonNumber(x);
}

/**
 * A record's number back as a double (null, or anything not a number, is NaN).
 * @example fromRecordNumber('-Infinity') // -Infinity
 */
export function fromRecordNumber(x: unknown): number {
  return decodeJsonNumber(x) ?? NaN;
}

const num = recordNumber;

/** Options of {@link statsRecord}. */
export interface StatsRecordOptions {
  /** Include per-parameter statistics (default false: per layer only, and per parameter on non-finite checks). */
  params?: boolean;
  /** Activation probes to include (for their `std`; the readings come from the state). */
  probes?: readonly ActivationProbe[];
  /** The check's non-finite trace, if one was computed. */
  trace?: { anomaly: NonFiniteAnomaly | null; origin: NonFiniteOrigin | null } | null;
}

/**
 * The last check of a monitor state as a record (pure: reads the state, returns fresh objects).
 * @example const line = toJsonLine(statsRecord(health.state!, { probes: health.probes }));
 */
export function statsRecord(s: HealthState, options: StatsRecordOptions = {}): StatsRecord {
  const st = s.stats;
  const L = st.layerNames.length;
  const rec: StatsRecord = {
    type: 'stats',
    step: s.lastCheck,
    check: s.checks,
    loss: num(s.loss),
    finite: s.finite === 1,
    lr: num(s.lr),
    totalGradNorm: num(st.totalGradNorm),
    totalParamNorm: num(st.totalParamNorm),
    updateRatio: num(st.totalUpdateRatio),
    update: {
      norm: num(st.totalUpdateNorm),
      before: num(st.totalBeforeNorm),
      gradNorm: num(st.updateGradNorm),
      fresh: st.updateFresh,
    },
    cosine: num(st.cosine),
    firstLastRatio:
      L >= 2 ? num((st.layerGradNorm[0] as number) / (st.layerGradNorm[L - 1] as number)) : null,
    nonFinite: st.totalNonFinite,
    layers: st.layerNames.map((name, l) => ({
      name,
      gradNorm: num(st.layerGradNorm[l] as number),
      paramNorm: num(st.layerParamNorm[l] as number),
      updateRatio: num(st.layerUpdateRatio[l] as number),
    })),
  };
  if (options.params || st.totalNonFinite > 0) {
    rec.params = st.paramNames.map((name, k) => ({
      name,
      gradNorm: num(st.gradNorm[k] as number),
      rms: num(st.gradRms[k] as number),
      maxAbs: num(st.gradMaxAbs[k] as number),
      zeroFraction: num(st.zeroFraction[k] as number),
      nonFinite: st.nonFiniteCount[k] as number,
      paramNorm: num(st.paramNorm[k] as number),
      updateRatio: num(st.updateRatio[k] as number),
    }));
  }
  if (s.probes.length > 0) {
    rec.activations = s.probes.map((p) => ({
      module: p.module,
      kind: p.kind,
      layer: p.layer,
      observed: p.observed === 1,
      width: p.width,
      mean: num(p.mean),
      std: num(p.std),
      saturation: num(p.saturation),
      gain: num(p.gain),
      deadFraction: num(p.deadFraction),
    }));
  }
  if (s.curvatureStep >= 0)
    rec.curvature = {
      step: s.curvatureStep,
      minEigenvalue: num(s.minEigenvalue),
      maxEigenvalue: num(s.maxEigenvalue),
      hvps: s.curvatureHvps,
    };
  const t = options.trace;
  if (t) {
    rec.trace = {
      anomaly: t.anomaly === null ? null : { ...t.anomaly, value: num(t.anomaly.value) },
      origin: t.origin === null ? null : { ...t.origin, value: num(t.origin.value) },
    };
  }
  return rec;
}

/** A verdict as a record. @example toJsonLine(verdictRecord(v)) */
export function verdictRecord(v: Verdict): VerdictRecord {
  return { type: 'verdict', ...v };
}

/**
 * One JSONL line: the record as JSON (NaN/±Inf as "NaN"/"Infinity"/"-Infinity", see json-encode.ts)
 * followed by a newline.
 * @example toJsonLine({ type: 'stats', step: 1 }) // '{"type":"stats","step":1}\n'
 */
export function toJsonLine(
  record: HeaderRecord | StatsRecord | VerdictRecord | Record<string, unknown>,
): string {
  return `${encodeJson(record)}
`;
}
