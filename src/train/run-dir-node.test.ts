import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spiral } from '../data/toy-2d.js';
import { ConfigError } from '../errors.js';
import { mlp } from '../nn/index.js';
import { Optimizer, adam } from '../optim/index.js';
import { writeFileAtomic } from './atomic-write-node.js';
import { readCheckpoint } from './checkpoint-node.js';
import { fit } from './fit.js';
import { RunDir } from './run-dir-node.js';

const root = mkdtempSync(join(tmpdir(), 'gradscope-rundir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const data = spiral(0, { numSamples: 40 }); // 120 samples
const val = spiral(1, { numSamples: 10 });

async function run(dir: string, extra: Record<string, unknown> = {}) {
  const model = mlp({ sizes: [2, 8, 3], seed: 0 });
  const opt = new Optimizer(model, adam({ lr: 1e-2 }));
  return fit(model, opt, data, {
    epochs: 2,
    batchSize: 20,
    evalData: val,
    metrics: ['accuracy'],
    logEvery: 2,
    silent: true,
    config: { note: 'unit test' },
    runDir: dir,
    ...extra,
  });
}

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir)) out[f] = readFileSync(join(dir, f), 'utf8');
  return out;
}

describe('run directory', () => {
  it('holds config.json, one metrics line per logged step, summary.json and a checkpoint', async () => {
    const dir = join(root, 'a');
    const summary = await run(dir);
    expect(readdirSync(dir).sort()).toEqual([
      'checkpoint.json',
      'config.json',
      'metrics.jsonl',
      'summary.json',
    ]);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      format: 'gradscope.run',
      model: {
        numParameters: 2 * 8 + 8 + 8 * 3 + 3,
        parameters: [
          { name: '0.weight', shape: [8, 2] },
          { name: '0.bias' },
          { name: '2.weight' },
          { name: '2.bias' },
        ],
      },
      data: { samples: 120, batchSize: 20, batchesPerEpoch: 6 },
      options: { epochs: 2, metrics: ['accuracy'], logEvery: 2 },
      user: { note: 'unit test' },
    });
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    // 12 steps, a line every 2 (the epoch ends at 6 and 12 are among them).
    expect(lines.map((l) => l.step)).toEqual([2, 4, 6, 8, 10, 12]);
    for (const l of lines) {
      expect(Object.keys(l).sort()).toEqual(['epoch', 'loss', 'lr', 'metrics', 'step', 'time']);
      expect(l.lr).toBe(1e-2);
    }
    expect(lines[2].epoch).toBe(0);
    expect(Object.keys(lines[2].metrics).sort()).toEqual([
      'train.accuracy',
      'train.loss',
      'val.accuracy',
      'val.loss',
    ]);
    expect(lines[1].metrics).toEqual({});
    const saved = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(saved).toEqual(JSON.parse(JSON.stringify(summary)));
    expect(readCheckpoint(join(dir, 'checkpoint.json')).step).toBe(12);
  });

  it('is never overwritten silently', async () => {
    const dir = join(root, 'b');
    await run(dir);
    const before = snapshot(dir);
    await expect(run(dir)).rejects.toThrow(ConfigError);
    await expect(run(dir)).rejects.toThrow(
      /already exists and is not empty .*pass overwrite: true/,
    );
    expect(snapshot(dir)).toEqual(before);

    // A non-empty directory that is not a run is refused too, even for a resume.
    const other = join(root, 'c');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'mine');
    await expect(run(other)).rejects.toThrow(/already exists and is not empty \(notes\.txt\)/);
    expect(() => RunDir.open(other, { resume: true })).toThrow(/has no config\.json/);

    // overwrite: true replaces the run files and keeps the others.
    writeFileSync(join(dir, 'notes.txt'), 'keep me');
    const s = await run(dir, { overwrite: true, steps: 3, epochs: undefined });
    expect(s.steps).toBe(3);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('keep me');
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trimEnd().split('\n')).toHaveLength(2); // steps 2 and 3
  });

  it('writes files atomically (no temporary files left, old content until the rename)', () => {
    const dir = join(root, 'd');
    mkdirSync(dir);
    const p = join(dir, 'x.json');
    writeFileAtomic(p, 'one');
    writeFileAtomic(p, 'two');
    expect(readFileSync(p, 'utf8')).toBe('two');
    expect(readdirSync(dir)).toEqual(['x.json']);
    // A failing write (target is a directory) leaves neither a temp file nor a changed target.
    mkdirSync(join(dir, 'sub'));
    expect(() => writeFileAtomic(join(dir, 'sub'), 'three')).toThrow();
    expect(readdirSync(dir).sort()).toEqual(['sub', 'x.json']);
  });
});
