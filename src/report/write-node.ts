import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { makeDirs } from '../fs-guard-node.js';

/**
 * Writes a file atomically: the text goes to a temporary file in the same directory, which is
 * then renamed over the target, so a reader (or a crash) never sees half a report.
 *
 * @example writeFileAtomic('runs/x/report.html', html);
 */
export function writeFileAtomic(path: string, text: string): void {
  makeDirs(dirname(path), 'output');
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    writeFileSync(tmp, text, 'utf8');
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Writes a rendered report (HTML string) to `path` atomically and returns the path.
 *
 * @example writeReportFile('runs/x/report.html', await renderExperimentReport([result]));
 */
export function writeReportFile(path: string, html: string): string {
  writeFileAtomic(path, html);
  return path;
}
