import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, fmt } from '../errors.js';
import { makeDirs } from '../fs-guard-node.js';
import type { GradientHealth } from './gradient-health.js';
import {
  type HeaderRecord,
  modelSummary,
  statsRecord,
  toJsonLine,
  verdictRecord,
  type StatsRecord,
  type VerdictRecord,
} from './records.js';

/** Appends JSONL records to one file of a run directory. */
export interface JsonlWriter {
  /** The file written. */
  readonly path: string;
  /** Whether the file was empty when opened (a new log, which should start with a header). */
  readonly fresh: boolean;
  /** Appends one record as one line (a single write on a file opened for appending). */
  append(record: HeaderRecord | StatsRecord | VerdictRecord | Record<string, unknown>): void;
  /** Closes the file (further appends throw). */
  close(): void;
}

/**
 * Opens `runDir/file` for appending (creating the directory), never truncating what is there.
 * Each record is written with one `write` on an O_APPEND descriptor, so lines from concurrent
 * writers do not interleave and a crash leaves at most the last line incomplete. Node only.
 * @example const w = createJsonlWriter('runs/e12'); w.append(verdictRecord(v)); w.close();
 */
export function createJsonlWriter(runDir: string, file = 'monitor.jsonl'): JsonlWriter {
  if (typeof runDir !== 'string' || runDir.length === 0)
    throw new ConfigError(`createJsonlWriter: runDir = ${fmt(runDir)} is not a non-empty path`);
  if (typeof file !== 'string' || file.length === 0 || file.includes('/') || file.includes('\\')) {
    throw new ConfigError(`createJsonlWriter: file = ${fmt(file)} must be a plain file name`);
  }
  makeDirs(runDir, 'runDir');
  const p = path.join(runDir, file);
  let fd: number | null = openSync(p, 'a');
  const fresh = fstatSync(fd).size === 0;
  return {
    path: p,
    fresh,
    append(record) {
      if (fd === null) throw new ConfigError(`JsonlWriter.append: ${p} is closed`);
      const buf = Buffer.from(toJsonLine(record), 'utf8');
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    },
    close() {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}

/** Options of {@link logHealthToJsonl}. */
export interface LogHealthOptions {
  /** File name in the run directory (default 'monitor.jsonl'). */
  file?: string;
  /** Include per-parameter statistics in the stats lines (default false). */
  params?: boolean;
  /** Write a stats line every n-th check (default 1); verdicts are always written. */
  statsEvery?: number;
}

/**
 * Streams a monitor's per-check statistics and its verdicts to `runDir/monitor.jsonl`, after a
 * header line when the file is new (see {@link HeaderRecord}). With `statsEvery` 1 (the default) the log holds every check, and
 * `monitor.replay` of it gives the run's verdicts. Returns a function that unsubscribes and closes
 * the file. Node only.
 * @example const stop = logHealthToJsonl(health, 'runs/e13'); … stop();
 */
export function logHealthToJsonl(
  health: GradientHealth,
  runDir: string,
  options: LogHealthOptions = {},
): () => void {
  const every = options.statsEvery ?? 1;
  if (!Number.isInteger(every) || every < 1)
    throw new ConfigError(
      `logHealthToJsonl: option statsEvery = ${fmt(every)} is invalid; expected an integer >= 1`,
    );
  const w = createJsonlWriter(runDir, options.file);
  // a new log starts with the header, written before the first record (the monitor has its
  // parameters by then)
  let header = w.fresh;
  const ensureHeader = (): void => {
    if (header) {
      const h = health.header();
      // the model summary, and the sampling of the stats lines when it is not every check
      w.append({
        ...h,
        model: h.model ?? modelSummary(h.params),
        ...(every > 1 ? { recordEvery: every } : {}),
      });
    }
    header = false;
  };
  if (health.state !== null) ensureHeader();
  const offStats = health.onStats((s, h) => {
    ensureHeader();
    if ((s.checks - 1) % every === 0 || h.trace !== null)
      w.append(
        statsRecord(s, { params: options.params ?? false, probes: h.probes, trace: h.trace }),
      );
  });
  const offVerdict = health.onVerdict((v) => {
    ensureHeader();
    w.append(verdictRecord(v));
  });
  return () => {
    offStats();
    offVerdict();
    w.close();
  };
}
