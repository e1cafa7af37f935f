import { encodeJson } from '../json-encode.js';
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, fmt } from '../errors.js';
import { makeDirs } from '../fs-guard-node.js';
import type { JsonValue } from '../optim/serialize.js';
import { writeFileAtomic } from './atomic-write-node.js';
import { parseMetricsJsonl, type MetricsRecord, type RunLog } from './run-log.js';

/** Options of {@link RunDir.open}. */
export interface RunDirOptions {
  /** Replace the run files (config.json, metrics.jsonl, summary.json, checkpoint.json) of a non-empty directory (default false). */
  overwrite?: boolean;
  /** Continue a run: an existing run directory (with config.json) is reused and metrics.jsonl appended to (default false). */
  resume?: boolean;
}

/** The files of a run directory. */
export const RUN_FILES = [
  'config.json',
  'metrics.jsonl',
  'summary.json',
  'checkpoint.json',
] as const;

/**
 * A run directory on disk (Node only): config.json and summary.json (pretty JSON),
 * metrics.jsonl (one JSON object per logged step) and checkpoint.json (the latest checkpoint).
 * JSON files are written atomically (temporary file + rename); a metrics line is appended with a
 * single write. Resuming keeps the original config.json, drops metrics lines after the
 * checkpoint's step (left by a crash) and appends. An existing non-empty directory is refused unless `overwrite` (its run files are
 * deleted, other files are left alone) or `resume` (it must hold a config.json).
 * @example const dir = RunDir.open('runs/mnist-mlp'); await fit(model, opt, train, { epochs: 3, runDir: dir });
 */
export class RunDir implements RunLog {
  /** Absolute path of the directory. */
  readonly path: string;

  private readonly keepConfig: boolean;

  private constructor(path: string, keepConfig: boolean) {
    this.path = path;
    this.keepConfig = keepConfig;
  }

  /** Opens (creating it if needed) a run directory; see the class for when it refuses. */
  static open(path: string, options: RunDirOptions = {}): RunDir {
    if (typeof path !== 'string' || path.length === 0) {
      throw new ConfigError(`runDir must be a non-empty directory path, got ${fmt(path)}`);
    }
    const abs = resolve(path);
    if (existsSync(abs)) {
      if (!statSync(abs).isDirectory())
        throw new ConfigError(`runDir: ${fmt(path)} exists and is not a directory`);
      const entries = readdirSync(abs);
      if (entries.length > 0) {
        if (options.resume === true) {
          if (!entries.includes('config.json')) {
            throw new ConfigError(
              `runDir: ${fmt(path)} is not empty and has no config.json, so it is not a run directory to resume into; choose another directory`,
            );
          }
        } else if (options.overwrite === true) {
          for (const f of RUN_FILES) rmSync(join(abs, f), { force: true });
        } else {
          const shown = entries.slice(0, 5).join(', ') + (entries.length > 5 ? ', …' : '');
          throw new ConfigError(
            `runDir: ${fmt(path)} already exists and is not empty (${shown}); refusing to overwrite it — pass overwrite: true to replace its run files, or choose another directory`,
          );
        }
      }
    } else {
      makeDirs(abs, 'runDir');
    }
    return new RunDir(abs, options.resume === true && existsSync(join(abs, 'config.json')));
  }

  /** Path of a file in the directory. */
  file(name: string): string {
    return join(this.path, name);
  }

  /** Path of the checkpoint file. */
  get checkpointPath(): string {
    return this.file('checkpoint.json');
  }

  /** Writes config.json; a resumed run keeps the config.json of its start. */
  writeConfig(config: JsonValue): void {
    if (this.keepConfig) return;
    writeFileAtomic(this.file('config.json'), `${encodeJson(config, 2)}\n`);
  }

  appendMetrics(record: MetricsRecord): void {
    appendFileSync(this.file('metrics.jsonl'), `${encodeJson(record)}\n`);
  }

  writeSummary(summary: JsonValue): void {
    writeFileAtomic(this.file('summary.json'), `${encodeJson(summary, 2)}\n`);
  }

  writeCheckpoint(data: string | Uint8Array): void {
    writeFileAtomic(this.checkpointPath, data);
  }

  truncateAfter(step: number): void {
    const p = this.file('metrics.jsonl');
    if (!existsSync(p)) return;
    const kept = readFileSync(p, 'utf8')
      .split('\n')
      .filter((line) => {
        if (line.trim() === '') return false;
        try {
          const s = (JSON.parse(line) as { step?: unknown }).step;
          return typeof s !== 'number' || s <= step;
        } catch {
          // A line cut by a crash mid-write is dropped.
          return false;
        }
      });
    writeFileAtomic(p, kept.map((l) => `${l}\n`).join(''));
  }

  /** The metrics records written so far (non-finite numbers come back as strings). */
  readMetrics(): Record<string, unknown>[] {
    const p = this.file('metrics.jsonl');
    if (!existsSync(p)) return [];
    return parseMetricsJsonl(readFileSync(p, 'utf8'), p);
  }
}
