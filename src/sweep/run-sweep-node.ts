import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../train/atomic-write-node.js';
import { pointJob, type SweepExecutor } from './job.js';
import type { SweepPoint } from './points.js';
import type { SweepRecord } from './record.js';
import { SweepResults, SWEEP_FILES } from './results-node.js';
import type { ResolvedSweep } from './spec.js';

/** Progress of a running sweep, after each finished point. */
export interface SweepProgress {
  /** Points finished (including those finished before a resume). */
  done: number;
  /** Points in the sweep. */
  total: number;
  /** Points run by this call so far. */
  ran: number;
  /** Points this call has to run (the rest were finished before). */
  toRun: number;
  /** Wall time of this call so far. */
  elapsedMs: number;
  /** Remaining time estimated from this call's rate (null before the first point). */
  etaMs: number | null;
  /** The point just finished. */
  record: SweepRecord;
  /** False when the point was already recorded (a duplicate result, ignored). */
  recorded: boolean;
}

/** Options of {@link runSweep}. */
export interface RunSweepOptions {
  /** The validated sweep. */
  sweep: ResolvedSweep;
  /** Its points (expandSweep). */
  points: readonly SweepPoint[];
  /** The sweep directory (created if needed; an existing one is resumed). */
  dir: string;
  /** Runs the points (localExecutor, redisExecutor). */
  executor: SweepExecutor;
  /** Told after each finished point. */
  onProgress?: (p: SweepProgress) => void;
  /** Clock (ms), for the ETA. */
  now?: () => number;
}

/** What {@link runSweep} returns. */
export interface RunSweepResult {
  /** The sweep directory (absolute). */
  dir: string;
  /** Records of the sweep's points, in index order. */
  records: SweepRecord[];
  /** Points skipped because they were finished before (resume). */
  skipped: number;
  /** Points run by this call. */
  ran: number;
}

/**
 * Runs a sweep into a directory (Node only): writes sweep.json (the resolved sweep and its
 * points), skips the points whose config hash is already in sweep.jsonl, has the executor run the
 * rest and records each result once (sweep.jsonl appended, sweep.csv rewritten atomically).
 * Resuming is running it again on the same directory.
 * @example await runSweep({ sweep, points, dir: 'runs/lr-sweep', executor: localExecutor({ workers: 2, entry }) });
 */
export async function runSweep(opts: RunSweepOptions): Promise<RunSweepResult> {
  const dir = resolve(opts.dir);
  const results = SweepResults.open(
    dir,
    opts.sweep.axes.map((a) => a.path),
  );
  writeFileAtomic(
    join(dir, SWEEP_FILES.manifest),
    `${JSON.stringify(
      {
        name: opts.sweep.name,
        ...(opts.sweep.description !== undefined ? { description: opts.sweep.description } : {}),
        ...(opts.sweep.metric !== undefined ? { metric: opts.sweep.metric } : {}),
        axes: opts.sweep.axes.map((a) => ({ path: a.path, kind: a.kind, values: a.values })),
        base: opts.sweep.base,
        points: opts.points.map((p) => ({ index: p.index, hash: p.hash, values: p.values })),
      },
      null,
      2,
    )}\n`,
  );
  const wanted = new Set(opts.points.map((p) => p.hash));
  const todo = opts.points.filter((p) => !results.has(p.hash));
  const skipped = opts.points.length - todo.length;
  const now = opts.now ?? (() => performance.now());
  const t0 = now();
  let ran = 0;
  let done = skipped;
  await opts.executor(
    todo.map((p) => pointJob(p, dir)),
    (record) => {
      if (!wanted.has(record.hash)) return;
      const recorded = results.add(record);
      if (recorded) {
        ran++;
        done++;
      }
      const elapsedMs = now() - t0;
      opts.onProgress?.({
        done,
        total: opts.points.length,
        ran,
        toRun: todo.length,
        elapsedMs,
        etaMs: ran > 0 ? (elapsedMs / ran) * (todo.length - ran) : null,
        record,
        recorded,
      });
    },
  );
  return {
    dir,
    records: results.records().filter((r) => wanted.has(r.hash)),
    skipped,
    ran,
  };
}
