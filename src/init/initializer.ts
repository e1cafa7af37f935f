import { ConfigError, fmt } from '../errors.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import type { Rng } from '../tensor/rng.js';
import type { Shape } from '../tensor/shape.js';
import { constant, ones, zeros } from './constant.js';
import { heNormal, heUniform, type KaimingOptions } from './kaiming.js';
import { lecunNormal, type LecunOptions } from './lecun.js';
import { orthogonal, type OrthogonalOptions } from './orthogonal.js';
import { normal, uniform, type NormalOptions, type UniformOptions } from './random.js';
import { sparse, type SparseOptions } from './sparse.js';
import { truncatedNormal, type TruncatedNormalOptions } from './truncated-normal.js';
import { xavierNormal, xavierUniform, type XavierOptions } from './xavier.js';

/**
 * What a layer's `init` option resolves to: fills a fresh array of the given shape and dtype,
 * drawing any randomness from `rng` (the model's generator, so a seed fixes every weight).
 * @example const init: Initializer = (shape, rng, dtype) => heNormal(shape, rng, { dtype });
 */
export type Initializer = (shape: Shape, rng: Rng, dtype: DType) => TypedArray;

/**
 * An initializer's options as a layer's `init` takes them: without `dtype` and `out`, which the
 * layer sets.
 */
export type LayerInitOptions<T> = Omit<T, 'dtype' | 'out'>;

/** An initializer by name with its options, e.g. `{ name: 'heNormal', mode: 'fanOut' }`. */
export type InitializerConfig =
  | { name: 'zeros' }
  | { name: 'ones' }
  | { name: 'constant'; value: number }
  | ({ name: 'uniform' } & LayerInitOptions<UniformOptions>)
  | ({ name: 'normal' } & LayerInitOptions<NormalOptions>)
  | ({ name: 'truncatedNormal' } & LayerInitOptions<TruncatedNormalOptions>)
  | ({ name: 'xavierUniform' | 'xavierNormal' } & LayerInitOptions<XavierOptions>)
  | ({
      name: 'heUniform' | 'heNormal' | 'kaimingUniform' | 'kaimingNormal';
    } & LayerInitOptions<KaimingOptions>)
  | ({ name: 'lecunNormal' } & LayerInitOptions<LecunOptions>)
  | ({ name: 'orthogonal' } & LayerInitOptions<OrthogonalOptions>)
  | ({ name: 'sparse' } & LayerInitOptions<SparseOptions>);

/** The names usable as a string `init` option (with default options). */
export type InitializerName = Exclude<InitializerConfig['name'], 'constant'>;

/** Everything a layer's `init` option accepts: a function, a name, or a name with options. */
export type InitSpec = Initializer | InitializerName | InitializerConfig;

const NAMES: readonly InitializerName[] = [
  'zeros',
  'ones',
  'uniform',
  'normal',
  'truncatedNormal',
  'xavierUniform',
  'xavierNormal',
  'heUniform',
  'heNormal',
  'kaimingUniform',
  'kaimingNormal',
  'lecunNormal',
  'orthogonal',
  'sparse',
];

/**
 * Turns an `init` option into an {@link Initializer}: functions pass through, names and configs
 * map to the initializers of this module ('kaimingUniform'/'kaimingNormal' are aliases of
 * heUniform/heNormal). Unknown names throw a ConfigError listing the known ones.
 * @example resolveInitializer({ name: 'heNormal', nonlinearity: 'relu' })([64, 32], new Rng(0), 'float32')
 */
export function resolveInitializer(spec: InitSpec): Initializer {
  if (typeof spec === 'function') return spec;
  const config: InitializerConfig =
    typeof spec === 'string' ? ({ name: spec } as InitializerConfig) : spec;
  if (config === null || typeof config !== 'object') {
    throw new ConfigError(
      `init: expected a function, a name or { name, ...options }, got ${fmt(spec)}`,
    );
  }
  switch (config.name) {
    case 'zeros':
      return (shape, _rng, dtype) => zeros(shape, { dtype });
    case 'ones':
      return (shape, _rng, dtype) => ones(shape, { dtype });
    case 'constant':
      return (shape, _rng, dtype) => constant(shape, config.value, { dtype });
    case 'uniform':
      return (shape, rng, dtype) => uniform(shape, rng, { ...config, dtype });
    case 'normal':
      return (shape, rng, dtype) => normal(shape, rng, { ...config, dtype });
    case 'truncatedNormal':
      return (shape, rng, dtype) => truncatedNormal(shape, rng, { ...config, dtype });
    case 'xavierUniform':
      return (shape, rng, dtype) => xavierUniform(shape, rng, { ...config, dtype });
    case 'xavierNormal':
      return (shape, rng, dtype) => xavierNormal(shape, rng, { ...config, dtype });
    case 'heUniform':
    case 'kaimingUniform':
      return (shape, rng, dtype) => heUniform(shape, rng, { ...config, dtype });
    case 'heNormal':
    case 'kaimingNormal':
      return (shape, rng, dtype) => heNormal(shape, rng, { ...config, dtype });
    case 'lecunNormal':
      return (shape, rng, dtype) => lecunNormal(shape, rng, { ...config, dtype });
    case 'orthogonal':
      return (shape, rng, dtype) => orthogonal(shape, rng, { ...config, dtype });
    case 'sparse':
      return (shape, rng, dtype) => sparse(shape, rng, { ...config, dtype });
    default:
      throw new ConfigError(
        `init: unknown initializer ${fmt((config as { name?: unknown }).name)}; expected one of ${NAMES.join(', ')}, constant, or a function`,
      );
  }
}
