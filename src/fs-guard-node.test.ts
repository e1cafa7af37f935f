import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OutputError } from './errors.js';
import { fsErrorText, makeDirs, probeOutputDir } from './fs-guard-node.js';

const root = mkdtempSync(join(tmpdir(), 'gs-fsguard-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('makeDirs / probeOutputDir', () => {
  it('creates missing levels one at a time and returns the absolute path', () => {
    const p = makeDirs(join(root, 'a', 'b', 'c'));
    expect(p).toBe(join(root, 'a', 'b', 'c'));
    expect(existsSync(p)).toBe(true);
    expect(makeDirs(p)).toBe(p); // existing: fine
  });

  it('refuses /proc, /sys and /dev at once (Node 20 recursive mkdir loops under /proc)', () => {
    for (const p of ['/proc/x', '/proc/x/y/z', '/sys/x', '/dev/gs-x'])
      expect(() => makeDirs(p, '--out')).toThrow(/kernel pseudo file system/);
  });

  it('names the file in the way for ENOTDIR, as one line', () => {
    const f = join(root, 'file.txt');
    writeFileSync(f, 'x');
    let msg = '';
    try {
      makeDirs(join(f, 'x', 'y'), '--out');
    } catch (e) {
      expect(e).toBeInstanceOf(OutputError);
      msg = (e as Error).message;
    }
    expect(msg).toBe(
      `--out '${join(f, 'x', 'y')}': '${f}' is a file, not a directory (ENOTDIR); choose another path`,
    );
    expect(msg).not.toContain('\n');
  });

  it('refuses more than 64 missing levels', () => {
    const deep = join(root, ...Array.from({ length: 70 }, (_, i) => `d${i}`));
    expect(() => makeDirs(deep)).toThrow(/more than 64 directory levels/);
    expect(existsSync(join(root, 'd0'))).toBe(false);
  });

  it('probes by writing and removing a file, and leaves no directories it created', () => {
    const target = join(root, 'p', 'q');
    expect(probeOutputDir(target)).toBe(target);
    expect(existsSync(join(root, 'p'))).toBe(false);
    makeDirs(target);
    probeOutputDir(target);
    expect(readdirSync(target)).toEqual([]);
  });

  it('fsErrorText words errno errors and ignores others', () => {
    const e = Object.assign(new Error('x'), { code: 'EACCES', syscall: 'open', path: '/x' });
    expect(fsErrorText(e)).toBe("cannot open '/x': permission denied (EACCES)");
    expect(fsErrorText(new Error('plain'))).toBeNull();
    expect(fsErrorText('EACCES')).toBeNull();
  });
});
