// The registry of learning-rate schedules: for each name its options with types and ranges
// (FieldSpec), the option a base learning rate fills, the option that defaults to the run's
// length, and how to build it. Adding a schedule: its file, its test, one entry here.
import type { FieldSpec, FieldSpecs } from '../optim/field-spec.js';
import { constant } from './constant.js';
import { cosine } from './cosine.js';
import { cosineWarmRestarts } from './cosine-warm-restarts.js';
import { cyclic } from './cyclic.js';
import { exponential } from './exponential.js';
import { inverseSqrt } from './inverse-sqrt.js';
import { inverseTime } from './inverse-time.js';
import { linear } from './linear.js';
import { multiStep } from './multi-step.js';
import { oneCycle } from './one-cycle.js';
import { polynomial } from './polynomial.js';
import { step } from './step-decay.js';
import type { Schedule } from './types.js';
import { warmupCosine } from './warmup-cosine.js';

type JsonObject = Record<string, unknown>;

// The field ranges schedules use (local: schedule/ imports only types from optim/).
const POS = { type: 'number', min: 0, minExclusive: true } as const satisfies FieldSpec;
const NONNEG = { type: 'number', min: 0 } as const satisfies FieldSpec;
const UNIT = { type: 'number', min: 0, max: 1 } as const satisfies FieldSpec;
const BOOL = { type: 'boolean' } as const satisfies FieldSpec;
const INT1 = { type: 'number', integer: true, min: 1 } as const satisfies FieldSpec;
const INT0 = { type: 'number', integer: true, min: 0 } as const satisfies FieldSpec;
const req = <F extends FieldSpec>(f: F): F & { required: true } => ({ ...f, required: true });

/** The section without its `name`, as the schedule's options object. */
function opts<T>(o: JsonObject): T {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(o)) if (k !== 'name') out[k] = v;
  return out as T;
}

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
export const SCHEDULE_REGISTRY = {
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
} as const satisfies Readonly<Record<string, ScheduleSpec>>;

/** The name of a registered schedule. */
export type ScheduleName = keyof typeof SCHEDULE_REGISTRY;
