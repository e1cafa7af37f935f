import { ReferenceDataError, referenceNumbers } from './reference-error.js';
import { byGlobalNorm } from '../clip/by-global-norm.js';
import { byValue } from '../clip/by-value.js';
import { ConfigError, DataError, fmt } from '../errors.js';
import { Optimizer } from '../optim/optimizer.js';
import { optimizerDeclaration } from '../optim/registry.js';
import type { GradientTransformation, Params } from '../optim/types.js';
import { allocData, type DType, type TypedArray } from '../tensor/dtype.js';
import { sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** Section of the reference file a case comes from. */
export type ConformanceSection = 'optimizers' | 'clipping' | 'schedules';

/** The outcome of one reference case. */
export interface ConformanceResult {
  /** The case's name in the reference file. */
  name: string;
  /** Which part of the file the case comes from. */
  section: ConformanceSection;
  /** Whether every step matched within the tolerances. */
  pass: boolean;
  /** Largest |actual − expected| over all steps and elements. */
  maxAbsErr: number;
  /**
   * Largest |actual − expected| / (|expected| + floor), floor = atol/rtol (1% of the tensor's
   * scale): the case passes when this is ≤ rtol.
   */
  maxRelErr: number;
  /** Why the case could not run (unknown optimizer or option, malformed data). */
  error?: string;
}

/** Runs one `schedules` case (the schedule module's hook). */
export type ScheduleCaseRunner = (
  scheduleCase: unknown,
  dtype: DType,
) => Omit<ConformanceResult, 'section'>;

/** Options of {@link runOptimConformance}. */
export interface OptimConformanceOptions {
  /** Runs the `schedules` section when given (otherwise that section is not reported). */
  scheduleRunner?: ScheduleCaseRunner;
}

/**
 * Tolerances of a dtype: pass iff |a − e| ≤ atol·scale + rtol·|e| (scale = max |e| of the tensor).
 * @example CONFORMANCE_TOLERANCES.float32.rtol // 1e-5
 */
export const CONFORMANCE_TOLERANCES: Record<DType, { rtol: number; atol: number }> = {
  float64: { rtol: 1e-10, atol: 1e-12 },
  float32: { rtol: 1e-5, atol: 1e-7 },
};

/** PyTorch flags that choose an implementation, not the math: accepted and not forwarded. */
const IMPLEMENTATION_FLAGS = new Set(['foreach', 'capturable', 'differentiable', 'fused']);

function camel(key: string): string {
  return key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Maps a reference case's options (PyTorch's names, camelCase or snake_case) to gradscope's:
 * `betas: [b1, b2]` → b1, b2; implementation flags dropped; everything else forwarded as is, so
 * that the optimizer rejects what it does not know (nothing is silently ignored).
 * @example mapTorchOptions('case', { betas: [0.9, 0.99], weight_decay: 0.1 }) // { b1: 0.9, b2: 0.99, weightDecay: 0.1 }
 */
export function mapTorchOptions(owner: string, options: unknown): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new DataError(`${owner}: options = ${fmt(options)} is not an object`);
  }
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of Object.entries(options)) {
    const key = camel(rawKey);
    if (IMPLEMENTATION_FLAGS.has(key)) {
      if (value !== null && typeof value !== 'boolean')
        throw new ConfigError(`${owner}: option ${key} = ${fmt(value)}; expected a boolean`);
      continue;
    }
    if (key === 'betas') {
      if (
        !Array.isArray(value) ||
        value.length !== 2 ||
        !value.every((b) => typeof b === 'number')
      ) {
        throw new ConfigError(`${owner}: option betas = ${fmt(value)}; expected [b1, b2]`);
      }
      out['b1'] = value[0];
      out['b2'] = value[1];
      continue;
    }
    out[key] = value;
  }
  return out;
}

function toTyped(values: unknown, dtype: DType, what: string, size: number): TypedArray {
  const nums = referenceNumbers(values, what);
  if (nums.length !== size)
    throw new ReferenceDataError(`${what} has ${nums.length} values; its shape needs ${size}`);
  const out = allocData(dtype, size);
  out.set(nums);
  return out;
}

function shapesOf(c: Record<string, unknown>, owner: string): number[][] {
  const shapes = c['shapes'];
  if (!Array.isArray(shapes) || shapes.length === 0)
    throw new ReferenceDataError(
      `${owner}: shapes = ${fmt(shapes)}; expected a non-empty array of shapes`,
    );
  return shapes.map((s, i) => {
    if (!Array.isArray(s) || !s.every((d) => Number.isInteger(d) && d >= 0))
      throw new ReferenceDataError(`${owner}: shapes[${i}] = ${fmt(s)} is not a shape`);
    return s as number[];
  });
}

function tensorsOf(values: unknown, shapes: number[][], dtype: DType, what: string): Tensor[] {
  if (!Array.isArray(values) || values.length !== shapes.length) {
    throw new DataError(
      `${what} must hold ${shapes.length} tensors (one per shape), got ${Array.isArray(values) ? values.length : fmt(values)}`,
    );
  }
  return shapes.map((s, i) => new Tensor(toTyped(values[i], dtype, `${what}[${i}]`, sizeOf(s)), s));
}

/** Accumulates the error measures of a case. */
class ErrorMeter {
  maxAbsErr = 0;
  maxRelErr = 0;
  pass = true;
  constructor(private readonly tol: { rtol: number; atol: number }) {}

  compare(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
    let scale = 0;
    for (let i = 0; i < expected.length; i++)
      scale = Math.max(scale, Math.abs(expected[i] as number));
    const floor = (this.tol.atol / this.tol.rtol) * scale;
    for (let i = 0; i < expected.length; i++) {
      const e = expected[i] as number;
      const err = Math.abs((actual[i] as number) - e);
      const rel = err / (Math.abs(e) + floor);
      // A NaN anywhere fails the case (NaN comparisons are false).
      if (!(err <= this.tol.atol * scale + this.tol.rtol * Math.abs(e))) this.pass = false;
      if (err > this.maxAbsErr || err !== err) this.maxAbsErr = err;
      if (rel > this.maxRelErr || rel !== rel) this.maxRelErr = rel;
    }
  }
}

function runOptimizerCase(
  c: Record<string, unknown>,
  dtype: DType,
): Omit<ConformanceResult, 'name' | 'section'> {
  const name = String(c['name']);
  const owner = `optimizers[${name}]`;
  const kind = c['optimizer'];
  // Any registered optimizer (optim/registry.ts); an unknown name fails the case, naming the known ones.
  const tx = optimizerDeclaration(String(kind), owner).create(mapTorchOptions(owner, c['options']));
  const shapes = shapesOf(c, owner);
  const params = tensorsOf(c['params0'], shapes, dtype, `${owner}.params0`);
  const grads = c['grads'];
  const expected = c['params'];
  if (!Array.isArray(grads) || !Array.isArray(expected) || grads.length !== expected.length) {
    throw new DataError(
      `${owner}: grads and params must be arrays of the same length (one entry per step)`,
    );
  }
  const record: Params = {};
  params.forEach((p, i) => (record[`p${i}`] = p));
  const opt = new Optimizer(record, tx);
  const meter = new ErrorMeter(CONFORMANCE_TOLERANCES[dtype]);
  for (let t = 0; t < grads.length; t++) {
    const g = tensorsOf(grads[t], shapes, dtype, `${owner}.grads[${t}]`);
    params.forEach((p, i) => (p.grad = g[i] as Tensor));
    opt.step();
    const e = tensorsOf(expected[t], shapes, 'float64', `${owner}.params[${t}]`);
    params.forEach((p, i) => meter.compare(p.data, (e[i] as Tensor).data));
  }
  return { pass: meter.pass, maxAbsErr: meter.maxAbsErr, maxRelErr: meter.maxRelErr };
}

const CLIP_CASE_FIELDS = new Set(['name', 'kind', 'shapes', 'grads', 'clipped', 'totalNorm']);

function runClippingCase(
  c: Record<string, unknown>,
  dtype: DType,
): Omit<ConformanceResult, 'name' | 'section'> {
  const name = String(c['name']);
  const owner = `clipping[${name}]`;
  const opts: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) if (!CLIP_CASE_FIELDS.has(k)) opts[camel(k)] = v;
  const kind = c['kind'];
  const take = (allowed: string[]): void => {
    for (const k of Object.keys(opts)) {
      if (!allowed.includes(k))
        throw new ConfigError(
          `${owner}: unknown option ${fmt(k)} for kind ${fmt(kind)}; expected ${allowed.join(', ')}`,
        );
    }
  };
  let tx: GradientTransformation<unknown>;
  let normOf: ((s: unknown) => number) | null = null;
  if (kind === 'globalNorm') {
    take(['maxNorm', 'normType', 'errorIfNonfinite']);
    const raw = opts['normType'];
    const normType =
      raw === undefined ? 2 : raw === 'inf' || raw === 'Infinity' || raw === Infinity ? 'inf' : raw;
    if (normType !== 'inf' && typeof normType !== 'number')
      throw new ConfigError(`${owner}: normType = ${fmt(raw)}; expected a number or "inf"`);
    tx = byGlobalNorm(opts['maxNorm'] as number, {
      normType,
      errorIfNonfinite: opts['errorIfNonfinite'] as boolean | undefined,
    });
    normOf = (s) => (s as { normBefore: number }).normBefore;
  } else if (kind === 'value') {
    take(['clipValue']);
    tx = byValue(opts['clipValue'] as number);
  } else {
    throw new ConfigError(
      `${owner}: unknown clipping kind ${fmt(kind)}; expected "globalNorm" or "value"`,
    );
  }
  const shapes = shapesOf(c, owner);
  const grads = tensorsOf(c['grads'], shapes, dtype, `${owner}.grads`);
  const expected = tensorsOf(c['clipped'], shapes, 'float64', `${owner}.clipped`);
  const record: Params = {};
  grads.forEach((g, i) => (record[`p${i}`] = g));
  const state = tx.init(record);
  const [out, next] = tx.update(record, state, record);
  const meter = new ErrorMeter(CONFORMANCE_TOLERANCES[dtype]);
  grads.forEach((_, i) =>
    meter.compare((out[`p${i}`] as Tensor).data, (expected[i] as Tensor).data),
  );
  const total = c['totalNorm'];
  if (total !== undefined) {
    if (typeof total !== 'number')
      throw new ReferenceDataError(`${owner}: totalNorm = ${fmt(total)} is not a number`);
    if (normOf === null)
      throw new ConfigError(`${owner}: totalNorm is given but kind ${fmt(kind)} has no norm`);
    meter.compare([normOf(next)], [total]);
  }
  return { pass: meter.pass, maxAbsErr: meter.maxAbsErr, maxRelErr: meter.maxRelErr };
}

function section(file: Record<string, unknown>, key: string): Record<string, unknown>[] {
  const s = file[key];
  if (s === undefined) return [];
  if (!Array.isArray(s))
    throw new DataError(
      `runOptimConformance: section ${key} is ${fmt(s)}; expected an array of cases`,
    );
  return s.map((c, i) => {
    if (c === null || typeof c !== 'object' || Array.isArray(c))
      throw new DataError(`runOptimConformance: ${key}[${i}] is not an object`);
    return c as Record<string, unknown>;
  });
}

/**
 * Runs a reference file in the format of `torch-optim-reference.json` (already parsed; no file
 * access here) in one dtype: every `optimizers` case (25 steps of the named optimizer from
 * params0, compared with PyTorch's parameters after each step) and every `clipping` case, plus
 * the `schedules` cases when a runner is given. Options are mapped generically
 * (`mapTorchOptions`); an unknown optimizer, kind or option fails its case with a clear
 * `error` instead of being ignored.
 *
 * Tolerances ({@link CONFORMANCE_TOLERANCES}): float64 rtol 1e-10 (atol 1e-12 × scale), float32
 * rtol 1e-5 with atol 1e-7 × scale, scale = max |expected| of the tensor at that step.
 *
 * @example runOptimConformance(JSON.parse(text), 'float32').filter((r) => !r.pass)
 */
export function runOptimConformance(
  file: unknown,
  dtype: DType,
  options: OptimConformanceOptions = {},
): ConformanceResult[] {
  if (dtype !== 'float32' && dtype !== 'float64')
    throw new ConfigError(
      `runOptimConformance: dtype = ${fmt(dtype)}; expected 'float32' or 'float64'`,
    );
  if (file === null || typeof file !== 'object' || Array.isArray(file)) {
    throw new DataError(
      `runOptimConformance: file = ${fmt(file)} is not a reference object with optimizers/clipping/schedules sections`,
    );
  }
  const f = file as Record<string, unknown>;
  const results: ConformanceResult[] = [];
  const run = (
    sec: ConformanceSection,
    c: Record<string, unknown>,
    fn: () => Omit<ConformanceResult, 'name' | 'section'>,
  ): void => {
    const name = typeof c['name'] === 'string' ? c['name'] : `${sec}[${results.length}]`;
    try {
      results.push({ name, section: sec, ...fn() });
    } catch (e) {
      if (e instanceof ReferenceDataError) throw e;
      results.push({
        name,
        section: sec,
        pass: false,
        maxAbsErr: NaN,
        maxRelErr: NaN,
        error: e instanceof Error ? e.message : String(e),
      });
    }
  };
  for (const c of section(f, 'optimizers')) run('optimizers', c, () => runOptimizerCase(c, dtype));
  for (const c of section(f, 'clipping')) run('clipping', c, () => runClippingCase(c, dtype));
  const runner = options.scheduleRunner;
  if (runner !== undefined) {
    for (const c of section(f, 'schedules')) {
      run('schedules', c, () => {
        const r = runner(c, dtype);
        return {
          pass: r.pass,
          maxAbsErr: r.maxAbsErr,
          maxRelErr: r.maxRelErr,
          ...(r.error === undefined ? {} : { error: r.error }),
        };
      });
    }
  }
  return results;
}
