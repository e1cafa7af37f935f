import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file atomically: the data go to a temporary file in the same directory, which is
 * flushed to disk and then renamed over `path`. Readers (and a crash) see either the old file or
 * the complete new one, never a truncated mix. Node only.
 * @example writeFileAtomic('run/summary.json', JSON.stringify(summary))
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`,
  );
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
