import { readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import { parseFieldPath, setAtPath } from './paths.js';
import { canonicalJson, configHash, expandSweep } from './points.js';
import { parseSweepSpec } from './spec.js';
import { readSweepFile } from './spec-node.js';

const BASE = {
  name: 'tiny',
  model: { name: 'mlp', hidden: [8, 8], activation: 'tanh' },
  data: { name: 'xor', numSamples: 64 },
  optimizer: { name: 'sgd', lr: 0.1 },
  train: { steps: 10, batchSize: 16 },
};

const noFile = (p: string): never => {
  throw new Error(`unexpected read of ${p}`);
};

function errorOf(json: unknown): string {
  try {
    parseSweepSpec(json, noFile);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('config field paths', () => {
  it('splits keys and indices', () => {
    expect(parseFieldPath('clip[0].maxNorm', 'p')).toEqual(['clip', 0, 'maxNorm']);
    expect(parseFieldPath('model.hidden[1]', 'p')).toEqual(['model', 'hidden', 1]);
    expect(() => parseFieldPath('model..x', 'axes[0].path')).toThrow(
      /axes\[0\]\.path = "model\.\.x" is invalid/,
    );
  });
  it('sets a value on a copy, creating missing objects', () => {
    const base = { a: { b: [1, 2] } };
    expect(setAtPath(base, ['a', 'b', 1], 5, 'p')).toEqual({ a: { b: [1, 5] } });
    expect(setAtPath(base, ['c', 'd'], 1, 'p')).toEqual({ a: { b: [1, 2] }, c: { d: 1 } });
    expect(base).toEqual({ a: { b: [1, 2] } });
    expect(() => setAtPath(base, ['a', 'b', 4], 1, 'p')).toThrow(/index \[4\] is outside/);
  });
});

describe('parseSweepSpec', () => {
  it('names an axis path that is not a config field, with the allowed fields', () => {
    const msg = errorOf({
      base: BASE,
      axes: [
        { path: 'optimizer.lr', values: [0.1] },
        { path: 'model.hiden', values: [[4]] },
      ],
    });
    expect(msg).toBe(
      'axes[1].path = "model.hiden" is not a config field (did you mean "model.hidden"?); expected one of model.name, model.hidden, model.sizes, model.activation, model.init, model.biasInit, model.norm, model.residual, model.dropout, model.bias',
    );
    expect(errorOf({ base: BASE, axes: [{ path: 'trian', values: [1] }] })).toMatch(
      /^axes\[0\]\.path = "trian" is not a config field \(did you mean "train"\?\); expected one of name, /,
    );
  });

  it("checks every value with the train config's own validation", () => {
    expect(errorOf({ base: BASE, axes: [{ path: 'optimizer.lr', values: [0.1, -1] }] })).toBe(
      'axes[0].values[1]: optimizer.lr = -1 is invalid; expected a number > 0',
    );
    expect(
      errorOf({
        base: BASE,
        axes: [{ path: 'optimizer.lr', logUniform: { min: 0, max: 1, count: 3 } }],
      }),
    ).toBe('axes[0].logUniform.min = 0 is invalid; expected a number > 0 (log scale)');
    expect(
      errorOf({ base: BASE, axes: [{ path: 'model.activation', values: ['tanh', 'tahn'] }] }),
    ).toMatch(
      /^axes\[0\]\.values\[1\]: model\.activation = "tahn" is invalid; expected one of .*\(did you mean "tanh"\?\)/,
    );
  });

  it('refuses malformed axes and sweep files', () => {
    expect(errorOf({ base: BASE, axes: [] })).toMatch(
      /^axes = \[\] is invalid; expected a non-empty array/,
    );
    expect(errorOf({ base: BASE, axes: [{ path: 'optimizer.lr' }] })).toBe(
      'axes[0] has no values; expected exactly one of values, logUniform, uniform, seeds',
    );
    expect(errorOf({ base: BASE, axes: [{ path: 'optimizer.lr', values: [0.1, 0.1] }] })).toMatch(
      /axes\[0\]\.values\[1\] = 0\.1 repeats axes\[0\]\.values\[0\]/,
    );
    expect(errorOf({ base: BASE, axes: [{ path: 'out', values: ['x'] }] })).toMatch(
      /cannot be swept/,
    );
    expect(errorOf({ base: BASE, axes: [{ seeds: 2 }], axis: 1 })).toMatch(
      /unknown top-level key "axis" \(did you mean "axes"\?\)/,
    );
    expect(
      errorOf({ base: { ...BASE, optimizer: { name: 'sgd', lr: -1 } }, axes: [{ seeds: 2 }] }),
    ).toBe('base: optimizer.lr = -1 is invalid; expected a number > 0');
  });

  it('draws log-uniform and uniform values from the seed, and expands seeds', () => {
    const s = parseSweepSpec(
      {
        base: BASE,
        axes: [
          { path: 'optimizer.lr', logUniform: { min: 1e-3, max: 1, count: 4, seed: 7 } },
          {
            path: 'train.batchSize',
            uniform: { min: 4, max: 32, count: 3, seed: 1, integer: true },
          },
          { seeds: 2 },
        ],
      },
      noFile,
    );
    // lr = exp(ln a + u (ln b − ln a)) with u the seeded generator's floats.
    const rng = new Rng(7);
    const want = Array.from({ length: 4 }, () =>
      Math.exp(Math.log(1e-3) + rng.float() * (Math.log(1) - Math.log(1e-3))),
    );
    expect(s.axes[0]?.values).toEqual(want);
    for (const v of s.axes[0]?.values as number[]) expect(v >= 1e-3 && v <= 1).toBe(true);
    const b = s.axes[1]?.values as number[];
    expect(b.every((v) => Number.isInteger(v) && v >= 4 && v <= 32)).toBe(true);
    expect(s.axes[2]).toMatchObject({ path: 'train.seed', kind: 'seeds', values: [0, 1] });
  });
});

describe('expandSweep', () => {
  it('is the product of the axes, first axis slowest, each point a validated config', () => {
    const s = parseSweepSpec(
      {
        base: BASE,
        axes: [
          { path: 'optimizer.lr', values: [0.1, 0.3] },
          { path: 'model.hidden', values: [[4], [4, 4], [8]] },
        ],
      },
      noFile,
    );
    const pts = expandSweep(s);
    expect(pts.map((p) => p.values)).toEqual([
      { 'optimizer.lr': 0.1, 'model.hidden': [4] },
      { 'optimizer.lr': 0.1, 'model.hidden': [4, 4] },
      { 'optimizer.lr': 0.1, 'model.hidden': [8] },
      { 'optimizer.lr': 0.3, 'model.hidden': [4] },
      { 'optimizer.lr': 0.3, 'model.hidden': [4, 4] },
      { 'optimizer.lr': 0.3, 'model.hidden': [8] },
    ]);
    expect(pts[4]?.config.model).toEqual({ name: 'mlp', hidden: [4, 4], activation: 'tanh' });
    expect(new Set(pts.map((p) => p.hash)).size).toBe(6);
    for (const p of pts) expect(p.hash).toBe(configHash(p.config));
  });

  it('hashes the config, not its key order or run directory', () => {
    const a = { model: { name: 'mlp', hidden: [4] }, train: { steps: 1, batchSize: 2 } };
    const b = { train: { batchSize: 2, steps: 1 }, model: { hidden: [4], name: 'mlp' } };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    const c1 = { ...BASE, out: 'x' } as never;
    const c2 = { ...BASE, out: 'y' } as never;
    expect(configHash(c1)).toBe(configHash(c2));
    expect(configHash(BASE as never)).not.toBe(configHash({ ...BASE, name: 'other' } as never));
  });

  it('names the point when a combination is refused', () => {
    const s = parseSweepSpec(
      {
        base: { ...BASE, optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 } },
        axes: [
          { path: 'optimizer.nesterov', values: [false, true] },
          { path: 'optimizer.momentum', values: [0.5, 0] },
        ],
      },
      noFile,
    );
    expect(() => expandSweep(s)).toThrow(
      /^point 3 \(optimizer\.nesterov=true, optimizer\.momentum=0\): /,
    );
  });
});

describe('examples/sweeps', () => {
  const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples/sweeps');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
    it(`${f} is a valid sweep`, () => {
      const s = readSweepFile(resolve(dir, f));
      expect(expandSweep(s).length).toBeGreaterThan(1);
      expect(JSON.parse(readFileSync(resolve(dir, f), 'utf8'))).toHaveProperty('axes');
    });
  }
});
