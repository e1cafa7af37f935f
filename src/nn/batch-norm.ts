import { ConfigError, ShapeError, fmt } from '../errors.js';
import { batchNorm } from '../ops/norm.js';
import { allocData } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import {
  checkBool,
  checkInt,
  checkRange,
  constantInit,
  layerDtype,
  layerRng,
  makeParam,
  type LayerInitOptions,
} from './layer-options.js';

/** Options of {@link BatchNorm1d} and {@link BatchNorm2d}. */
export interface BatchNormLayerOptions extends LayerInitOptions {
  /** Added to the variance under the square root (default 1e-5). */
  eps?: number;
  /** Running-statistics weight m: r ← (1 − m)·r + m·batch (default 0.1, as PyTorch). */
  momentum?: number;
  /** Learn γ (init ones) and β (init zeros) (default true). */
  affine?: boolean;
  /** Keep running mean/variance buffers and use them in eval mode (default true). */
  trackRunningStats?: boolean;
}

/**
 * Shared implementation of BatchNorm1d/2d: the input rank is the only difference.
 */
abstract class BatchNormBase extends Module {
  /** Channels C (axis 1). */
  readonly numFeatures: number;
  /** ε. */
  readonly eps: number;
  /** Running-statistics momentum. */
  readonly momentum: number;
  /** γ `[C]`, or null. */
  readonly weight: Tensor | null;
  /** β `[C]`, or null. */
  readonly bias: Tensor | null;
  /** Running mean `[C]` (buffer, starts at 0), or null. */
  readonly runningMean: Tensor | null;
  /** Running unbiased variance `[C]` (buffer, starts at 1), or null. */
  readonly runningVar: Tensor | null;
  private readonly op: string;
  private readonly ranks: readonly number[];
  private readonly layouts: string;

  protected constructor(
    op: string,
    ranks: readonly number[],
    layouts: string,
    numFeatures: number,
    options: BatchNormLayerOptions,
  ) {
    super();
    this.op = op;
    this.ranks = ranks;
    this.layouts = layouts;
    this.numFeatures = checkInt(op, 'numFeatures', numFeatures);
    const eps = options.eps ?? 1e-5;
    if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps))
      throw new ConfigError(`${op}: eps must be a finite number >= 0, got ${fmt(eps)}`);
    this.eps = eps;
    this.momentum = checkRange(op, 'momentum', options.momentum ?? 0.1, 0, 1);
    const affine = checkBool(op, 'affine', options.affine ?? true);
    const track = checkBool(op, 'trackRunningStats', options.trackRunningStats ?? true);
    const dtype = layerDtype(op, options.dtype);
    const rng = layerRng(op, options);
    const c = numFeatures;
    this.weight = affine
      ? this.registerParameter(
          'weight',
          makeParam({
            op,
            name: 'weight',
            shape: [c],
            init: options.init,
            fallback: constantInit(1),
            rng,
            dtype,
          }),
        )
      : null;
    this.bias = affine
      ? this.registerParameter(
          'bias',
          makeParam({
            op,
            name: 'bias',
            shape: [c],
            init: options.biasInit,
            fallback: constantInit(0),
            rng,
            dtype,
          }),
        )
      : null;
    this.runningMean = track
      ? this.registerBuffer('runningMean', new Tensor(allocData(dtype, c), [c]))
      : null;
    this.runningVar = track
      ? this.registerBuffer('runningVar', new Tensor(allocData(dtype, c).fill(1), [c]))
      : null;
  }

  /**
   * Training mode: batch statistics, running statistics updated in place. Eval mode: the running
   * statistics (batch statistics when they are not tracked, as PyTorch).
   */
  forward(x: Tensor): Tensor {
    if (!this.ranks.includes(x.ndim)) {
      throw new ShapeError(`${this.op}: x must be ${this.layouts}, got shape ${fmt(x.shape)}`);
    }
    if (x.shape[1] !== this.numFeatures) {
      throw new ShapeError(
        `${this.op}: x must have ${this.numFeatures} channels on axis 1, got shape ${fmt(x.shape)}`,
      );
    }
    const useBatch = this.training || this.runningMean === null;
    return batchNorm(x, this.weight, this.bias, {
      training: useBatch,
      eps: this.eps,
      momentum: this.momentum,
      runningMean: this.runningMean,
      runningVar: this.runningVar,
    });
  }
}

/**
 * Batch normalisation of `[N, C]` or `[N, C, L]` over the batch (and length) axes (PyTorch's
 * `nn.BatchNorm1d`): y = (x − μ_c)/√(σ²_c + ε)·γ_c + β_c; running statistics are buffers
 * (in the state dict, not in parameters), momentum 0.1, used in eval mode.
 * @example const bn = new BatchNorm1d(64); bn.forward(h); bn.eval(); bn.forward(h)
 * @see https://arxiv.org/abs/1502.03167 (Ioffe & Szegedy 2015)
 */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) {
    super('BatchNorm1d', [2, 3], '[N, C] or [N, C, L]', numFeatures, options);
  }
}

/**
 * Batch normalisation of `[N, C, H, W]` per channel (PyTorch's `nn.BatchNorm2d`); see
 * {@link BatchNorm1d}.
 * @example new BatchNorm2d(16).forward(x) // x [N, 16, H, W]
 * @see https://arxiv.org/abs/1502.03167 (Ioffe & Szegedy 2015)
 */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) {
    super('BatchNorm2d', [4], '[N, C, H, W]', numFeatures, options);
  }
}
