import { DataError, fmt } from '../errors.js';
import { normal } from '../init/random.js';
import type { Initializer } from '../init/initializer.js';
import { indexSelect, reshape } from '../ops/shape-ops.js';
import { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import {
  checkInt,
  layerDtype,
  layerRng,
  makeParam,
  type LayerInitOptions,
} from './layer-options.js';

const standardNormal: Initializer = (shape, rng, dtype) => normal(shape, rng, { dtype });

/**
 * A lookup table (PyTorch's `nn.Embedding`): y[..., :] = W[idx[...], :], weight
 * `[numEmbeddings, embeddingDim]` initialised N(0, 1) as PyTorch. The gradient scatter-adds
 * each output row's gradient into the row it came from (repeated indices accumulate).
 * @example const emb = new Embedding(100, 16, { seed: 0 }); emb.forward([3, 7, 3]) // [3, 16]
 * @see https://pytorch.org/docs/stable/generated/torch.nn.Embedding.html
 */
export class Embedding extends Module<[Tensor | Int32Array | readonly number[]], Tensor> {
  /** Rows of the table. */
  readonly numEmbeddings: number;
  /** Width of each row. */
  readonly embeddingDim: number;
  /** The table `[numEmbeddings, embeddingDim]`. */
  readonly weight: Tensor;

  constructor(
    numEmbeddings: number,
    embeddingDim: number,
    options: Omit<LayerInitOptions, 'biasInit'> = {},
  ) {
    super();
    const op = 'Embedding';
    this.numEmbeddings = checkInt(op, 'numEmbeddings', numEmbeddings);
    this.embeddingDim = checkInt(op, 'embeddingDim', embeddingDim);
    const dtype = layerDtype(op, options.dtype);
    const rng = layerRng(op, options);
    this.weight = this.registerParameter(
      'weight',
      makeParam({
        op,
        name: 'weight',
        shape: [numEmbeddings, embeddingDim],
        init: options.init,
        fallback: standardNormal,
        rng,
        dtype,
      }),
    );
  }

  /**
   * Integer indices of any shape S (a Tensor holding integers, an Int32Array or a number
   * array, the latter two 1-D) -> `[...S, embeddingDim]`. Out-of-range or non-integer -> DataError.
   */
  forward(indices: Tensor | Int32Array | readonly number[]): Tensor {
    const shape = indices instanceof Tensor ? indices.shape : [indices.length];
    const src = indices instanceof Tensor ? indices.data : indices;
    const n = this.numEmbeddings;
    for (let i = 0; i < src.length; i++) {
      const v = src[i] as number;
      // Negative indices are rejected (indexSelect would wrap them) as in PyTorch's embedding.
      if (!Number.isInteger(v) || v < 0 || v >= n) {
        throw new DataError(
          `Embedding: indices[${i}] = ${fmt(v)} must be an integer in [0, ${n - 1}]`,
        );
      }
    }
    const rows = indexSelect(this.weight, 0, indices);
    return reshape(rows, [...shape, this.embeddingDim]);
  }
}
