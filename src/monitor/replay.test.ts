import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../errors.js';
import { DataLoader, gaussianMixture, type Batch } from '../data/index.js';
import { Linear, crossEntropy, mlp } from '../nn/index.js';
import { Optimizer, chain, serializeState, sgd } from '../optim/index.js';
import type { Params } from '../optim/types.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { gradientHealth, type GradientHealth } from './gradient-health.js';
import { logHealthToJsonl } from './node.js';
import { createReplayer, replay } from './replay.js';

/** Runs `train` with the monitor logging to a temp run directory; returns the log's text. */
function logged(health: GradientHealth, train: () => void): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gradscope-replay-'));
  try {
    const stop = logHealthToJsonl(health, dir);
    train();
    stop();
    return readFileSync(path.join(dir, 'monitor.jsonl'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Bit-exact equality of verdict lists (NaN and ±Infinity included). */
const bits = (x: unknown): string => JSON.stringify(serializeState(x));

const data = gaussianMixture({ numClasses: 4, dim: 16, numSamples: 512 }, 11);
const batches: Batch[] = [];
for (const b of new DataLoader(data, { batchSize: 32, seed: 2, dropLast: true })) batches.push(b);

function trainNet(
  net: ReturnType<typeof mlp>,
  health: GradientHealth,
  steps: number,
  poison = -1,
): void {
  const opt = new Optimizer(net, chain(health, sgd({ lr: 0.1, momentum: 0.9 })));
  for (let i = 0; i < steps; i++) {
    const b = batches[i % batches.length] as Batch;
    let x = b.x;
    if (i === poison) {
      x = new Tensor(Float32Array.from(b.x.data), b.x.shape);
      x.data[3 * 16 + 5] = NaN;
    }
    opt.zeroGrad();
    const loss = crossEntropy(net.forward(x), b.y as Int32Array);
    loss.backward();
    health.watch(loss);
    opt.step({ loss: loss.item() });
  }
}

describe('replay of a monitor log through the detector table', () => {
  it('a 10-layer sigmoid MLP (vanishing): the same verdicts, bit for bit, as the live run', () => {
    const net = mlp({
      sizes: [16, ...Array<number>(9).fill(32), 4],
      activation: 'sigmoid',
      seed: 0,
    });
    const health = gradientHealth({ model: net, lr: 0.1, emitResolved: true });
    const text = logged(health, () => trainNet(net, health, 120));
    expect(health.verdicts.map((v) => v.kind)).toContain('vanishing');
    const r = replay(text);
    expect(r.checks).toBe(120);
    expect(bits(r.verdicts)).toBe(bits(health.verdicts));
    expect(bits(r.active)).toBe(bits(health.activeVerdicts()));
  });

  it('ReLU nets: dead units, and a NaN input traced to its batch row (the trace travels in the record)', () => {
    const net = mlp({ sizes: [16, 32, 32, 4], seed: 13 });
    (net.at(2) as Linear).bias?.data.fill(-5);
    const health = gradientHealth({ model: net, lr: 0.1 });
    const text = logged(health, () => trainNet(net, health, 40, 30));
    const kinds = health.verdicts.map((v) => v.kind);
    expect(kinds).toContain('deadUnits');
    expect(kinds).toContain('nonFinite');
    const nf = health.verdicts.find((v) => v.kind === 'nonFinite');
    expect(nf?.step).toBe(31);
    expect(nf?.message).toMatch(/traced to the input/);
    expect(bits(replay(text).verdicts)).toBe(bits(health.verdicts));
  });

  it('synthetic gradients with every model-wide kind (spike, growth, vanishing, plateau, oscillation, nonFinite), resolved notices and direction tracking', () => {
    const params: Params = {
      '0.weight': new Tensor(new Float64Array(4).fill(1), [4]),
      '1.weight': new Tensor(new Float64Array(4).fill(1), [4]),
    };
    const updates: Params = {
      '0.weight': new Tensor(new Float64Array(4), [4]),
      '1.weight': new Tensor(new Float64Array(4), [4]),
    };
    const health = gradientHealth({
      direction: true,
      emitResolved: true,
      lr: 0.1,
      thresholds: { cooldown: 5, resolveAfter: 5, plateauWindow: 20 },
    });
    const rng = new Rng(5);
    let state = health.init(params);
    const step = (n0: number, n1: number, loss: number, sign = 1): void => {
      (updates['0.weight'] as Tensor).data.fill((sign * n0) / 2);
      (updates['1.weight'] as Tensor).data.fill((sign * n1) / 2);
      for (const p of Object.values(params)) p.data[0] = (p.data[0] as number) - 1e-3;
      state = health.update(updates, state, params, { loss })[1];
    };
    const text = logged(health, () => {
      for (let i = 0; i < 30; i++) step(1, Math.exp(0.2 * rng.normal()), 1 + 0.01 * rng.normal());
      step(1, 200, 1); // spike (≥ 100× the running mean since issue 20: spikeFactor 100)
      for (let i = 0; i < 12; i++) step(1e-9, 1, 2); // vanishing
      for (let i = 0; i < 30; i++) step(1e-6, 1e-6, 1 + 1e-5 * Math.sin(i)); // plateau
      for (let i = 0; i < 30; i++) step(1, 1, 1, (-1) ** i); // gradients flipping: oscillation
      let n = 1e-4;
      for (let i = 0; i < 25; i++) step(n, (n *= 1.5), 1); // growth
      step(1, NaN, 1); // nonFinite
      step(Infinity, 1, 1);
      for (let i = 0; i < 10; i++) step(1, 1, 1);
    });
    const kinds = new Set(health.verdicts.map((v) => v.kind));
    for (const k of ['exploding', 'vanishing', 'plateau', 'oscillation', 'nonFinite'])
      expect(kinds).toContain(k);
    expect(health.verdicts.some((v) => v.status === 'resolved')).toBe(true);
    const r = replay(text);
    expect(bits(r.verdicts)).toBe(bits(health.verdicts));
    expect(bits(r.active)).toBe(bits(health.activeVerdicts()));
  });

  it('bad input: a DataError naming the line and the field', () => {
    expect(() => replay('{"type":"stats"}')).toThrow(/line 1: expected a header/);
    const net = mlp({ sizes: [4, 3, 2], seed: 0 });
    const health = gradientHealth({ model: net });
    new Optimizer(net, chain(health, sgd({ lr: 0.1 })));
    const head = JSON.stringify(health.header());
    expect(() => replay(`${head}\n{"type":"stats","step":1,"check":1}`)).toThrow(DataError);
    expect(() => replay(`${head}\n{"type":"stats","step":-1}`)).toThrow(/line 2: step = -1/);
    expect(() => replay(`${head}\nnot json`)).toThrow(/line 2: not JSON/);
  });

  it('bad records (truncated line, unknown version, missing layer, NaN where a count belongs): lenient mode names the line and field, skips it, and diagnoses the rest', () => {
    const net = mlp({
      sizes: [16, ...Array<number>(9).fill(32), 4],
      activation: 'sigmoid',
      seed: 0,
    });
    const health = gradientHealth({ model: net, lr: 0.1 });
    const text = logged(health, () => trainNet(net, health, 40));
    const lines = text.trim().split('\n');
    const stats = (i: number): Record<string, unknown> =>
      JSON.parse(lines[i] as string) as Record<string, unknown>;
    const head = stats(0);
    lines[0] = JSON.stringify({ ...head, version: 2 });
    lines[3] = (lines[3] as string).slice(0, 80); // truncated
    const r5 = stats(5);
    lines[5] = JSON.stringify({ ...r5, layers: (r5['layers'] as unknown[]).slice(0, 9) }); // missing layer
    lines[7] = JSON.stringify({ ...stats(7), nonFinite: 'NaN' }); // NaN where a count belongs
    const r9 = stats(9);
    const l9 = [...(r9['layers'] as Record<string, unknown>[])];
    l9[4] = { ...l9[4], gradNorm: 'abc' };
    lines[9] = JSON.stringify({ ...r9, layers: l9 });
    const bad = lines.join('\n');
    expect(() => replay(bad)).toThrow(/line 1: version = 2 is not supported/);
    const r = replay(bad, { lenient: true });
    expect(r.errors.map((e) => e.line)).toEqual([1, 4, 6, 8, 10]);
    expect(r.errors[0]?.message).toMatch(/^version = 2 is not supported; expected 1/);
    expect(r.errors[1]?.message).toMatch(/^not JSON \(a truncated line\?\)/);
    expect(r.errors[2]?.message).toBe(
      'layers has 9 entries; expected 10 (the header\'s layers): missing "18"',
    );
    expect(r.errors[3]?.message).toBe(
      'nonFinite = "NaN" is invalid; expected an integer >= 0 (a count)',
    );
    expect(r.errors[4]?.message).toMatch(/^layers\[4\]\.gradNorm = "abc" is invalid/);
    // the other 36 checks are still diagnosed: vanishing, as in the live run
    expect(r.checks).toBe(36);
    expect(r.verdicts.map((v) => v.kind)).toEqual(['vanishing']);
    expect(r.notes.some((n) => n.startsWith('records are sampled'))).toBe(true);
  });

  it("other frameworks: remedies phrased for the header's framework, notes for what records cannot check", () => {
    const net = mlp({
      sizes: [16, ...Array<number>(9).fill(32), 4],
      activation: 'sigmoid',
      seed: 0,
    });
    const health = gradientHealth({ model: net, lr: 0.1 });
    const text = logged(health, () => trainNet(net, health, 20));
    const lines = text.trim().split('\n');
    const head = JSON.parse(lines[0] as string) as Record<string, unknown>;
    lines[0] = JSON.stringify({ ...head, framework: 'pytorch' });
    const r = replay(lines.join('\n'));
    expect(r.header.framework).toBe('pytorch');
    const v = r.verdicts[0];
    expect(v?.kind).toBe('vanishing');
    expect(v?.remedies[0]?.text).toMatch(/^replace nn\.Sigmoid by nn\.ReLU/);
    expect(bits(v?.evidence)).toBe(bits(health.verdicts[0]?.evidence));
    expect(r.notes[0]).toMatch(/^saddle not checked/);
    // without activation probes: saturated and deadUnits cannot be checked, and say so
    const bare = lines.map((l, i) => {
      if (i === 0) return l;
      const { activations: _a, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify(rest);
    });
    expect(replay(bare.join('\n')).notes).toContain(
      'saturated and deadUnits not checked: the records have no activation probes',
    );
  });

  it('createReplayer: records fed one at a time give the same verdicts as a whole replay', () => {
    const net = mlp({
      sizes: [16, ...Array<number>(9).fill(32), 4],
      activation: 'sigmoid',
      seed: 0,
    });
    const health = gradientHealth({ model: net, lr: 0.1 });
    const text = logged(health, () => trainNet(net, health, 30));
    const lines = text.trim().split('\n');
    const r = createReplayer(JSON.parse(lines[0] as string));
    const seen: string[] = [];
    lines.slice(1).forEach((l, i) => {
      for (const v of r.pushLine(l, i + 2)) seen.push(`${v.step}:${v.kind}`);
    });
    expect(seen).toEqual(health.verdicts.map((v) => `${v.step}:${v.kind}`));
    expect(bits(r.result().verdicts)).toBe(bits(replay(text).verdicts));
  });
});
