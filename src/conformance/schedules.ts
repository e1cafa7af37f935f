import { ReferenceDataError } from './reference-error.js';
import { ConfigError, DataError, GradscopeError, fmt } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import type { Params } from '../optim/types.js';
import type { Schedule } from '../schedule/types.js';
import { constant, type ConstantOptions } from '../schedule/constant.js';
import { step, type StepOptions } from '../schedule/step-decay.js';
import { multiStep, type MultiStepOptions } from '../schedule/multi-step.js';
import { exponential, type ExponentialOptions } from '../schedule/exponential.js';
import { inverseTime, type InverseTimeOptions } from '../schedule/inverse-time.js';
import { inverseSqrt, type InverseSqrtOptions } from '../schedule/inverse-sqrt.js';
import { polynomial, type PolynomialOptions } from '../schedule/polynomial.js';
import { cosine, type CosineOptions } from '../schedule/cosine.js';
import {
  cosineWarmRestarts,
  type CosineWarmRestartsOptions,
} from '../schedule/cosine-warm-restarts.js';
import { linear, type LinearOptions } from '../schedule/linear.js';
import { warmupCosine, type WarmupCosineOptions } from '../schedule/warmup-cosine.js';
import { oneCycle, type OneCycleOptions } from '../schedule/one-cycle.js';
import { cyclic, type CyclicOptions } from '../schedule/cyclic.js';
import { reduceOnPlateau, type ReduceOnPlateauOptions } from '../schedule/reduce-on-plateau.js';

/** The verdict on one reference schedule case. */
export interface ScheduleConformanceResult {
  /** The case's name in the reference file. */
  name: string;
  /** Always 'schedules' (the section of the reference file). */
  section: 'schedules';
  /** Every lr within rtol of the reference. */
  pass: boolean;
  /** max_t |lr_t − ref_t|. */
  maxAbsErr: number;
  /** max_t |lr_t − ref_t| / |ref_t| (Infinity if a reference 0 is missed). */
  maxRelErr: number;
  /** The relative tolerance applied. */
  rtol: number;
  /** Number of steps compared (len(lrs)). */
  steps: number;
  /** Step with the largest relative error (−1 if there are no steps). */
  worstStep: number;
}

/** Options of {@link runScheduleConformance}. */
export interface ScheduleConformanceOptions {
  /** Only chooses the tolerance (an lr is a scalar): rtol 1e-10 for 'float64' (default), 1e-5 for 'float32'. */
  dtype?: DType;
}

// Factories validate every option at runtime (unknown names, types, ranges), so handing them the
// file's untyped options object is safe; the casts only tell the compiler so.
type Opts = Readonly<Record<string, unknown>>;
const PURE: Readonly<Record<string, (o: Opts) => Schedule>> = {
  constant: (o) => constant(o as unknown as ConstantOptions),
  step: (o) => step(o as unknown as StepOptions),
  multiStep: (o) => multiStep(o as unknown as MultiStepOptions),
  exponential: (o) => exponential(o as unknown as ExponentialOptions),
  inverseTime: (o) => inverseTime(o as unknown as InverseTimeOptions),
  inverseSqrt: (o) => inverseSqrt(o as unknown as InverseSqrtOptions),
  polynomial: (o) => polynomial(o as unknown as PolynomialOptions),
  cosine: (o) => cosine(o as unknown as CosineOptions),
  cosineWarmRestarts: (o) => cosineWarmRestarts(o as unknown as CosineWarmRestartsOptions),
  linear: (o) => linear(o as unknown as LinearOptions),
  warmupCosine: (o) => warmupCosine(o as unknown as WarmupCosineOptions),
  oneCycle: (o) => oneCycle(o as unknown as OneCycleOptions),
  cyclic: (o) => cyclic(o as unknown as CyclicOptions),
};

/**
 * Schedule names a reference case may use (the file's `schedule` field).
 * @example CONFORMANCE_SCHEDULES.includes('cosineWarmRestarts') // true
 */
export const CONFORMANCE_SCHEDULES: readonly string[] = [...Object.keys(PURE), 'reduceOnPlateau'];

const CASE_KEYS = ['name', 'schedule', 'options', 'lrs', 'metrics'];

function numberArray(where: string, v: unknown): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new ReferenceDataError(`${where} must be an array of finite numbers, got ${fmt(v)}`);
  }
  return v as number[];
}

/** lrs produced by reduceOnPlateau fed metrics[t] with step t (taking effect from step t+1). */
function runPlateau(options: Opts, metrics: readonly number[], steps: number): number[] {
  const baseLr = options['baseLr'];
  const tx = reduceOnPlateau(options as unknown as ReduceOnPlateauOptions);
  const lr = typeof baseLr === 'number' ? baseLr : 1;
  // One-element update of 1: after the transformation it holds the scale used at that step.
  const u = new Tensor(new Float64Array(1), [1]);
  const updates: Params = { lr: u };
  let state = tx.init(updates);
  const out: number[] = [];
  for (let t = 0; t < steps; t++) {
    u.data[0] = 1;
    [, state] = tx.update(updates, state, updates, { loss: metrics[t] as number });
    out.push(lr * (u.data[0] as number));
  }
  return out;
}

/**
 * Checks gradscope's schedules against the `schedules` section of a file in the
 * torch-optim-reference.json format: builds each case's schedule from its name and options
 * (an unknown schedule or option is an error, never ignored), evaluates it at t = 0..len(lrs)−1
 * (lrs[t] is the lr of update t; for reduceOnPlateau metrics[t] is reported with step t), and
 * compares: pass iff |lr_t − lrs[t]| <= rtol · |lrs[t]| for every t.
 *
 * @example
 * const results = runScheduleConformance(JSON.parse(text).schedules);
 * results.filter((r) => !r.pass) // []
 */
export function runScheduleConformance(
  cases: unknown,
  options: ScheduleConformanceOptions = {},
): ScheduleConformanceResult[] {
  const fn = 'runScheduleConformance';
  const dtype = options.dtype ?? 'float64';
  if (dtype !== 'float64' && dtype !== 'float32') {
    throw new ConfigError(`${fn}: option dtype must be 'float32' or 'float64', got ${fmt(dtype)}`);
  }
  const rtol = dtype === 'float64' ? 1e-10 : 1e-5;
  if (!Array.isArray(cases)) {
    throw new DataError(
      `${fn}: cases must be the reference file's "schedules" array, got ${fmt(cases)}`,
    );
  }
  return cases.map((c: unknown, i): ScheduleConformanceResult => {
    if (typeof c !== 'object' || c === null || Array.isArray(c)) {
      throw new DataError(`${fn}: schedules[${i}] must be an object, got ${fmt(c)}`);
    }
    const rec = c as Record<string, unknown>;
    const name = rec['name'];
    if (typeof name !== 'string')
      throw new DataError(`${fn}: schedules[${i}].name must be a string, got ${fmt(name)}`);
    const where = `${fn}: case ${fmt(name)}`;
    for (const key of Object.keys(rec)) {
      if (!CASE_KEYS.includes(key)) {
        throw new DataError(
          `${where}: unknown field ${fmt(key)}; expected ${CASE_KEYS.map((k) => fmt(k)).join(', ')}`,
        );
      }
    }
    const kind = rec['schedule'];
    const opts = rec['options'];
    if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) {
      throw new DataError(`${where}: options must be an object, got ${fmt(opts)}`);
    }
    const expected = numberArray(`${where}: lrs`, rec['lrs']);
    const steps = expected.length;
    let actual: number[];
    try {
      if (kind === 'reduceOnPlateau') {
        const metrics = numberArray(`${where}: metrics`, rec['metrics']);
        if (metrics.length < steps) {
          throw new DataError(`${where}: metrics has ${metrics.length} values for ${steps} lrs`);
        }
        actual = runPlateau(opts as Opts, metrics, steps);
      } else {
        const build =
          typeof kind === 'string' && Object.hasOwn(PURE, kind) ? PURE[kind] : undefined;
        if (build === undefined) {
          throw new ConfigError(
            `unknown schedule ${fmt(kind)}; known: ${CONFORMANCE_SCHEDULES.join(', ')}`,
          );
        }
        if (rec['metrics'] !== undefined) {
          throw new DataError(`field "metrics" only applies to reduceOnPlateau, not ${fmt(kind)}`);
        }
        const s = build(opts as Opts);
        actual = [];
        for (let t = 0; t < steps; t++) actual.push(s(t));
      }
    } catch (e) {
      if (e instanceof GradscopeError && !e.message.startsWith(where)) {
        const Ctor =
          e instanceof ReferenceDataError
            ? ReferenceDataError
            : e instanceof ConfigError
              ? ConfigError
              : DataError;
        throw new Ctor(`${where}: ${e.message}`);
      }
      throw e;
    }
    let maxAbsErr = 0;
    let maxRelErr = 0;
    let worstStep = steps > 0 ? 0 : -1;
    let pass = true;
    for (let t = 0; t < steps; t++) {
      const a = actual[t] as number;
      const e = expected[t] as number;
      const abs = Math.abs(a - e);
      const rel = e === 0 ? (abs === 0 ? 0 : Infinity) : abs / Math.abs(e);
      if (!(abs <= rtol * Math.abs(e))) pass = false;
      if (Number.isNaN(abs)) {
        maxAbsErr = NaN;
        maxRelErr = NaN;
        worstStep = t;
        continue;
      }
      maxAbsErr = Math.max(maxAbsErr, abs);
      if (rel > maxRelErr) {
        maxRelErr = rel;
        worstStep = t;
      }
    }
    return { name, section: 'schedules', pass, maxAbsErr, maxRelErr, rtol, steps, worstStep };
  });
}
