import { dropout } from '../ops/dropout.js';
import type { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { checkRange, layerRng, type RandomOptions } from './layer-options.js';

/**
 * Inverted dropout (PyTorch's `nn.Dropout`): in training mode y = x·m/(1 − p) with
 * m ~ Bernoulli(1 − p) from the layer's seeded generator, so E[y] = x; in eval mode y = x.
 * @example const d = new Dropout(0.5, { seed: 0 }); d.forward(h); d.eval(); d.forward(h) === h
 * @see https://jmlr.org/papers/v15/srivastava14a.html (Srivastava et al. 2014)
 */
export class Dropout extends Module {
  /** Probability of zeroing an element, in [0, 1). */
  readonly p: number;
  /** The generator of the masks (advanced by every training-mode forward). */
  readonly rng: Rng;

  constructor(p = 0.5, options: RandomOptions = {}) {
    super();
    this.p = checkRange('Dropout', 'p', p, 0, 1, true);
    this.rng = layerRng('Dropout', options);
  }

  /** Masked and rescaled x in training mode, x itself in eval mode. */
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.rng, this.training);
  }
}
