// The registry of learning-rate schedules: for each name its options with types and ranges
// (FieldSpec, declared once in the schedule's own file), the option a base learning rate fills, the option that defaults to the run's
// length, and how to build it. Adding a schedule: its file, its test, one entry here.
import type { FieldSpecs } from '../optim/field-spec.js';
import { CONSTANT_FIELDS, constant } from './constant.js';
import { COSINE_FIELDS, cosine } from './cosine.js';
import { COSINE_WARM_RESTARTS_FIELDS, cosineWarmRestarts } from './cosine-warm-restarts.js';
import { CYCLIC_FIELDS, cyclic } from './cyclic.js';
import { EXPONENTIAL_FIELDS, exponential } from './exponential.js';
import { INVERSE_SQRT_FIELDS, inverseSqrt } from './inverse-sqrt.js';
import { INVERSE_TIME_FIELDS, inverseTime } from './inverse-time.js';
import { LINEAR_FIELDS, linear } from './linear.js';
import { MULTI_STEP_FIELDS, multiStep } from './multi-step.js';
import { ONE_CYCLE_FIELDS, oneCycle } from './one-cycle.js';
import { POLYNOMIAL_FIELDS, polynomial } from './polynomial.js';
import { STEP_FIELDS, step } from './step-decay.js';
import type { Schedule } from './types.js';
import { WARMUP_COSINE_FIELDS, warmupCosine } from './warmup-cosine.js';

type JsonObject = Record<string, unknown>;

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
    fields: CONSTANT_FIELDS,
    base: 'baseLr',
    build: (o) => constant(opts(o)),
  },
  step: {
    fields: STEP_FIELDS,
    base: 'baseLr',
    build: (o) => step(opts(o)),
  },
  multiStep: {
    fields: MULTI_STEP_FIELDS,
    base: 'baseLr',
    build: (o) => multiStep(opts(o)),
  },
  exponential: {
    fields: EXPONENTIAL_FIELDS,
    base: 'baseLr',
    build: (o) => exponential(opts(o)),
  },
  inverseTime: {
    fields: INVERSE_TIME_FIELDS,
    base: 'baseLr',
    build: (o) => inverseTime(opts(o)),
  },
  inverseSqrt: { fields: INVERSE_SQRT_FIELDS, base: 'baseLr', build: (o) => inverseSqrt(opts(o)) },
  polynomial: {
    fields: POLYNOMIAL_FIELDS,
    base: 'baseLr',
    length: 'totalIters',
    build: (o) => polynomial(opts(o)),
  },
  cosine: {
    fields: COSINE_FIELDS,
    base: 'baseLr',
    length: 'tMax',
    build: (o) => cosine(opts(o)),
  },
  cosineWarmRestarts: {
    fields: COSINE_WARM_RESTARTS_FIELDS,
    base: 'baseLr',
    build: (o) => cosineWarmRestarts(opts(o)),
  },
  linear: {
    fields: LINEAR_FIELDS,
    base: 'baseLr',
    build: (o) => linear(opts(o)),
  },
  warmupCosine: {
    fields: WARMUP_COSINE_FIELDS,
    base: 'peak',
    length: 'total',
    build: (o) => warmupCosine(opts(o)),
  },
  oneCycle: {
    fields: ONE_CYCLE_FIELDS,
    base: 'maxLr',
    length: 'totalSteps',
    build: (o) => oneCycle(opts(o)),
  },
  cyclic: {
    fields: CYCLIC_FIELDS,
    base: 'baseLr',
    build: (o) => cyclic(opts(o)),
  },
} as const satisfies Readonly<Record<string, ScheduleSpec>>;

/** The name of a registered schedule. */
export type ScheduleName = keyof typeof SCHEDULE_REGISTRY;
