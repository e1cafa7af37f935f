import { describe, expect, it } from 'vitest';
import { spiral } from '../data/toy-2d.js';
import { mlp } from '../nn/index.js';
import { Optimizer, sgd } from '../optim/index.js';
import { Rng } from '../tensor/rng.js';
import { CheckpointError } from './checkpoint-error.js';
import { captureCheckpoint, parseCheckpoint, serializeCheckpoint } from './checkpoint.js';
import { fit } from './fit.js';
import { MemoryRunLog } from './run-log.js';

// Issue 15: a well-checksummed checkpoint with `fit: null` used to resume silently with the loop's
// running sums reset; fit now refuses it, naming the field, before anything is changed.
describe('resuming from a checkpoint without fit state', () => {
  it('is a CheckpointError naming the fit state', async () => {
    const data = spiral(0, { numSamples: 20 });
    const net = (): ReturnType<typeof mlp> => mlp({ sizes: [2, 8, 3], rng: new Rng(1) });
    const model = net();
    const log = new MemoryRunLog();
    await fit(model, new Optimizer(model, sgd({ lr: 0.1 })), data, {
      steps: 3,
      batchSize: 16,
      runDir: log,
      silent: true,
    });
    if (log.checkpoint === null) throw new Error('no checkpoint written');
    const ckpt = parseCheckpoint(log.checkpoint);
    const crafted = parseCheckpoint(serializeCheckpoint({ ...ckpt, fit: null }));
    const other = net();
    const before = JSON.stringify(captureCheckpoint({ model: other }).model);
    await expect(
      fit(other, new Optimizer(other, sgd({ lr: 0.1 })), data, {
        steps: 6,
        batchSize: 16,
        resumeFrom: crafted,
        silent: true,
      }),
    ).rejects.toThrow(CheckpointError);
    await expect(
      fit(other, new Optimizer(other, sgd({ lr: 0.1 })), data, {
        steps: 6,
        batchSize: 16,
        resumeFrom: crafted,
        silent: true,
      }),
    ).rejects.toThrow(/fit state is null/);
    expect(JSON.stringify(captureCheckpoint({ model: other }).model)).toBe(before);
  });
});
