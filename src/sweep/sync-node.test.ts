import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { syncTree } from './sync-node.js';

describe('syncTree', () => {
  it('flushes a tree, extra files and directories, and leaves their contents alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-sync-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'run', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'run', 'a.json'), '{"a":1}');
    writeFileSync(join(dir, 'run', 'sub', 'b.txt'), 'b');
    writeFileSync(join(dir, 'config.json'), '{}');
    await syncTree(join(dir, 'run'), [join(dir, 'config.json'), dir]);
    expect(readFileSync(join(dir, 'run', 'a.json'), 'utf8')).toBe('{"a":1}');
    expect(readFileSync(join(dir, 'run', 'sub', 'b.txt'), 'utf8')).toBe('b');
  });
  it('rejects when a path is missing (the point is then an error and runs again)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-sync-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    await expect(syncTree(join(dir, 'nope'))).rejects.toThrow(/ENOENT/);
    await expect(syncTree(dir, [join(dir, 'gone.json')])).rejects.toThrow(/ENOENT/);
  });
});
