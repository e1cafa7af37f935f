import { encodeJson } from '../json-encode.js';
import type { ActivationProbe } from './activation-probe.js';
import type { HealthState } from './state.js';
import type { Verdict } from './types.js';

/** One check's statistics as a JSON-safe record (a line of the run's monitor log). */
export interface StatsRecord {
  type: 'stats';
  step: number;
  check: number;
  loss: number | null;
  totalGradNorm: number | null;
  totalParamNorm: number | null;
  updateRatio: number | null;
  firstLastRatio: number | null;
  nonFinite: number;
  layers: {
    name: string;
    gradNorm: number | null;
    paramNorm: number | null;
    updateRatio: number | null;
  }[];
  params?: {
    name: string;
    gradNorm: number | null;
    rms: number | null;
    maxAbs: number | null;
    zeroFraction: number | null;
    nonFinite: number;
    paramNorm: number | null;
    updateRatio: number | null;
  }[];
  activations?: {
    module: string;
    kind: string;
    layer: string;
    mean: number | null;
    std: number | null;
    saturation: number | null;
    gain: number | null;
    deadFraction: number | null;
  }[];
  curvature?: { step: number; minEigenvalue: number | null; maxEigenvalue: number | null };
}

/** A verdict as a log record. */
export type VerdictRecord = { type: 'verdict' } & Verdict;

/** NaN and ±Inf become null (JSON has no such numbers), so readers see "unknown", not a string. */
function num(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** Options of {@link statsRecord}. */
export interface StatsRecordOptions {
  /** Include per-parameter statistics (default false: per layer only). */
  params?: boolean;
  /** Activation probes to include. */
  probes?: readonly ActivationProbe[];
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
    totalGradNorm: num(st.totalGradNorm),
    totalParamNorm: num(st.totalParamNorm),
    updateRatio: num(st.totalUpdateRatio),
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
  if (options.params) {
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
  if (options.probes && options.probes.length > 0) {
    rec.activations = options.probes.map((p) => ({
      module: p.module,
      kind: p.kind,
      layer: p.layer,
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
    };
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
export function toJsonLine(record: StatsRecord | VerdictRecord | Record<string, unknown>): string {
  return `${encodeJson(record)}\n`;
}
