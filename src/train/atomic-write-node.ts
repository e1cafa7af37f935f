import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let flushEach = true;

/**
 * Turns off (or back on) the flush of each file by {@link writeFileAtomic} in this process, for a
 * caller that makes everything it wrote durable with one commit of its own at the end (a sweep
 * point: `syncTree` of its run directory, src/sweep/sync-node.ts). The files are still written
 * to a temporary name and renamed, so no reader and no killed process ever sees half a file;
 * only the flush to disk is left to the caller. Returns the previous setting.
 * @example const was = setAtomicWriteFlush(false); try { … } finally { setAtomicWriteFlush(was); }
 */
export function setAtomicWriteFlush(on: boolean): boolean {
  const was = flushEach;
  flushEach = on;
  return was;
}

/**
 * Writes a file atomically: the data go to a temporary file in the same directory, which is
 * flushed to disk (unless turned off by `setAtomicWriteFlush`) and then renamed over
 * `path`. Readers (and a crash) see either the old file or the complete new one, never a
 * truncated mix. Node only.
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
      if (flushEach) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
