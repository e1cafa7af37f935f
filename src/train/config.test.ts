import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { byGlobalNorm } from '../clip/by-global-norm.js';
import { createDataset } from '../data/dataset.js';
import type { MnistOptions, MnistSplit } from '../data/mnist.js';
import { temporalOrder } from '../data/temporal-order.js';
import { ConfigError } from '../errors.js';
import { addDecayedWeights } from '../optim/add-decayed-weights.js';
import { adam } from '../optim/adam.js';
import { chain } from '../optim/chain.js';
import { scaleByAdam } from '../optim/scale-by-adam.js';
import { scaleByLearningRate } from '../optim/scale-by-learning-rate.js';
import { sgd } from '../optim/sgd.js';
import { skipNonFinite } from '../optim/skip-non-finite.js';
import type { GradientTransformation, Params } from '../optim/types.js';
import { cosine } from '../schedule/cosine.js';
import { oneCycle } from '../schedule/one-cycle.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { parseTrainConfig, taskOf, type TrainConfig } from './config.js';
import { buildOptimizerTransform, buildTrainRun } from './config-build.js';
import { lineColumn, parseConfigText } from './config-json.js';
import { fit } from './fit.js';

const EXAMPLES = new URL('../../examples/configs/', import.meta.url);

/** A small valid config; `patch` replaces whole sections. */
function cfg(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: { name: 'mlp', hidden: [8] },
    data: { name: 'xor', numSamples: 64 },
    optimizer: { name: 'adam', lr: 0.01 },
    train: { epochs: 1, batchSize: 16 },
    ...patch,
  };
}

/** The ConfigError message of parsing `json` (fails the test if it parses). */
function errorOf(json: unknown): string {
  try {
    parseTrainConfig(json);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseTrainConfig: valid configs', () => {
  it('accepts every example config in examples/configs', () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      const json = parseConfigText(readFileSync(new URL(f, EXAMPLES), 'utf8'), f);
      expect(parseTrainConfig(json), f).toEqual(json);
    }
  });

  it('returns a deep copy and accepts every section', () => {
    const json = cfg({
      name: 'full',
      description: 'every section',
      model: {
        name: 'mlp',
        hidden: [16, 16],
        activation: 'tanh',
        init: { name: 'xavierNormal', gain: 1 },
        biasInit: 'zeros',
        norm: 'layer',
        residual: true,
        dropout: 0.1,
      },
      data: { name: 'spiral', classes: 4, numSamples: 50, testSamples: 10, noise: 0.1, seed: 3 },
      loss: { name: 'crossEntropy', labelSmoothing: 0.1 },
      optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, skipNonFinite: true },
      schedule: { name: 'warmupCosine', warmup: 5, end: 0.001 },
      clip: [
        { name: 'byGlobalNorm', maxNorm: 1, normType: 'inf' },
        { name: 'zClip', zThreshold: 3 },
      ],
      monitor: { every: 2, thresholds: { spikeZ: 5 }, detectors: { plateau: false } },
      train: {
        steps: 40,
        batchSize: 8,
        seed: 1,
        evalEvery: 10,
        dtype: 'float64',
        earlyStopping: { monitor: 'val.accuracy', patience: 2 },
      },
      out: 'runs/x',
    });
    const parsed = parseTrainConfig(json);
    expect(parsed).toEqual(json);
    expect(parsed.model).not.toBe(json['model']);
  });

  it('accepts a chain, recurrent and convolutional models, regression losses', () => {
    expect(() =>
      parseTrainConfig(
        cfg({
          optimizer: {
            chain: [
              { name: 'byValue', clipValue: 5 },
              { name: 'scaleByAdam', b1: 0.8 },
              { name: 'addDecayedWeights', weightDecay: 1e-4 },
              { name: 'scaleByLearningRate', lr: 0.01 },
            ],
          },
          schedule: { name: 'exponential', gamma: 0.99 },
        }),
      ),
    ).not.toThrow();
    expect(() =>
      parseTrainConfig(
        cfg({
          model: { name: 'gru', hiddenSize: 8, numLayers: 2, recurrentInit: 'orthogonal' },
          data: { name: 'addition', T: 12 },
          loss: { name: 'huber', delta: 0.5 },
        }),
      ),
    ).not.toThrow();
    expect(() =>
      parseTrainConfig(cfg({ model: { name: 'cnn', channels: [4, 8] }, data: { name: 'mnist' } })),
    ).not.toThrow();
  });

  it('knows what each data set gives the model', () => {
    expect(taskOf({ name: 'mnist' })).toMatchObject({ inputShape: [784], outputSize: 10 });
    expect(taskOf({ name: 'spiral', classes: 5 })).toMatchObject({
      numClasses: 5,
      inputShape: [2],
    });
    expect(taskOf({ name: 'gaussianMixture', preset: 'glorotSaturation' })).toMatchObject({
      inputShape: [256],
      numClasses: 9,
    });
    expect(taskOf({ name: 'temporalOrder3Bit', T: 30 })).toMatchObject({
      sequence: true,
      inputShape: [30, 6],
      numClasses: 8,
    });
    expect(taskOf({ name: 'multiplication', T: 10 })).toMatchObject({
      kind: 'regression',
      outputSize: 1,
    });
  });
});

describe('parseTrainConfig: errors name the field, the value and what is allowed', () => {
  it('an unknown optimizer lists the known ones', () => {
    const m = errorOf(cfg({ optimizer: { name: 'adma', lr: 0.1 } }));
    expect(m).toMatch(
      /^optimizer\.name = "adma" is not a known optimizer \(did you mean "adam"\?\)/,
    );
    for (const n of ['sgd', 'adam', 'adamw', 'rmsprop', 'lion', 'lamb']) expect(m).toContain(n);
  });

  it('refuses a negative or zero learning rate', () => {
    expect(errorOf(cfg({ optimizer: { name: 'adam', lr: -0.1 } }))).toBe(
      'optimizer.lr = -0.1 is invalid; expected a number > 0',
    );
    expect(errorOf(cfg({ optimizer: { name: 'sgd', lr: 0 } }))).toBe(
      'optimizer.lr = 0 is invalid; expected a number > 0',
    );
    expect(
      errorOf(cfg({ optimizer: { chain: [{ name: 'scaleByLearningRate', lr: -1 }] } })),
    ).toMatch(/^optimizer\.chain\[0\]\.lr = -1 is invalid; expected a number > 0/);
  });

  it('names a missing required field', () => {
    expect(errorOf(cfg({ optimizer: { name: 'sgd' } }))).toBe(
      'optimizer.lr is missing (sgd has no default learning rate); expected a number > 0',
    );
    expect(errorOf(cfg({ train: { batchSize: 8 } }))).toMatch(/^train\.epochs is missing/);
    expect(errorOf(cfg({ model: { name: 'mlp' } }))).toMatch(/^model\.hidden is missing/);
    expect(
      errorOf(cfg({ model: { name: 'lstm' }, data: { name: 'temporalOrder', T: 20 } })),
    ).toMatch(
      /^model\.hiddenSize is missing \(required by model "lstm"\); expected an integer >= 1/,
    );
    const { train: _train, ...noTrain } = cfg();
    expect(errorOf(noTrain)).toMatch(/^train is missing/);
    expect(errorOf(cfg({ data: { name: 'addition' } }))).toMatch(/^data\.T is missing/);
    expect(errorOf(cfg({ optimizer: {} }))).toMatch(/^optimizer\.name is missing/);
  });

  it('refuses unknown keys (typos) with the allowed keys', () => {
    const top = errorOf({ ...cfg(), optimiser: {} });
    expect(top).toMatch(
      /^unknown top-level key "optimiser" \(did you mean "optimizer"\?\); allowed keys: name, description, model, data/,
    );
    const nested = errorOf(cfg({ optimizer: { name: 'adam', beta1: 0.9 } }));
    expect(nested).toBe(
      'optimizer.beta1 is not a key of optimizer "adam"; allowed keys: name, lr, b1, b2, eps, weightDecay, maximize, amsgrad, debias, skipNonFinite',
    );
    expect(errorOf(cfg({ train: { epochs: 1, batchsize: 8 } }))).toMatch(
      /^train\.batchsize is not a key of train \(did you mean "batchSize"\?\)/,
    );
    expect(errorOf(cfg({ clip: { name: 'byGlobalNorm', max_norm: 1 } }))).toMatch(
      /^clip\.max_norm is not a key of clip "byGlobalNorm"/,
    );
    expect(errorOf(cfg({ monitor: { thresholds: { spikez: 3 } } }))).toMatch(
      /^monitor\.thresholds\.spikez is not a key of monitor\.thresholds \(did you mean "spikeZ"\?\)/,
    );
  });

  it('checks types and ranges, element by element', () => {
    expect(errorOf(cfg({ model: { name: 'mlp', hidden: [8, 0] } }))).toBe(
      'model.hidden[1] = 0 is invalid; expected an integer >= 1',
    );
    expect(errorOf(cfg({ optimizer: { name: 'adam', b1: 1 } }))).toBe(
      'optimizer.b1 = 1 is invalid; expected a number in [0, 1)',
    );
    expect(errorOf(cfg({ train: { epochs: '3' } }))).toBe(
      'train.epochs = "3" is invalid; expected an integer >= 1',
    );
    expect(errorOf(cfg({ model: { name: 'mlp', hidden: [8], activation: 'Relu' } }))).toMatch(
      /^model\.activation = "Relu" is invalid; expected one of "relu", .* \(did you mean "relu"\?\)/,
    );
    expect(errorOf(cfg({ model: { name: 'mlp', hidden: [8], init: 'heNormel' } }))).toMatch(
      /^model\.init = "heNormel" is not a known initializer \(did you mean "heNormal"\?\)/,
    );
    expect(errorOf(cfg({ train: { epochs: 1, evalEvery: 'step' } }))).toBe(
      'train.evalEvery = "step" is invalid; expected an integer >= 1 or "epoch"',
    );
    expect(errorOf(42)).toMatch(/^config = 42 is invalid; expected a JSON object/);
  });

  it('checks that model, data and loss fit together', () => {
    expect(errorOf(cfg({ model: { name: 'mlp', sizes: [3, 8, 2] } }))).toBe(
      'model.sizes[0] = 3 does not match the data: data.name = "xor" has 2 input features',
    );
    expect(errorOf(cfg({ model: { name: 'mlp', sizes: [2, 8, 3] } }))).toMatch(
      /^model\.sizes\[2\] = 3 does not match the data: data\.name = "xor" needs 2 outputs/,
    );
    expect(errorOf(cfg({ model: { name: 'rnn', hiddenSize: 8 } }))).toMatch(
      /^model\.name = "rnn" needs sequences: data\.name = "xor" is not a sequence task/,
    );
    expect(errorOf(cfg({ data: { name: 'temporalOrder', T: 20 } }))).toMatch(
      /^model\.name = "mlp" cannot read sequences/,
    );
    expect(errorOf(cfg({ model: { name: 'cnn', channels: [4] } }))).toMatch(
      /^model\.name = "cnn" needs images/,
    );
    expect(errorOf(cfg({ loss: 'mse' }))).toMatch(/^loss = "mse" needs regression targets/);
    expect(
      errorOf(
        cfg({
          model: { name: 'lstm', hiddenSize: 4 },
          data: { name: 'addition', T: 10 },
          loss: { name: 'crossEntropy' },
        }),
      ),
    ).toMatch(/^loss\.name = "crossEntropy" needs class labels/);
  });

  it("reports the library's own cross-field rules with the section's path", () => {
    expect(errorOf(cfg({ optimizer: { name: 'sgd', lr: 0.1, nesterov: true } }))).toMatch(
      /^optimizer: sgd: nesterov = true requires momentum > 0/,
    );
    expect(
      errorOf(cfg({ schedule: { name: 'warmupCosine', warmup: 50 }, train: { steps: 20 } })),
    ).toMatch(
      /^schedule: .*total.*\(schedule\.total was not given, so it is the run's number of steps, 20\)/,
    );
    expect(
      errorOf(
        cfg({
          optimizer: { chain: [{ name: 'scaleByAdam' }, { name: 'scale', factor: -0.01 }] },
          schedule: { name: 'cosine' },
        }),
      ),
    ).toMatch(/^schedule: the optimizer chain has no learning rate to schedule/);
  });
});

describe('parseConfigText', () => {
  it('names the file, line and column of a syntax error', () => {
    const text = '{\n  "model": { "name": "mlp" },\n  "train": { "epochs": 1, }\n}';
    expect(() => parseConfigText(text, 'run.json')).toThrow(
      /^run\.json:3:27: invalid JSON: trailing comma before '}'/,
    );
    expect(() => parseConfigText('{"a": 1 "b": 2}', 'x.json')).toThrow(
      /^x\.json:1:9: invalid JSON: expected ',' or '}' after a property value, got '"'/,
    );
    expect(() => parseConfigText('{"a": tru}', 'x.json')).toThrow(/^x\.json:1:7: /);
    expect(() => parseConfigText('', 'x.json')).toThrow(
      /^x\.json:1:1: invalid JSON: unexpected end/,
    );
    expect(() => parseConfigText("{'a': 1}", 'x.json')).toThrow(/^x\.json:1:2: /);
  });

  it('refuses a duplicate key, which JSON.parse would silently accept', () => {
    expect(() => parseConfigText('{"lr": 1,\n "lr": 2}', 'x.json')).toThrow(
      /^x\.json:2:2: invalid JSON: duplicate key "lr"/,
    );
  });

  it('parses what JSON.parse parses, to the same value', () => {
    const text = readFileSync(new URL('temporal-order-lstm-chain.json', EXAMPLES), 'utf8');
    expect(parseConfigText(text)).toEqual(JSON.parse(text));
    const tricky = '{"a":[1,-2.5e-3,0,true,false,null,"\\u00e9\\n\\"x\\""],"__proto__":{"b":{}}}';
    const v = parseConfigText(tricky) as Record<string, unknown>;
    expect(v).toEqual(JSON.parse(tricky));
    expect(Object.keys(v)).toEqual(['a', '__proto__']);
  });

  it('computes 1-based lines and columns', () => {
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
    expect(lineColumn('ab', 0)).toEqual({ line: 1, column: 1 });
  });
});

/** Runs `tx` for `steps` steps on the same pseudo-random gradients; returns every update. */
function updates(tx: GradientTransformation<unknown>, steps: number): number[][] {
  const rng = new Rng(7);
  const params: Params = {
    w: new Tensor(
      new Float64Array(12).map(() => rng.normal()),
      [3, 4],
    ),
    b: new Tensor(
      new Float64Array(4).map(() => rng.normal()),
      [4],
    ),
  };
  let state = tx.init(params);
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    // Gradients of growing size, so that the clipping is active on some steps and not others.
    const scale = 0.2 * (t + 1);
    const g: Params = {
      w: new Tensor(
        new Float64Array(12).map(() => scale * rng.normal()),
        [3, 4],
      ),
      b: new Tensor(
        new Float64Array(4).map(() => scale * rng.normal()),
        [4],
      ),
    };
    const [u, s] = tx.update(g, state, params);
    state = s;
    out.push([...(u['w'] as Tensor).data, ...(u['b'] as Tensor).data]);
  }
  return out;
}

describe('buildOptimizerTransform: the same updates as the hand-built chain', () => {
  it('adam + global-norm clipping + cosine schedule', () => {
    const config = {
      optimizer: { name: 'adam', lr: 1e-3, b2: 0.99 },
      clip: { name: 'byGlobalNorm', maxNorm: 1 },
      schedule: { name: 'cosine', etaMin: 1e-5 },
    } as const;
    const built = buildOptimizerTransform(config as unknown as TrainConfig, 20);
    const hand = chain(
      byGlobalNorm(1),
      adam({ lr: cosine({ baseLr: 1e-3, tMax: 20, etaMin: 1e-5 }), b2: 0.99 }),
    );
    const a = updates(built, 20);
    expect(a).toEqual(updates(hand, 20));
    // And the schedule is really there: with a constant lr the late updates differ.
    const constant = chain(byGlobalNorm(1), adam({ lr: 1e-3, b2: 0.99 }));
    expect(a[15]).not.toEqual(updates(constant, 20)[15]);
  });

  it("a chain with a one-cycle schedule on scaleByLearningRate's lr", () => {
    const config = {
      optimizer: {
        chain: [
          { name: 'byGlobalNorm', maxNorm: 1 },
          { name: 'scaleByAdam' },
          { name: 'addDecayedWeights', weightDecay: 1e-4 },
          { name: 'scaleByLearningRate', lr: 0.01 },
        ],
      },
      schedule: { name: 'oneCycle', pctStart: 0.2 },
    };
    const built = buildOptimizerTransform(config as unknown as TrainConfig, 30);
    const hand = chain(
      byGlobalNorm(1),
      scaleByAdam(),
      addDecayedWeights(1e-4),
      scaleByLearningRate(oneCycle({ maxLr: 0.01, totalSteps: 30, pctStart: 0.2 })),
    );
    expect(updates(built, 30)).toEqual(updates(hand, 30));
  });

  it('sgd with Nesterov momentum and weight decay, wrapped in skipNonFinite', () => {
    const config = {
      optimizer: {
        name: 'sgd',
        lr: 0.05,
        momentum: 0.9,
        nesterov: true,
        weightDecay: 1e-3,
        skipNonFinite: true,
      },
    };
    const built = buildOptimizerTransform(config as unknown as TrainConfig, 10);
    const hand = skipNonFinite(sgd({ lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 }));
    expect(updates(built, 10)).toEqual(updates(hand, 10));
  });

  it('the cosine schedule reaches half its base lr halfway (defaulting tMax to the run length)', () => {
    // cosine: lr(t) = etaMin + (base − etaMin)·(1 + cos(πt/T))/2, so lr(T/2) = base/2 for etaMin 0.
    const tx = buildOptimizerTransform(
      { optimizer: { name: 'sgd', lr: 0.4 }, schedule: { name: 'cosine' } },
      100,
    );
    const params: Params = { w: new Tensor(new Float64Array(1), [1]) };
    let state = tx.init(params);
    for (let t = 0; t < 50; t++)
      state = tx.update({ w: new Tensor(new Float64Array([1]), [1]) }, state, params)[1];
    expect(tx.currentLr?.(state)).toBeCloseTo(0.2, 12);
  });
});

/** A stand-in for MNIST: `n` + `m` random 28×28 "digits", honouring keepImageShape. */
function fakeMnist(
  n: number,
  m: number,
  seen: MnistOptions[],
): (o: MnistOptions) => Promise<MnistSplit> {
  return (o) => {
    seen.push(o);
    const rng = new Rng(0);
    const make = (k: number) =>
      createDataset(
        new Float32Array(k * 784).map(() => rng.float()),
        Int32Array.from({ length: k }, (_, i) => i % 10),
        { featureShape: o.keepImageShape ? [1, 28, 28] : [784], numClasses: 10 },
      );
    return Promise.resolve({ train: make(n), test: make(m) });
  };
}

describe('buildTrainRun', () => {
  it('builds the model from the data, the optimizer chain with the monitor first, and trains', async () => {
    const run = await buildTrainRun(
      parseTrainConfig(
        cfg({
          model: { name: 'mlp', hidden: [16, 16], activation: 'tanh' },
          data: { name: 'spiral', numSamples: 40, testSamples: 10 },
          optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 },
          monitor: true,
          train: { epochs: 3, batchSize: 16 },
        }),
      ),
    );
    // spiral: 3 classes × 40 training points, 3 × 10 test points; 120/16 → 8 batches per epoch.
    expect(run.train.length).toBe(120);
    expect(run.test?.length).toBe(30);
    expect(run.batchesPerEpoch).toBe(8);
    expect(run.totalSteps).toBe(24);
    const shapes = Object.fromEntries(
      Object.entries(run.model.namedParameters()).map(([k, p]) => [k, p.shape]),
    );
    expect(shapes).toEqual({
      '0.weight': [16, 2],
      '0.bias': [16],
      '2.weight': [16, 16],
      '2.bias': [16],
      '4.weight': [3, 16],
      '4.bias': [3],
    });
    expect(run.monitor).not.toBeNull();
    const summary = await fit(run.model, run.optimizer, run.train, { ...run.fit, log: 'silent' });
    expect(summary.steps).toBe(24);
    expect(Number.isFinite(summary.metrics['val.accuracy'])).toBe(true);
    expect(run.monitor?.state?.step).toBe(24);
    expect(run.optimizer.lr).toBe(0.1);
  });

  it('--steps overrides the length, and the schedule follows it', async () => {
    const run = await buildTrainRun(
      parseTrainConfig(
        cfg({ schedule: { name: 'cosine' }, train: { epochs: 50, batchSize: 16 } }),
      ) as TrainConfig,
      { steps: 7 },
    );
    expect(run.totalSteps).toBe(7);
    expect(run.config.train).toEqual({ steps: 7, batchSize: 16 });
    expect(run.fit.epochs).toBeUndefined();
    expect(run.fit.steps).toBe(7);
  });

  it('turns a sequence task into samples [T, I] (batch first) and builds a recurrent model', async () => {
    const run = await buildTrainRun(
      parseTrainConfig(
        cfg({
          model: { name: 'lstm', hiddenSize: 5 },
          data: { name: 'temporalOrder', T: 12, numSamples: 6, testSamples: 2, seed: 4 },
        }),
      ),
    );
    const ref = temporalOrder(8, 12, 4); // the same draw: [T, B, I] time-major
    const [T, B, I] = ref.xShape;
    expect(run.train.featureShape).toEqual([12, 6]);
    for (const [ds, offset] of [
      [run.train, 0],
      [run.test, 6],
    ] as const) {
      if (ds === null) throw new Error('no test set');
      for (let s = 0; s < ds.length; s++) {
        expect(ds.y[s]).toBe(ref.y[s + offset]);
        for (let t = 0; t < T; t++)
          for (let i = 0; i < I; i++)
            expect(ds.x[(s * T + t) * I + i]).toBe(ref.x[(t * B + s + offset) * I + i]);
      }
    }
    const out = run.model.forward(new Tensor(new Float32Array(2 * 12 * 6), [2, 12, 6]));
    expect(out.shape).toEqual([2, 4]);
  });

  it('loads MNIST flat for an MLP and as images for a CNN, and keeps the first samples', async () => {
    const seen: MnistOptions[] = [];
    const mlpRun = await buildTrainRun(
      parseTrainConfig(
        cfg({
          model: { name: 'mlp', hidden: [] },
          data: { name: 'mnist', numSamples: 30, testSamples: 0 },
        }),
      ),
      { loadMnist: fakeMnist(50, 20, seen) },
    );
    expect(mlpRun.train.length).toBe(30);
    expect(mlpRun.test).toBeNull();
    const cnnRun = await buildTrainRun(
      parseTrainConfig(
        cfg({
          model: { name: 'cnn', channels: [2], kernelSize: 3 },
          data: { name: 'mnist', testSamples: 5 },
        }),
      ),
      { loadMnist: fakeMnist(50, 20, seen) },
    );
    expect(seen.map((o) => o.keepImageShape)).toEqual([false, true]);
    expect(cnnRun.train.featureShape).toEqual([1, 28, 28]);
    expect(cnnRun.test?.length).toBe(5);
    // conv 3×3 (2 channels, 2·9 + 2 parameters), pool → 14×14, linear 2·196 → 10.
    expect(cnnRun.model.numParameters()).toBe(20 + 2 * 196 * 10 + 10);
    await expect(
      buildTrainRun(parseTrainConfig(cfg({ data: { name: 'mnist', numSamples: 60 } })), {
        loadMnist: fakeMnist(50, 20, seen),
      }),
    ).rejects.toThrow(/^data\.numSamples = 60 is invalid; expected at most 50/);
  });

  it('draws the mixture once so that training and test sets share the class means', async () => {
    const run = await buildTrainRun(
      parseTrainConfig(
        cfg({
          model: { name: 'mlp', hidden: [8] },
          data: { name: 'gaussianMixture', numClasses: 3, dim: 4, numSamples: 40, testSamples: 8 },
        }),
      ),
    );
    expect(run.train.length).toBe(40);
    expect(run.test?.length).toBe(8);
    expect(run.test?.featureShape).toEqual([4]);
  });
});
