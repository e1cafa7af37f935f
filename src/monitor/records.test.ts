import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { DataLoader, gaussianMixture, type Batch } from '../data/index.js';
import { crossEntropy, mlp, Linear } from '../nn/index.js';
import { Optimizer, chain, sgd } from '../optim/index.js';
import { Tensor } from '../tensor/tensor.js';
import { gradientHealth, type GradientHealthOptions } from './gradient-health.js';
import { logHealthToJsonl } from './node.js';
import { layerOf } from './layers.js';
import { recurrentCells } from './state.js';
import { RECORD_FORMAT, RECORD_VERSION, modelSummary } from './records.js';
import {
  phraseRemedies,
  vanishingRemedies,
  explodingRemedies,
  type RemedyContext,
} from './remedies.js';

// The record format (docs/records.md) is what gradscope's own monitor writes: every line of a
// monitor.jsonl validates against schema/records.schema.json, whichever options wrote it.

const schema = JSON.parse(
  readFileSync(new URL('../../schema/records.schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(schema);

const data = gaussianMixture({ numClasses: 3, dim: 8, numSamples: 256 }, 4);
const batches: Batch[] = [];
for (const b of new DataLoader(data, { batchSize: 32, seed: 1, dropLast: true })) batches.push(b);

/** Trains `steps` updates with the monitor logging to a temp directory; returns the lines. */
function logLines(
  activation: 'relu' | 'sigmoid' | 'tanh',
  options: GradientHealthOptions,
  log: { params?: boolean; statsEvery?: number },
  steps: number,
  poison = -1,
  curvatureEvery = 0,
): Record<string, unknown>[] {
  const net = mlp({ sizes: [8, 16, 16, 3], activation, seed: 3 });
  if (activation === 'relu') (net.at(2) as Linear).bias?.data.fill(-4);
  const b0 = batches[0] as Batch;
  const health = gradientHealth({
    model: net,
    lr: 0.1,
    ...options,
    ...(curvatureEvery > 0
      ? {
          curvature: {
            every: curvatureEvery,
            loss: () => crossEntropy(net.forward(b0.x), b0.y as Int32Array),
          },
        }
      : {}),
  });
  const opt = new Optimizer(net, chain(health, sgd({ lr: 0.1, momentum: 0.9 })));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gradscope-records-'));
  try {
    const stop = logHealthToJsonl(health, dir, log);
    for (let i = 0; i < steps; i++) {
      const b = batches[i % batches.length] as Batch;
      let x = b.x;
      if (i === poison) {
        x = new Tensor(Float32Array.from(b.x.data), b.x.shape);
        x.data[5] = NaN;
      }
      opt.zeroGrad();
      const loss = crossEntropy(net.forward(x), b.y as Int32Array);
      loss.backward();
      health.watch(loss);
      opt.step({ loss: loss.item() });
    }
    stop();
    return readFileSync(path.join(dir, 'monitor.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function expectValid(lines: Record<string, unknown>[]): void {
  for (const [i, rec] of lines.entries()) {
    const ok = validate(rec);
    if (!ok) throw new Error(`line ${i + 1}: ${ajv.errorsText(validate.errors)}`);
  }
}

describe('the record format: schema/records.schema.json', () => {
  it('is a valid draft-07 schema', () => {
    expect(ajv.validateSchema(schema)).toBe(true);
    expect(schema['$schema']).toBe('http://json-schema.org/draft-07/schema#');
  });

  it("validates every line gradscope's monitor writes: ReLU probes, per-parameter stats, a NaN with its trace, verdicts", () => {
    const lines = logLines('relu', {}, { params: true }, 40, 30);
    expectValid(lines);
    const header = lines[0] as Record<string, unknown>;
    expect(header).toMatchObject({
      type: 'header',
      format: RECORD_FORMAT,
      version: RECORD_VERSION,
      framework: 'gradscope',
      layers: ['0', '2', '4'],
      // 8·16 + 16 + 16·16 + 16 + 16·3 + 3
      model: { numParameters: 467 },
    });
    const kinds = new Set(lines.map((l) => l['type']));
    expect(kinds).toEqual(new Set(['header', 'stats', 'verdict']));
    const traced = lines.find((l) => l['type'] === 'stats' && l['trace'] !== undefined);
    expect(traced?.['finite']).toBe(false);
    expect(lines.some((l) => l['kind'] === 'deadUnits')).toBe(true);
  });

  it('validates sigmoid/tanh probes, direction tracking, curvature probes and sampled stats (recordEvery)', () => {
    const sig = logLines('sigmoid', { direction: true }, {}, 12, -1, 5);
    expectValid(sig);
    expect(sig.some((l) => l['curvature'] !== undefined)).toBe(true);
    const sampled = logLines('tanh', {}, { statsEvery: 4 }, 12);
    expectValid(sampled);
    expect(sampled[0]?.['recordEvery']).toBe(4);
    expect(sampled.filter((l) => l['type'] === 'stats').map((l) => l['check'])).toEqual([1, 5, 9]);
  });

  it('refuses lines that break it: a count that is NaN, an unknown version, a missing required field', () => {
    const lines = logLines('tanh', {}, { params: true }, 2);
    const stats = lines[1] as Record<string, unknown>;
    expect(validate({ ...stats, nonFinite: 'NaN' })).toBe(false);
    expect(validate({ ...lines[0], version: 2 })).toBe(false);
    const { layers: _drop, ...noLayers } = stats;
    expect(validate(noLayers)).toBe(false);
    expect(validate({ ...stats, loss: 'NaN', totalGradNorm: 'Infinity', lr: null })).toBe(true);
  });
});

describe('PyTorch parameter names', () => {
  it("recurrent layers: weight_hh_l{k} is a recurrent cell (for the remedies) in layer 'rnn.l{k}'", () => {
    const cells = recurrentCells(
      [
        { name: 'rnn.weight_ih_l0', shape: [48, 8] },
        { name: 'rnn.weight_hh_l0', shape: [48, 12] },
        { name: 'rnn.weight_hh_l1', shape: [12, 12] },
      ],
      layerOf,
    );
    expect([...cells]).toEqual([
      ['rnn.l0', 'lstm'],
      ['rnn.l1', 'rnn'],
    ]);
  });
});

describe('modelSummary', () => {
  it('counts the trainable scalars', () => {
    expect(modelSummary([{ shape: [4, 3] }, { shape: [4] }], 'mlp')).toEqual({
      name: 'mlp',
      numParameters: 16,
    });
  });
});

describe('remedies phrased per framework (the one table in remedies.ts)', () => {
  const ctx: RemedyContext = {
    declared: {},
    layerNames: ['0', '2', '4', '6'],
    activationOf: new Map([
      ['0', 'sigmoid'],
      ['2', 'sigmoid'],
      ['4', 'sigmoid'],
    ]),
    recurrentOf: new Map(),
    lr: 0.1,
    effectiveLr: NaN,
    healthyMedianNorm: 1.8,
    anomaly: null,
    origin: null,
  };
  it('clipping: torch.nn.utils.clip_grad_norm_ for PyTorch, clipByGlobalNorm for TF.js, clip.byGlobalNorm for gradscope', () => {
    const rs = explodingRemedies(ctx, ['0'], 1.8);
    expect(rs[0]?.action).toEqual({ action: 'clip', kind: 'globalNorm', maxNorm: 1.8 });
    expect(phraseRemedies(rs, 'gradscope', ctx.layerNames)[0]?.text).toMatch(
      /clip\.byGlobalNorm.*1\.8/,
    );
    expect(phraseRemedies(rs, 'pytorch', ctx.layerNames)[0]?.text).toMatch(
      /^torch\.nn\.utils\.clip_grad_norm_\(model\.parameters\(\), 1\.8\)/,
    );
    expect(phraseRemedies(rs, 'tfjs', ctx.layerNames)[0]?.text).toMatch(
      /clipByGlobalNorm\(grads, 1\.8\)/,
    );
    expect(phraseRemedies(rs, 'jax', ctx.layerNames)[0]?.text).toBe(
      "clip the gradients' global norm at 1.8 before each update",
    );
    // the learning rate: 10× lower, named for each framework
    expect(phraseRemedies(rs, 'pytorch', ctx.layerNames)[1]?.text).toMatch(/g\['lr'\] = 0\.01/);
  });
  it('vanishing: nn.ReLU + kaiming_normal_ for PyTorch, heNormal for TF.js; ranks, actions and reasons unchanged', () => {
    const rs = vanishingRemedies(ctx, ['0', '2', '4']);
    const pt = phraseRemedies(rs, 'pytorch', ctx.layerNames);
    expect(pt[0]?.text).toBe(
      "replace nn.Sigmoid by nn.ReLU (with nn.init.kaiming_normal_(m.weight, nonlinearity='relu')) after layers 0–4",
    );
    expect(pt[1]?.text).toMatch(/^nn\.init\.kaiming_normal_/);
    expect(phraseRemedies(rs, 'tfjs', ctx.layerNames)[1]?.text).toBe(
      "kernelInitializer: 'heNormal' for layers 0–4",
    );
    expect(pt.map((r) => [r.rank, r.action, r.why])).toEqual(
      rs.map((r) => [r.rank, r.action, r.why]),
    );
  });
});
