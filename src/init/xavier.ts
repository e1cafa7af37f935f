import type { TypedArray } from '../tensor/dtype.js';
import { toRng, type Rng } from '../tensor/rng.js';
import type { Shape } from '../tensor/shape.js';
import { computeFans } from './fan.js';
import { checkNumber, prepareOutput, type InitOutputOptions } from './output.js';

/** Options of the Xavier (Glorot) initializers. */
export interface XavierOptions extends InitOutputOptions {
  /** Multiplier on the std, e.g. calculateGain('tanh') (default 1). */
  gain?: number;
}

/**
 * Xavier/Glorot uniform: U[−bound, bound] with bound = gain·√(6/(fanIn + fanOut)), so
 * std = gain·√(2/(fanIn + fanOut)) — the "normalized initialization" that keeps both the forward
 * activations' and the backward gradients' variance roughly constant across layers.
 * @example xavierUniform([256, 784], 0, { gain: calculateGain('tanh') })
 * @see Glorot & Bengio, "Understanding the difficulty of training deep feedforward neural networks", AISTATS 2010
 */
export function xavierUniform(
  shape: Shape,
  rng: number | Rng,
  options: XavierOptions = {},
): TypedArray {
  const gain = checkNumber('xavierUniform', 'gain', options.gain ?? 1);
  const { fanIn, fanOut } = computeFans(shape);
  const out = prepareOutput('xavierUniform', shape, options);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return toRng(rng).fillUniform(out, -bound, bound);
}

/**
 * Xavier/Glorot normal: N(0, std²) with std = gain·√(2/(fanIn + fanOut)).
 * @example xavierNormal([128, 128], 1)
 * @see Glorot & Bengio, "Understanding the difficulty of training deep feedforward neural networks", AISTATS 2010
 */
export function xavierNormal(
  shape: Shape,
  rng: number | Rng,
  options: XavierOptions = {},
): TypedArray {
  const gain = checkNumber('xavierNormal', 'gain', options.gain ?? 1);
  const { fanIn, fanOut } = computeFans(shape);
  const out = prepareOutput('xavierNormal', shape, options);
  return toRng(rng).fillNormal(out, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}
