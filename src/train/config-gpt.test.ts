import { describe, expect, it } from 'vitest';
import '../autograd/backward.js';
import { charCorpus, loadFirstNames, unigramLoss } from '../data/char-text.js';
import type { GPT } from '../nn/gpt.js';
import { parseCheckpoint } from './checkpoint.js';
import { validationLoss } from './char-lm.js';
import { parseTrainConfig, type TrainConfig } from './config.js';
import { buildTrainRun } from './config-build.js';
import { fit } from './fit.js';
import { MemoryRunLog } from './run-log.js';

// Issue 19: `gradscope train --config` trains the character-level GPT on the bundled names.
// A small model (1 block, width 16, context 8) keeps the runs to a few seconds.
const SMALL = {
  name: 'names-small',
  model: { name: 'gpt', context: 8, layers: 1, heads: 2, embed: 16, norm: 'post', dropout: 0.1 },
  data: { name: 'names', stride: 3 },
  optimizer: { name: 'adamw', lr: 3e-3, b2: 0.99, weightDecay: 0 },
  schedule: { name: 'linear', startFactor: 0.1, endFactor: 1, totalIters: 10 },
  clip: { name: 'byGlobalNorm', maxNorm: 1 },
  monitor: true,
  train: { steps: 40, batchSize: 16, seed: 3, evalEvery: 20, logEvery: 5 },
};

const config = (patch: Record<string, unknown> = {}): TrainConfig =>
  parseTrainConfig({ ...structuredClone(SMALL), ...patch });
const model = (patch: Record<string, unknown>): Record<string, unknown> => ({
  model: { ...SMALL.model, ...patch },
});

describe('train config: model "gpt" on data "names"', () => {
  it('validation errors name the field path, the value and what is allowed', () => {
    expect(() => config(model({ heads: 3 }))).toThrow(
      /model\.heads = 3 is invalid; expected a divisor of model\.embed = 16/,
    );
    expect(() => config(model({ norm: 'middle' }))).toThrow(/model\.norm = "middle"/);
    expect(() => config(model({ context: 0 }))).toThrow(/model\.context = 0/);
    expect(() => config(model({ dropout: 1 }))).toThrow(/model\.dropout = 1/);
    expect(() => config(model({ hidden: [4] }))).toThrow(/model.*hidden/);
    expect(() => config({ data: { name: 'names', stride: 0 } })).toThrow(/data\.stride = 0/);
    expect(() => config({ data: { name: 'names', valFraction: 1 } })).toThrow(
      /data\.valFraction = 1/,
    );
    expect(() => config({ data: { name: 'spiral' } })).toThrow(
      /model\.name = "gpt" needs token data: data\.name = "spiral" .* use data "names"/,
    );
    expect(() => config({ model: { name: 'mlp', hidden: [8] } })).toThrow(
      /model\.name = "mlp" cannot read token windows: data\.name = "names" .* use model "gpt"/,
    );
    expect(() =>
      config({
        train: { ...SMALL.train, earlyStopping: { monitor: 'val.accuracy', patience: 2 } },
      }),
    ).toThrow(/train\.earlyStopping\.monitor = "val\.accuracy" is not a logged value/);
  });

  it('builds the windows, the model over the vocabulary, and reports the validation loss per character', async () => {
    const run = await buildTrainRun(config());
    const corpus = charCorpus(await loadFirstNames());
    // Training windows every 3 tokens of the training stream, validation every consecutive
    // window of 8 tokens of the validation stream (as train.validationLoss).
    expect(run.train.length).toBe(Math.floor((corpus.train.length - 1 - 8) / 3) + 1);
    expect(run.test?.length).toBe(Math.floor((corpus.val.length - 1) / 8));
    expect(run.task.outputSize).toBe(28);
    const gpt = run.model as GPT;
    expect(gpt.config).toMatchObject({ vocab: 28, context: 8, norm: 'post', dropout: 0.1 });
    const s = await fit(run.model, run.optimizer, run.train, { ...run.fit, log: 'silent' });
    expect(s.steps).toBe(40);
    // The monitor was told the unigram level and the norm placement.
    expect(run.monitor?.header().declared).toEqual({
      baselineLoss: unigramLoss(corpus),
      baselineName: 'the unigram model',
      transformerNorm: 'post',
    });
    // val.loss is the mean next-character cross-entropy over the validation stream: the same
    // number train.validationLoss computes (different batching: summation order only).
    const val = s.metrics['val.loss'] as number;
    expect(Math.abs(val - validationLoss(gpt, corpus.val))).toBeLessThan(1e-5);
    expect(val).toBeLessThan(Math.log(28));
  });

  it('resumes to the same bits: a run interrupted at step 17 and resumed equals the straight run', async () => {
    const straight = await buildTrainRun(config());
    const logA = new MemoryRunLog();
    await fit(straight.model, straight.optimizer, straight.train, {
      ...straight.fit,
      runDir: logA,
      log: 'silent',
    });

    const first = await buildTrainRun(config());
    const stop = new AbortController();
    const logB = new MemoryRunLog();
    const s1 = await fit(first.model, first.optimizer, first.train, {
      ...first.fit,
      runDir: logB,
      log: 'silent',
      signal: stop.signal,
      callbacks: [
        ...(first.fit.callbacks ?? []),
        { onStep: (info) => (info.step === 17 ? stop.abort() : undefined) },
      ],
    });
    expect(s1.interrupted).toBe(true);
    expect(s1.steps).toBe(17);
    if (logB.checkpoint === null) throw new Error('no checkpoint');

    // Built with another seed: every bit must come from the checkpoint (weights, Adam and
    // monitor state, the loader's shuffle, the dropout generator).
    const resumed = await buildTrainRun(config({ train: { ...SMALL.train, seed: 99 } }));
    const s2 = await fit(resumed.model, resumed.optimizer, resumed.train, {
      ...resumed.fit,
      callbacks: [...(resumed.fit.callbacks ?? []), { onStep: () => undefined }],
      resumeFrom: parseCheckpoint(logB.checkpoint),
      log: 'silent',
    });
    expect(s2.steps).toBe(40);
    expect(Array.from(resumed.model.arena().params)).toEqual(
      Array.from(straight.model.arena().params),
    );
    expect(resumed.monitor?.state?.checks).toBe(straight.monitor?.state?.checks);
    expect(s2.metrics['val.loss']).toBe(logA.records.at(-1)?.metrics['val.loss'] ?? Number.NaN);
  });
});
