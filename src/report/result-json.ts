import { decodeJsonNumber, encodeJson } from '../json-encode.js';
import { DataError } from '../errors.js';
import type {
  ChartSpec,
  Criterion,
  ExperimentResult,
  Json,
  VerdictRecord,
} from '../experiments/types.js';

/**
 * result.json: the {@link ExperimentResult} of a run, as `gradscope run --json` prints it. This
 * file writes it (keeping NaN and ±Infinity as strings, which plain JSON.stringify would turn
 * into null) and reads it back with checks that name the file and the field at fault.
 */

/**
 * Serializes a result as pretty JSON; non-finite numbers become "NaN", "Infinity", "-Infinity".
 * @example resultToJson(result) // '{\n  "experiment": "cliff", ...'
 */
export function resultToJson(value: ExperimentResult | readonly ExperimentResult[]): string {
  return encodeJson(value, 2);
}

function isObj(v: unknown): v is { [k: string]: unknown } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function fail(file: string, where: string, what: string): never {
  throw new DataError(`result file '${file}': ${where} ${what}`);
}

function measuredOf(v: unknown): number | string | boolean {
  if (typeof v === 'boolean') return v;
  const n = decodeJsonNumber(v);
  if (n !== undefined) return n;
  if (typeof v === 'string') return v;
  return v === null ? 'null' : JSON.stringify(v);
}

function parseOne(v: unknown, file: string, where: string): ExperimentResult {
  if (!isObj(v))
    fail(
      file,
      where,
      `must be an object with experiment, criteria, ... (an ExperimentResult), got ${Array.isArray(v) ? 'an array' : String(v)}`,
    );
  if (typeof v.experiment !== 'string' || v.experiment === '')
    fail(
      file,
      `${where}.experiment`,
      `must be the experiment's name (a non-empty string), got ${JSON.stringify(v.experiment) ?? 'nothing'}`,
    );
  if (!Array.isArray(v.criteria))
    fail(
      file,
      `${where}.criteria`,
      `must be an array of {name, expected, measured, pass}, got ${JSON.stringify(v.criteria) ?? 'nothing'}`,
    );
  const criteria: Criterion[] = v.criteria.map((c, i) => {
    if (!isObj(c) || typeof c.name !== 'string' || typeof c.pass !== 'boolean') {
      fail(
        file,
        `${where}.criteria[${i}]`,
        `must be {name: string, expected, measured, pass: boolean}, got ${JSON.stringify(c)}`,
      );
    }
    return {
      name: c.name,
      expected: String(c.expected ?? ''),
      measured: measuredOf(c.measured),
      pass: c.pass,
    };
  });
  const charts: ChartSpec[] = [];
  if (v.charts !== undefined) {
    if (!Array.isArray(v.charts))
      fail(file, `${where}.charts`, 'must be an array of {id, title, spec}');
    v.charts.forEach((c, i) => {
      if (!isObj(c) || typeof c.id !== 'string' || !isObj(c.spec))
        fail(file, `${where}.charts[${i}]`, 'must be {id: string, title: string, spec: object}');
      charts.push({
        id: c.id,
        title: typeof c.title === 'string' ? c.title : c.id,
        spec: c.spec as { [k: string]: Json },
      });
    });
  }
  const verdicts: VerdictRecord[] = [];
  if (Array.isArray(v.verdicts)) {
    v.verdicts.forEach((r, i) => {
      if (!isObj(r) || typeof r.kind !== 'string' || typeof r.step !== 'number')
        fail(
          file,
          `${where}.verdicts[${i}]`,
          'must be {run, kind, step, layers, severity, message, remedies}',
        );
      verdicts.push({
        run: typeof r.run === 'string' ? r.run : '',
        kind: r.kind,
        step: r.step,
        layers: Array.isArray(r.layers) ? r.layers.map(String) : [],
        severity: typeof r.severity === 'string' ? r.severity : '',
        message: typeof r.message === 'string' ? r.message : '',
        remedies: Array.isArray(r.remedies)
          ? r.remedies.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)))
          : [],
      });
    });
  }
  const seeds = Array.isArray(v.seeds)
    ? v.seeds.filter((s): s is number => typeof s === 'number')
    : [];
  const pass = typeof v.pass === 'boolean' ? v.pass : criteria.every((c) => c.pass);
  return {
    experiment: v.experiment,
    title: typeof v.title === 'string' ? v.title : v.experiment,
    paper: typeof v.paper === 'string' ? v.paper : '',
    mode: v.mode === 'quick' ? 'quick' : 'full',
    seeds,
    pass,
    criteria,
    runs: Array.isArray(v.runs) ? (v.runs as Json[]) : [],
    charts,
    verdicts,
    timeMs: typeof v.timeMs === 'number' ? v.timeMs : NaN,
  };
}

/**
 * Parses result.json text: one ExperimentResult, an array of them, or `{results: [...]}` (a
 * demo or sweep). Throws DataError naming the file and what is wrong.
 *
 * @example const [result] = parseResultJson(readFileSync(file, 'utf8'), file);
 */
export function parseResultJson(text: string, file: string): ExperimentResult[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new DataError(
      `result file '${file}' is not valid JSON (${e instanceof Error ? e.message : String(e)}); expected the ExperimentResult written by \`gradscope run\``,
    );
  }
  if (Array.isArray(doc)) {
    if (doc.length === 0)
      fail(file, 'the top-level array', 'is empty; expected at least one ExperimentResult');
    return doc.map((d, i) => parseOne(d, file, `[${i}]`));
  }
  if (isObj(doc) && Array.isArray(doc.results) && doc.experiment === undefined) {
    return doc.results.map((d, i) => parseOne(d, file, `results[${i}]`));
  }
  return [parseOne(doc, file, 'the top level')];
}
