import { ConfigError, fmt } from '../errors.js';
import type { TypedArray } from '../tensor/dtype.js';
import { toRng, type Rng } from '../tensor/rng.js';
import type { Shape } from '../tensor/shape.js';
import { checkNumber, prepareOutput, type InitOutputOptions } from './output.js';

/** Options of {@link uniform}: the interval [a, b). */
export interface UniformOptions extends InitOutputOptions {
  /** Lower bound (default 0). */
  a?: number;
  /** Upper bound (default 1). */
  b?: number;
}

/**
 * Fills with U[a, b) samples: std = (b − a)/√12.
 * @example uniform([3, 3], 42, { a: -0.1, b: 0.1 })
 * @see torch.nn.init.uniform_
 */
export function uniform(shape: Shape, rng: number | Rng, options: UniformOptions = {}): TypedArray {
  const a = checkNumber('uniform', 'a', options.a ?? 0);
  const b = checkNumber('uniform', 'b', options.b ?? 1);
  if (!(a <= b)) throw new ConfigError(`uniform: a must be <= b, got a = ${fmt(a)}, b = ${fmt(b)}`);
  const out = prepareOutput('uniform', shape, options);
  return toRng(rng).fillUniform(out, a, b);
}

/** Options of {@link normal}. */
export interface NormalOptions extends InitOutputOptions {
  /** Mean (default 0). */
  mean?: number;
  /** Standard deviation, ≥ 0 (default 1). */
  std?: number;
}

/**
 * Fills with N(mean, std²) samples.
 * @example normal([256, 128], 0, { std: 0.01 })
 * @see torch.nn.init.normal_
 */
export function normal(shape: Shape, rng: number | Rng, options: NormalOptions = {}): TypedArray {
  const mean = checkNumber('normal', 'mean', options.mean ?? 0);
  const std = checkNumber('normal', 'std', options.std ?? 1);
  if (std < 0) throw new ConfigError(`normal: std must be >= 0, got ${fmt(std)}`);
  const out = prepareOutput('normal', shape, options);
  return toRng(rng).fillNormal(out, mean, std);
}
