// Reading a run directory's files (DOM-free): JSONL logs become numeric series and verdicts,
// JSON files become experiment results, health summaries or plain documents.

/** A verdict as read from a file (only the fields the viewer shows are required). */
export interface VerdictRecord {
  kind: string;
  step: number;
  severity: string;
  message: string;
  status?: string;
  layers: string[];
  remedies: { rank?: number; text: string; why?: string }[];
  evidence?: unknown;
  /** File it came from. */
  source: string;
}

/** A numeric series over steps. */
export interface SeriesData {
  steps: number[];
  values: number[];
}

/** One criterion of an experiment result. */
export interface Criterion {
  name: string;
  expected: string;
  measured: string;
  pass: boolean | null;
}

/** An experiment result file ({experiment, pass, criteria, runs}). */
export interface ResultRecord {
  source: string;
  experiment: string;
  pass: boolean | null;
  criteria: Criterion[];
}

/** Per-layer gradient norms over checked steps (from a monitor summary). */
export interface HealthRecord {
  source: string;
  steps: number[];
  layers: { name: string; gradNorm: number[] }[];
}

/** What a set of files held. */
export interface RunData {
  files: { name: string; kind: string; detail: string }[];
  series: Map<string, SeriesData>;
  verdicts: VerdictRecord[];
  results: ResultRecord[];
  health: HealthRecord[];
  documents: { name: string; value: unknown }[];
}

/** JSON numbers, and the strings gradscope writes for non-finite values. */
export function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asVerdict(v: unknown, source: string): VerdictRecord | null {
  if (!isObject(v)) return null;
  if (isObject(v['verdict'])) return asVerdict(v['verdict'], source);
  if (typeof v['kind'] !== 'string' || typeof v['severity'] !== 'string') return null;
  const step = toNumber(v['step']);
  // Remedies are objects in the monitor's verdicts and plain strings in experiment results.
  const remedies = Array.isArray(v['remedies'])
    ? v['remedies'].flatMap((r) =>
        typeof r === 'string'
          ? [{ text: r }]
          : isObject(r)
            ? [
                {
                  text: String(r['text'] ?? ''),
                  ...(typeof r['rank'] === 'number' ? { rank: r['rank'] } : {}),
                  ...(typeof r['why'] === 'string' ? { why: r['why'] } : {}),
                },
              ]
            : [],
      )
    : [];
  return {
    kind: v['kind'],
    step: step ?? NaN,
    severity: v['severity'],
    message: typeof v['message'] === 'string' ? v['message'] : '',
    ...(typeof v['status'] === 'string' ? { status: v['status'] } : {}),
    layers: Array.isArray(v['layers']) ? v['layers'].map(String) : [],
    remedies,
    evidence: v['evidence'],
    source,
  };
}

/** Keys that name the step of a record. */
const STEP_KEYS = ['step', 'iteration', 'iter', 'globalStep', 'global_step'];
/** Bookkeeping fields of a record: not plotted. */
const SKIP = new Set(['epoch', 'time', 'timestamp', 'wallTime', 'elapsed', 'seed', ...STEP_KEYS]);
/** Fields holding per-layer gradient norms ({layer: norm} or {layer: {gradNorm}}). */
const LAYER_KEYS = new Set(['gradNorms', 'grad_norms', 'layerGradNorms']);

function stepOf(o: Record<string, unknown>): number | null {
  for (const k of STEP_KEYS) {
    const v = toNumber(o[k]);
    if (v !== null && Number.isFinite(v)) return v;
  }
  return null;
}

/** Adds every numeric leaf of `obj` (dotted keys) at `step` to the series. */
function addNumbers(
  series: Map<string, SeriesData>,
  prefix: string,
  obj: Record<string, unknown>,
  step: number,
  depth = 0,
): void {
  for (const [k, v] of Object.entries(obj)) {
    if (prefix === '' && (SKIP.has(k) || LAYER_KEYS.has(k))) continue;
    const key = prefix ? `${prefix}.${k}` : k;
    const n = toNumber(v);
    if (n !== null) {
      let s = series.get(key);
      if (!s) {
        s = { steps: [], values: [] };
        series.set(key, s);
      }
      s.steps.push(step);
      s.values.push(n);
    } else if (isObject(v) && depth < 3) {
      addNumbers(series, key, v, step, depth + 1);
    }
  }
}

interface LayerNorms {
  steps: number[];
  /** layer → [record index, norm] pairs. */
  byLayer: Map<string, [number, number][]>;
}

function addLayerNorms(acc: LayerNorms, o: Record<string, unknown>, step: number): void {
  const i = acc.steps.length;
  acc.steps.push(step);
  for (const [layer, v] of Object.entries(o)) {
    const n = toNumber(v) ?? (isObject(v) ? toNumber(v['gradNorm'] ?? v['norm']) : null);
    if (n === null) continue;
    let list = acc.byLayer.get(layer);
    if (!list) {
      list = [];
      acc.byLayer.set(layer, list);
    }
    list.push([i, n]);
  }
}

function asResult(v: unknown, source: string): ResultRecord | null {
  if (!isObject(v) || !Array.isArray(v['criteria'])) return null;
  const show = (x: unknown): string => (typeof x === 'string' ? x : JSON.stringify(x));
  return {
    source,
    experiment: String(v['experiment'] ?? v['name'] ?? source),
    pass: typeof v['pass'] === 'boolean' ? v['pass'] : null,
    criteria: v['criteria'].filter(isObject).map((c) => ({
      name: String(c['name'] ?? ''),
      expected: show(c['expected']),
      measured: show(c['measured']),
      pass: typeof c['pass'] === 'boolean' ? c['pass'] : null,
    })),
  };
}

function asHealth(v: unknown, source: string): HealthRecord | null {
  if (!isObject(v) || !Array.isArray(v['layers']) || !Array.isArray(v['checkedSteps'])) return null;
  const layers = v['layers'].filter(isObject).map((l) => ({
    name: String(l['name'] ?? ''),
    gradNorm: Array.isArray(l['gradNorm']) ? l['gradNorm'].map((x) => toNumber(x) ?? NaN) : [],
  }));
  return { source, steps: v['checkedSteps'].map((x) => toNumber(x) ?? NaN), layers };
}

/** Looks through a JSON document for results, health summaries and verdict lists (one level deep). */
function scanDocument(v: unknown, source: string, out: RunData): string[] {
  const found: string[] = [];
  const visit = (x: unknown, depth: number): void => {
    const r = asResult(x, source);
    if (r) {
      out.results.push(r);
      found.push('experiment result');
    }
    const hr = asHealth(x, source);
    if (hr) {
      out.health.push(hr);
      found.push('monitor summary');
    }
    if (isObject(x)) {
      if (Array.isArray(x['verdicts'])) {
        const vs = x['verdicts']
          .map((y) => asVerdict(y, source))
          .filter((y): y is VerdictRecord => y !== null);
        out.verdicts.push(...vs);
        if (vs.length) found.push(`${vs.length} verdicts`);
      }
      if (depth < 2)
        for (const [k, y] of Object.entries(x))
          if (k !== 'verdicts' && (isObject(y) || Array.isArray(y))) visit(y, depth + 1);
    } else if (Array.isArray(x) && depth < 2) {
      for (const y of x.slice(0, 50)) visit(y, depth + 1);
    }
  };
  visit(v, 0);
  return found;
}

/** Parses the dropped files of a run. */
export function parseRunFiles(files: readonly { name: string; text: string }[]): RunData {
  const out: RunData = {
    files: [],
    series: new Map(),
    verdicts: [],
    results: [],
    health: [],
    documents: [],
  };
  for (const f of files) {
    const trimmed = f.text.trim();
    const jsonl =
      f.name.endsWith('.jsonl') ||
      f.name.endsWith('.ndjson') ||
      (!trimmed.startsWith('[') && trimmed.includes('\n{'));
    if (jsonl) {
      const layerNorms: LayerNorms = { steps: [], byLayer: new Map() };
      let records = 0;
      let verdicts = 0;
      let bad = 0;
      for (const line of f.text.split('\n')) {
        if (line.trim() === '') continue;
        let v: unknown;
        try {
          v = JSON.parse(line);
        } catch {
          bad++;
          continue;
        }
        const verdict = asVerdict(v, f.name);
        if (verdict) {
          out.verdicts.push(verdict);
          verdicts++;
          continue;
        }
        if (isObject(v)) {
          const step = stepOf(v);
          if (step !== null) {
            addNumbers(out.series, '', v, step);
            for (const k of LAYER_KEYS) if (isObject(v[k])) addLayerNorms(layerNorms, v[k], step);
            records++;
          }
        }
      }
      if (layerNorms.steps.length) {
        const n = layerNorms.steps.length;
        out.health.push({
          source: f.name,
          steps: layerNorms.steps,
          layers: [...layerNorms.byLayer].map(([name, pts]) => {
            const g = new Array<number>(n).fill(NaN);
            for (const [i, x] of pts) g[i] = x;
            return { name, gradNorm: g };
          }),
        });
      }
      const parts = [
        records ? `${records} records` : '',
        verdicts ? `${verdicts} verdicts` : '',
        bad ? `${bad} unreadable lines skipped` : '',
      ].filter(Boolean);
      out.files.push({
        name: f.name,
        kind: 'JSONL',
        detail: parts.join(', ') || 'no step records',
      });
      continue;
    }
    let v: unknown;
    try {
      v = JSON.parse(f.text);
    } catch (e) {
      out.files.push({
        name: f.name,
        kind: 'unreadable',
        detail: `not JSON: ${(e as Error).message}`,
      });
      continue;
    }
    const found = scanDocument(v, f.name, out);
    out.documents.push({ name: f.name, value: v });
    out.files.push({ name: f.name, kind: 'JSON', detail: found.join(', ') || 'document' });
  }
  out.verdicts.sort((a, b) => a.step - b.step);
  return out;
}
