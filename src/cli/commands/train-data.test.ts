// `gradscope train` on the user's own files: one run per format (CSV, IDX gzipped, .npy, JSONL),
// each file generated in a temporary folder and named by a path relative to the config file.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeIdx } from '../../data/idx.js';
import { encodeNpy } from '../../data/npy.js';
import { Rng } from '../../tensor/rng.js';
import { expandSweep } from '../../sweep/points.js';
import { readSweepFile } from '../../sweep/spec-node.js';
import { parseCommand } from '../args.js';
import { trainCommand, trainSpec, type TrainJson } from './train.js';

const tmp = mkdtempSync(join(tmpdir(), 'gs-train-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * Two Gaussian blobs in 3-D: centres (±1.5, ±1.5, 0), std 0.5 in the first two coordinates (a
 * third, pure-noise feature of std 1). The centres are 4.24 apart, 8.5 std: the classes are
 * separable with a wide margin, so any working pipeline reaches ≥ 95 % held-out accuracy, and a
 * broken one (labels shuffled against features) stays near 50 %. Class names 'left'/'right' for
 * the text formats, 0/1 for the arrays.
 */
function blobs(n: number): { x: number[][]; y: number[] } {
  const rng = new Rng(7);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const s = c === 0 ? -1.5 : 1.5;
    x.push(
      [s + 0.5 * rng.normal(), s + 0.5 * rng.normal(), rng.normal()].map(
        (v) => Math.round(v * 1000) / 1000,
      ),
    );
    y.push(c);
  }
  return { x, y };
}
const NAMES = ['left', 'right'];

async function trainOn(dir: string, data: Record<string, unknown>): Promise<TrainJson> {
  const cfg = join(dir, 'run.json');
  writeFileSync(
    cfg,
    JSON.stringify({
      name: 'own-data',
      model: { name: 'mlp', hidden: [8] },
      data: { name: 'file', ...data },
      optimizer: { name: 'adam', lr: 0.05 },
      train: { epochs: 15, batchSize: 16, seed: 1 },
    }),
  );
  const parsed = parseCommand(trainSpec, ['--config', cfg, '--out', join(dir, 'out'), '--json']);
  if (parsed === 'help') throw new Error('unexpected --help');
  let out = '';
  let err = '';
  const code = await trainCommand(parsed, (s) => (out += s), {
    progress: { write: () => true, isTTY: false },
    stderr: { write: (s: string) => (err += s) },
  });
  expect(err).toBe('');
  expect(code).toBe(0);
  const result = JSON.parse(out) as TrainJson;
  // The run directory's config holds absolute paths (what --resume rebuilds from).
  const saved = JSON.parse(readFileSync(join(dir, 'out', 'train-config.json'), 'utf8')) as {
    data: { path: string };
  };
  expect(isAbsolute(saved.data.path)).toBe(true);
  return result;
}

function folder(name: string): string {
  const d = join(tmp, name);
  mkdirSync(join(d, 'data'), { recursive: true });
  return d;
}

describe('gradscope train on your own data', () => {
  const { x, y } = blobs(200);
  it('CSV with a header and a named label column', async () => {
    const dir = folder('csv');
    const lines = ['a,b,c,kind', ...x.map((r, i) => `${r.join(',')},${NAMES[y[i] as number]}`)];
    writeFileSync(join(dir, 'data', 'blobs.csv'), lines.join('\n') + '\n');
    const r = await trainOn(dir, {
      path: 'data/blobs.csv',
      labelColumn: 'kind',
      normalize: 'standard',
    });
    expect(r.data).toEqual({ name: 'file', train: 160, test: 40 });
    expect(r.metrics['val.accuracy']).toBeGreaterThanOrEqual(0.95);
    expect(r.description).toContain('mlp 3-8-2 (relu) on blobs.csv (160 train / 40 test)');
  });
  it('IDX, gzipped, with a separate test pair', async () => {
    const dir = folder('idx');
    // uint8 features: the blobs mapped to [0, 255], scaled back by maxAbs.
    const u8 = (rows: number[][]): Uint8Array =>
      Uint8Array.from(rows.flat().map((v) => Math.max(0, Math.min(255, Math.round(128 + 40 * v)))));
    const w = (name: string, bytes: Uint8Array): void =>
      writeFileSync(join(dir, 'data', name), gzipSync(bytes));
    w(
      'train-x-idx2-ubyte.gz',
      encodeIdx({ type: 'uint8', dims: [150, 3], data: u8(x.slice(0, 150)) }),
    );
    w(
      'train-y-idx1-ubyte.gz',
      encodeIdx({ type: 'uint8', dims: [150], data: Uint8Array.from(y.slice(0, 150)) }),
    );
    w('test-x-idx2-ubyte.gz', encodeIdx({ type: 'uint8', dims: [50, 3], data: u8(x.slice(150)) }));
    w(
      'test-y-idx1-ubyte.gz',
      encodeIdx({ type: 'uint8', dims: [50], data: Uint8Array.from(y.slice(150)) }),
    );
    const r = await trainOn(dir, {
      path: 'data/train-x-idx2-ubyte.gz',
      labels: 'data/train-y-idx1-ubyte.gz',
      testPath: 'data/test-x-idx2-ubyte.gz',
      testLabels: 'data/test-y-idx1-ubyte.gz',
      normalize: 'minmax',
    });
    expect(r.data).toEqual({ name: 'file', train: 150, test: 50 });
    expect(r.metrics['val.accuracy']).toBeGreaterThanOrEqual(0.95);
  });
  it('NumPy .npy features and labels', async () => {
    const dir = folder('npy');
    writeFileSync(
      join(dir, 'data', 'x.npy'),
      encodeNpy({ dtype: 'float32', shape: [200, 3], data: Float32Array.from(x.flat()) }),
    );
    writeFileSync(
      join(dir, 'data', 'y.npy'),
      encodeNpy({ dtype: 'int32', shape: [200], data: Int32Array.from(y) }),
    );
    const r = await trainOn(dir, { path: 'data/x.npy', labels: 'data/y.npy', testFraction: 0.25 });
    expect(r.data).toEqual({ name: 'file', train: 150, test: 50 });
    expect(r.metrics['val.accuracy']).toBeGreaterThanOrEqual(0.95);
  });
  it('JSON Lines', async () => {
    const dir = folder('jsonl');
    writeFileSync(
      join(dir, 'data', 'blobs.jsonl'),
      x.map((r, i) => JSON.stringify({ features: r, label: NAMES[y[i] as number] })).join('\n') +
        '\n',
    );
    const r = await trainOn(dir, { path: 'data/blobs.jsonl' });
    expect(r.data).toEqual({ name: 'file', train: 160, test: 40 });
    expect(r.metrics['val.accuracy']).toBeGreaterThanOrEqual(0.95);
  });
  it('a bad row fails before training with the line and column (exit 3)', async () => {
    const dir = folder('bad');
    writeFileSync(join(dir, 'data', 'bad.csv'), 'a,b,y\n1,2,u\n3,nan,v\n');
    writeFileSync(
      join(dir, 'run.json'),
      JSON.stringify({
        model: { name: 'mlp', hidden: [] },
        data: { name: 'file', path: 'data/bad.csv' },
        optimizer: { name: 'sgd', lr: 0.1 },
        train: { epochs: 1 },
      }),
    );
    const { main } = await import('../main.js');
    const err: string[] = [];
    const code = await main(
      ['train', '--config', join(dir, 'run.json'), '--out', join(dir, 'out')],
      () => {},
      (s) => err.push(s),
    );
    expect(code).toBe(3);
    expect(err.join('\n')).toMatch(
      /^gradscope train: DataError: .*data[\\/]bad\.csv:3:3: NaN in column "b": NaN and Infinity are refused in the data \(row 2\); fill or drop the row$/,
    );
  });
  it('a sweep over a file config resolves the data paths against the base config', () => {
    const dir = folder('sweep');
    mkdirSync(join(dir, 'configs'));
    writeFileSync(
      join(dir, 'configs', 'base.json'),
      JSON.stringify({
        model: { name: 'mlp', hidden: [4] },
        data: { name: 'file', path: '../data/d.csv' },
        optimizer: { name: 'adam', lr: 0.01 },
        train: { epochs: 1 },
      }),
    );
    writeFileSync(
      join(dir, 'sweep.json'),
      JSON.stringify({
        name: 's',
        base: 'configs/base.json',
        axes: [{ path: 'optimizer.lr', values: [0.01, 0.1] }],
      }),
    );
    const points = expandSweep(readSweepFile(join(dir, 'sweep.json')));
    expect(points.map((p) => (p.config.data as { path: string }).path)).toEqual([
      join(dir, 'data', 'd.csv'),
      join(dir, 'data', 'd.csv'),
    ]);
  });
});
