import { describe, expect, it } from 'vitest';
import { DataLoader } from '../data/data-loader.js';
import { spiral } from '../data/toy-2d.js';
import { DataError } from '../errors.js';
import { BatchNorm1d, Dropout, Linear, ReLU, Sequential, crossEntropy } from '../nn/index.js';
import { gradientHealth } from '../monitor/gradient-health.js';
import { Optimizer, adam, chain, sgd } from '../optim/index.js';
import { CheckpointError } from './checkpoint-error.js';
import {
  captureCheckpoint,
  parseCheckpoint,
  restoreCheckpoint,
  serializeCheckpoint,
  type Checkpoint,
} from './checkpoint.js';
import { findRngs } from './rngs.js';

/** A model with parameters, buffers (BatchNorm running statistics) and a dropout generator. */
function makeModel(seed: number, hidden = 16): Sequential {
  return new Sequential(
    new Linear(2, hidden, { seed }),
    new BatchNorm1d(hidden, { seed: seed + 1 }),
    new ReLU(),
    new Dropout(0.3, { seed: seed + 2 }),
    new Linear(hidden, 3, { seed: seed + 3 }),
  );
}

function setup(seed: number, hidden = 16, batchSize = 20) {
  const model = makeModel(seed, hidden);
  const optimizer = new Optimizer(model, adam({ lr: 1e-2 }));
  const loader = new DataLoader(spiral(0, { numSamples: 50 }), { batchSize, seed: seed + 10 });
  return { model, optimizer, loader };
}

function train(s: ReturnType<typeof setup>, steps: number): number[] {
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const b = s.loader.nextBatch();
    s.optimizer.zeroGrad();
    const loss = crossEntropy(s.model.forward(b.x), b.y);
    loss.backward();
    s.optimizer.step({ loss: loss.item() });
    losses.push(loss.item());
  }
  return losses;
}

/** Every bit of the model's state: parameters, buffers, generators. */
function modelBits(m: Sequential): string {
  const parts: string[] = [];
  for (const [name, t] of Object.entries(m.stateDict())) {
    parts.push(
      name,
      Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('hex'),
    );
  }
  for (const [name, r] of findRngs(m)) parts.push(name, r.state().join(','));
  return parts.join('|');
}

describe('checkpoints', () => {
  it('restore parameters, buffers, optimizer state, generators and data position bit-exactly', () => {
    const a = setup(1);
    train(a, 7); // mid-epoch: 150 samples / 20 per batch = 8 batches per epoch
    const text = serializeCheckpoint(
      captureCheckpoint({ model: a.model, optimizer: a.optimizer, loader: a.loader }),
    );
    const b = setup(99); // different init, different generators, fresh optimizer
    expect(modelBits(b.model)).not.toBe(modelBits(a.model));
    restoreCheckpoint(parseCheckpoint(text), b);
    expect(modelBits(b.model)).toBe(modelBits(a.model));
    expect(JSON.stringify(b.optimizer.stateDict())).toBe(JSON.stringify(a.optimizer.stateDict()));
    expect(b.loader.state()).toEqual(a.loader.state());
    // Continuing both gives the same losses and the same bits (dropout masks and batch order included).
    const la = train(a, 12);
    const lb = train(b, 12);
    expect(lb).toEqual(la);
    expect(modelBits(b.model)).toBe(modelBits(a.model));
  });

  it('keeps exact bits through JSON (float32 values, NaN in state)', () => {
    const a = setup(2);
    train(a, 3);
    const w = a.model.namedParameters()['0.weight'];
    if (!w) throw new Error('no 0.weight');
    w.data[0] = NaN;
    w.data[1] = -0;
    w.data[2] = 1e-45; // a float32 subnormal
    const ckpt = parseCheckpoint(
      serializeCheckpoint(captureCheckpoint({ model: a.model, optimizer: a.optimizer })),
    );
    const b = setup(3);
    // Non-finite weights are refused unless asked for explicitly (issue 15).
    expect(() => restoreCheckpoint(ckpt, { model: b.model, optimizer: b.optimizer })).toThrow(
      /model\["0\.weight"\]\[0\] = NaN: the saved weights are not finite/,
    );
    restoreCheckpoint(ckpt, { model: b.model, optimizer: b.optimizer }, 'checkpoint', {
      allowNonFinite: true,
    });
    expect(modelBits(b.model)).toBe(modelBits(a.model));
  });

  it("refuses non-finite moments but restores a monitor's NaN statistics ('not measured')", () => {
    const model = makeModel(4);
    const health = gradientHealth({ model });
    const optimizer = new Optimizer(model, chain(health, adam({ lr: 1e-2 })));
    const loader = new DataLoader(spiral(0, { numSamples: 50 }), { batchSize: 20, seed: 1 });
    for (let i = 0; i < 3; i++) {
      const b = loader.nextBatch();
      optimizer.zeroGrad();
      const l = crossEntropy(model.forward(b.x), b.y);
      l.backward();
      optimizer.step({ loss: l.item() });
    }
    // The monitor's state holds NaN for what it did not measure (e.g. stats.updateGradNorm).
    const text = serializeCheckpoint(captureCheckpoint({ model, optimizer }));
    const model2 = makeModel(5);
    const opt2 = new Optimizer(
      model2,
      chain(gradientHealth({ model: model2 }), adam({ lr: 1e-2 })),
    );
    restoreCheckpoint(parseCheckpoint(text), { model: model2, optimizer: opt2 });
    expect(modelBits(model2)).toBe(modelBits(model));
    // A NaN in Adam's second moment is a diverged state: refused.
    const nu = ((optimizer.state as unknown[])[1] as { nu: Record<string, Float32Array> }).nu;
    (nu['0.weight'] as Float32Array)[3] = NaN;
    const bad = parseCheckpoint(serializeCheckpoint(captureCheckpoint({ model, optimizer })));
    expect(() => restoreCheckpoint(bad, { model: model2, optimizer: opt2 })).toThrow(
      /optimizer\.state\[1\]\.nu\.0\.weight\[3\] = NaN: the saved optimizer state is not finite/,
    );
  });

  it('refuses well-checksummed checkpoints with implausible fields, naming the field', () => {
    const a = setup(5);
    train(a, 2);
    const ckpt = captureCheckpoint({ model: a.model, optimizer: a.optimizer, loader: a.loader });
    const crafted = (patch: Record<string, unknown>): string =>
      serializeCheckpoint({ ...ckpt, ...patch } as Checkpoint);
    expect(() => parseCheckpoint(crafted({ step: 1e308 }), 'ck.json')).toThrow(
      /ck\.json: step = 1e\+308 is not a non-negative safe integer/,
    );
    expect(() => parseCheckpoint(crafted({ step: 2.5 }), 'ck.json')).toThrow(/step = 2\.5/);
    expect(() => parseCheckpoint(crafted({ epoch: -1 }), 'ck.json')).toThrow(/epoch = -1/);
    expect(() => parseCheckpoint(crafted({ fit: 5 }), 'ck.json')).toThrow(
      /fit = 5 is neither null nor an object/,
    );
    expect(() => parseCheckpoint(crafted({ savedAt: null }), 'ck.json')).toThrow(
      /savedAt = null is not a string/,
    );
    const badOpt = { ...ckpt.optimizer, step: 1e300 };
    expect(() => parseCheckpoint(crafted({ optimizer: badOpt }), 'ck.json')).toThrow(
      /optimizer\.step = 1e\+300/,
    );
    const badLoader = { ...ckpt.loader, index: null };
    expect(() => parseCheckpoint(crafted({ loader: badLoader }), 'ck.json')).toThrow(
      /loader\.index = null/,
    );
    // The untouched checkpoint still loads.
    expect(parseCheckpoint(crafted({}), 'ck.json').step).toBe(ckpt.step);
  });

  it('refuses corrupt text with a message naming the problem', () => {
    const a = setup(4);
    train(a, 2);
    const text = serializeCheckpoint(
      captureCheckpoint({ model: a.model, optimizer: a.optimizer, loader: a.loader }),
    );
    // One character of the body changed (inside a base64 payload): checksum mismatch.
    const i = text.indexOf('"b64":"') + 10;
    const flipped = text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1);
    expect(() => parseCheckpoint(flipped, 'ck.json')).toThrow(/ck\.json: checksum mismatch/);
    expect(() => parseCheckpoint(text.slice(0, text.length - 1000), 'ck.json')).toThrow(
      /ck\.json: is truncated/,
    );
    expect(() => parseCheckpoint(text.slice(0, 30), 'ck.json')).toThrow(/truncated/);
    expect(() => parseCheckpoint('', 'ck.json')).toThrow(/is empty/);
    expect(() => parseCheckpoint('hello, world', 'ck.json')).toThrow(/is not JSON/);
    expect(() => parseCheckpoint('{"weights":[1,2]}', 'ck.json')).toThrow(
      /not a gradscope checkpoint/,
    );
    expect(() => parseCheckpoint(text.replace('"version":1', '"version":7'), 'ck.json')).toThrow(
      /version 7/,
    );
    try {
      parseCheckpoint(flipped);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CheckpointError);
      expect(e).toBeInstanceOf(DataError);
    }
  });

  it('refuses a checkpoint of another model and changes nothing', () => {
    const a = setup(5, 16);
    train(a, 2);
    const ckpt = captureCheckpoint({ model: a.model, optimizer: a.optimizer, loader: a.loader });
    const b = setup(6, 8); // hidden width 8 instead of 16
    const before = modelBits(b.model);
    const optBefore = JSON.stringify(b.optimizer.stateDict());
    expect(() => restoreCheckpoint(ckpt, b)).toThrow(
      /"0\.weight" has shape \[16, 2\] in the checkpoint but \[8, 2\] in this model/,
    );
    expect(modelBits(b.model)).toBe(before);
    expect(JSON.stringify(b.optimizer.stateDict())).toBe(optBefore);

    const c = new Sequential(new Linear(2, 3, { seed: 0 }));
    expect(() => restoreCheckpoint(ckpt, { model: c })).toThrow(
      /missing in the checkpoint: 0\.bias|not in this model: .*1\.weight/,
    );
  });

  it('refuses another optimizer without touching the (fitting) model', () => {
    const a = setup(7);
    train(a, 2);
    const ckpt = captureCheckpoint({ model: a.model, optimizer: a.optimizer });
    const model = makeModel(8);
    const optimizer = new Optimizer(model, sgd({ lr: 0.1, momentum: 0.9 }));
    const before = modelBits(model);
    expect(() => restoreCheckpoint(ckpt, { model, optimizer })).toThrow(
      /optimizer state does not fit this optimizer/,
    );
    expect(modelBits(model)).toBe(before);
  });

  it('refuses a data loader with other options', () => {
    const a = setup(9);
    train(a, 2);
    const ckpt = captureCheckpoint({ model: a.model, optimizer: a.optimizer, loader: a.loader });
    const b = setup(10, 16, 25);
    const before = modelBits(b.model);
    expect(() => restoreCheckpoint(ckpt, b)).toThrow(
      /data loader batchSize is 20 in the checkpoint but 25/,
    );
    expect(modelBits(b.model)).toBe(before);
  });

  it('finds the generators of a model by module path', () => {
    const m = makeModel(0);
    expect([...findRngs(m).keys()]).toEqual(['3.rng']);
  });
});
