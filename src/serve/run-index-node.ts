import { readdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Files that make a directory a run: an experiment's result.json, a train run's logs. */
const RUN_FILES = ['result.json', 'metrics.jsonl', 'monitor.jsonl', 'records.jsonl'];
/** How deep under a served folder run directories are looked for. */
const MAX_DEPTH = 3;
/** Most run directories listed (a folder of thousands is cut, not walked forever). */
export const MAX_RUNS = 500;

/** A run directory found under one of the served folders. */
export interface RunEntry {
  /** Stable id: `<folder index>/<path inside the folder>` (URL-safe after encodeURIComponent). */
  id: string;
  /** 'experiment' (result.json) or 'train' (metrics.jsonl / monitor.jsonl / records.jsonl — another framework's monitor records — without result.json). */
  kind: 'experiment' | 'train';
  /** Display name: the path inside the folder (the folder's own name when the folder is the run). */
  name: string;
  /** Absolute path (real path: symlinks resolved). */
  dir: string;
  /** Latest modification time of its run files (ms since the epoch). */
  mtimeMs: number;
  /** Total size of its run files (bytes). */
  bytes: number;
}

/** Modification time and total size of a directory's run files, or null when none is there. */
export function runFilesStamp(
  dir: string,
): { mtimeMs: number; bytes: number; kind: RunEntry['kind'] } | null {
  let mtimeMs = 0;
  let bytes = 0;
  const present: string[] = [];
  for (const f of RUN_FILES) {
    try {
      const st = statSync(join(dir, f));
      if (!st.isFile()) continue;
      present.push(f);
      mtimeMs = Math.max(mtimeMs, st.mtimeMs);
      bytes += st.size;
    } catch {
      // absent
    }
  }
  if (present.length === 0) return null;
  return { mtimeMs, bytes, kind: present.includes('result.json') ? 'experiment' : 'train' };
}

/**
 * The run directories under the served folders (the folders themselves included), newest first.
 * Symlinked directories are followed only when they stay inside their folder; unreadable
 * entries are skipped.
 *
 * @example listRuns(['runs']) // [{ id: '0/20261206-spiral', kind: 'train', ... }]
 */
export function listRuns(roots: readonly string[]): RunEntry[] {
  const out: RunEntry[] = [];
  roots.forEach((root, r) => {
    let base: string;
    try {
      base = realpathSync(root);
    } catch {
      return;
    }
    const visit = (dir: string, depth: number): void => {
      if (out.length >= MAX_RUNS) return;
      const stamp = runFilesStamp(dir);
      if (stamp) {
        const rel = relative(base, dir).split(sep).join('/');
        out.push({
          id: rel === '' ? `${r}` : `${r}/${rel}`,
          kind: stamp.kind,
          name: rel === '' ? (base.split(sep).pop() ?? root) : rel,
          dir,
          mtimeMs: stamp.mtimeMs,
          bytes: stamp.bytes,
        });
      }
      if (depth >= MAX_DEPTH) return;
      let names: string[];
      try {
        names = readdirSync(dir).sort();
      } catch {
        return;
      }
      for (const name of names) {
        if (name.startsWith('.') || name === 'node_modules') continue;
        const inside = insideFolder(base, join(dir, name));
        if (inside === null) continue;
        try {
          if (statSync(inside).isDirectory()) visit(inside, depth + 1);
        } catch {
          // vanished meanwhile
        }
      }
    };
    visit(base, 0);
  });
  return out.sort((a, b) => b.mtimeMs - a.mtimeMs);
}

/**
 * The real path of `path` if it exists and lies inside the real folder `base` (symlinks
 * resolved, so a link pointing out of the folder is refused), else null.
 *
 * @example insideFolder('/srv/runs', '/srv/runs/a/metrics.jsonl') // '/srv/runs/a/metrics.jsonl'
 */
export function insideFolder(base: string, path: string): string | null {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return null;
  }
  const rel = relative(base, real);
  if (rel === '') return real;
  if (rel.startsWith('..') || isAbsolute(rel)) return null;
  return real;
}

/**
 * Resolves a file named in a request, `<folder index>/<relative path>`, to a real path inside
 * that served folder, or null: absolute paths, `..` segments (also percent-encoded, the caller
 * decodes once), NUL bytes and symlinks out of the folder are all refused.
 *
 * @example resolveServed(['runs'], '0/a/metrics.jsonl')
 */
export function resolveServed(roots: readonly string[], spec: string): string | null {
  if (spec.includes('\0') || spec.includes('\\')) return null;
  const parts = spec.split('/');
  const r = Number(parts[0]);
  const root = Number.isInteger(r) && String(r) === parts[0] ? roots[r] : undefined;
  if (root === undefined) return null;
  const rest = parts.slice(1);
  if (rest.some((p) => p === '..' || p === '.' || isAbsolute(p))) return null;
  let base: string;
  try {
    base = realpathSync(root);
  } catch {
    return null;
  }
  return insideFolder(base, resolve(base, ...rest));
}
