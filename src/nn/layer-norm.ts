import { ConfigError, fmt } from '../errors.js';
import { layerNorm } from '../ops/norm.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import {
  checkBool,
  constantInit,
  layerDtype,
  layerRng,
  makeParam,
  type LayerInitOptions,
} from './layer-options.js';

/** Options of {@link LayerNorm}. */
export interface LayerNormOptions extends LayerInitOptions {
  /** Added to the variance under the square root (default 1e-5). */
  eps?: number;
  /** Learn the scale γ (init ones) and shift β (init zeros) (default true). */
  elementwiseAffine?: boolean;
  /** Learn β when elementwiseAffine (default true). */
  bias?: boolean;
}

/**
 * Layer normalisation over the trailing `normalizedShape` axes (PyTorch's `nn.LayerNorm`):
 * y = (x − μ)/√(σ² + ε)·γ + β, per sample; γ starts at ones and β at zeros.
 * @example new LayerNorm(64).forward(x) // x [B, T, 64]
 * @see https://arxiv.org/abs/1607.06450 (Ba, Kiros & Hinton 2016)
 */
export class LayerNorm extends Module {
  /** The normalised trailing shape. */
  readonly normalizedShape: readonly number[];
  /** ε. */
  readonly eps: number;
  /** γ (shape normalizedShape), or null. */
  readonly weight: Tensor | null;
  /** β (shape normalizedShape), or null. */
  readonly bias: Tensor | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    const op = 'LayerNorm';
    const ns = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (ns.length === 0 || !ns.every((d) => Number.isInteger(d) && d > 0)) {
      throw new ConfigError(
        `${op}: normalizedShape must be a positive integer or a non-empty list of them, got ${fmt(normalizedShape)}`,
      );
    }
    this.normalizedShape = ns;
    const eps = options.eps ?? 1e-5;
    if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps))
      throw new ConfigError(`${op}: eps must be a finite number >= 0, got ${fmt(eps)}`);
    this.eps = eps;
    const affine = checkBool(op, 'elementwiseAffine', options.elementwiseAffine ?? true);
    const hasBias = checkBool(op, 'bias', options.bias ?? true);
    const dtype = layerDtype(op, options.dtype);
    const rng = layerRng(op, options);
    this.weight = affine
      ? this.registerParameter(
          'weight',
          makeParam({
            op,
            name: 'weight',
            shape: ns,
            init: options.init,
            fallback: constantInit(1),
            rng,
            dtype,
          }),
        )
      : null;
    this.bias =
      affine && hasBias
        ? this.registerParameter(
            'bias',
            makeParam({
              op,
              name: 'bias',
              shape: ns,
              init: options.biasInit,
              fallback: constantInit(0),
              rng,
              dtype,
            }),
          )
        : null;
  }

  /** Normalises each sample over the trailing axes. */
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
}
