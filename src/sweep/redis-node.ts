import { Queue, Worker, type Job } from 'bullmq';
import { ConfigError, fmt } from '../errors.js';
import { sha256 } from '../train/sha256.js';
import type { PointJob, PointTask, SweepExecutor } from './job.js';
import { SWEEP_CHILD_NODE_FLAGS } from './child-flags.js';
import { ProcessPool } from './pool-node.js';
import { errorRecord, type SweepRecord } from './record.js';

/**
 * The distributed executor and worker on BullMQ (a Redis-backed job queue; Node only, loaded
 * only when --redis is given). A point is a job whose id is `<sweep id>-<config hash>`, so adding
 * a point twice (a restarted coordinator) finds the same job, and its result is kept in Redis
 * until the coordinator has recorded it.
 */

/** BullMQ connection options of a redis:// URL (BullMQ workers need maxRetriesPerRequest null). */
function connection(url: string): { url: string; maxRetriesPerRequest: null } {
  if (!/^rediss?:\/\/./.test(url))
    throw new ConfigError(`redis: expected a URL like redis://127.0.0.1:6379, got ${fmt(url)}`);
  return { url, maxRetriesPerRequest: null };
}

/**
 * The id of a sweep on the queue: a hash of its directory, so a restarted coordinator (which
 * hands over only the points still to run) finds the jobs of its first session.
 */
function sweepId(jobs: readonly PointJob[]): string {
  return sha256((jobs[0] as PointJob).sweepDir).slice(0, 16);
}

/** Options of {@link redisExecutor}. */
export interface RedisExecutorOptions {
  /** redis://host:port */
  url: string;
  /** Queue name (default 'gradscope-sweep'; workers must use the same). */
  queue?: string;
  /** Times a point is tried when its run fails or its worker dies (default 3). */
  attempts?: number;
  /** How often the coordinator looks for finished jobs, ms (default 250). */
  pollMs?: number;
  /** Status lines (waiting for workers, retries). */
  onInfo?: (line: string) => void;
}

/**
 * The distributed executor: puts the points on a BullMQ queue (job id = sweep id + config hash,
 * so a restarted coordinator re-adds nothing twice) and records each job's result as it
 * completes; a job that failed for good becomes an 'error' record (run again on resume, when
 * its failed job is replaced). Jobs stay in Redis after completion, so points finished while
 * the coordinator was down are collected when it restarts.
 * @example await runSweep({ sweep, points, dir, executor: redisExecutor({ url: 'redis://127.0.0.1:6379' }) });
 */
export function redisExecutor(opts: RedisExecutorOptions): SweepExecutor {
  return async (jobs, onRecord) => {
    if (jobs.length === 0) return;
    const queue = new Queue(opts.queue ?? 'gradscope-sweep', { connection: connection(opts.url) });
    const info = opts.onInfo ?? (() => undefined);
    try {
      const id = sweepId(jobs);
      const pending = new Map<string, PointJob>(jobs.map((j) => [`${id}-${j.hash}`, j]));
      // A job that failed for good in an earlier session runs again.
      for (const jobId of pending.keys()) {
        const old = await queue.getJob(jobId);
        if (old !== undefined && (await old.getState()) === 'failed') await old.remove();
      }
      await queue.addBulk(
        [...pending].map(([jobId, data]) => ({
          name: 'point',
          data,
          opts: {
            jobId,
            attempts: opts.attempts ?? 3,
            backoff: { type: 'fixed', delay: 200 },
            removeOnComplete: false,
            removeOnFail: false,
          },
        })),
      );
      info(`sweep: ${pending.size} points on queue '${queue.name}' (sweep id ${id})`);
      let lastNote = Date.now();
      while (pending.size > 0) {
        const ids = [...pending.keys()];
        const found = await Promise.all(ids.map((j) => queue.getJob(j)));
        for (let k = 0; k < ids.length; k++) {
          const jobId = ids[k] as string;
          const job = found[k] as Job<PointJob, SweepRecord> | undefined;
          const data = pending.get(jobId) as PointJob;
          if (job === undefined) {
            // Gone from Redis (flushed or restarted without persistence): add it again.
            await queue.add('point', data, {
              jobId,
              attempts: opts.attempts ?? 3,
              removeOnComplete: false,
              removeOnFail: false,
            });
            continue;
          }
          if (job.finishedOn === undefined) continue;
          const state = await job.getState();
          if (state === 'completed') {
            pending.delete(jobId);
            onRecord(job.returnvalue);
          } else if (state === 'failed') {
            pending.delete(jobId);
            onRecord(
              errorRecord(
                data,
                data.runDir,
                'redis',
                `failed after ${job.attemptsMade} attempts: ${job.failedReason}`,
              ),
            );
          }
        }
        if (pending.size === 0) break;
        if (Date.now() - lastNote > 30_000) {
          const counts = await queue.getJobCounts('waiting', 'active', 'delayed');
          info(
            `sweep: waiting — ${pending.size} points left (${counts.waiting ?? 0} queued, ${counts.active ?? 0} running, ${counts.delayed ?? 0} retrying); workers: gradscope worker --redis ${opts.url}`,
          );
          lastNote = Date.now();
        }
        await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
      }
    } finally {
      await queue.close();
    }
  };
}

/** Options of {@link startRedisWorker}. */
export interface RedisWorkerOptions {
  /** redis://host:port */
  url: string;
  /** Queue name (default 'gradscope-sweep'). */
  queue?: string;
  /** Points run at once, each in its own child process (default 1). */
  workers?: number;
  /** The child entry that runs a point (the CLI's sweep-child). */
  entry: string;
  /** Where the worker puts a job's sweep directory (default: the job's own path). */
  sweepDir: (job: PointJob) => string;
  /** BullMQ lock duration, ms: a worker silent this long is considered dead (default 30000). */
  lockDuration?: number;
  /** BullMQ stalled-job check interval, ms (default 30000). */
  stalledInterval?: number;
  /** Times a job may stall (its worker died) before it fails (default 3). */
  maxStalledCount?: number;
  /** Status lines (points started, finished, failed). */
  onInfo?: (line: string) => void;
}

/** A running worker: stop it with close(). */
export interface RedisWorker {
  close(): Promise<void>;
}

/**
 * A BullMQ worker that runs sweep points from the queue: each job runs in a child process of a
 * pool (so this process's event loop stays free to renew the job locks), and its record is the
 * job's return value. A point that could not run fails the job (BullMQ retries it); a worker
 * that dies stops renewing its locks and BullMQ's stalled-job check gives its jobs to another.
 * @example const w = await startRedisWorker({ url, workers: 2, entry, sweepDir: (j) => j.sweepDir });
 */
export async function startRedisWorker(opts: RedisWorkerOptions): Promise<RedisWorker> {
  const n = opts.workers ?? 1;
  const info = opts.onInfo ?? (() => undefined);
  const pool = new ProcessPool<PointTask, SweepRecord>({
    workers: n,
    entry: opts.entry,
    nodeFlags: SWEEP_CHILD_NODE_FLAGS,
    onChildDeath: (d) =>
      info(
        `worker: a child process (pid ${d.pid}) died (${d.signal ?? `exit ${d.code}`}); its point runs again`,
      ),
  });
  const worker = new Worker<PointJob, SweepRecord>(
    opts.queue ?? 'gradscope-sweep',
    async (job) => {
      info(`worker: point #${job.data.index} (${job.id}) started`);
      const record = await pool.run({ job: job.data, sweepDir: opts.sweepDir(job.data) });
      if (record.status === 'error') throw new Error(record.error ?? 'the point could not run');
      info(
        `worker: point #${record.index} (${job.id}) ${record.status} in ${(record.timeMs / 1000).toFixed(1)} s`,
      );
      return record;
    },
    {
      connection: connection(opts.url),
      concurrency: n,
      lockDuration: opts.lockDuration ?? 30_000,
      stalledInterval: opts.stalledInterval ?? 30_000,
      maxStalledCount: opts.maxStalledCount ?? 3,
    },
  );
  worker.on('failed', (job, err) => {
    if (job)
      info(
        `worker: point ${job.id} failed (attempt ${job.attemptsMade}): ${err.message.split('\n')[0]}`,
      );
  });
  worker.on('error', (err) => info(`worker: ${err.message}`));
  await worker.waitUntilReady();
  return {
    close: async () => {
      await worker.close();
      pool.close();
    },
  };
}
