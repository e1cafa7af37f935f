import { avgPool2d, maxPool2d, type Size2 } from '../ops/conv.js';
import type { Tensor } from '../tensor/tensor.js';
import { pair } from './conv2d.js';
import { Module } from './module.js';

/** Options of {@link MaxPool2d} and {@link AvgPool2d}. */
export interface Pool2dLayerOptions {
  /** Step between windows (default: the kernel size). */
  stride?: Size2;
  /** Implicit padding on each side, at most half the kernel (default 0). */
  padding?: Size2;
}

/**
 * 2-D max pooling over `[N, C, H, W]`: y = max over each kh×kw window (PyTorch's `nn.MaxPool2d`);
 * the gradient goes to the arg-max of each window.
 * @example new MaxPool2d(2).forward(x) // halves H and W
 * @see https://pytorch.org/docs/stable/generated/torch.nn.MaxPool2d.html
 */
export class MaxPool2d extends Module {
  /** [kh, kw]. */
  readonly kernelSize: readonly [number, number];
  /** [sh, sw]. */
  readonly stride: readonly [number, number];
  /** [ph, pw]. */
  readonly padding: readonly [number, number];

  constructor(kernelSize: Size2, options: Pool2dLayerOptions = {}) {
    super();
    this.kernelSize = pair('MaxPool2d', 'kernelSize', kernelSize, 1);
    this.stride = pair('MaxPool2d', 'stride', options.stride ?? this.kernelSize, 1);
    this.padding = pair('MaxPool2d', 'padding', options.padding ?? 0, 0);
  }

  /** x `[N, C, H, W]` -> pooled. */
  forward(x: Tensor): Tensor {
    return maxPool2d(x, { kernel: this.kernelSize, stride: this.stride, padding: this.padding });
  }
}

/**
 * 2-D average pooling over `[N, C, H, W]`: y = mean over each kh×kw window (PyTorch's
 * `nn.AvgPool2d`, padding counted in the divisor).
 * @example new AvgPool2d(2).forward(x) // halves H and W
 * @see https://pytorch.org/docs/stable/generated/torch.nn.AvgPool2d.html
 */
export class AvgPool2d extends Module {
  /** [kh, kw]. */
  readonly kernelSize: readonly [number, number];
  /** [sh, sw]. */
  readonly stride: readonly [number, number];
  /** [ph, pw]. */
  readonly padding: readonly [number, number];

  constructor(kernelSize: Size2, options: Pool2dLayerOptions = {}) {
    super();
    this.kernelSize = pair('AvgPool2d', 'kernelSize', kernelSize, 1);
    this.stride = pair('AvgPool2d', 'stride', options.stride ?? this.kernelSize, 1);
    this.padding = pair('AvgPool2d', 'padding', options.padding ?? 0, 0);
  }

  /** x `[N, C, H, W]` -> pooled. */
  forward(x: Tensor): Tensor {
    return avgPool2d(x, { kernel: this.kernelSize, stride: this.stride, padding: this.padding });
  }
}
