import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic as writeRenamed } from '../report/write-node.js';
import { writeFileAtomic } from '../train/atomic-write-node.js';
import { sweepCsv, type SweepRecord } from './record.js';

/** The table files of a sweep directory. */
export const SWEEP_FILES = {
  jsonl: 'sweep.jsonl',
  csv: 'sweep.csv',
  manifest: 'sweep.json',
} as const;

/**
 * The results of a sweep on disk (Node only), keyed by config hash: `sweep.jsonl` gets one line
 * per finished point (appended with a single write and flushed to disk: the line is the point's
 * commit; a line cut by a crash is dropped when the file is reopened) and `sweep.csv`, derived
 * from it, is rewritten (temporary file + rename, not flushed: reopening rewrites it when it is
 * missing or stale) after each point. A point is recorded at most once: {@link SweepResults.add} ignores a hash it already
 * has, so a retried or duplicated job cannot add a second row. Records with status 'error' are
 * dropped on reopening, so those points run again.
 * @example const res = SweepResults.open('runs/my-sweep', ['optimizer.lr']); if (!res.has(p.hash)) …
 */
export class SweepResults {
  /** Absolute path of the sweep directory. */
  readonly dir: string;
  private readonly axisPaths: readonly string[];
  private readonly byHash = new Map<string, SweepRecord>();

  private constructor(dir: string, axisPaths: readonly string[]) {
    this.dir = dir;
    this.axisPaths = axisPaths;
  }

  /** Opens (creating it if needed) a sweep directory and reads the points finished before. */
  static open(dir: string, axisPaths: readonly string[]): SweepResults {
    const res = new SweepResults(resolve(dir), axisPaths);
    mkdirSync(res.dir, { recursive: true });
    const path = join(res.dir, SWEEP_FILES.jsonl);
    if (existsSync(path)) {
      const lines = readFileSync(path, 'utf8').split('\n');
      let dropped = false;
      for (const line of lines) {
        if (line.trim() === '') continue;
        let r: SweepRecord;
        try {
          r = JSON.parse(line) as SweepRecord;
        } catch {
          dropped = true; // cut by a crash mid-write
          continue;
        }
        if (typeof r.hash !== 'string' || r.status === 'error' || res.byHash.has(r.hash)) {
          dropped = true;
          continue;
        }
        res.byHash.set(r.hash, r);
      }
      if (dropped) writeFileAtomic(path, res.jsonlText());
    }
    const csv = join(res.dir, SWEEP_FILES.csv);
    if (res.byHash.size > 0 && (!existsSync(csv) || readFileSync(csv, 'utf8') !== res.csvText()))
      res.writeCsv();
    return res;
  }

  /** Whether the point with this config hash is finished. */
  has(hash: string): boolean {
    return this.byHash.has(hash);
  }

  /** The record of a hash, if finished. */
  get(hash: string): SweepRecord | undefined {
    return this.byHash.get(hash);
  }

  /** Every record, in index order. */
  records(): SweepRecord[] {
    return [...this.byHash.values()].sort((a, b) => a.index - b.index);
  }

  /**
   * Records a finished point: appends its line to sweep.jsonl and rewrites sweep.csv. Returns
   * false (and writes nothing) when the hash is already recorded.
   */
  add(record: SweepRecord): boolean {
    if (this.byHash.has(record.hash)) return false;
    this.byHash.set(record.hash, record);
    const fd = openSync(join(this.dir, SWEEP_FILES.jsonl), 'a');
    try {
      writeSync(fd, `${JSON.stringify(record)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.writeCsv();
    return true;
  }

  /** Rewrites sweep.csv from the records (also done by every add). */
  writeCsv(): void {
    writeRenamed(join(this.dir, SWEEP_FILES.csv), this.csvText());
  }

  private csvText(): string {
    return sweepCsv(this.axisPaths, this.records());
  }

  private jsonlText(): string {
    return this.records()
      .map((r) => `${JSON.stringify(r)}\n`)
      .join('');
  }
}
