import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, DataError } from '../errors.js';
import {
  defaultRunDirName,
  pathState,
  prepareRunDir,
  readRunResult,
  writeRunResult,
} from './run-dir-node.js';
import type { ExperimentResult } from './types.js';

const root = mkdtempSync(join(tmpdir(), 'gradscope-rundir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const result: ExperimentResult = {
  experiment: 'fake',
  title: 'Fake',
  paper: 'P',
  mode: 'full',
  seeds: [1, 2],
  pass: true,
  criteria: [{ name: 'c', expected: '> 0', measured: 1, pass: true }],
  runs: [],
  charts: [],
  verdicts: [],
  timeMs: 5,
};

describe('run directories', () => {
  it('names default directories by local time and experiment', () => {
    expect(defaultRunDirName('cliff', new Date(2026, 10, 27, 7, 4, 9))).toBe(
      '20261127-070409-cliff',
    );
    expect(defaultRunDirName('a/b c', new Date(2026, 0, 1, 0, 0, 0))).toBe('20260101-000000-a_b_c');
  });

  it('never reuses a default directory: a taken name gets -2, -3', () => {
    const now = new Date(2026, 10, 27, 7, 4, 9);
    const a = prepareRunDir({ experiment: 'x', root, now });
    writeFileSync(join(a, 'f'), '1');
    const b = prepareRunDir({ experiment: 'x', root, now });
    const c = prepareRunDir({ experiment: 'x', root, now });
    expect([a, b, c]).toEqual([
      join(root, '20261127-070409-x'),
      join(root, '20261127-070409-x-2'),
      join(root, '20261127-070409-x-3'),
    ]);
  });

  it('accepts a new or empty --out and refuses a non-empty one or a file', () => {
    const fresh = join(root, 'fresh', 'deep');
    expect(prepareRunDir({ experiment: 'x', out: fresh })).toBe(fresh);
    expect(pathState(fresh)).toBe('empty-dir');
    expect(prepareRunDir({ experiment: 'x', out: fresh })).toBe(fresh);
    writeFileSync(join(fresh, 'keep.txt'), 'mine');
    expect(() => prepareRunDir({ experiment: 'x', out: fresh })).toThrow(ConfigError);
    expect(() => prepareRunDir({ experiment: 'x', out: fresh })).toThrow(/exists and is not empty/);
    expect(readFileSync(join(fresh, 'keep.txt'), 'utf8')).toBe('mine');
    expect(() => prepareRunDir({ experiment: 'x', out: join(fresh, 'keep.txt') })).toThrow(
      /is not a directory/,
    );
  });

  it('writes result.json atomically (no temp file left) and reads it back', () => {
    const dir = join(root, 'rw');
    mkdirSync(dir);
    writeRunResult(dir, result);
    expect(readdirSync(dir)).toEqual(['result.json']);
    expect(readRunResult(dir)).toEqual([result]);
  });

  it('names the file when result.json is missing or corrupt, and the directory when it is missing', () => {
    const dir = join(root, 'bad');
    mkdirSync(dir);
    expect(() => readRunResult(dir)).toThrow(DataError);
    expect(() => readRunResult(dir)).toThrow(
      `result file '${join(dir, 'result.json')}' is missing`,
    );
    writeFileSync(join(dir, 'result.json'), '{"experiment": "x", "crit');
    expect(() => readRunResult(dir)).toThrow(
      `result file '${join(dir, 'result.json')}' is not valid JSON`,
    );
    expect(() => readRunResult(join(root, 'nope'))).toThrow(
      /run directory '.*nope' does not exist/,
    );
  });
});
