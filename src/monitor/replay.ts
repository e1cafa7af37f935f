import { DataError, fmt } from '../errors.js';
import type { ActivationKind } from './activation-probe.js';
import { activeOf, runDetectors, type DetectEnv } from './detect.js';
import { DETECTORS } from './detector-table.js';
import { layerOf, layoutOf } from './layers.js';
import {
  fromRecordNumber,
  RECORD_FORMAT,
  RECORD_VERSION,
  traceFromRecord,
  type CheckTrace,
  type HeaderRecord,
  type StatsRecord,
} from './records.js';
import { phraseRemedies } from './remedies.js';
import { addProbe, createHealthStateFor, recurrentCells, type HealthState } from './state.js';
import { createStatsFor } from './stats.js';
import { resolveThresholds, type HealthThresholds } from './thresholds.js';
import type { Verdict, VerdictKind } from './types.js';

/** Options of {@link replay}: overrides of what the header recorded, and how to treat bad lines. */
export interface ReplayOptions {
  thresholds?: Partial<HealthThresholds>;
  detectors?: Partial<Record<VerdictKind, boolean>>;
  emitResolved?: boolean;
  /**
   * Report a bad line in `errors` and go on with the rest (the line is skipped, as if its check
   * had not been recorded). Default false: a DataError at the first bad line.
   */
  lenient?: boolean;
  /** Phrase the remedies for this framework (default: the header's `framework`). */
  framework?: string;
}

/** A line a replay could not use: its number and what is wrong with it (naming the field). */
export interface ReplayError {
  line: number;
  message: string;
}

/** What a replay found. */
export interface ReplayResult {
  /** Every verdict, in order (as the live monitor emitted them), remedies phrased for the framework. */
  verdicts: Verdict[];
  /** Verdicts still active after the last record. */
  active: Verdict[];
  /** Checks replayed. */
  checks: number;
  /** The monitor state after the last record. */
  state: HealthState;
  /** The log's header. */
  header: HeaderRecord;
  /** Bad lines that were skipped (lenient mode; empty otherwise). */
  errors: ReplayError[];
  /**
   * What the replay could not check and why, one sentence each: detectors the records cannot
   * feed (saddle needs the live curvature probe; saturated/deadUnits need activation probes) and
   * sampled records.
   */
  notes: string[];
}

/** A replay fed one record at a time (a file being written, or a live adapter). */
export interface Replayer {
  /** The log's header (validated). */
  readonly header: HeaderRecord;
  /** The monitor state after the records so far. */
  readonly state: HealthState;
  /** Bad lines so far (lenient mode). */
  readonly errors: readonly ReplayError[];
  /**
   * Feeds the record of one line (after the header). Returns the verdicts it raised (remedies
   * phrased). A bad record throws a DataError naming the line and the field, or in lenient mode
   * is added to the errors and skipped.
   */
  push(record: unknown, line: number): Verdict[];
  /** Parses one line of text and feeds it ({@link Replayer.push}); blank lines are ignored. */
  pushLine(text: string, line: number): Verdict[];
  /** The result so far. */
  result(): ReplayResult;
}

const KINDS: readonly ActivationKind[] = ['relu', 'tanh', 'sigmoid'];

/** A bad field of one line: thrown by the checks below, caught per line. */
class LineError extends Error {}

function bad(what: string): never {
  throw new LineError(what);
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const NUMBER_FORMS = 'a number, "NaN", "Infinity", "-Infinity" or null';

/** A record number (see RecordNumber) as a double; anything else is a bad field. */
function num(v: unknown, field: string): number {
  if (v === null || typeof v === 'number' || v === 'NaN' || v === 'Infinity' || v === '-Infinity')
    return fromRecordNumber(v);
  return bad(`${field} = ${fmt(v)} is invalid; expected ${NUMBER_FORMS}`);
}

/** An optional record number (absent: NaN). */
function optNum(o: Obj, key: string, field: string): number {
  return o[key] === undefined ? NaN : num(o[key], field);
}

function count(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    bad(`${field} = ${fmt(v)} is invalid; expected an integer >= 0 (a count)`);
  return v;
}

function positive(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    bad(`${field} = ${fmt(v)} is invalid; expected an integer >= 1`);
  return v;
}

function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') bad(`${field} = ${fmt(v)} is invalid; expected true or false`);
  return v;
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string') bad(`${field} = ${fmt(v)} is invalid; expected a string`);
  return v;
}

function array(
  v: unknown,
  field: string,
  n: number,
  what: string,
  names: readonly string[],
): unknown[] {
  if (!Array.isArray(v)) bad(`${field} = ${fmt(v)} is invalid; expected a list of ${n} ${what}`);
  if (v.length !== n) {
    const got = new Set(v.map((x) => (isObj(x) ? x['name'] : undefined)));
    const missing = names.filter((m) => !got.has(m));
    bad(
      `${field} has ${v.length} entries; expected ${n} (the header's ${what})` +
        (missing.length > 0
          ? `: missing ${missing
              .slice(0, 3)
              .map((m) => fmt(m))
              .join(', ')}`
          : ''),
    );
  }
  return v;
}

/** One activation probe's reading of a record. */
interface ActReading {
  module: string;
  kind: ActivationKind;
  layer: string;
  observed: boolean;
  width: number;
  mean: number;
  std: number;
  saturation: number;
  gain: number;
  deadFraction: number;
}

/** A stats record, checked and decoded: what {@link observe} loads into the state. */
interface Observation {
  step: number;
  check: number;
  loss: number;
  finite: boolean;
  lr: number;
  totalGradNorm: number;
  totalParamNorm: number;
  updateRatio: number;
  update: { norm: number; before: number; gradNorm: number; fresh: boolean };
  cosine: number;
  nonFinite: number;
  layers: Float64Array; // gradNorm, paramNorm, updateRatio per layer
  params: Float64Array | null; // gradNorm, rms, maxAbs, zeroFraction, nonFinite, paramNorm, updateRatio
  activations: ActReading[] | null;
  curvature: { step: number; min: number; max: number; hvps: number } | null;
  trace: CheckTrace | undefined;
}

const PARAM_FIELDS = [
  'gradNorm',
  'rms',
  'maxAbs',
  'zeroFraction',
  'nonFinite',
  'paramNorm',
  'updateRatio',
] as const;

/** Checks every field of a stats record against the header (throws LineError naming the field). */
function readStats(
  rec: Obj,
  st: HealthState['stats'],
  probes: HealthState['probes'],
  prev: { step: number; check: number },
): Observation {
  const step = positive(rec['step'], 'step');
  if (step <= prev.step)
    bad(`step = ${step} is invalid; expected a step after the previous record's ${prev.step}`);
  const check = positive(rec['check'], 'check');
  if (check <= prev.check)
    bad(`check = ${check} is invalid; expected a check after the previous record's ${prev.check}`);
  for (const k of ['loss', 'lr', 'totalGradNorm', 'totalParamNorm', 'updateRatio'])
    if (!(k in rec)) bad(`${k} is missing (expected ${NUMBER_FORMS})`);
  const nonFinite = count(rec['nonFinite'], 'nonFinite');
  let update = { norm: NaN, before: NaN, gradNorm: NaN, fresh: false };
  const u = rec['update'];
  if (u !== undefined) {
    if (!isObj(u)) bad(`update = ${fmt(u)} is invalid; expected {norm, before, gradNorm, fresh}`);
    update = {
      norm: num(u['norm'], 'update.norm'),
      before: num(u['before'], 'update.before'),
      gradNorm: num(u['gradNorm'], 'update.gradNorm'),
      fresh: bool(u['fresh'], 'update.fresh'),
    };
  }
  const L = st.layerNames.length;
  const layerList = array(rec['layers'], 'layers', L, 'layers', st.layerNames);
  const layers = new Float64Array(3 * L);
  layerList.forEach((x, l) => {
    const f = `layers[${l}]`;
    if (!isObj(x))
      bad(`${f} = ${fmt(x)} is invalid; expected {name, gradNorm, paramNorm, updateRatio}`);
    if (x['name'] !== st.layerNames[l])
      bad(`${f}.name = ${fmt(x['name'])}; expected ${fmt(st.layerNames[l])} (the header's layers)`);
    layers[3 * l] = num(x['gradNorm'], `${f}.gradNorm`);
    layers[3 * l + 1] = num(x['paramNorm'], `${f}.paramNorm`);
    layers[3 * l + 2] = num(x['updateRatio'], `${f}.updateRatio`);
  });
  let params: Float64Array | null = null;
  if (rec['params'] !== undefined) {
    const P = st.paramNames.length;
    const list = array(rec['params'], 'params', P, 'params', st.paramNames);
    params = new Float64Array(7 * P);
    const out = params;
    list.forEach((x, k) => {
      const f = `params[${k}]`;
      if (!isObj(x)) bad(`${f} = ${fmt(x)} is invalid; expected {name, gradNorm, rms, …}`);
      if (x['name'] !== st.paramNames[k])
        bad(
          `${f}.name = ${fmt(x['name'])}; expected ${fmt(st.paramNames[k])} (the header's params)`,
        );
      PARAM_FIELDS.forEach((key, j) => {
        out[7 * k + j] =
          key === 'nonFinite' ? count(x[key], `${f}.nonFinite`) : num(x[key], `${f}.${key}`);
      });
    });
  } else if (nonFinite > 0) {
    bad(
      `nonFinite = ${nonFinite} but the record has no params to say where (params is required then)`,
    );
  }
  let activations: ActReading[] | null = null;
  const acts = rec['activations'];
  if (acts !== undefined) {
    if (!Array.isArray(acts)) bad(`activations = ${fmt(acts)} is invalid; expected a list`);
    if (probes.length > 0 && acts.length !== probes.length)
      bad(
        `activations has ${acts.length} entries; expected ${probes.length} (the probes of the earlier records)`,
      );
    activations = acts.map((a, i): ActReading => {
      const f = `activations[${i}]`;
      if (!isObj(a))
        bad(`${f} = ${fmt(a)} is invalid; expected {module, kind, layer, observed, …}`);
      const module = str(a['module'], `${f}.module`);
      const kind = a['kind'];
      if (!KINDS.includes(kind as ActivationKind))
        bad(`${f}.kind = ${fmt(kind)} is invalid; expected "relu", "tanh" or "sigmoid"`);
      const layer = str(a['layer'], `${f}.layer`);
      if (layer !== '' && !st.layerNames.includes(layer))
        bad(`${f}.layer = ${fmt(layer)} is not a layer of the header (nor "")`);
      const p = probes[i];
      if (p !== undefined && (p.module !== module || p.kind !== kind))
        bad(
          `${f} is ${fmt(module)} (${String(kind)}); expected ${fmt(p.module)} (${p.kind}) as in the earlier records`,
        );
      const observed = bool(a['observed'], `${f}.observed`);
      return {
        module,
        kind: kind as ActivationKind,
        layer,
        observed,
        width: observed ? count(a['width'], `${f}.width`) : 0,
        mean: observed ? num(a['mean'], `${f}.mean`) : NaN,
        std: observed ? optNum(a, 'std', `${f}.std`) : NaN,
        saturation: observed ? num(a['saturation'], `${f}.saturation`) : NaN,
        gain: observed ? num(a['gain'], `${f}.gain`) : NaN,
        deadFraction: observed ? num(a['deadFraction'], `${f}.deadFraction`) : NaN,
      };
    });
  }
  let curvature: Observation['curvature'] = null;
  const c = rec['curvature'];
  if (c !== undefined) {
    if (!isObj(c))
      bad(`curvature = ${fmt(c)} is invalid; expected {step, minEigenvalue, maxEigenvalue, hvps}`);
    curvature = {
      step: positive(c['step'], 'curvature.step'),
      min: num(c['minEigenvalue'], 'curvature.minEigenvalue'),
      max: num(c['maxEigenvalue'], 'curvature.maxEigenvalue'),
      hvps: count(c['hvps'], 'curvature.hvps'),
    };
  }
  let trace: CheckTrace | undefined;
  const t = rec['trace'];
  if (t !== undefined) {
    if (!isObj(t) || !('anomaly' in t) || !('origin' in t))
      bad(`trace = ${fmt(t)} is invalid; expected {anomaly, origin}`);
    trace = traceFromRecord(t as NonNullable<StatsRecord['trace']>);
  }
  return {
    step,
    check,
    loss: num(rec['loss'], 'loss'),
    finite: bool(rec['finite'], 'finite'),
    lr: num(rec['lr'], 'lr'),
    totalGradNorm: num(rec['totalGradNorm'], 'totalGradNorm'),
    totalParamNorm: num(rec['totalParamNorm'], 'totalParamNorm'),
    updateRatio: num(rec['updateRatio'], 'updateRatio'),
    update,
    cosine: optNum(rec, 'cosine', 'cosine'),
    nonFinite,
    layers,
    params,
    activations,
    curvature,
    trace,
  };
}

/** Loads one checked observation into the state (the replay's measure half). */
function observe(s: HealthState, o: Observation): void {
  const st = s.stats;
  s.step = o.step;
  s.checks = o.check;
  s.lastCheck = o.step;
  s.loss = o.loss;
  s.finite = o.finite ? 1 : 0;
  s.lr = o.lr;
  st.totalGradNorm = o.totalGradNorm;
  st.totalParamNorm = o.totalParamNorm;
  st.totalUpdateRatio = o.updateRatio;
  st.totalUpdateNorm = o.update.norm;
  st.totalBeforeNorm = o.update.before;
  st.updateGradNorm = o.update.gradNorm;
  st.updateFresh = o.update.fresh;
  st.cosine = o.cosine;
  st.totalNonFinite = o.nonFinite;
  const L = st.layerNames.length;
  for (let l = 0; l < L; l++) {
    st.layerGradNorm[l] = o.layers[3 * l] as number;
    st.layerParamNorm[l] = o.layers[3 * l + 1] as number;
    st.layerUpdateRatio[l] = o.layers[3 * l + 2] as number;
  }
  st.nonFiniteCount.fill(0);
  st.firstNonFinite = -1;
  const p = o.params;
  if (p !== null) {
    const P = st.paramNames.length;
    for (let k = 0; k < P; k++) {
      st.gradNorm[k] = p[7 * k] as number;
      st.gradRms[k] = p[7 * k + 1] as number;
      st.gradMaxAbs[k] = p[7 * k + 2] as number;
      st.zeroFraction[k] = p[7 * k + 3] as number;
      st.nonFiniteCount[k] = p[7 * k + 4] as number;
      st.paramNorm[k] = p[7 * k + 5] as number;
      st.updateRatio[k] = p[7 * k + 6] as number;
      if ((p[7 * k + 4] as number) > 0 && st.firstNonFinite < 0) st.firstNonFinite = k;
    }
  }
  const acts = o.activations;
  if (acts !== null && s.probes.length === 0)
    for (const a of acts) addProbe(s, { module: a.module, kind: a.kind, layer: a.layer });
  s.probes.forEach((ps, i) => {
    const a = acts?.[i];
    ps.observed = a?.observed === true ? 1 : 0;
    if (a === undefined || !a.observed) return;
    ps.width = a.width;
    ps.mean = a.mean;
    ps.std = a.std;
    ps.saturation = a.saturation;
    ps.gain = a.gain;
    ps.deadFraction = a.deadFraction;
    if (Number.isNaN(ps.firstMean)) ps.firstMean = a.mean;
  });
  if (o.curvature !== null) {
    s.curvatureStep = o.curvature.step;
    s.minEigenvalue = o.curvature.min;
    s.maxEigenvalue = o.curvature.max;
    s.curvatureHvps = o.curvature.hvps;
  }
}

/** Checks a header (line 1). Problems a replay can go on after are returned, the rest thrown. */
function readHeader(rec: unknown): { header: HeaderRecord; problems: string[] } {
  if (!isObj(rec) || rec['type'] !== 'header')
    throw new DataError('replay: line 1: expected a header record ({"type":"header", …})');
  const fail = (what: string): never => {
    throw new DataError(`replay: line 1: ${what}`);
  };
  const problems: string[] = [];
  if (rec['format'] !== RECORD_FORMAT)
    fail(`format = ${fmt(rec['format'])} is invalid; expected ${fmt(RECORD_FORMAT)}`);
  if (rec['version'] !== RECORD_VERSION)
    problems.push(
      `version = ${fmt(rec['version'])} is not supported; expected ${RECORD_VERSION} (reading the records as version ${RECORD_VERSION})`,
    );
  const params = rec['params'];
  if (!Array.isArray(params) || params.length === 0)
    fail(`params = ${fmt(params)} is invalid; expected a non-empty list of {name, shape, dtype}`);
  (params as unknown[]).forEach((p, k) => {
    if (
      !isObj(p) ||
      typeof p['name'] !== 'string' ||
      p['name'] === '' ||
      !Array.isArray(p['shape']) ||
      !p['shape'].every((d) => Number.isInteger(d) && (d as number) >= 0)
    )
      fail(`params[${k}] = ${fmt(p)} is invalid; expected {name, shape: [integers >= 0], dtype}`);
  });
  const names = (params as Obj[]).map((p) => p['name'] as string);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) fail(`params names ${fmt(dup)} twice; expected unique names`);
  const derived = layoutOf(names).layerNames;
  const layers = rec['layers'];
  if (
    !Array.isArray(layers) ||
    layers.length !== derived.length ||
    layers.some((l, i) => l !== derived[i])
  )
    problems.push(
      `layers = ${fmt(layers)} does not match the params; expected ${fmt(derived)} (the layers derived from the parameter names; using those)`,
    );
  const framework = typeof rec['framework'] === 'string' ? rec['framework'] : '';
  if (framework === '')
    problems.push(
      `framework = ${fmt(rec['framework'])} is invalid; expected a name such as "pytorch"`,
    );
  for (const k of ['every', 'recordEvery'] as const) {
    const v = rec[k];
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= 1))
      problems.push(`${k} = ${fmt(v)} is invalid; expected an integer >= 1 (using 1)`);
  }
  const header = {
    ...rec,
    framework: framework === '' ? 'unknown' : framework,
    layers: derived,
  } as unknown as HeaderRecord;
  return { header, problems };
}

/**
 * Starts a replay from a log's header record (the parsed first line): feed it the following
 * records one by one with `push`, read verdicts as they come (the `--follow` mode of `gradscope
 * diagnose`, and the TF.js adapter's live verdicts). {@link replay} is this over a whole log.
 * @example const r = createReplayer(JSON.parse(firstLine), { lenient: true }); r.pushLine(line, 2);
 */
export function createReplayer(headerRecord: unknown, options: ReplayOptions = {}): Replayer {
  const { header, problems } = readHeader(headerRecord);
  const lenient = options.lenient === true;
  const errors: ReplayError[] = [];
  const report = (line: number, message: string): void => {
    if (!lenient) throw new DataError(`replay: line ${line}: ${message}`);
    errors.push({ line, message });
  };
  for (const p of problems) report(1, p);
  let th: HealthThresholds;
  try {
    th = resolveThresholds({
      ...(isObj(header.thresholds) ? header.thresholds : {}),
      ...options.thresholds,
    });
  } catch (e) {
    if (options.thresholds !== undefined) throw e;
    report(1, `thresholds: ${e instanceof Error ? e.message : String(e)} (using the defaults)`);
    th = resolveThresholds({});
  }
  const recorded = isObj(header.detectors) ? header.detectors : {};
  const enabled = Object.fromEntries(
    Object.keys(DETECTORS).map((k) => {
      const v = options.detectors?.[k as VerdictKind] ?? recorded[k as VerdictKind];
      return [
        k,
        typeof v === 'boolean'
          ? v
          : (DETECTORS[k as VerdictKind] as { optIn?: boolean }).optIn !== true,
      ];
    }),
  ) as Record<VerdictKind, boolean>;
  const specs = header.params.map((p) => ({
    name: p.name,
    shape: p.shape,
    dtype: p.dtype === 'float32' ? ('float32' as const) : ('float64' as const),
  }));
  const s = createHealthStateFor(createStatsFor(specs, false, false), th);
  const framework = options.framework ?? header.framework;
  const log: Verdict[] = [];
  const phrased: Verdict[] = [];
  const phrase = (v: Verdict): Verdict =>
    framework === 'gradscope'
      ? v
      : ({ ...v, remedies: phraseRemedies(v.remedies, framework, s.stats.layerNames) } as Verdict);
  let fresh: Verdict[] = [];
  let trace: CheckTrace | undefined;
  const env: DetectEnv = {
    enabled,
    emitResolved: options.emitResolved ?? header.emitResolved === true,
    recurrentOf: recurrentCells(specs, layerOf),
    declared: header.declared ?? {},
    trace: () => trace ?? { anomaly: null, origin: null },
    raise: () => undefined,
    emitted: (v) => {
      const p = phrase(v);
      phrased.push(p);
      fresh.push(p);
    },
    log: () => log,
  };
  const every =
    typeof header.recordEvery === 'number' && header.recordEvery > 1 ? header.recordEvery : 1;
  const prev = { step: 0, check: 0 };
  let checks = 0;
  let gaps = 0;
  let curvature = false;
  const replayer: Replayer = {
    header,
    state: s,
    errors,
    push(record, line) {
      fresh = [];
      if (!isObj(record)) {
        report(line, `record = ${fmt(record)} is invalid; expected a JSON object`);
        return fresh;
      }
      const type = record['type'];
      if (type === 'header') {
        report(line, 'a second header record (a log holds one, on line 1); skipped');
        return fresh;
      }
      if (type === 'verdict') return fresh;
      if (type !== 'stats') {
        report(line, `type = ${fmt(type)} is invalid; expected "stats", "verdict" or "header"`);
        return fresh;
      }
      let o: Observation;
      try {
        o = readStats(record, s.stats, s.probes, prev);
      } catch (e) {
        if (!(e instanceof LineError)) throw e;
        report(line, e.message);
        return fresh;
      }
      if (o.check !== prev.check + 1 && checks > 0) gaps++;
      prev.step = o.step;
      prev.check = o.check;
      if (o.curvature !== null) curvature = true;
      observe(s, o);
      trace = o.trace;
      runDetectors(s, th, env);
      checks++;
      return fresh;
    },
    pushLine(text, line) {
      const t = text.trim();
      if (t === '') return [];
      let rec: unknown;
      try {
        rec = JSON.parse(t);
      } catch {
        report(
          line,
          `not JSON (a truncated line?): ${fmt(t.length > 60 ? `${t.slice(0, 60)}…` : t)}`,
        );
        return [];
      }
      return replayer.push(rec, line);
    },
    result() {
      const notes: string[] = [];
      if (enabled.saddle && !curvature)
        notes.push(
          'saddle not checked: it needs the curvature probe (Hessian-vector products on the live model, gradscope only); the records have none',
        );
      if ((enabled.saturated || enabled.deadUnits) && s.probes.length === 0)
        notes.push('saturated and deadUnits not checked: the records have no activation probes');
      if (every > 1 || gaps > 0)
        notes.push(
          `records are sampled (${every > 1 ? `1 in ${every} checks` : `${gaps} gaps in the check numbers`}): the detectors ran over the recorded checks only, as a monitor measuring that rarely would; verdicts may come later than the live run's (docs/records.md, Sampling)`,
        );
      return {
        verdicts: [...phrased],
        active: activeOf(s, log).map((v) => phrased[log.indexOf(v)] ?? v),
        checks,
        state: s,
        header,
        errors: [...errors],
        notes,
      };
    },
  };
  return replayer;
}

/**
 * Replays a monitor log — a header line, then one stats line per check (and the verdict lines,
 * which are skipped: the replay recomputes them) — through the same detector table as the live
 * monitor, and returns the verdicts. With every check recorded (logHealthToJsonl's default
 * `statsEvery` 1) they are the live run's verdicts, bit for bit: the detectors read only what the
 * records hold (see {@link StatsRecord}; the format is docs/records.md). Thresholds and switched-on
 * detectors come from the header unless overridden; remedies are phrased for the header's
 * framework. A malformed line is a DataError naming the line and the field, or with `lenient`
 * an entry of `errors` (the line skipped, the rest replayed).
 * @example const { verdicts } = replay(readFileSync('runs/x/monitor.jsonl', 'utf8'));
 */
export function replay(
  input: string | readonly unknown[],
  options: ReplayOptions = {},
): ReplayResult {
  if (typeof input === 'string') {
    const lines = input.split('\n');
    let first = 0;
    while (first < lines.length && (lines[first] as string).trim() === '') first++;
    let head: unknown;
    try {
      head = JSON.parse((lines[first] ?? '').trim());
    } catch {
      head = undefined;
    }
    if (head === undefined)
      throw new DataError(
        `replay: line ${first + 1}: expected a header record ({"type":"header", …}); got ${fmt((lines[first] ?? '').slice(0, 60))}`,
      );
    const r = createReplayer(head, options);
    for (let i = first + 1; i < lines.length; i++) r.pushLine(lines[i] as string, i + 1);
    return r.result();
  }
  if (input.length === 0)
    throw new DataError('replay: line 1: expected a header record ({"type":"header", …})');
  const r = createReplayer(input[0], options);
  for (let i = 1; i < input.length; i++) r.push(input[i], i + 1);
  return r.result();
}
