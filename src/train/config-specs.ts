// The tables behind the optimizer, clipping and schedule sections of a train config: for each
// name, its fields (types and ranges, checked with the field's path) and how to build it from
// the library. Browser-safe.
import { addDecayedWeights } from '../optim/add-decayed-weights.js';
import { ema } from '../optim/ema.js';
import { scale } from '../optim/scale.js';
import { scaleByAdadelta } from '../optim/scale-by-adadelta.js';
import { scaleByAdam } from '../optim/scale-by-adam.js';
import { scaleByAdamax } from '../optim/scale-by-adamax.js';
import { scaleByLearningRate } from '../optim/scale-by-learning-rate.js';
import { scaleByLion } from '../optim/scale-by-lion.js';
import { scaleByNadam } from '../optim/scale-by-nadam.js';
import { scaleByRadam } from '../optim/scale-by-radam.js';
import { scaleByRms } from '../optim/scale-by-rms.js';
import { scaleByRss } from '../optim/scale-by-rss.js';
import { scaleByTrustRatio } from '../optim/scale-by-trust-ratio.js';
import { trace } from '../optim/trace.js';
import type { GradientTransformation } from '../optim/types.js';
import type { OptimizerDeclaration } from '../optim/declare.js';
import {
  BETA,
  BOOL,
  FINITE,
  NONNEG,
  POS,
  UNIT,
  optionsWithout,
  req,
} from '../optim/option-fields.js';
import { OPTIMIZER_NAMES, OPTIMIZER_REGISTRY } from '../optim/registry.js';
import type { ScalarOrSchedule, Schedule } from '../schedule/types.js';
import type { BlockName, ClipName, OptimizerName, ScheduleName } from './config.js';
import { CLIP_REGISTRY, type ClipSpec } from '../clip/registry.js';
import { SCHEDULE_REGISTRY, type ScheduleSpec } from '../schedule/registry.js';

export type { ClipSpec, ScheduleSpec };
import { ConfigError } from '../errors.js';
import type { FieldSpecs, JsonObject, NumberField } from './config-validate.js';

type Tx = GradientTransformation<unknown>;

/** A learning rate: > 0 (a zero or negative lr is refused in configs). */
export const LR_FIELD: NumberField = { type: 'number', min: 0, minExclusive: true };
const opts = optionsWithout;

/** A named optimizer: its fields, its default lr (undefined: required) and its builder. */
export interface OptimizerSpec {
  fields: FieldSpecs;
  /** The library's default lr; undefined when lr is required (sgd, emaMomentum). */
  defaultLr: number | undefined;
  build(o: JsonObject, lr: ScalarOrSchedule): Tx;
}

// Keys of a named-optimizer section that are not the optimizer's own options.
const NOT_OPTIONS = ['lr', 'skipNonFinite'];

/** A registered optimizer's config spec: its declared options plus lr (> 0 in configs). */
function optimizerSpec(d: OptimizerDeclaration): OptimizerSpec {
  return {
    fields: { lr: d.defaultLr === undefined ? req(LR_FIELD) : LR_FIELD, ...d.options },
    defaultLr: d.defaultLr,
    build: (o, lr) => d.create({ ...opts(o, NOT_OPTIONS), lr }),
  };
}

/**
 * Whether a config file can build an optimizer: not when one of its required options is a
 * `custom` field (a function, e.g. newtonCg's `hessian`, which only code can give).
 */
function configBuildable(d: OptimizerDeclaration): boolean {
  return !Object.values(d.options).some((f) => f.type === 'custom' && f.required === true);
}

/**
 * The named optimizers of `optim` a config file can build, by config name: derived from
 * optim/registry.ts (every entry but those with a required function-valued option, such as
 * newtonCg, which is built in code).
 */
export const OPTIMIZERS = Object.fromEntries(
  OPTIMIZER_NAMES.filter((n) => configBuildable(OPTIMIZER_REGISTRY[n] as OptimizerDeclaration)).map(
    (n) => [n, optimizerSpec(OPTIMIZER_REGISTRY[n] as OptimizerDeclaration)],
  ),
) as Readonly<Record<OptimizerName, OptimizerSpec>>;

/** The clipping transformations of `clip`, by config name (clip/registry.ts). */
export const CLIPS: Readonly<Record<ClipName, ClipSpec>> = CLIP_REGISTRY;

/** A building block of a chain: its fields, whether it takes the lr, and its builder. */
export interface BlockSpec {
  fields: FieldSpecs;
  /** True for scaleByLearningRate (a schedule applies to its lr). */
  takesLr: boolean;
  build(o: JsonObject, lr: ScalarOrSchedule | undefined): Tx;
}

const ADAM_BLOCK = { b1: BETA, b2: BETA, eps: NONNEG };

/** The building blocks of `optim` usable as chain entries, by config name. */
export const BLOCKS: Readonly<Record<BlockName, BlockSpec>> = {
  scaleByAdam: {
    fields: { ...ADAM_BLOCK, amsgrad: BOOL, debias: BOOL },
    takesLr: false,
    build: (o) => scaleByAdam(opts(o)),
  },
  scaleByAdamax: { fields: ADAM_BLOCK, takesLr: false, build: (o) => scaleByAdamax(opts(o)) },
  scaleByNadam: {
    fields: { ...ADAM_BLOCK, momentumDecay: NONNEG },
    takesLr: false,
    build: (o) => scaleByNadam(opts(o)),
  },
  scaleByRadam: { fields: ADAM_BLOCK, takesLr: false, build: (o) => scaleByRadam(opts(o)) },
  scaleByRms: {
    fields: { alpha: UNIT, eps: NONNEG, centered: BOOL },
    takesLr: false,
    build: (o) => scaleByRms(opts(o)),
  },
  scaleByRss: {
    fields: { initialAccumulatorValue: NONNEG, eps: NONNEG },
    takesLr: false,
    build: (o) => scaleByRss(opts(o)),
  },
  scaleByAdadelta: {
    fields: { rho: UNIT, eps: NONNEG },
    takesLr: false,
    build: (o) => scaleByAdadelta(opts(o)),
  },
  scaleByLion: {
    fields: { b1: BETA, b2: BETA },
    takesLr: false,
    build: (o) => scaleByLion(opts(o)),
  },
  scaleByTrustRatio: {
    fields: { minNorm: NONNEG, trustCoefficient: POS, eps: NONNEG },
    takesLr: false,
    build: (o) => scaleByTrustRatio(opts(o)),
  },
  trace: {
    fields: { decay: req(NONNEG), dampening: UNIT, nesterov: BOOL },
    takesLr: false,
    build: (o) => trace(opts(o)),
  },
  ema: {
    fields: { decay: req(BETA), debias: BOOL },
    takesLr: false,
    build: (o) => ema(opts(o)),
  },
  scale: {
    fields: { factor: req(FINITE) },
    takesLr: false,
    build: (o) => scale(o['factor'] as number),
  },
  addDecayedWeights: {
    fields: { weightDecay: req(NONNEG) },
    takesLr: false,
    build: (o) => addDecayedWeights(o['weightDecay'] as number),
  },
  scaleByLearningRate: {
    fields: { lr: req(LR_FIELD), flipSign: BOOL, lrDecay: NONNEG },
    takesLr: true,
    build: (o, lr) => scaleByLearningRate(lr ?? (o['lr'] as number), opts(o, ['lr'])),
  },
};

/** The schedules of `schedule`, by config name (schedule/registry.ts). */
export const SCHEDULES: Readonly<Record<ScheduleName, ScheduleSpec>> = SCHEDULE_REGISTRY;

/**
 * Builds a schedule section (validated) with its base value set to `baseLr` and its length, when
 * the section leaves it out, set to `totalSteps`; a library error is prefixed with "schedule" and
 * says when the length was the default.
 * @example makeSchedule({ name: 'cosine' }, 0.1, 1000)(500) // 0.05
 */
export function makeSchedule(o: JsonObject, baseLr: number, totalSteps: number): Schedule {
  const spec = SCHEDULES[o['name'] as ScheduleName];
  const defaulted = spec.length !== undefined && o[spec.length] === undefined;
  const length = spec.length === undefined ? {} : { [spec.length]: o[spec.length] ?? totalSteps };
  try {
    return spec.build({ ...o, [spec.base]: baseLr, ...length });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const note = defaulted
      ? ` (schedule.${spec.length} was not given, so it is the run's number of steps, ${totalSteps})`
      : '';
    throw new ConfigError(`schedule: ${e.message}${note}`);
  }
}
