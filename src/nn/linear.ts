import { linear } from '../ops/linear.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import {
  checkBool,
  checkInt,
  layerDtype,
  layerRng,
  makeParam,
  torchDefaultWeightInit,
  uniformInit,
  type LayerInitOptions,
} from './layer-options.js';

/** Options of {@link Linear}. */
export interface LinearOptions extends LayerInitOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/**
 * Fully connected layer y = x·Wᵀ + b, weight `[out, in]` (PyTorch's `nn.Linear`). Default init
 * as PyTorch: W ~ kaiming-uniform with a = √5, i.e. U(±1/√in), and b ~ U(±1/√in) (std 1/√(3·in)),
 * drawn in that order from the layer's generator.
 * @example const fc = new Linear(784, 128, { seed: 0, init: 'heNormal' }); const y = fc.forward(x);
 * @see https://pytorch.org/docs/stable/generated/torch.nn.Linear.html
 */
export class Linear extends Module {
  /** Size of each input row. */
  readonly inFeatures: number;
  /** Size of each output row. */
  readonly outFeatures: number;
  /** Weight `[outFeatures, inFeatures]`. */
  readonly weight: Tensor;
  /** Bias `[outFeatures]`, or null. */
  readonly bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    const op = 'Linear';
    this.inFeatures = checkInt(op, 'inFeatures', inFeatures, 0);
    this.outFeatures = checkInt(op, 'outFeatures', outFeatures, 0);
    const hasBias = checkBool(op, 'bias', options.bias ?? true);
    const dtype = layerDtype(op, options.dtype);
    const rng = layerRng(op, options);
    const bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
    this.weight = this.registerParameter(
      'weight',
      makeParam({
        op,
        name: 'weight',
        shape: [outFeatures, inFeatures],
        init: options.init,
        fallback: torchDefaultWeightInit,
        rng,
        dtype,
      }),
    );
    this.bias = hasBias
      ? this.registerParameter(
          'bias',
          makeParam({
            op,
            name: 'bias',
            shape: [outFeatures],
            init: options.biasInit,
            fallback: uniformInit(bound),
            rng,
            dtype,
          }),
        )
      : null;
  }

  /** x `[..., in]` -> `[..., out]`. */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}
