// The JSON Schema (draft-07) of a train config, derived from the field tables the validator
// checks (config.ts, config-specs.ts): one declaration, two readers. Browser-safe.
import {
  DATA_FIELDS,
  DETECTOR_FIELDS,
  EARLY_STOPPING_FIELDS,
  INIT_NAMES,
  LOSS_FIELDS,
  MODEL_FIELDS,
  MONITOR_FIELDS,
  THRESHOLD_FIELDS,
  TOP_FIELDS,
  TRAIN_FIELDS,
} from './config.js';
import { BLOCKS, CLIPS, OPTIMIZERS, SCHEDULES } from './config-specs.js';
import {
  describeField,
  type FieldSpec,
  type FieldSpecs,
  type NumberField,
} from './config-validate.js';

/** A JSON Schema document or subschema (plain JSON). */
export type JsonSchema = { [key: string]: unknown };

/** Where the shipped copy of the schema lives in the package (`gradscope schema` prints the same). */
export const TRAIN_CONFIG_SCHEMA_PATH = 'schema/train-config.schema.json';

const ref = (name: string): JsonSchema => ({ $ref: `#/definitions/${name}` });

function numberSchema(f: NumberField): JsonSchema {
  const s: JsonSchema = { type: f.integer ? 'integer' : 'number' };
  if (f.min !== undefined) s[f.minExclusive ? 'exclusiveMinimum' : 'minimum'] = f.min;
  if (f.max !== undefined) s[f.maxExclusive ? 'exclusiveMaximum' : 'maximum'] = f.max;
  return s;
}

/** The schema of one field; a `custom` field takes its schema from `custom` (by key). */
function fieldSchema(
  key: string,
  f: FieldSpec,
  custom: Readonly<Record<string, JsonSchema>>,
): JsonSchema {
  const description = f.doc ? `${f.doc} (${describeField(f)})` : describeField(f);
  switch (f.type) {
    case 'number':
      return { description, ...numberSchema(f) };
    case 'boolean':
      return { description, type: 'boolean' };
    case 'string':
      return { description, type: 'string' };
    case 'enum':
      return { description, enum: [...f.values] };
    case 'numbers':
      return {
        description,
        type: 'array',
        items: numberSchema(f.item),
        ...(f.minLength ? { minItems: f.minLength } : {}),
      };
    case 'numberOrEnum':
      return { description, anyOf: [numberSchema(f.item), { enum: [...f.values] }] };
    case 'custom': {
      const s = custom[key];
      if (s === undefined) throw new Error(`config-schema: no schema for the custom field ${key}`);
      return { description: f.doc ?? f.expected, ...s };
    }
  }
}

/**
 * A closed object: the fields of `specs` (plus `name` fixed to `name` when given), required
 * ones listed, any other key refused — what `checkFields` does.
 */
function objectSchema(
  specs: FieldSpecs,
  opts: {
    name?: string;
    extra?: Readonly<Record<string, JsonSchema>>;
    custom?: Readonly<Record<string, JsonSchema>>;
  } = {},
): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  if (opts.name !== undefined) {
    properties['name'] = { const: opts.name };
    required.push('name');
  }
  for (const [k, f] of Object.entries(specs)) {
    properties[k] = fieldSchema(k, f, opts.custom ?? {});
    if (f.required) required.push(k);
  }
  Object.assign(properties, opts.extra ?? {});
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
}

/** `{ "<prefix>.<name>": schema }` for each name of a table, plus the list of refs. */
function named(
  prefix: string,
  table: Readonly<Record<string, FieldSpecs>>,
  opts: {
    extra?: Readonly<Record<string, JsonSchema>>;
    custom?: Readonly<Record<string, JsonSchema>>;
  } = {},
): { defs: Record<string, JsonSchema>; refs: JsonSchema[] } {
  const defs: Record<string, JsonSchema> = {};
  for (const [name, fields] of Object.entries(table))
    defs[`${prefix}.${name}`] = objectSchema(fields, { ...opts, name });
  return { defs, refs: Object.keys(defs).map(ref) };
}

/**
 * The JSON Schema (draft-07) of a `gradscope train --config` file, built from the validator's
 * field tables: every section's keys, types, ranges (min/max, exclusive, integer), names and
 * required fields, with unknown keys refused. What the schema cannot say (the model and the data
 * must fit together, a schedule needs exactly one learning rate, an initializer's options) is
 * still checked by `parseTrainConfig`; every config the validator accepts, the schema accepts.
 * @example
 * const schema = trainConfigSchema();
 * schema.$schema; // 'http://json-schema.org/draft-07/schema#'
 */
export function trainConfigSchema(): JsonSchema {
  const initNames = Object.keys(INIT_NAMES);
  // A string names an initializer with default options ('constant' needs a value, so only the
  // object form); the object form's options are checked by the initializer itself.
  const init: JsonSchema = {
    anyOf: [
      { enum: initNames.filter((n) => n !== 'constant') },
      { type: 'object', properties: { name: { enum: initNames } }, required: ['name'] },
    ],
  };
  const initCustom = { init, biasInit: init, recurrentInit: init };
  const models = named('model', MODEL_FIELDS, { custom: initCustom });
  const mlp = models.defs['model.mlp'] as JsonSchema;
  // model "mlp": hidden or sizes, exactly one (parseModel).
  mlp['oneOf'] = [{ required: ['hidden'] }, { required: ['sizes'] }];
  const data = named('data', DATA_FIELDS, {
    custom: {
      // data "file": a CSV column by name or index (a JSONL key by name); the class labels.
      labelColumn: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'integer' }] },
      classes: {
        type: 'array',
        minItems: 2,
        uniqueItems: true,
        items: { type: ['string', 'number'] },
      },
    },
  });
  const losses = named('loss', LOSS_FIELDS);
  const skip = {
    skipNonFinite: {
      description: 'Skip steps with NaN/Inf gradients (optim.skipNonFinite)',
      type: 'boolean',
    },
  };
  const optimizers = named('optimizer', fieldsOf(OPTIMIZERS));
  const topOptimizers = named('optimizerWithSkip', fieldsOf(OPTIMIZERS), { extra: skip });
  const clips = named('clip', fieldsOf(CLIPS));
  const blocks = named('block', fieldsOf(BLOCKS));
  const schedules = named('schedule', fieldsOf(SCHEDULES));
  const chain: JsonSchema = {
    type: 'object',
    properties: {
      chain: {
        description:
          'Transformations applied in order (Optax style): building blocks, clipping rules and named optimizers',
        type: 'array',
        minItems: 1,
        items: { oneOf: [...blocks.refs, ...clips.refs, ...optimizers.refs] },
      },
      ...skip,
    },
    required: ['chain'],
    additionalProperties: false,
  };
  const monitor = objectSchema(MONITOR_FIELDS, {
    custom: {
      thresholds: objectSchema(THRESHOLD_FIELDS),
      detectors: objectSchema(DETECTOR_FIELDS),
    },
  });
  const train = objectSchema(TRAIN_FIELDS, {
    custom: { earlyStopping: objectSchema(EARLY_STOPPING_FIELDS) },
  });
  // train: epochs or steps (parseTrain).
  train['anyOf'] = [{ required: ['epochs'] }, { required: ['steps'] }];
  const top = objectSchema(TOP_FIELDS, {
    custom: {
      model: { oneOf: models.refs },
      data: { oneOf: data.refs },
      loss: { anyOf: [{ enum: Object.keys(LOSS_FIELDS) }, { oneOf: losses.refs }] },
      optimizer: { oneOf: [...topOptimizers.refs, ref('optimizer.chain')] },
      schedule: { oneOf: schedules.refs },
      clip: { anyOf: [{ oneOf: clips.refs }, { type: 'array', items: { oneOf: clips.refs } }] },
      monitor: { anyOf: [{ type: 'boolean' }, ref('monitor')] },
      train: ref('train'),
    },
  });
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'gradscope train config',
    description:
      "A training run as `gradscope train --config FILE` reads it. Generated by `gradscope schema` from the validator's tables (src/train/config-schema.ts); do not edit.",
    ...top,
    definitions: {
      ...models.defs,
      ...data.defs,
      ...losses.defs,
      ...topOptimizers.defs,
      'optimizer.chain': chain,
      ...optimizers.defs,
      ...blocks.defs,
      ...clips.defs,
      ...schedules.defs,
      monitor,
      train,
    },
  };
}

function fieldsOf(
  table: Readonly<Record<string, { fields: FieldSpecs }>>,
): Record<string, FieldSpecs> {
  return Object.fromEntries(Object.entries(table).map(([k, v]) => [k, v.fields]));
}

/**
 * The schema as text: what `gradscope schema` prints and the shipped
 * `schema/train-config.schema.json` holds (plus a final newline).
 * @example JSON.parse(trainConfigSchemaText()).title // 'gradscope train config'
 */
export function trainConfigSchemaText(): string {
  return JSON.stringify(trainConfigSchema(), null, 2);
}
