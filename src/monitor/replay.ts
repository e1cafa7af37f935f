import { DataError, fmt } from '../errors.js';
import type { ActivationKind } from './activation-probe.js';
import { activeOf, runDetectors, type DetectEnv } from './detect.js';
import { DETECTORS } from './detector-table.js';
import { layerOf } from './layers.js';
import {
  fromRecordNumber,
  traceFromRecord,
  type CheckTrace,
  type HeaderRecord,
  type StatsRecord,
} from './records.js';
import { addProbe, createHealthStateFor, recurrentCells, type HealthState } from './state.js';
import { createStatsFor } from './stats.js';
import { resolveThresholds, type HealthThresholds } from './thresholds.js';
import type { Verdict, VerdictKind } from './types.js';

/** Options of {@link replay}: overrides of what the header recorded. */
export interface ReplayOptions {
  thresholds?: Partial<HealthThresholds>;
  detectors?: Partial<Record<VerdictKind, boolean>>;
  emitResolved?: boolean;
}

/** What a replay found. */
export interface ReplayResult {
  /** Every verdict, in order (as the live monitor emitted them). */
  verdicts: Verdict[];
  /** Verdicts still active after the last record. */
  active: Verdict[];
  /** Checks replayed. */
  checks: number;
  /** The monitor state after the last record. */
  state: HealthState;
}

const KINDS: readonly ActivationKind[] = ['relu', 'tanh', 'sigmoid'];

function fail(line: number, what: string): never {
  throw new DataError(`replay: line ${line}: ${what}`);
}

function parseLines(input: string | readonly unknown[]): [number, Record<string, unknown>][] {
  const raw: [number, unknown][] =
    typeof input === 'string'
      ? input
          .split('\n')
          .map((l, i): [number, string] => [i + 1, l.trim()])
          .filter(([, l]) => l !== '')
          .map(([i, l]) => {
            try {
              return [i, JSON.parse(l) as unknown];
            } catch {
              return fail(i, `not JSON: ${fmt(l.slice(0, 60))}`);
            }
          })
      : input.map((r, i): [number, unknown] => [i + 1, r]);
  return raw.map(([i, r]) => {
    if (r === null || typeof r !== 'object' || Array.isArray(r))
      fail(i, `record = ${fmt(r)} is not an object`);
    return [i, r as Record<string, unknown>];
  });
}

function int(line: number, rec: Record<string, unknown>, field: string): number {
  const v = rec[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    fail(line, `${field} = ${fmt(v)} is invalid; expected an integer >= 0`);
  return v;
}

/** Loads one stats record into the state's observation (the replay's measure half). */
function observe(s: HealthState, line: number, rec: StatsRecord): void {
  const st = s.stats;
  const r = rec as unknown as Record<string, unknown>;
  s.step = int(line, r, 'step');
  s.checks = int(line, r, 'check');
  s.lastCheck = s.step;
  s.loss = fromRecordNumber(rec.loss);
  if (typeof rec.finite !== 'boolean')
    fail(line, `finite = ${fmt(rec.finite)} is invalid; expected true or false`);
  s.finite = rec.finite ? 1 : 0;
  s.lr = fromRecordNumber(rec.lr);
  st.totalGradNorm = fromRecordNumber(rec.totalGradNorm);
  st.totalParamNorm = fromRecordNumber(rec.totalParamNorm);
  st.totalUpdateRatio = fromRecordNumber(rec.updateRatio);
  const u = rec.update;
  if (u === null || typeof u !== 'object')
    fail(line, `update = ${fmt(u)} is invalid; expected {norm, before, gradNorm, fresh}`);
  st.totalUpdateNorm = fromRecordNumber(u.norm);
  st.totalBeforeNorm = fromRecordNumber(u.before);
  st.updateGradNorm = fromRecordNumber(u.gradNorm);
  st.updateFresh = u.fresh === true;
  st.cosine = fromRecordNumber(rec.cosine);
  st.totalNonFinite = int(line, r, 'nonFinite');
  const L = st.layerNames.length;
  if (!Array.isArray(rec.layers) || rec.layers.length !== L)
    fail(
      line,
      `layers has ${fmt(rec.layers?.length)} entries; expected ${L} (the header's layers)`,
    );
  for (let l = 0; l < L; l++) {
    const x = rec.layers[l] as StatsRecord['layers'][number];
    if (x?.name !== st.layerNames[l])
      fail(line, `layers[${l}].name = ${fmt(x?.name)}; expected ${fmt(st.layerNames[l])}`);
    st.layerGradNorm[l] = fromRecordNumber(x.gradNorm);
    st.layerParamNorm[l] = fromRecordNumber(x.paramNorm);
    st.layerUpdateRatio[l] = fromRecordNumber(x.updateRatio);
  }
  st.nonFiniteCount.fill(0);
  st.firstNonFinite = -1;
  if (rec.params !== undefined) {
    const P = st.paramNames.length;
    if (!Array.isArray(rec.params) || rec.params.length !== P)
      fail(line, `params has ${fmt(rec.params?.length)} entries; expected ${P}`);
    for (let k = 0; k < P; k++) {
      const x = rec.params[k] as NonNullable<StatsRecord['params']>[number];
      if (x?.name !== st.paramNames[k])
        fail(line, `params[${k}].name = ${fmt(x?.name)}; expected ${fmt(st.paramNames[k])}`);
      st.gradNorm[k] = fromRecordNumber(x.gradNorm);
      st.gradRms[k] = fromRecordNumber(x.rms);
      st.gradMaxAbs[k] = fromRecordNumber(x.maxAbs);
      st.zeroFraction[k] = fromRecordNumber(x.zeroFraction);
      st.nonFiniteCount[k] = x.nonFinite;
      st.paramNorm[k] = fromRecordNumber(x.paramNorm);
      st.updateRatio[k] = fromRecordNumber(x.updateRatio);
      if (x.nonFinite > 0 && st.firstNonFinite < 0) st.firstNonFinite = k;
    }
  } else if (st.totalNonFinite > 0) {
    fail(line, `nonFinite = ${st.totalNonFinite} but the record has no params to say where`);
  }
  const acts = rec.activations ?? [];
  if (s.probes.length === 0)
    for (const a of acts) {
      if (!KINDS.includes(a.kind as ActivationKind))
        fail(
          line,
          `activation ${fmt(a.module)} has kind ${fmt(a.kind)}; expected relu, tanh or sigmoid`,
        );
      addProbe(s, { module: a.module, kind: a.kind as ActivationKind, layer: a.layer });
    }
  if (acts.length !== s.probes.length)
    fail(line, `activations has ${acts.length} entries; expected ${s.probes.length}`);
  acts.forEach((a, i) => {
    const p = s.probes[i] as HealthState['probes'][number];
    p.observed = a.observed ? 1 : 0;
    if (!a.observed) return;
    p.width = a.width;
    p.mean = fromRecordNumber(a.mean);
    p.std = fromRecordNumber(a.std);
    p.saturation = fromRecordNumber(a.saturation);
    p.gain = fromRecordNumber(a.gain);
    p.deadFraction = fromRecordNumber(a.deadFraction);
    if (Number.isNaN(p.firstMean)) p.firstMean = p.mean;
  });
  if (rec.curvature !== undefined) {
    s.curvatureStep = rec.curvature.step;
    s.minEigenvalue = fromRecordNumber(rec.curvature.minEigenvalue);
    s.maxEigenvalue = fromRecordNumber(rec.curvature.maxEigenvalue);
    s.curvatureHvps = rec.curvature.hvps;
  }
}

/**
 * Replays a monitor log — a header line, then one stats line per check (and the verdict lines,
 * which are skipped: the replay recomputes them) — through the same detector table as the live
 * monitor, and returns the verdicts. With every check recorded (logHealthToJsonl's default
 * `statsEvery` 1) they are the live run's verdicts, bit for bit: the detectors read only what the
 * records hold (see {@link StatsRecord}). Thresholds and switched-on detectors come from the
 * header unless overridden. A malformed line is a DataError naming the line and the field.
 * @example const { verdicts } = replay(readFileSync('runs/x/monitor.jsonl', 'utf8'));
 */
export function replay(
  input: string | readonly unknown[],
  options: ReplayOptions = {},
): ReplayResult {
  const lines = parseLines(input);
  const first = lines[0];
  if (first === undefined || first[1]['type'] !== 'header')
    throw new DataError('replay: line 1: expected a header record ({"type":"header", …})');
  const header = first[1] as unknown as HeaderRecord;
  if (header.format !== 'gradscope.monitor' || header.version !== 1)
    fail(
      1,
      `format ${fmt(header.format)} version ${fmt(header.version)}; expected "gradscope.monitor" version 1`,
    );
  if (!Array.isArray(header.params) || header.params.length === 0)
    fail(
      1,
      `params = ${fmt(header.params)} is invalid; expected a non-empty list of {name, shape, dtype}`,
    );
  const th = resolveThresholds({ ...header.thresholds, ...options.thresholds });
  const enabled = Object.fromEntries(
    Object.keys(DETECTORS).map((k) => [
      k,
      options.detectors?.[k as VerdictKind] ?? header.detectors?.[k as VerdictKind] ?? true,
    ]),
  ) as Record<VerdictKind, boolean>;
  const s = createHealthStateFor(createStatsFor(header.params, false, false), th);
  const verdicts: Verdict[] = [];
  let trace: CheckTrace | undefined;
  const env: DetectEnv = {
    enabled,
    emitResolved: options.emitResolved ?? header.emitResolved === true,
    recurrentOf: recurrentCells(header.params, layerOf),
    trace: () => trace ?? { anomaly: null, origin: null },
    raise: () => undefined,
    emitted: () => undefined,
    log: () => verdicts,
  };
  let checks = 0;
  for (const [line, rec] of lines.slice(1)) {
    if (rec['type'] === 'header' || rec['type'] === 'verdict') continue;
    if (rec['type'] !== 'stats')
      fail(line, `type = ${fmt(rec['type'])} is invalid; expected "stats", "verdict" or "header"`);
    const r = rec as unknown as StatsRecord;
    observe(s, line, r);
    trace = r.trace === undefined ? undefined : traceFromRecord(r.trace);
    runDetectors(s, th, env);
    checks++;
  }
  return { verdicts, active: activeOf(s, verdicts), checks, state: s };
}
