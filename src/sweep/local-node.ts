import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { SWEEP_CHILD_NODE_FLAGS } from './child-flags.js';
import type { PointJob, PointTask, SweepExecutor } from './job.js';
import { ProcessPool, type ProcessPoolOptions } from './pool-node.js';
import { errorRecord, type SweepRecord } from './record.js';

/** Options of {@link localExecutor}. */
export interface LocalExecutorOptions {
  /** Worker processes (default 1). */
  workers: number;
  /** The child entry that runs a {@link PointTask} (the CLI's sweep-child). */
  entry: string;
  /** Its arguments (e.g. ['--threads', '1']). */
  args?: readonly string[];
  /** Told when a worker process dies mid-point (the point is then run again). */
  onChildDeath?: ProcessPoolOptions['onChildDeath'];
}

/**
 * The local executor (Node only): a pool of `workers` child processes, each running one point at
 * a time (with one kernel thread each, and SWEEP_CHILD_NODE_FLAGS); a point whose process died is
 * run again on a fresh one (then recorded as an error).
 * Points are handed out in order, so with one worker the sweep runs exactly like a loop.
 * @example await localExecutor({ workers: 2, entry })(jobs, (r) => results.add(r));
 */
export function localExecutor(opts: LocalExecutorOptions): SweepExecutor {
  return async (jobs: readonly PointJob[], onRecord: (r: SweepRecord) => void): Promise<void> => {
    if (jobs.length === 0) return;
    const pool = new ProcessPool<PointTask, SweepRecord>({
      workers: Math.min(opts.workers, jobs.length),
      entry: opts.entry,
      nodeFlags: SWEEP_CHILD_NODE_FLAGS,
      ...(opts.args ? { args: opts.args } : {}),
      ...(opts.onChildDeath ? { onChildDeath: opts.onChildDeath } : {}),
    });
    try {
      await Promise.all(
        jobs.map((job) =>
          pool
            .run({ job, sweepDir: job.sweepDir })
            .then(onRecord, (e: unknown) =>
              onRecord(
                errorRecord(
                  job,
                  resolve(job.sweepDir, job.runDir),
                  `${hostname()}:${process.pid}`,
                  e instanceof Error ? e.message : String(e),
                ),
              ),
            ),
        ),
      );
    } finally {
      pool.close();
    }
  };
}
