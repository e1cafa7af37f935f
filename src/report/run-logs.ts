import { decodeJsonNumber } from '../json-encode.js';
import type { VerdictRecord } from '../experiments/types.js';

/**
 * Tolerant readers of the JSONL logs a run directory may hold (metrics.jsonl from the training
 * loop, monitor logs): whatever is recognisable is kept, the rest is reported in `problems`, and
 * nothing throws — a report of a crashed run (truncated last line, NaN losses) is the one that
 * matters most.
 */

/** One scalar time series (loss, lr, val.accuracy, ...) of one run. */
export interface ScalarSeries {
  /** The run it comes from. */
  run: string;
  /** The logged value, e.g. 'train.loss'. */
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

/** What the logs of a run directory contained. */
export interface RunLogs {
  /** Scalar metrics over steps (losses, accuracies, lr, …). */
  scalars: ScalarSeries[];
  /** Per-layer gradient norms over steps, one per run. */
  gradNorms: LayerNormSeries[];
  /** The monitor's verdicts. */
  verdicts: VerdictRecord[];
  /** Files read (relative names). */
  files: string[];
  /** What could not be read, one sentence each (file and line named). */
  problems: string[];
}

/** Empty logs. @example const logs = emptyRunLogs(); */
export function emptyRunLogs(): RunLogs {
  return { scalars: [], gradNorms: [], verdicts: [], files: [], problems: [] };
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
    private readonly file: string,
  ) {}

  scalar(run: string, name: string, step: number, v: number): void {
    const key = `${run}\u0000${name}`;
    let s = this.scalars.get(key);
    if (!s) {
      // The same name from another file (the monitor's loss next to the training loop's) is
      // another series: appending would interleave steps.
      const taken = this.logs.scalars.some((o) => o.run === run && o.name === name);
      const base = this.file.replace(/^.*[\\/]/, '').replace(/\.jsonl?$/, '');
      s = { run, name: taken ? `${name} (${base})` : name, steps: [], values: [] };
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
 * arrays) and monitor verdicts (`kind`, `step`, `severity`/`message`). Unreadable lines are
 * counted in `logs.problems`; a truncated last line is expected after a crash.
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
