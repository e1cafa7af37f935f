import { readdirSync, readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { parseTrainConfig } from './config.js';
import {
  trainConfigSchema,
  trainConfigSchemaText,
  TRAIN_CONFIG_SCHEMA_PATH,
} from './config-schema.js';

const ROOT = new URL('../../', import.meta.url);
const EXAMPLES = new URL('examples/configs/', ROOT);

// Strict mode off: its strictRequired rule refuses `oneOf: [{ required: ['hidden'] }, …]`
// branches that name a property defined beside them (valid draft-07, the usual "exactly one of").
const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(trainConfigSchema());

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

function schemaAccepts(json: unknown): boolean {
  return validate(json) === true;
}

function validatorAccepts(json: unknown): boolean {
  try {
    parseTrainConfig(json);
    return true;
  } catch (e) {
    if (e instanceof ConfigError) return false;
    throw e;
  }
}

describe('train config JSON Schema', () => {
  it('is a valid draft-07 schema', () => {
    expect(ajv.validateSchema(trainConfigSchema())).toBe(true);
    expect(trainConfigSchema()['$schema']).toBe('http://json-schema.org/draft-07/schema#');
  });

  it('the shipped file is the generated schema (run `npm run schema` after changing a table)', () => {
    const shipped = readFileSync(new URL(TRAIN_CONFIG_SCHEMA_PATH, ROOT), 'utf8');
    expect(shipped).toBe(trainConfigSchemaText() + '\n');
  });

  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'));
  it.each(files)('example %s carries "$schema", validates against it and parses', (f) => {
    const json = JSON.parse(readFileSync(new URL(f, EXAMPLES), 'utf8')) as Record<string, unknown>;
    expect(json['$schema']).toBe(`../../${TRAIN_CONFIG_SCHEMA_PATH}`);
    expect(validatorAccepts(json)).toBe(true);
    expect(schemaAccepts(json), JSON.stringify(validate.errors)).toBe(true);
  });

  // Configs the validator accepts, covering every section form: both accept them.
  const good: [string, Record<string, unknown>][] = [
    ['the minimal config', cfg()],
    ['a loss name', cfg({ loss: 'crossEntropy' })],
    ['a loss object', cfg({ loss: { name: 'crossEntropy', labelSmoothing: 0.1 } })],
    [
      'a chain with a clip, a block and an optimizer',
      cfg({
        optimizer: {
          chain: [
            { name: 'byGlobalNorm', maxNorm: 1, normType: 'inf' },
            { name: 'scaleByAdam', b1: 0.9 },
            { name: 'scaleByLearningRate', lr: 0.01 },
          ],
          skipNonFinite: true,
        },
        schedule: { name: 'cosine', tMax: 100 },
      }),
    ],
    ['sgd with its required lr', cfg({ optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 } })],
    ['a clip array', cfg({ clip: [{ name: 'byValue', clipValue: 1 }, { name: 'agc' }] })],
    [
      'a monitor object with thresholds and detectors',
      cfg({
        monitor: { every: 2, thresholds: { vanishingRatio: 1e-3 }, detectors: { plateau: false } },
      }),
    ],
    ['monitor true', cfg({ monitor: true })],
    [
      'train.steps with early stopping and evalEvery "epoch"',
      cfg({
        train: {
          steps: 10,
          evalEvery: 'epoch',
          earlyStopping: { monitor: 'val.loss', patience: 2 },
        },
      }),
    ],
    [
      'an lstm on a sequence task with initializers',
      cfg({
        model: { name: 'lstm', hiddenSize: 8, init: 'xavierUniform', recurrentInit: 'orthogonal' },
        data: { name: 'temporalOrder', T: 20 },
        loss: 'crossEntropy',
      }),
    ],
    [
      'an initializer object',
      cfg({ model: { name: 'mlp', hidden: [4], init: { name: 'constant', value: 0.1 } } }),
    ],
    ['a "$schema" key', cfg({ $schema: '../../schema/train-config.schema.json' })],
  ];
  it.each(good)('accepts %s (as the validator does)', (_what, json) => {
    expect(validatorAccepts(json)).toBe(true);
    expect(schemaAccepts(json), JSON.stringify(validate.errors)).toBe(true);
  });

  // Configs the validator refuses for a reason the schema can state: both refuse them.
  const bad: [string, Record<string, unknown>][] = [
    ['an unknown top-level key', { ...cfg(), optimiser: {} }],
    ['an unknown optimizer key', cfg({ optimizer: { name: 'adam', beta1: 0.9 } })],
    ['an unknown optimizer name', cfg({ optimizer: { name: 'adma' } })],
    ['lr = 0 (exclusive minimum)', cfg({ optimizer: { name: 'adam', lr: 0 } })],
    ['b1 = 1 (exclusive maximum)', cfg({ optimizer: { name: 'adam', b1: 1 } })],
    ['sgd without lr', cfg({ optimizer: { name: 'sgd' } })],
    ['a non-integer batch size', cfg({ train: { epochs: 1, batchSize: 1.5 } })],
    ['train without epochs or steps', cfg({ train: { batchSize: 8 } })],
    [
      'a missing required section',
      { model: cfg()['model'], data: cfg()['data'], train: cfg()['train'] },
    ],
    [
      'mlp with both hidden and sizes',
      cfg({ model: { name: 'mlp', hidden: [4], sizes: [2, 4, 2] } }),
    ],
    ['mlp with neither hidden nor sizes', cfg({ model: { name: 'mlp' } })],
    ['an empty chain', cfg({ optimizer: { chain: [] } })],
    [
      'a chain entry with an unknown key',
      cfg({ optimizer: { chain: [{ name: 'scale', factr: 1 }] } }),
    ],
    ['an unknown activation', cfg({ model: { name: 'mlp', hidden: [4], activation: 'relu6' } })],
    [
      'a string "constant" initializer',
      cfg({ model: { name: 'mlp', hidden: [4], init: 'constant' } }),
    ],
    ['a sequence length below the task minimum', cfg({ data: { name: 'addition', T: 5 } })],
    ['an unknown threshold', cfg({ monitor: { thresholds: { vanishingRatoi: 1 } } })],
    ['an unknown detector', cfg({ monitor: { detectors: { plateu: false } } })],
    ['an unknown schedule option', cfg({ schedule: { name: 'cosine', tmax: 10 } })],
    ['an unknown loss', cfg({ loss: 'hinge' })],
    ['dtype float16', cfg({ train: { epochs: 1, dtype: 'float16' } })],
    ['a clip rule without its threshold', cfg({ clip: { name: 'byNorm' } })],
  ];
  it.each(bad)('refuses %s (as the validator does)', (_what, json) => {
    expect(validatorAccepts(json)).toBe(false);
    expect(schemaAccepts(json)).toBe(false);
  });
});
