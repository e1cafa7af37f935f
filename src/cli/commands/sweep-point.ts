import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setAtomicWriteFlush, writeFileAtomic } from '../../train/atomic-write-node.js';
import type { PointJob } from '../../sweep/job.js';
import { errorRecord, type SweepRecord } from '../../sweep/record.js';
import { syncTree } from '../../sweep/sync-node.js';
import { errorText } from '../format.js';
import { trainCommand, type TrainJson } from './train.js';

/** Verdict kinds with their first step, in order of first occurrence. */
function firstSteps(verdicts: TrainJson['verdicts']): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of verdicts) if (!(v.kind in out)) out[v.kind] = v.step;
  return out;
}

/**
 * Runs one sweep point exactly as `gradscope train --config <configFile> --out <runDir> --json
 * --quiet` does (the same function), in `sweepDir` (the job's own, or a worker's --out). A run
 * directory left by a process that died is removed first, so the point starts clean. A point that
 * cannot run is a record with status 'error' (it runs again when the sweep is resumed).
 *
 * Durability: one commit per point. Every file is still written to a temporary name and renamed
 * (a killed process leaves no half-written file), but not flushed one by one: once the run is
 * done, the point's config file and its whole run directory are flushed to disk together
 * (syncTree), and only then is the record returned, so a point recorded in the sweep table always
 * has its run directory on disk; a point whose process dies before that has no record and runs
 * again, from a clean directory.
 * @example const record = await runSweepPoint(job, job.sweepDir);
 */
export async function runSweepPoint(job: PointJob, sweepDir: string): Promise<SweepRecord> {
  const runDir = resolve(sweepDir, job.runDir);
  const configFile = resolve(sweepDir, job.configFile);
  const worker = `${hostname()}:${process.pid}`;
  const fail = (message: string): SweepRecord => errorRecord(job, runDir, worker, message);
  let printed = '';
  let errors = '';
  const flushed = setAtomicWriteFlush(false);
  try {
    mkdirSync(dirname(configFile), { recursive: true });
    writeFileAtomic(configFile, `${JSON.stringify(job.config, null, 2)}\n`);
    if (existsSync(runDir)) rmSync(runDir, { recursive: true, force: true });
    mkdirSync(dirname(runDir), { recursive: true });
    const code = await trainCommand(
      { positionals: [], flags: { config: configFile, out: runDir, json: true, quiet: true } },
      (s) => void (printed += s),
      {
        progress: { write: () => true },
        stderr: { write: (s: string) => void (errors += s) },
        // The worker handles SIGINT/SIGTERM itself (it finishes its points): train must not.
        signal: new AbortController().signal,
      },
    );
    if (printed === '') return fail(`train exited with code ${code}: ${errors.trim()}`);
    await syncTree(runDir, [configFile, dirname(configFile), dirname(runDir)]);
  } catch (e) {
    return fail(errorText(e));
  } finally {
    setAtomicWriteFlush(flushed);
  }
  const r = JSON.parse(printed) as TrainJson;
  const first = r.verdicts[0];
  return {
    index: job.index,
    hash: job.hash,
    values: job.values,
    worker,
    runDir: r.runDir,
    status: r.status === 'interrupted' ? 'error' : r.status,
    steps: r.steps,
    finalLoss: r.finalLoss,
    metrics: r.metrics,
    verdicts: firstSteps(r.verdicts),
    firstVerdict: first?.kind ?? null,
    firstVerdictStep: first?.step ?? null,
    verdictCount: r.verdicts.length,
    timeMs: r.timeMs,
    ...(r.report === null ? { error: errors.trim() || 'the report could not be written' } : {}),
  };
}

/** The sweep directory a worker writes a job's run into: its --out, else the job's own. */
export function workerSweepDir(job: PointJob, out: string | undefined): string {
  return out === undefined
    ? job.sweepDir
    : join(resolve(out), job.sweepDir.replace(/^.*[\\/]/, ''));
}
