import { ShapeError, fmt } from '../errors.js';
import { add } from '../ops/elementwise.js';
import { shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import type { TensorModule } from './sequential.js';

/**
 * A residual connection y = x + f(x), with f registered as the child "fn" (parameters
 * "fn.0.weight", …). The identity path carries the gradient past f unchanged (∂y/∂x = I + ∂f/∂x),
 * which is why deep residual networks do not suffer vanishing gradients.
 * @example new Residual(new Sequential(new Linear(64, 64), new ReLU())).forward(h)
 * @see https://arxiv.org/abs/1512.03385 (He et al. 2016)
 */
export class Residual extends Module {
  /** The residual branch f. */
  readonly fn: TensorModule;

  constructor(fn: TensorModule) {
    super();
    this.fn = this.registerModule('fn', fn);
  }

  /** x + f(x); f(x) must have x's shape (no broadcasting). */
  forward(x: Tensor): Tensor {
    const y = this.fn.forward(x);
    if (!shapesEqual(y.shape, x.shape)) {
      throw new ShapeError(
        `Residual: the branch maps shape ${fmt(x.shape)} to ${fmt(y.shape)}; y = x + f(x) needs f(x) of x's shape`,
      );
    }
    return add(x, y);
  }
}
