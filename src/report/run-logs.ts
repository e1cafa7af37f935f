import { decodeJsonNumber } from '../json-encode.js';
import type { VerdictRecord } from '../experiments/types.js';

/**
 * Tolerant readers of the JSONL logs a run directory may hold (metrics.jsonl from the training
 * loop, monitor logs): whatever is recognisable is kept, the rest is reported in `problems`, and
 * nothing throws — a report of a crashed run (truncated last line, NaN losses) is the one that
 * matters most.
 */

/**
 * One scalar time series (loss, lr, val.accuracy, ...) of one run and one file: series are keyed
 * by (run, file, field), so two runs' metrics never merge, and the `loss` of metrics.jsonl and
 * the `loss` of monitor.jsonl of one run stay two series.
 */
export interface ScalarSeries {
  /** The run it comes from. */
  run: string;
  /** The file it was read from (as named to the parser). */
  file: string;
  /** The logged field, e.g. 'train.loss'. */
  field: string;
  /** The name to show: the field, suffixed with the file's base name when the run has the field in several files ('loss (monitor)'). */
  name: string;
  /** Steps of the points. */
  steps: number[];
  /** Values at those steps. */
  values: number[];
}

/** Per-layer gradient norms of one run over steps (values[layer][k] at steps[k]; null = not logged). */
export interface LayerNormSeries {
  /** The run it comes from. */
  run: string;
  /** The file it was read from. */
  file: string;
  /** Steps of the columns. */
  steps: number[];
  /** One row per layer, input side first. */
  layers: {
    /** The layer's name. */
    name: string;
    /** Its gradient norm at each step (null: not logged). */
    values: (number | null)[];
  }[];
}

/**
 * Every per-layer statistic of one monitor record for one layer or parameter: the `layers`
 * entries (gradNorm, paramNorm, updateRatio), the `params` entries (also rms, maxAbs,
 * zeroFraction, nonFinite) and, joined to their layer, the `activations` probes (saturation,
 * deadFraction, and the activations' mean, std and gain as actMean, actStd, actGain).
 */
export interface LayerStatRow {
  /** The run it comes from. */
  run: string;
  /** The file it was read from. */
  file: string;
  /** The step of the record. */
  step: number;
  /** The layer ('0') or parameter ('0.weight') name. */
  layer: string;
  /** 'layer' for a layer's row, 'param' for a parameter's. */
  level: 'layer' | 'param';
  /** The statistics by name (non-finite ones as NaN/±Infinity). */
  stats: Record<string, number>;
}

/** What the logs of a run directory contained. */
export interface RunLogs {
  /** Scalar metrics over steps (losses, accuracies, lr, …). */
  scalars: ScalarSeries[];
  /** Per-layer gradient norms over steps, one per run. */
  gradNorms: LayerNormSeries[];
  /** Every per-layer and per-parameter statistic of the monitor's records, in file order. */
  layerStats: LayerStatRow[];
  /** The monitor's verdicts. */
  verdicts: VerdictRecord[];
  /** Files read (relative names). */
  files: string[];
  /** What could not be read, one sentence each (file and line named). */
  problems: string[];
  /**
   * Files whose last line is not finished yet (no newline and not valid JSON: a writer is in the
   * middle of it). Not a problem: the next read sees it complete.
   */
  pending: string[];
}

/** Empty logs. @example const logs = emptyRunLogs(); */
export function emptyRunLogs(): RunLogs {
  return {
    scalars: [],
    gradNorms: [],
    layerStats: [],
    verdicts: [],
    files: [],
    problems: [],
    pending: [],
  };
}

type Obj = { [k: string]: unknown };

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * A number from a log value: numbers as they are, and the strings "NaN", "Infinity" and
 * "-Infinity" that JSON-safe writers use for non-finite values.
 * @example logNumber('NaN') // NaN
 */
export function logNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v === '+Infinity') return Infinity;
  const n = decodeJsonNumber(v);
  if (n !== undefined) return n;
  return undefined;
}

const STEP_KEYS = ['step', 'iteration', 'iter', 'globalStep', 'global_step'];
/** Bookkeeping fields of a metrics record: not plotted. */
const SKIP_SCALARS = new Set([
  'epoch',
  'time',
  'timestamp',
  'wallTime',
  'wall_time',
  'elapsed',
  'seed',
  'check',
  ...STEP_KEYS,
]);
const LAYER_KEYS = [
  'gradNorms',
  'grad_norms',
  'gradNorm',
  'layers',
  'params',
  'parameters',
  'perLayer',
  'perParam',
  'layerStats',
  'paramStats',
  'stats',
];
const NORM_KEYS = ['gradNorm', 'grad_norm', 'gradL2', 'l2', 'norm', 'gradientNorm', 'gNorm'];

function stepOf(o: Obj): number | undefined {
  for (const k of STEP_KEYS) {
    const v = o[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

function normOf(v: unknown): number | undefined {
  const n = logNumber(v);
  if (n !== undefined) return n;
  if (isObj(v)) {
    for (const k of NORM_KEYS) {
      // Older monitor logs wrote NaN and ±Inf as null: a norm that is present but null was not finite.
      if (k in v && v[k] === null) return NaN;
      const m = logNumber(v[k]);
      if (m !== undefined) return m;
    }
  }
  return undefined;
}

/** Per-layer gradient norms of one record, in the shapes a monitor is likely to write. */
function layerNorms(o: Obj): [string, number][] {
  for (const key of LAYER_KEYS) {
    const v = o[key];
    const found: [string, number][] = [];
    if (Array.isArray(v)) {
      for (const item of v) {
        if (!isObj(item)) continue;
        const name = [item.name, item.layer, item.param].find((x) => typeof x === 'string');
        const n = normOf(item);
        if (typeof name === 'string' && n !== undefined) found.push([name, n]);
      }
    } else if (isObj(v)) {
      for (const [name, item] of Object.entries(v)) {
        const n = normOf(item);
        if (n !== undefined) found.push([name, n]);
      }
    }
    if (found.length > 0) return found;
  }
  return [];
}

/** Activation-probe fields kept per layer, and the names they get in a layer's row. */
const ACTIVATION_STATS: Readonly<Record<string, string>> = {
  saturation: 'saturation',
  deadFraction: 'deadFraction',
  mean: 'actMean',
  std: 'actStd',
  gain: 'actGain',
};

/** The numeric fields of a named entry (a null one was a non-finite value: NaN). */
function numericFields(item: Obj, skip: ReadonlySet<string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(item)) {
    if (skip.has(k) || typeof v === 'boolean') continue;
    const n = v === null ? NaN : logNumber(v);
    if (n !== undefined) out[k] = n;
  }
  return out;
}

const NAME_FIELDS = new Set(['name', 'layer', 'param', 'module', 'kind', 'width', 'observed']);

/**
 * The per-layer and per-parameter rows of a monitor stats record (`layers`, `params` and
 * `activations` arrays of src/monitor/records.ts), or none for other records.
 */
function statRows(
  o: Obj,
): { layer: string; level: 'layer' | 'param'; stats: Record<string, number> }[] {
  if (!Array.isArray(o.layers) && !Array.isArray(o.params)) return [];
  const rows: { layer: string; level: 'layer' | 'param'; stats: Record<string, number> }[] = [];
  const byLayer = new Map<string, Record<string, number>>();
  for (const [key, level] of [
    ['layers', 'layer'],
    ['params', 'param'],
  ] as const) {
    const arr = o[key];
    if (!Array.isArray(arr)) continue;
    for (const item of arr) {
      if (!isObj(item) || typeof item.name !== 'string') continue;
      const stats = numericFields(item, NAME_FIELDS);
      rows.push({ layer: item.name, level, stats });
      if (level === 'layer') byLayer.set(item.name, stats);
    }
  }
  if (Array.isArray(o.activations)) {
    for (const a of o.activations) {
      if (!isObj(a) || typeof a.layer !== 'string') continue;
      let stats = byLayer.get(a.layer);
      if (!stats) {
        stats = {};
        byLayer.set(a.layer, stats);
        rows.push({ layer: a.layer, level: 'layer', stats });
      }
      for (const [from, to] of Object.entries(ACTIVATION_STATS)) {
        const v = a[from];
        const n = v === null ? NaN : logNumber(v);
        if (n !== undefined) stats[to] = n;
      }
    }
  }
  return rows;
}

function asVerdict(o: Obj, run: string): VerdictRecord | undefined {
  const src =
    o.type === 'verdict' && isObj(o.verdict) ? { ...o.verdict, step: o.verdict.step ?? o.step } : o;
  const step = stepOf(src as Obj);
  if (typeof src.kind !== 'string' || step === undefined) return undefined;
  // A verdict that cleared is not an event to mark; the one that started it is.
  if (src.status === 'resolved') return undefined;
  if (typeof src.severity !== 'string' && typeof src.message !== 'string' && o.type !== 'verdict')
    return undefined;
  const layers = Array.isArray(src.layers)
    ? src.layers.map(String)
    : typeof src.layers === 'string'
      ? [src.layers]
      : typeof src.layer === 'string'
        ? [src.layer]
        : [];
  const remedies = Array.isArray(src.remedies)
    ? src.remedies.map((r) => {
        if (typeof r === 'string') return r;
        if (isObj(r)) {
          const t = [r.action, r.title, r.name, r.text, r.description].find(
            (x) => typeof x === 'string',
          );
          if (typeof t === 'string') return t;
        }
        return JSON.stringify(r);
      })
    : [];
  return {
    run: typeof src.run === 'string' ? src.run : run,
    kind: src.kind,
    step,
    layers,
    severity: typeof src.severity === 'string' ? src.severity : 'warning',
    message: typeof src.message === 'string' ? src.message : src.kind,
    remedies,
  };
}

/** Collects the records of one file (series of different files are kept apart). */
class Collector {
  private scalars = new Map<string, ScalarSeries>();
  private norms = new Map<string, { steps: number[]; byLayer: Map<string, Map<number, number>> }>();
  constructor(
    readonly logs: RunLogs,
    readonly file: string,
  ) {}

  scalar(run: string, name: string, step: number, v: number): void {
    const key = `${run}\u0000${name}`;
    let s = this.scalars.get(key);
    if (!s) {
      // The same name from another file (the monitor's loss next to the training loop's) is
      // another series: appending would interleave steps.
      const taken = this.logs.scalars.some((o) => o.run === run && o.name === name);
      const base = this.file.replace(/^.*[\\/]/, '').replace(/\.jsonl?$/, '');
      s = {
        run,
        file: this.file,
        field: name,
        name: taken ? `${name} (${base})` : name,
        steps: [],
        values: [],
      };
      this.scalars.set(key, s);
      this.logs.scalars.push(s);
    }
    s.steps.push(step);
    s.values.push(v);
  }

  norm(run: string, step: number, layers: [string, number][]): void {
    let r = this.norms.get(run);
    if (!r) {
      r = { steps: [], byLayer: new Map() };
      this.norms.set(run, r);
    }
    r.steps.push(step);
    for (const [name, v] of layers) {
      let m = r.byLayer.get(name);
      if (!m) {
        m = new Map();
        r.byLayer.set(name, m);
      }
      m.set(step, v);
    }
  }

  finish(): void {
    for (const [run, r] of this.norms) {
      const steps = [...new Set(r.steps)].sort((a, b) => a - b);
      this.logs.gradNorms.push({
        run,
        file: this.file,
        steps,
        layers: [...r.byLayer].map(([name, m]) => ({
          name,
          values: steps.map((s) => m.get(s) ?? null),
        })),
      });
    }
    this.norms.clear();
  }
}

function addRecord(c: Collector, o: Obj, run: string): boolean {
  const verdict = asVerdict(o, run);
  if (verdict) {
    c.logs.verdicts.push(verdict);
    return true;
  }
  if (o.type === 'verdict') return true;
  const step = stepOf(o);
  if (step === undefined) return false;
  const r = typeof o.run === 'string' ? o.run : run;
  let used = false;
  const norms = layerNorms(o);
  if (norms.length > 0) {
    c.norm(r, step, norms);
    used = true;
  }
  for (const row of statRows(o)) c.logs.layerStats.push({ run: r, file: c.file, step, ...row });
  for (const [k, v] of Object.entries(o)) {
    if (SKIP_SCALARS.has(k)) continue;
    const n = logNumber(v);
    if (n !== undefined) {
      c.scalar(r, k, step, n);
      used = true;
    }
  }
  if (isObj(o.metrics)) {
    for (const [k, v] of Object.entries(o.metrics)) {
      const n = logNumber(v);
      if (n !== undefined) {
        c.scalar(r, k, step, n);
        used = true;
      }
    }
  }
  if (Array.isArray(o.verdicts)) {
    for (const v of o.verdicts) {
      const vr = isObj(v) ? asVerdict({ step, ...v }, r) : undefined;
      if (vr) c.logs.verdicts.push(vr);
    }
  }
  return used;
}

/**
 * Reads JSONL text (one JSON object per line) into `logs`: metric records (`step` plus numbers,
 * and a `metrics` object), per-layer gradient norms (`gradNorms`/`layers`/`params` maps or
 * arrays, e.g. the monitor's `{type:'stats', layers:[{name, gradNorm}]}` records) and monitor
 * verdicts (`kind`, `step`, `severity`/`message`). `run` names the run the records belong to:
 * series are kept apart per run and per file. Unreadable lines are counted in `logs.problems`;
 * an unfinished last line (no trailing newline: a writer is in the middle of it, or a crash cut
 * it) is also listed in `logs.pending`, so a live reader can tell it from a corrupt file.
 *
 * @example const logs = emptyRunLogs(); parseJsonlLog('{"step":1,"loss":2.3}\n', 'metrics.jsonl', 'run', logs);
 */
export function parseJsonlLog(text: string, file: string, run: string, logs: RunLogs): void {
  const c = new Collector(logs, file);
  const lines = text.split('\n');
  let bad = 0;
  let firstBad = -1;
  let unknown = 0;
  let used = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      // The last line of a file being written (or cut by a crash): complete on the next read.
      if (i === lines.length - 1 && !text.endsWith('\n')) logs.pending.push(file);
      bad++;
      if (firstBad < 0) firstBad = i + 1;
      continue;
    }
    if (isObj(v) && addRecord(c, v, run)) used++;
    else unknown++;
  }
  c.finish();
  logs.files.push(file);
  if (bad > 0)
    logs.problems.push(
      `${file}: ${bad} line${bad === 1 ? ' is' : 's are'} not valid JSON (first at line ${firstBad}); skipped`,
    );
  if (used === 0 && unknown > 0)
    logs.problems.push(
      `${file}: no line looked like a metrics record, gradient norms or a verdict; nothing plotted from it`,
    );
}

/**
 * Reads a monitor JSON document (not JSONL) into `logs`: an array of records, or an object with
 * `records`/`history`/`steps` arrays and/or a `verdicts` array.
 *
 * @example parseMonitorJson(JSON.parse(text), 'monitor.json', 'run', logs);
 */
export function parseMonitorJson(doc: unknown, file: string, run: string, logs: RunLogs): void {
  const c = new Collector(logs, file);
  let used = 0;
  const take = (items: unknown[]): void => {
    for (const it of items) if (isObj(it) && addRecord(c, it, run)) used++;
  };
  if (Array.isArray(doc)) take(doc);
  else if (isObj(doc) && Array.isArray(doc.checkedSteps) && Array.isArray(doc.layers)) {
    // A monitor summary: per-layer series at the checked steps, global series beside them.
    const steps = doc.checkedSteps;
    steps.forEach((st, k) => {
      const step = logNumber(st);
      if (step === undefined) return;
      const layers: [string, number][] = [];
      for (const l of doc.layers as unknown[]) {
        if (!isObj(l) || typeof l.name !== 'string' || !Array.isArray(l.gradNorm)) continue;
        const v = l.gradNorm[k];
        layers.push([l.name, v === null ? NaN : (logNumber(v) ?? NaN)]);
      }
      if (layers.length > 0) c.norm(run, step, layers);
      for (const name of ['loss', 'totalGradNorm', 'firstLastRatio']) {
        const series = doc[name];
        const v = Array.isArray(series) ? logNumber(series[k]) : undefined;
        if (v !== undefined) c.scalar(run, name, step, v);
      }
      used++;
    });
    if (Array.isArray(doc.verdicts)) take(doc.verdicts);
  } else if (isObj(doc)) {
    for (const k of ['records', 'history', 'steps', 'log']) {
      const v = doc[k];
      if (Array.isArray(v)) take(v);
    }
    if (Array.isArray(doc.verdicts)) take(doc.verdicts);
  }
  c.finish();
  logs.files.push(file);
  if (used === 0)
    logs.problems.push(
      `${file}: no records, gradient norms or verdicts recognised; nothing plotted from it`,
    );
}
