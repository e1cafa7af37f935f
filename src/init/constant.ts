import type { TypedArray } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import { checkNumber, prepareOutput, type InitOutputOptions } from './output.js';

/**
 * Fills with a constant value: w = value. Used for biases and normalization scales.
 * @example constant([10], 0.1) // Float32Array(10) of 0.1
 * @see torch.nn.init.constant_
 */
export function constant(shape: Shape, value: number, options: InitOutputOptions = {}): TypedArray {
  checkNumber('constant', 'value', value);
  return prepareOutput('constant', shape, options).fill(value);
}

/**
 * Fills with zeros: w = 0 (biases; a whole zero weight matrix makes every unit identical).
 * @example zeros([4, 3])
 * @see torch.nn.init.zeros_
 */
export function zeros(shape: Shape, options: InitOutputOptions = {}): TypedArray {
  return prepareOutput('zeros', shape, options).fill(0);
}

/**
 * Fills with ones: w = 1 (normalization scales).
 * @example ones([16])
 * @see torch.nn.init.ones_
 */
export function ones(shape: Shape, options: InitOutputOptions = {}): TypedArray {
  return prepareOutput('ones', shape, options).fill(1);
}
