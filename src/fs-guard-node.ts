// Node-only: creating and probing output paths before any work is done.
import { mkdirSync, realpathSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, parse, resolve, sep } from 'node:path';
import { OutputError } from './errors.js';

/** Causes of common file-system errors, in words. */
const CAUSES: Record<string, string> = {
  ENOTDIR: 'a component of the path is a file, not a directory (ENOTDIR)',
  EACCES: 'permission denied (EACCES)',
  EPERM: 'operation not permitted (EPERM)',
  EROFS: 'read-only file system (EROFS)',
  ENOSPC: 'no space left on the device (ENOSPC)',
  EDQUOT: 'disk quota exceeded (EDQUOT)',
  ENOENT: 'no such file or directory (ENOENT)',
  EEXIST: 'already exists (EEXIST)',
  EISDIR: 'is a directory (EISDIR)',
  ENAMETOOLONG: 'the name is too long (ENAMETOOLONG)',
  ELOOP: 'too many symbolic links (ELOOP)',
  EMFILE: 'too many open files (EMFILE)',
  EIO: 'input/output error (EIO)',
};

interface ErrnoLike {
  code: string;
  syscall?: string;
  path?: string;
}

function isErrno(e: unknown): e is ErrnoLike {
  return (
    e instanceof Error &&
    typeof (e as { code?: unknown }).code === 'string' &&
    /^E[A-Z]+$/.test((e as unknown as { code: string }).code)
  );
}

/**
 * A Node file-system error as one line naming the path and the cause ("cannot mkdir
 * 'README.md/x': a component of the path is a file, not a directory (ENOTDIR)"), or null when
 * `e` is not one. Used by the CLI so that no file-system error prints a stack trace.
 * @example fsErrorText(e) ?? String(e)
 */
export function fsErrorText(e: unknown, path?: string): string | null {
  if (!isErrno(e)) return null;
  const p = path ?? e.path;
  const cause = CAUSES[e.code] ?? e.code;
  return `cannot ${e.syscall ?? 'access'}${p !== undefined ? ` '${p}'` : ''}: ${cause}`;
}

/** Kernel pseudo file systems: nothing gradscope writes belongs there (and Node 20's recursive mkdir loops under /proc). */
const PSEUDO_ROOTS = ['/proc', '/sys', '/dev'];

function underPseudo(abs: string): string | null {
  for (const r of PSEUDO_ROOTS) if (abs === r || abs.startsWith(r + sep)) return r;
  return null;
}

/** The deepest existing ancestor of an absolute path (the path itself if it exists). */
function existingAncestor(abs: string): string {
  let p = abs;
  for (;;) {
    try {
      statSync(p);
      return p;
    } catch {
      const up = dirname(p);
      if (up === p) return p;
      p = up;
    }
  }
}

/** At most this many directory levels are created for one path. */
const MAX_LEVELS = 64;

/**
 * Creates a directory and its missing parents one level at a time (never Node's recursive
 * mkdir, which loops forever under /proc on Node 20), refusing /proc, /sys and /dev (also through
 * a symbolic link) and paths more than 64 missing levels deep. Throws an {@link OutputError}
 * naming the path and the cause (ENOTDIR, EACCES, EPERM, ...). Returns the absolute path.
 * @example makeDirs('runs/2026/x') // '/home/me/runs/2026/x'
 */
export function makeDirs(path: string, what = 'directory'): string {
  return makeDirsCreated(path, what).abs;
}

/** {@link makeDirs}, also returning the directories it created (outermost first). */
function makeDirsCreated(path: string, what: string): { abs: string; created: string[] } {
  if (typeof path !== 'string' || path.trim() === '')
    throw new OutputError(`${what}: expected a directory path, got '${String(path)}'`);
  if (path.includes('\0')) throw new OutputError(`${what} '${path}': the path contains a NUL byte`);
  const abs = resolve(path);
  let real = existingAncestor(abs);
  try {
    real = realpathSync(real);
  } catch {
    // keep the unresolved ancestor
  }
  const pseudo = underPseudo(abs) ?? underPseudo(real);
  if (pseudo !== null)
    throw new OutputError(
      `${what} '${path}': ${pseudo} is a kernel pseudo file system, not a place for output; choose a directory on disk`,
    );
  const missing: string[] = [];
  const root = parse(abs).root;
  for (let p = abs; p !== root; p = dirname(p)) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (e) {
      // ENOTDIR: an ancestor is a file; going up finds it and says so.
      if (isErrno(e) && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) {
        missing.push(p);
        if (missing.length > MAX_LEVELS)
          throw new OutputError(
            `${what} '${path}': more than ${MAX_LEVELS} directory levels would have to be created`,
          );
        continue;
      }
      throw new OutputError(`${what} '${path}': ${fsErrorText(e, p) ?? String(e)}`);
    }
    if (!isDir)
      throw new OutputError(
        `${what} '${path}': '${p}' is a file, not a directory (ENOTDIR); choose another path`,
      );
    break;
  }
  const created: string[] = [];
  for (const p of missing.reverse()) {
    try {
      mkdirSync(p);
      created.push(p);
    } catch (e) {
      if (isErrno(e) && e.code === 'EEXIST') continue;
      removeCreated(created);
      throw new OutputError(`${what} '${path}': ${fsErrorText(e, p) ?? String(e)}`);
    }
  }
  return { abs, created };
}

/** Removes directories made by a probe, innermost first, if they are still empty. */
function removeCreated(created: readonly string[]): void {
  for (const p of [...created].reverse()) {
    try {
      rmdirSync(p);
    } catch {
      return;
    }
  }
}

/**
 * Proves, before any computation, that files can be written in `dir`: its missing levels are
 * created (see {@link makeDirs}), a temporary file is written and removed, and the levels the
 * probe created are removed again (the command creates its directory when it writes). A
 * read-only or impossible `--out` thus fails in milliseconds instead of after the run. Throws an
 * {@link OutputError} naming the path and the cause.
 * @example probeOutputDir('runs/x', '--out');
 */
export function probeOutputDir(dir: string, what = 'output directory'): string {
  const { abs, created } = makeDirsCreated(dir, what);
  const probe = join(abs, `.gradscope-probe-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    writeFileSync(probe, 'probe');
  } catch (e) {
    throw new OutputError(`${what} '${dir}' is not writable: ${fsErrorText(e, dir) ?? String(e)}`);
  } finally {
    rmSync(probe, { force: true });
    removeCreated(created);
  }
  return abs;
}
