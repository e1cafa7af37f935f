import type { TrainConfig } from '../train/config.js';
import type { SweepPoint } from './points.js';
import type { SweepRecord } from './record.js';
import type { SweepValue } from './spec.js';

/**
 * A point as an executor hands it to whatever runs it (a child process, a BullMQ worker): plain
 * JSON. Paths are relative to the sweep directory, so a worker on another machine can put the
 * run under its own directory.
 */
export interface PointJob {
  /** The sweep directory of the coordinator (absolute). */
  sweepDir: string;
  /** The point's position in the sweep. */
  index: number;
  /** SHA-256 of the resolved config. */
  hash: string;
  /** The axis values by path. */
  values: Record<string, SweepValue>;
  /** The resolved, validated train config. */
  config: TrainConfig;
  /** The point's run directory, relative to the sweep directory. */
  runDir: string;
  /** The point's train config file, relative to the sweep directory. */
  configFile: string;
}

/** What a process pool's child gets: a job and the sweep directory to write its run under. */
export interface PointTask {
  /** The point. */
  job: PointJob;
  /** The sweep directory to write its run under (the job's own, or a worker's --out). */
  sweepDir: string;
}

/**
 * Runs points and reports each one's record as it finishes (local process pool, BullMQ queue).
 * It resolves when every job has a record.
 */
export type SweepExecutor = (
  jobs: readonly PointJob[],
  onRecord: (record: SweepRecord) => void,
) => Promise<void>;

/**
 * The job of a point: its run directory `runs/<index>-<hash12>` and config file
 * `configs/<index>-<hash12>.json` in the sweep directory.
 * @example pointJob(point, '/abs/runs/sweep').runDir // 'runs/0003-1a2b3c4d5e6f'
 */
export function pointJob(point: SweepPoint, sweepDir: string): PointJob {
  const stem = `${String(point.index).padStart(4, '0')}-${point.hash.slice(0, 12)}`;
  return {
    sweepDir,
    index: point.index,
    hash: point.hash,
    values: point.values,
    config: point.config,
    runDir: `runs/${stem}`,
    configFile: `configs/${stem}.json`,
  };
}
