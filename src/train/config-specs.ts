// The tables behind the optimizer, clipping and schedule sections of a train config: for each
// name, its fields (types and ranges, checked with the field's path) and how to build it from
// the library. Browser-safe.
import { agc } from '../clip/agc.js';
import { autoClip } from '../clip/auto-clip.js';
import { byBlockRms } from '../clip/by-block-rms.js';
import { byGlobalNorm } from '../clip/by-global-norm.js';
import { byNorm } from '../clip/by-norm.js';
import { byValue } from '../clip/by-value.js';
import { spikeClip } from '../clip/spike-clip.js';
import { zClip } from '../clip/z-clip.js';
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
import { OPTIMIZER_NAMES, OPTIMIZER_REGISTRY } from '../optim/registry.js';
import { constant } from '../schedule/constant.js';
import { cosine } from '../schedule/cosine.js';
import { cosineWarmRestarts } from '../schedule/cosine-warm-restarts.js';
import { cyclic } from '../schedule/cyclic.js';
import { exponential } from '../schedule/exponential.js';
import { inverseSqrt } from '../schedule/inverse-sqrt.js';
import { inverseTime } from '../schedule/inverse-time.js';
import { linear } from '../schedule/linear.js';
import { multiStep } from '../schedule/multi-step.js';
import { oneCycle } from '../schedule/one-cycle.js';
import { polynomial } from '../schedule/polynomial.js';
import { step } from '../schedule/step-decay.js';
import type { ScalarOrSchedule, Schedule } from '../schedule/types.js';
import { warmupCosine } from '../schedule/warmup-cosine.js';
import type { BlockName, ClipName, OptimizerName, ScheduleName } from './config.js';
import { ConfigError } from '../errors.js';
import type { FieldSpec, FieldSpecs, JsonObject, NumberField } from './config-validate.js';

type Tx = GradientTransformation<unknown>;

/** A learning rate: > 0 (a zero or negative lr is refused in configs). */
export const LR_FIELD: NumberField = { type: 'number', min: 0, minExclusive: true };
const POS: FieldSpec = { type: 'number', min: 0, minExclusive: true };
const NONNEG: FieldSpec = { type: 'number', min: 0 };
const BETA: FieldSpec = { type: 'number', min: 0, max: 1, maxExclusive: true };
const UNIT: FieldSpec = { type: 'number', min: 0, max: 1 };
const BOOL: FieldSpec = { type: 'boolean' };
const INT1: FieldSpec = { type: 'number', integer: true, min: 1 };
const INT0: FieldSpec = { type: 'number', integer: true, min: 0 };
const FINITE: FieldSpec = { type: 'number' };
const req = (f: FieldSpec): FieldSpec => ({ ...f, required: true });

/** The config object without its `name` and the given keys, as a library options object. */
function opts<T>(o: JsonObject, drop: readonly string[] = []): T {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(o)) if (k !== 'name' && !drop.includes(k)) out[k] = v;
  return out as T;
}

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

/** The named optimizers of `optim`, by config name: derived from optim/registry.ts. */
export const OPTIMIZERS = Object.fromEntries(
  OPTIMIZER_NAMES.map((n) => [n, optimizerSpec(OPTIMIZER_REGISTRY[n] as OptimizerDeclaration)]),
) as Readonly<Record<OptimizerName, OptimizerSpec>>;

/** A clipping transformation: its fields and builder. */
export interface ClipSpec {
  fields: FieldSpecs;
  build(o: JsonObject): Tx;
}

/** The clipping transformations of `clip`, by config name. */
export const CLIPS: Readonly<Record<ClipName, ClipSpec>> = {
  byValue: { fields: { clipValue: req(POS) }, build: (o) => byValue(o['clipValue'] as number) },
  byNorm: { fields: { maxNorm: req(POS) }, build: (o) => byNorm(o['maxNorm'] as number) },
  byGlobalNorm: {
    fields: {
      maxNorm: req(POS),
      normType: {
        type: 'numberOrEnum',
        item: { type: 'number', min: 0, minExclusive: true },
        values: ['inf'],
      },
      errorIfNonfinite: BOOL,
    },
    build: (o) => byGlobalNorm(o['maxNorm'] as number, opts(o, ['maxNorm'])),
  },
  byBlockRms: {
    fields: { threshold: req(POS) },
    build: (o) => byBlockRms(o['threshold'] as number),
  },
  agc: {
    fields: { clipping: POS, eps: NONNEG },
    build: (o) => agc((o['clipping'] as number | undefined) ?? 0.01, opts(o, ['clipping'])),
  },
  autoClip: {
    fields: { percentile: { type: 'number', min: 0, max: 100 }, historySize: INT1 },
    build: (o) => autoClip(opts(o)),
  },
  zClip: {
    fields: {
      alpha: BETA,
      zThreshold: POS,
      warmupSteps: INT1,
      mode: { type: 'enum', values: ['zscore', 'percentile'] },
      clipOption: { type: 'enum', values: ['adaptiveScaling', 'mean'] },
      clipFactor: POS,
      eps: NONNEG,
      maxGradNorm: POS,
      skipUpdateOnSpike: BOOL,
    },
    build: (o) => zClip(opts(o)),
  },
  spikeClip: {
    fields: { threshold: POS, decay: BETA, startStep: INT1 },
    build: (o) => spikeClip(opts(o)),
  },
};

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

/** A schedule: its fields, the library option the base lr fills, the length option that defaults to the run's steps, and its builder. */
export interface ScheduleSpec {
  fields: FieldSpecs;
  /** The library option set to the optimizer's lr (baseLr, peak or maxLr). */
  base: string;
  /** The option that defaults to the number of training steps, if any. */
  length?: string;
  build(o: JsonObject): Schedule;
}

/** The schedules of `schedule`, by config name (their base lr is the optimizer's lr). */
export const SCHEDULES: Readonly<Record<ScheduleName, ScheduleSpec>> = {
  constant: {
    fields: { factor: UNIT, totalIters: INT0 },
    base: 'baseLr',
    build: (o) => constant(opts(o)),
  },
  step: {
    fields: { stepSize: req(INT1), gamma: POS },
    base: 'baseLr',
    build: (o) => step(opts(o)),
  },
  multiStep: {
    fields: {
      milestones: {
        type: 'numbers',
        item: { type: 'number', integer: true, min: 0 },
        required: true,
      },
      gamma: POS,
    },
    base: 'baseLr',
    build: (o) => multiStep(opts(o)),
  },
  exponential: {
    fields: { gamma: req(POS) },
    base: 'baseLr',
    build: (o) => exponential(opts(o)),
  },
  inverseTime: {
    fields: { decayRate: req(NONNEG), decaySteps: POS, staircase: BOOL },
    base: 'baseLr',
    build: (o) => inverseTime(opts(o)),
  },
  inverseSqrt: { fields: {}, base: 'baseLr', build: (o) => inverseSqrt(opts(o)) },
  polynomial: {
    fields: { totalIters: INT1, power: NONNEG, endLr: NONNEG },
    base: 'baseLr',
    length: 'totalIters',
    build: (o) => polynomial(opts(o)),
  },
  cosine: {
    fields: { tMax: INT1, etaMin: NONNEG },
    base: 'baseLr',
    length: 'tMax',
    build: (o) => cosine(opts(o)),
  },
  cosineWarmRestarts: {
    fields: { t0: req(INT1), tMult: INT1, etaMin: NONNEG },
    base: 'baseLr',
    build: (o) => cosineWarmRestarts(opts(o)),
  },
  linear: {
    fields: {
      startFactor: { type: 'number', min: 0, max: 1, minExclusive: true },
      endFactor: UNIT,
      totalIters: INT1,
    },
    base: 'baseLr',
    build: (o) => linear(opts(o)),
  },
  warmupCosine: {
    fields: { init: NONNEG, warmup: req(INT0), total: INT1, end: NONNEG, exponent: POS },
    base: 'peak',
    length: 'total',
    build: (o) => warmupCosine(opts(o)),
  },
  oneCycle: {
    fields: {
      totalSteps: { type: 'number', integer: true, min: 2 },
      pctStart: { type: 'number', min: 0, max: 1, minExclusive: true, maxExclusive: true },
      anneal: { type: 'enum', values: ['cos', 'linear'] },
      divFactor: POS,
      finalDivFactor: POS,
      threePhase: BOOL,
    },
    base: 'maxLr',
    length: 'totalSteps',
    build: (o) => oneCycle(opts(o)),
  },
  cyclic: {
    fields: {
      maxLr: req(NONNEG),
      stepSizeUp: POS,
      stepSizeDown: NONNEG,
      mode: { type: 'enum', values: ['triangular', 'triangular2', 'expRange'] },
      gamma: { type: 'number', min: 0, max: 1, minExclusive: true },
    },
    base: 'baseLr',
    build: (o) => cyclic(opts(o)),
  },
};

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
