import type { NonFiniteJson } from '../json-encode.js';
import type { SweepValue } from './spec.js';

/** How a point ended: a train run's status, or 'error' when it could not run (rerun on resume). */
export type SweepStatus = 'completed' | 'stopped' | 'diverged' | 'error';

/**
 * One finished point of a sweep: a line of `sweep.jsonl` and a row of `sweep.csv`. Metrics are
 * the run's final values exactly as `gradscope train --json` gives them (a non-finite one as the
 * string "NaN", "Infinity" or "-Infinity").
 */
export interface SweepRecord {
  /** The point's position in the sweep. */
  index: number;
  /** SHA-256 of the point's resolved config (see configHash). */
  hash: string;
  /** The axis values by path. */
  values: Record<string, SweepValue>;
  /** How the run ended. */
  status: SweepStatus;
  /** Optimizer steps taken. */
  steps: number;
  /** The last step's batch loss (null when the point did not run). */
  finalLoss: number | NonFiniteJson | null;
  /** "train.loss", "train.accuracy", "val.*" of the run. */
  metrics: Record<string, number | NonFiniteJson>;
  /** Each verdict kind the monitor gave, with the step of its first occurrence, in that order. */
  verdicts: Record<string, number>;
  /** The first verdict's kind (null without verdicts). */
  firstVerdict: string | null;
  /** The step of the first verdict (null without verdicts). */
  firstVerdictStep: number | null;
  /** All verdicts of the run (with repeats). */
  verdictCount: number;
  /** The point's run directory (on the machine that ran it). */
  runDir: string;
  /** Wall time of the training in ms (not part of the results' identity). */
  timeMs: number;
  /** Who ran it: host:pid. */
  worker: string;
  /** Why the point could not run (status 'error'). */
  error?: string;
}

/** Fields of a record that depend on where and when it ran, not on what it computed. */
export const VOLATILE_FIELDS = ['runDir', 'timeMs', 'worker'] as const;

/**
 * A record without its volatile fields (run directory, time, worker): two executors that
 * computed the same thing give equal `stableRecord`s.
 * @example expect(local.map(stableRecord)).toEqual(distributed.map(stableRecord))
 */
export function stableRecord(r: SweepRecord): Omit<SweepRecord, (typeof VOLATILE_FIELDS)[number]> {
  const { runDir: _d, timeMs: _t, worker: _w, ...rest } = r;
  return rest;
}

function csvCell(v: unknown): string {
  const s =
    v === null || v === undefined
      ? ''
      : typeof v === 'string'
        ? v
        : typeof v === 'number' || typeof v === 'boolean'
          ? String(v)
          : JSON.stringify(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The metric names of a set of records: train.* first, then val.*, each sorted.
 * @example metricNames(records) // ['train.accuracy', 'train.loss', 'val.accuracy', 'val.loss']
 */
export function metricNames(records: readonly SweepRecord[]): string[] {
  const names = new Set<string>();
  for (const r of records) for (const k of Object.keys(r.metrics)) names.add(k);
  return [...names].sort(
    (a, b) => Number(a.startsWith('val.')) - Number(b.startsWith('val.')) || a.localeCompare(b),
  );
}

/**
 * The sweep table as CSV (RFC 4180 quoting), one row per record in index order: index, hash,
 * the axis values, status, steps, final loss, the metrics, the verdicts (`kind@firstStep;…`), the
 * first verdict and its step, the verdict count, time, run directory, worker and error. Numbers
 * are printed in JavaScript's shortest round-trip form, so the CSV holds the exact float64 values.
 * @example sweepCsv(['optimizer.lr'], records).split('\n')[0] // 'index,hash,optimizer.lr,status,…'
 */
export function sweepCsv(axisPaths: readonly string[], records: readonly SweepRecord[]): string {
  const metrics = metricNames(records);
  const head = [
    'index',
    'hash',
    ...axisPaths,
    'status',
    'steps',
    'finalLoss',
    ...metrics,
    'verdicts',
    'firstVerdict',
    'firstVerdictStep',
    'verdictCount',
    'timeMs',
    'runDir',
    'worker',
    'error',
  ];
  const rows = [...records]
    .sort((a, b) => a.index - b.index)
    .map((r) => [
      r.index,
      r.hash,
      ...axisPaths.map((p) => r.values[p]),
      r.status,
      r.steps,
      r.finalLoss,
      ...metrics.map((m) => r.metrics[m]),
      Object.entries(r.verdicts)
        .map(([k, s]) => `${k}@${s}`)
        .join(';'),
      r.firstVerdict,
      r.firstVerdictStep,
      r.verdictCount,
      r.timeMs,
      r.runDir,
      r.worker,
      r.error,
    ]);
  return [head, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

/**
 * The record of a point that could not run (status 'error'; it runs again on resume).
 * @example errorRecord({ index: 3, hash, values }, 'runs/0003-…', 'host:123', 'worker died')
 */
export function errorRecord(
  point: Pick<SweepRecord, 'index' | 'hash' | 'values'>,
  runDir: string,
  worker: string,
  message: string,
): SweepRecord {
  return {
    index: point.index,
    hash: point.hash,
    values: point.values,
    status: 'error',
    steps: 0,
    finalLoss: null,
    metrics: {},
    verdicts: {},
    firstVerdict: null,
    firstVerdictStep: null,
    verdictCount: 0,
    runDir,
    timeMs: 0,
    worker,
    error: message,
  };
}
