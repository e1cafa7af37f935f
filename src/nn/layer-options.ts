import { ConfigError, fmt } from '../errors.js';
import { resolveInitializer, type Initializer, type InitSpec } from '../init/initializer.js';
import { heUniform } from '../init/kaiming.js';
import { uniform } from '../init/random.js';
import { allocData, assertDtype, dtypeOf, getDefaultDtype, type DType } from '../tensor/dtype.js';
import { Rng } from '../tensor/rng.js';
import { sizeOf } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** Where a layer's randomness comes from: a seed (same seed, same weights) or a shared generator. */
export interface RandomOptions {
  /** Seed of a fresh generator for this layer's random init (or dropout masks). */
  seed?: number;
  /** A generator to draw from (advanced by the layer); takes precedence over `seed`. */
  rng?: Rng;
}

/** Options shared by layers with parameters. */
export interface LayerInitOptions extends RandomOptions {
  /** Initializer of the weights (a function, a name, or `{ name, ...options }`); default per layer. */
  init?: InitSpec;
  /** Initializer of the biases; default per layer. */
  biasInit?: InitSpec;
  /** dtype of the parameters (default: the global default dtype). */
  dtype?: DType;
}

// Layers built without seed or rng draw from this generator, so a program that never passes a
// seed is still reproducible run to run (PyTorch's global generator, fixed by manualSeed).
let defaultRng = new Rng(0);

/**
 * Reseeds the generator used by layers created without `seed` or `rng` (PyTorch's
 * `torch.manual_seed` for layer inits and dropout masks).
 * @example manualSeed(42); const a = new Linear(3, 2); manualSeed(42); const b = new Linear(3, 2); // same weights
 */
export function manualSeed(seed: number): void {
  defaultRng = new Rng(seed);
}

/** @internal The layer's generator: `rng` if given, else a fresh one from `seed`, else a fork of the default. */
export function layerRng(op: string, opts: RandomOptions): Rng {
  if (opts.rng !== undefined) {
    if (!(opts.rng instanceof Rng))
      throw new ConfigError(`${op}: rng must be an Rng, got ${fmt(opts.rng)}`);
    return opts.rng;
  }
  if (opts.seed !== undefined) {
    if (typeof opts.seed !== 'number' || !Number.isFinite(opts.seed))
      throw new ConfigError(`${op}: seed must be a finite number, got ${fmt(opts.seed)}`);
    return new Rng(opts.seed);
  }
  return defaultRng.fork();
}

/** @internal The dtype option or the global default, validated. */
export function layerDtype(op: string, dtype: DType | undefined): DType {
  const d = dtype ?? getDefaultDtype();
  assertDtype(d, `${op}: dtype`);
  return d;
}

/** @internal Throws a ConfigError unless `v` is an integer ≥ `min`. */
export function checkInt(op: string, name: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new ConfigError(`${op}: ${name} must be an integer >= ${min}, got ${fmt(v)}`);
  }
  return v;
}

/** @internal Throws a ConfigError unless `v` is a finite number in [lo, hi] (or [lo, hi) when `openHi`). */
export function checkRange(
  op: string,
  name: string,
  v: unknown,
  lo: number,
  hi: number,
  openHi = false,
): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || (openHi ? v >= hi : v > hi)) {
    throw new ConfigError(
      `${op}: ${name} must be a number in [${lo}, ${hi}${openHi ? ')' : ']'}, got ${fmt(v)}`,
    );
  }
  return v;
}

/** @internal Throws a ConfigError unless `v` is a boolean. */
export function checkBool(op: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean')
    throw new ConfigError(`${op}: ${name} must be true or false, got ${fmt(v)}`);
  return v;
}

/**
 * @internal PyTorch's default weight init of Linear and Conv: kaiming-uniform with a = √5, which
 * is U(±√3·√(2/(1 + 5))/√fanIn) = U(±1/√fanIn).
 */
export const torchDefaultWeightInit: Initializer = (shape, rng, dtype) =>
  heUniform(shape, rng, { a: Math.sqrt(5), dtype });

/** @internal U(±bound): PyTorch's default bias init (bound = 1/√fanIn) and RNN init (1/√H). */
export function uniformInit(bound: number): Initializer {
  return (shape, rng, dtype) => uniform(shape, rng, { a: -bound, b: bound, dtype });
}

/** @internal Constant init (LayerNorm/BatchNorm scales and shifts). */
export function constantInit(value: number): Initializer {
  return (shape, _rng, dtype) => allocData(dtype, sizeOf(shape)).fill(value);
}

/** @internal What {@link makeParam} builds: a layer's parameter, its initializer and where it draws from. */
export interface ParamSpec {
  /** The layer factory, for error messages (e.g. `nn.linear`). */
  readonly op: string;
  /** The parameter's name within the layer (`weight`, `bias`, …). */
  readonly name: string;
  readonly shape: readonly number[];
  /** The user's initializer (name or function), or undefined for `fallback`. */
  readonly init: InitSpec | undefined;
  /** The layer's default initializer. */
  readonly fallback: Initializer;
  readonly rng: Rng;
  readonly dtype: DType;
}

/**
 * @internal A fresh parameter tensor filled by `init` (or `fallback`), checked to have the
 * requested size and dtype so that a custom initializer cannot smuggle in a wrong array.
 * @example makeParam({ op: 'nn.linear', name: 'bias', shape: [4], init: undefined, fallback: constantInit(0), rng, dtype: 'float32' })
 */
export function makeParam(p: ParamSpec): Tensor {
  const { op, name: what, shape, init: spec, fallback, rng, dtype } = p;
  const init = spec === undefined ? fallback : resolveInitializer(spec);
  const data = init(shape, rng, dtype);
  if (
    !(data instanceof Float32Array || data instanceof Float64Array) ||
    data.length !== sizeOf(shape) ||
    dtypeOf(data) !== dtype
  ) {
    throw new ConfigError(
      `${op}: the initializer of ${what} must return a ${dtype} array of ${sizeOf(shape)} values for shape ${fmt(shape)}, got ${describe(data)}`,
    );
  }
  return new Tensor(data, shape, true);
}

function describe(v: unknown): string {
  if (v instanceof Float32Array || v instanceof Float64Array)
    return `a ${dtypeOf(v)} array of ${v.length} values`;
  return fmt(v);
}
