// Reading a run directory's files (DOM-free) with the library's one parser for run files
// (src/report/run-logs.ts): JSONL logs become series kept apart per run and per file, JSON files
// become experiment results (src/report/result-json.ts), monitor summaries or plain documents.
import { parseResultJson } from '../../../src/report/result-json.js';
import {
  emptyRunLogs,
  parseJsonlLog,
  parseMonitorJson,
  type RunLogs,
} from '../../../src/report/run-logs.js';

/** A verdict as read from a file (only the fields the viewer shows). */
export interface VerdictRecord {
  kind: string;
  step: number;
  severity: string;
  message: string;
  layers: string[];
  remedies: { text: string }[];
  /** Run and file it came from. */
  source: string;
}

/** One run's line of a series. */
export interface RunLine {
  run: string;
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

/** Per-layer gradient norms of one run over steps (NaN: not finite or not logged). */
export interface HealthRecord {
  source: string;
  run: string;
  steps: number[];
  layers: { name: string; gradNorm: number[] }[];
}

/** What a set of files held. */
export interface RunData {
  files: { name: string; kind: string; detail: string }[];
  /** Series by name (`loss`, `loss (monitor)`, `val.accuracy`), one line per run: runs never merge. */
  series: Map<string, RunLine[]>;
  /** The runs, in the order first seen (a run's colour is its index). */
  runs: string[];
  verdicts: VerdictRecord[];
  results: ResultRecord[];
  health: HealthRecord[];
  documents: { name: string; value: unknown }[];
  /** Everything read, as the library's run logs (what the charts are drawn from: runView). */
  logs: RunLogs;
}

/**
 * The run a file belongs to: its directory (`runs/a/metrics.jsonl` → `runs/a`), or `run` for a
 * file given without one.
 */
export function runOfFile(name: string): string {
  const i = name.lastIndexOf('/');
  return i > 0 ? name.slice(0, i) : 'run';
}

/** The library's run logs as the viewer's RunData (series grouped by name, one line per run). */
export function fromRunLogs(logs: RunLogs, out: RunData): void {
  for (const s of logs.scalars) {
    let lines = out.series.get(s.name);
    if (!lines) {
      lines = [];
      out.series.set(s.name, lines);
    }
    lines.push({ run: s.run, steps: s.steps, values: s.values });
    if (!out.runs.includes(s.run)) out.runs.push(s.run);
  }
  for (const g of logs.gradNorms) {
    out.health.push({
      source: g.file,
      run: g.run,
      steps: g.steps,
      layers: g.layers.map((l) => ({ name: l.name, gradNorm: l.values.map((v) => v ?? NaN) })),
    });
  }
  for (const v of logs.verdicts) {
    out.verdicts.push({
      kind: v.kind,
      step: v.step,
      severity: v.severity,
      message: v.message,
      layers: v.layers,
      remedies: v.remedies.map((text) => ({ text })),
      source: v.run,
    });
  }
}

/** Parses the files of one or more runs (names may carry their directory: `a/metrics.jsonl`). */
export function parseRunFiles(files: readonly { name: string; text: string }[]): RunData {
  const out: RunData = {
    files: [],
    series: new Map(),
    runs: [],
    verdicts: [],
    results: [],
    health: [],
    documents: [],
    logs: emptyRunLogs(),
  };
  const logs = out.logs;
  for (const f of files) {
    const run = runOfFile(f.name);
    const trimmed = f.text.trim();
    const jsonl =
      f.name.endsWith('.jsonl') ||
      f.name.endsWith('.ndjson') ||
      (!trimmed.startsWith('[') && trimmed.includes('\n{'));
    if (jsonl) {
      const before = { s: logs.scalars.length, v: logs.verdicts.length, p: logs.problems.length };
      parseJsonlLog(f.text, f.name, run, logs);
      const parts = [
        logs.scalars.length > before.s ? `${logs.scalars.length - before.s} series` : '',
        logs.verdicts.length > before.v ? `${logs.verdicts.length - before.v} verdicts` : '',
        ...logs.problems.slice(before.p),
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
    const found: string[] = [];
    try {
      for (const r of parseResultJson(f.text, f.name)) {
        const show = (x: unknown): string => (typeof x === 'string' ? x : JSON.stringify(x));
        out.results.push({
          source: f.name,
          experiment: r.experiment,
          pass: r.pass,
          criteria: r.criteria.map((c) => ({
            name: c.name,
            expected: c.expected,
            measured: show(c.measured),
            pass: c.pass,
          })),
        });
        for (const vr of r.verdicts) logs.verdicts.push({ ...vr, run: vr.run || run });
        found.push('experiment result');
      }
    } catch {
      // Not a result file: a monitor document (summary, records, verdicts) or a plain document.
      const before = logs.problems.length;
      parseMonitorJson(v, f.name, run, logs);
      if (logs.problems.length === before) found.push('monitor records');
      else logs.problems.length = before;
    }
    out.documents.push({ name: f.name, value: v });
    out.files.push({ name: f.name, kind: 'JSON', detail: found.join(', ') || 'document' });
  }
  fromRunLogs(logs, out);
  out.verdicts.sort((a, b) => a.step - b.step);
  return out;
}
