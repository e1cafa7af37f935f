import { ConfigError, DataError, ShapeError, fmt } from '../errors.js';
import { allocData, assertDtype, getDefaultDtype, type DType, type TypedArray } from './dtype.js';
import { toRng, type Rng } from './rng.js';
import { assertShape, sizeOf, type Shape } from './shape.js';
import { Tensor, type NestedArray } from './tensor.js';

/** Options shared by creation functions. */
export interface CreateOptions {
  /** Element type (default: {@link getDefaultDtype}, float32 unless changed). */
  dtype?: DType;
  /** Make the result a leaf that receives gradients. */
  requiresGrad?: boolean;
}

function resolveDtype(opts: CreateOptions | undefined): DType {
  const d = opts?.dtype ?? getDefaultDtype();
  assertDtype(d, 'dtype');
  return d;
}

function inferShape(x: NestedArray, path: string): number[] {
  if (typeof x === 'number') return [];
  if (!Array.isArray(x))
    throw new DataError(`tensor(): expected numbers or nested arrays, got ${fmt(x)} at ${path}`);
  if (x.length === 0) return [0];
  const inner = inferShape(x[0] as NestedArray, `${path}[0]`);
  for (let i = 1; i < x.length; i++) {
    const s = inferShape(x[i] as NestedArray, `${path}[${i}]`);
    if (s.length !== inner.length || s.some((d, k) => d !== inner[k])) {
      throw new ShapeError(
        `tensor(): ragged nested array: ${path}[0] has shape ${fmt(inner)} but ${path}[${i}] has ${fmt(s)}`,
      );
    }
  }
  return [x.length, ...inner];
}

/**
 * Creates a tensor from a number, nested arrays, or a typed array (with `shape`; a typed array
 * of the requested dtype is used without a copy).
 * @example tensor([[1, 2], [3, 4]]) // shape [2, 2], float32
 * @example tensor(new Float64Array(6), { shape: [2, 3] })
 */
export function tensor(
  values: NestedArray | TypedArray | readonly number[],
  opts: CreateOptions & { shape?: Shape } = {},
): Tensor {
  if (values instanceof Float32Array || values instanceof Float64Array) {
    const dtype = opts.dtype ?? (values instanceof Float32Array ? 'float32' : 'float64');
    assertDtype(dtype, 'dtype');
    const shape = opts.shape ?? [values.length];
    assertShape(shape);
    let data: TypedArray = values;
    if ((dtype === 'float32') !== values instanceof Float32Array) {
      data = allocData(dtype, values.length);
      data.set(values);
    }
    return new Tensor(data, shape, opts.requiresGrad ?? false);
  }
  const dtype = resolveDtype(opts);
  const shape = inferShape(values as NestedArray, 'values');
  const data = allocData(dtype, sizeOf(shape));
  let k = 0;
  const fill = (x: NestedArray): void => {
    if (typeof x === 'number') data[k++] = x;
    else for (const y of x) fill(y);
  };
  fill(values as NestedArray);
  if (opts.shape) {
    assertShape(opts.shape);
    if (sizeOf(opts.shape) !== data.length) {
      throw new ShapeError(
        `tensor(): shape ${fmt(opts.shape)} needs ${sizeOf(opts.shape)} values, got ${data.length}`,
      );
    }
    return new Tensor(data, opts.shape, opts.requiresGrad ?? false);
  }
  return new Tensor(data, shape, opts.requiresGrad ?? false);
}

/** A scalar (shape []) tensor. */
export function scalar(value: number, opts: CreateOptions = {}): Tensor {
  const data = allocData(resolveDtype(opts), 1);
  data[0] = value;
  return new Tensor(data, [], opts.requiresGrad ?? false);
}

/** A tensor filled with `value`. */
export function full(shape: Shape, value: number, opts: CreateOptions = {}): Tensor {
  assertShape(shape);
  const data = allocData(resolveDtype(opts), sizeOf(shape));
  if (value !== 0) data.fill(value);
  return new Tensor(data, shape, opts.requiresGrad ?? false);
}

/** A tensor of zeros. */
export function zeros(shape: Shape, opts: CreateOptions = {}): Tensor {
  return full(shape, 0, opts);
}

/** A tensor of ones. */
export function ones(shape: Shape, opts: CreateOptions = {}): Tensor {
  return full(shape, 1, opts);
}

/** Zeros with the shape and dtype of `t`. */
export function zerosLike(t: Tensor, opts: { requiresGrad?: boolean } = {}): Tensor {
  return zeros(t.shape, { dtype: t.dtype, ...opts });
}

/** Ones with the shape and dtype of `t`. */
export function onesLike(t: Tensor, opts: { requiresGrad?: boolean } = {}): Tensor {
  return ones(t.shape, { dtype: t.dtype, ...opts });
}

/**
 * Values start, start+step, ... below end (NumPy's arange).
 * @example arange(0, 5) // [0, 1, 2, 3, 4]
 */
export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (!Number.isFinite(step) || step === 0)
    throw new ConfigError(`arange(): step must be a finite non-zero number, got ${fmt(step)}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const data = allocData(resolveDtype(opts), n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return new Tensor(data, [n], opts.requiresGrad ?? false);
}

/** `num` evenly spaced values from start to end inclusive. */
export function linspace(
  start: number,
  end: number,
  num: number,
  opts: CreateOptions = {},
): Tensor {
  if (!Number.isInteger(num) || num < 0)
    throw new ConfigError(`linspace(): num must be a non-negative integer, got ${fmt(num)}`);
  const data = allocData(resolveDtype(opts), num);
  const step = num > 1 ? (end - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) data[i] = i === num - 1 && num > 1 ? end : start + i * step;
  return new Tensor(data, [num], opts.requiresGrad ?? false);
}

/** The n×m identity (m defaults to n). */
export function eye(n: number, m = n, opts: CreateOptions = {}): Tensor {
  const t = zeros([n, m], opts);
  for (let i = 0; i < Math.min(n, m); i++) t.data[i * m + i] = 1;
  return t;
}

/** U[0, 1) samples from a seed or an Rng. */
export function rand(shape: Shape, rng: number | Rng, opts: CreateOptions = {}): Tensor {
  return uniform(shape, 0, 1, rng, opts);
}

/** U[lo, hi) samples. */
export function uniform(
  shape: Shape,
  lo: number,
  hi: number,
  rng: number | Rng,
  opts: CreateOptions = {},
): Tensor {
  const t = zeros(shape, opts);
  toRng(rng).fillUniform(t.data, lo, hi);
  return t;
}

/** N(0, 1) samples. */
export function randn(shape: Shape, rng: number | Rng, opts: CreateOptions = {}): Tensor {
  return normal(shape, 0, 1, rng, opts);
}

/** N(mean, std²) samples. */
export function normal(
  shape: Shape,
  mean: number,
  std: number,
  rng: number | Rng,
  opts: CreateOptions = {},
): Tensor {
  if (!(std >= 0)) throw new ConfigError(`normal(): std must be >= 0, got ${fmt(std)}`);
  const t = zeros(shape, opts);
  toRng(rng).fillNormal(t.data, mean, std);
  return t;
}

/** Integers uniform in [lo, hi), stored as floats. */
export function randint(
  shape: Shape,
  lo: number,
  hi: number,
  rng: number | Rng,
  opts: CreateOptions = {},
): Tensor {
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi <= lo) {
    throw new ConfigError(`randint(): expected integers lo < hi, got lo=${fmt(lo)}, hi=${fmt(hi)}`);
  }
  const t = zeros(shape, opts);
  const r = toRng(rng);
  for (let i = 0; i < t.size; i++) t.data[i] = lo + r.int(hi - lo);
  return t;
}

/** A random permutation of 0..n−1, stored as floats (use `Rng.permutation` for indices). */
export function permutation(n: number, rng: number | Rng, opts: CreateOptions = {}): Tensor {
  const p = toRng(rng).permutation(n);
  const data = allocData(resolveDtype(opts), n);
  data.set(p);
  return new Tensor(data, [n], opts.requiresGrad ?? false);
}
