import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, DataError } from '../errors.js';
import { makeDirs } from '../fs-guard-node.js';
import { parseResultJson, resultToJson } from '../report/result-json.js';
import { writeFileAtomic } from '../report/write-node.js';
import type { ExperimentResult } from './types.js';

/**
 * A run directory on disk: `result.json` (the ExperimentResult), `report.html`, and whatever
 * logs the run wrote. Directories are never overwritten silently: an existing non-empty one is
 * refused, and default names get a suffix when taken.
 */

/** The result file's name in a run directory. */
export const RESULT_FILE = 'result.json';
/** The report's name in a run directory. */
export const REPORT_FILE = 'report.html';

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/**
 * The default run directory name: local time and the experiment, e.g. `20261127-074012-cliff`.
 * @example defaultRunDirName('cliff', new Date(2026, 10, 27, 7, 40, 12)) // '20261127-074012-cliff'
 */
export function defaultRunDirName(experiment: string, now: Date): string {
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `${stamp}-${experiment.replace(/[^\w.-]+/g, '_')}`;
}

/** What is at `path`: nothing, an empty directory, a non-empty directory, or something else (a file). */
export function pathState(path: string): 'missing' | 'empty-dir' | 'non-empty-dir' | 'not-a-dir' {
  if (!existsSync(path)) return 'missing';
  if (!statSync(path).isDirectory()) return 'not-a-dir';
  return readdirSync(path).length === 0 ? 'empty-dir' : 'non-empty-dir';
}

/** Options of {@link prepareRunDir}. */
export interface PrepareRunDirOptions {
  experiment: string;
  /** The directory the user asked for (must be missing or empty). */
  out?: string;
  /** Parent of default run directories (default 'runs'). */
  root?: string;
  now?: Date;
}

/**
 * Creates the run directory and returns its path. With `out`, an existing non-empty directory
 * (or a file) is refused with a ConfigError; without it, `root/<timestamp>-<experiment>` is used,
 * with `-2`, `-3`, ... appended when that name is taken.
 *
 * @example const dir = prepareRunDir({ experiment: 'cliff' }); // 'runs/20261127-074012-cliff'
 */
export function prepareRunDir(opts: PrepareRunDirOptions): string {
  if (opts.out !== undefined) {
    const state = pathState(opts.out);
    if (state === 'non-empty-dir')
      throw new ConfigError(
        `out: directory '${opts.out}' exists and is not empty; choose another directory or remove it (runs are never overwritten)`,
      );
    if (state === 'not-a-dir')
      throw new ConfigError(
        `out: '${opts.out}' exists and is not a directory; expected a new or empty directory`,
      );
    makeDirs(opts.out, 'out');
    return opts.out;
  }
  const base = join(
    opts.root ?? 'runs',
    defaultRunDirName(opts.experiment, opts.now ?? new Date()),
  );
  for (let k = 1; ; k++) {
    const dir = k === 1 ? base : `${base}-${k}`;
    if (pathState(dir) === 'missing') {
      makeDirs(dir, 'run directory');
      return dir;
    }
  }
}

/**
 * Writes result.json atomically (NaN and ±Infinity kept as strings) and returns its path.
 * @example writeRunResult(dir, result);
 */
export function writeRunResult(
  dir: string,
  result: ExperimentResult | readonly ExperimentResult[],
): string {
  const path = join(dir, RESULT_FILE);
  writeFileAtomic(path, resultToJson(result) + '\n');
  return path;
}

/**
 * Reads a run directory's result.json (one result or several). Throws DataError naming the file
 * when the directory or the file is missing, unreadable or not an ExperimentResult.
 *
 * @example const results = readRunResult('runs/20261127-074012-cliff');
 */
export function readRunResult(dir: string): ExperimentResult[] {
  const state = pathState(dir);
  if (state === 'missing')
    throw new DataError(
      `run directory '${dir}' does not exist; expected a directory written by \`gradscope run\``,
    );
  if (state === 'not-a-dir')
    throw new DataError(
      `'${dir}' is not a directory; expected a run directory written by \`gradscope run\` (with ${RESULT_FILE})`,
    );
  const file = join(dir, RESULT_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new DataError(
      code === 'ENOENT'
        ? `result file '${file}' is missing; expected the ${RESULT_FILE} written by \`gradscope run\``
        : `result file '${file}' cannot be read: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return parseResultJson(text, file);
}
