import { ShapeError, fmt } from '../errors.js';
import type { TypedArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Params } from './types.js';

/**
 * @internal The gradient a fused step reads for parameter `name`: the entry of `grads` when the
 * caller passes the incoming updates (a chain whose earlier links transformed them), else the
 * parameter's own `.grad` (the Optimizer checked it exists and fits). See
 * GradientTransformation.applyInPlace.
 * @example const g = gradientFor('adam', param, grads, name);
 */
export function gradientFor(
  owner: string,
  param: Tensor,
  grads: Params | undefined,
  name: string,
): TypedArray {
  const g = grads === undefined ? param.grad : grads[name];
  if (g === null || g === undefined)
    throw new ShapeError(`${owner}: fused step without a gradient for parameter ${fmt(name)}`);
  if (g.size !== param.size)
    throw new ShapeError(
      `${owner}: gradient of ${fmt(name)} has ${g.size} elements but the parameter has ${param.size}`,
    );
  return g.data;
}
