import { ConfigError, fmt } from '../errors.js';
import { rmsNorm } from '../ops/rms-norm.js';
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

/** Options of {@link RMSNorm}. */
export interface RMSNormOptions extends Omit<LayerInitOptions, 'biasInit'> {
  /** Added to the mean square under the root (default: the machine epsilon of the dtype, as PyTorch). */
  eps?: number;
  /** Learn the scale γ (init ones) (default true). */
  elementwiseAffine?: boolean;
}

/**
 * Root-mean-square normalisation over the trailing `normalizedShape` axes (PyTorch's
 * `nn.RMSNorm`): y = x/√(mean(x²) + ε)·γ; γ starts at ones.
 * @example new RMSNorm(64).forward(x) // x [B, T, 64]
 * @see https://arxiv.org/abs/1910.07467 (Zhang & Sennrich 2019)
 */
export class RMSNorm extends Module {
  /** The normalised trailing shape. */
  readonly normalizedShape: readonly number[];
  /** ε, or undefined for the dtype's machine epsilon. */
  readonly eps: number | undefined;
  /** γ (shape normalizedShape), or null. */
  readonly weight: Tensor | null;

  constructor(normalizedShape: number | readonly number[], options: RMSNormOptions = {}) {
    super();
    const op = 'RMSNorm';
    const ns = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (ns.length === 0 || !ns.every((d) => Number.isInteger(d) && d > 0))
      throw new ConfigError(
        `${op}: normalizedShape must be a positive integer or a non-empty list of them, got ${fmt(normalizedShape)}`,
      );
    this.normalizedShape = ns;
    const eps = options.eps;
    if (eps !== undefined && (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)))
      throw new ConfigError(`${op}: eps must be a finite number >= 0, got ${fmt(eps)}`);
    this.eps = eps;
    const affine = checkBool(op, 'elementwiseAffine', options.elementwiseAffine ?? true);
    this.weight = affine
      ? this.registerParameter(
          'weight',
          makeParam({
            op,
            name: 'weight',
            shape: ns,
            init: options.init,
            fallback: constantInit(1),
            rng: layerRng(op, options),
            dtype: layerDtype(op, options.dtype),
          }),
        )
      : null;
  }

  /** Normalises each sample over the trailing axes. */
  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.normalizedShape, this.weight, this.eps);
  }
}
