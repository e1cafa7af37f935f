import { ConfigError, fmt } from '../errors.js';
import { xavierUniform } from '../init/xavier.js';
import { multiHeadAttention } from '../ops/multi-head-attention.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Rng } from '../tensor/rng.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import {
  checkBool,
  checkInt,
  constantInit,
  layerDtype,
  layerRng,
  makeParam,
  type LayerInitOptions,
} from './layer-options.js';

/** Options of {@link MultiheadAttention}. */
export interface MultiheadAttentionOptions extends LayerInitOptions {
  /** Dropout probability on the attention weights in training mode (default 0). */
  dropout?: number;
  /** Learn the input and output projection biases (default true). */
  bias?: boolean;
}

/** Options of one {@link MultiheadAttention} forward. */
export interface MultiheadAttentionCall {
  /** Causal mask: position i attends to positions ≤ i (default false). */
  causal?: boolean;
  /** Additive float mask broadcastable to `[B, H, T, T]` (−Infinity removes a key). */
  mask?: Tensor | null;
}

/**
 * Multi-head self-attention (PyTorch's `nn.MultiheadAttention` with `batch_first=True`, query =
 * key = value): x `[B, T, E]` → `[B, T, E]`. Parameters and their names and inits are PyTorch's:
 * `in_proj_weight` `[3E, E]` (Xavier-uniform), `in_proj_bias` `[3E]` (zeros), `out_proj.weight`
 * `[E, E]` (Linear's default) and `out_proj.bias` (zeros), so a PyTorch state_dict loads as is.
 *
 * @example const attn = new MultiheadAttention(64, 4, { seed: 0 }); attn.forward(x, { causal: true });
 * @see https://arxiv.org/abs/1706.03762 (Vaswani et al. 2017)
 */
export class MultiheadAttention extends Module<[Tensor, MultiheadAttentionCall?], Tensor> {
  /** Embedding width E. */
  readonly embedDim: number;
  /** Number of heads H. */
  readonly numHeads: number;
  /** Dropout probability on the attention weights. */
  readonly dropout: number;
  /** W_q, W_k, W_v stacked `[3E, E]`. */
  readonly in_proj_weight: Tensor;
  /** Their biases `[3E]`, or null. */
  readonly in_proj_bias: Tensor | null;
  /** The output projection. */
  readonly out_proj: Linear;
  private readonly rng: Rng;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    const op = 'MultiheadAttention';
    this.embedDim = checkInt(op, 'embedDim', embedDim);
    this.numHeads = checkInt(op, 'numHeads', numHeads);
    if (embedDim % numHeads !== 0)
      throw new ConfigError(
        `${op}: numHeads ${fmt(numHeads)} must divide embedDim ${fmt(embedDim)}`,
      );
    const p = options.dropout ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p < 1))
      throw new ConfigError(`${op}: dropout must be a number in [0, 1), got ${fmt(p)}`);
    this.dropout = p;
    const bias = checkBool(op, 'bias', options.bias ?? true);
    const dtype = layerDtype(op, options.dtype);
    const rng = layerRng(op, options);
    this.rng = rng;
    this.in_proj_weight = this.registerParameter(
      'in_proj_weight',
      makeParam({
        op,
        name: 'in_proj_weight',
        shape: [3 * embedDim, embedDim],
        init: options.init,
        fallback: (shape, r, dt) => xavierUniform(shape, r, { dtype: dt }),
        rng,
        dtype,
      }),
    );
    this.in_proj_bias = bias
      ? this.registerParameter(
          'in_proj_bias',
          makeParam({
            op,
            name: 'in_proj_bias',
            shape: [3 * embedDim],
            init: options.biasInit,
            fallback: constantInit(0),
            rng,
            dtype,
          }),
        )
      : null;
    this.out_proj = this.registerModule(
      'out_proj',
      new Linear(embedDim, embedDim, { bias, rng, dtype, biasInit: options.biasInit ?? 'zeros' }),
    );
  }

  /** Self-attention over the sequence. */
  forward(x: Tensor, call: MultiheadAttentionCall = {}): Tensor {
    return multiHeadAttention(
      x,
      this.in_proj_weight,
      this.in_proj_bias,
      this.out_proj.weight,
      this.out_proj.bias,
      {
        heads: this.numHeads,
        causal: call.causal ?? false,
        mask: call.mask ?? null,
        dropout: this.training && this.dropout > 0 ? { p: this.dropout, rng: this.rng } : null,
      },
    );
  }
}
