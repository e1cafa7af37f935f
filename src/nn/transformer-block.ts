import { ConfigError, fmt } from '../errors.js';
import { add } from '../ops/elementwise.js';
import { gelu, relu } from '../ops/unary.js';
import type { Tensor } from '../tensor/tensor.js';
import { Dropout } from './dropout.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import { MultiheadAttention, type MultiheadAttentionCall } from './multihead-attention.js';
import { RMSNorm } from './rms-norm.js';
import { checkInt, layerDtype, layerRng, type LayerInitOptions } from './layer-options.js';

/** Where the block normalises: 'post' (Vaswani et al. 2017) or 'pre' (Xiong et al. 2020). */
export type NormPlacement = 'pre' | 'post';

/** Options of {@link TransformerBlock}. */
export interface TransformerBlockOptions extends Omit<LayerInitOptions, 'init' | 'biasInit'> {
  /** Attention heads (must divide the width). */
  heads: number;
  /** Width of the feed-forward layer (default 4 × the embedding width). */
  ffn?: number;
  /** 'post' = x ← Norm(x + F(x)) (PyTorch's default), 'pre' = x ← x + F(Norm(x)) (`norm_first`). */
  norm?: NormPlacement;
  /** The normalisation: 'layer' (LayerNorm, default) or 'rms' (RMSNorm). */
  normKind?: 'layer' | 'rms';
  /** Dropout probability after attention, in the feed-forward layer and on the residual branches (default 0). */
  dropout?: number;
  /** The feed-forward activation (default 'gelu'; PyTorch's default is 'relu'). */
  activation?: 'relu' | 'gelu' | 'geluTanh';
  /** LayerNorm ε (default 1e-5). */
  eps?: number;
}

/** The normalisation layer of a block: LayerNorm or RMSNorm. */
export type TransformerNorm = LayerNorm | RMSNorm;

/**
 * One Transformer encoder/decoder-only block with PyTorch's `nn.TransformerEncoderLayer` layout
 * (`batch_first=True`) and parameter names (`self_attn.*`, `linear1`, `linear2`, `norm1`,
 * `norm2`), so a PyTorch state_dict loads as is:
 * - post-LN: x ← norm1(x + drop(attn(x))); x ← norm2(x + drop(linear2(drop(act(linear1(x))))))
 * - pre-LN: x ← x + drop(attn(norm1(x))); x ← x + drop(linear2(drop(act(linear1(norm2(x))))))
 *
 * Xiong et al. (2020) show that at initialisation the gradient of Post-LN's last layers is large
 * and does not shrink with depth, so Post-LN needs learning-rate warmup, while Pre-LN's gradients
 * scale like 1/√L and it trains without warmup.
 *
 * @example const block = new TransformerBlock(64, { heads: 4, norm: 'pre', seed: 0 });
 * block.forward(x, { causal: true }); // x [B, T, 64]
 * @see https://arxiv.org/abs/2002.04745 (Xiong et al. 2020), https://arxiv.org/abs/1706.03762
 */
export class TransformerBlock extends Module<[Tensor, MultiheadAttentionCall?], Tensor> {
  /** Embedding width. */
  readonly embedDim: number;
  /** Normalisation placement. */
  readonly norm: NormPlacement;
  /** The feed-forward activation. */
  readonly activation: 'relu' | 'gelu' | 'geluTanh';
  /** Self-attention. */
  readonly self_attn: MultiheadAttention;
  /** Feed-forward in (E → ffn). */
  readonly linear1: Linear;
  /** Feed-forward out (ffn → E). */
  readonly linear2: Linear;
  /** First normalisation (of the attention sub-layer). */
  readonly norm1: TransformerNorm;
  /** Second normalisation (of the feed-forward sub-layer). */
  readonly norm2: TransformerNorm;
  private readonly drop: Dropout;
  private readonly drop1: Dropout;
  private readonly drop2: Dropout;

  constructor(embedDim: number, options: TransformerBlockOptions) {
    super();
    const op = 'TransformerBlock';
    this.embedDim = checkInt(op, 'embedDim', embedDim);
    const ffn = checkInt(op, 'ffn', options.ffn ?? 4 * embedDim);
    const norm = options.norm ?? 'post';
    if (norm !== 'pre' && norm !== 'post')
      throw new ConfigError(`${op}: norm must be 'pre' or 'post', got ${fmt(norm)}`);
    this.norm = norm;
    const kind = options.normKind ?? 'layer';
    if (kind !== 'layer' && kind !== 'rms')
      throw new ConfigError(`${op}: normKind must be 'layer' or 'rms', got ${fmt(kind)}`);
    const act = options.activation ?? 'gelu';
    if (act !== 'relu' && act !== 'gelu' && act !== 'geluTanh')
      throw new ConfigError(
        `${op}: activation must be 'relu', 'gelu' or 'geluTanh', got ${fmt(act)}`,
      );
    this.activation = act;
    const p = options.dropout ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p < 1))
      throw new ConfigError(`${op}: dropout must be a number in [0, 1), got ${fmt(p)}`);
    const dtype = layerDtype(op, options.dtype);
    const rng = layerRng(op, options);
    this.self_attn = this.registerModule(
      'self_attn',
      new MultiheadAttention(embedDim, options.heads, { dropout: p, rng, dtype }),
    );
    this.linear1 = this.registerModule('linear1', new Linear(embedDim, ffn, { rng, dtype }));
    this.linear2 = this.registerModule('linear2', new Linear(ffn, embedDim, { rng, dtype }));
    const makeNorm = (): TransformerNorm =>
      kind === 'rms'
        ? new RMSNorm(embedDim, {
            dtype,
            ...(options.eps !== undefined ? { eps: options.eps } : {}),
          })
        : new LayerNorm(embedDim, { dtype, eps: options.eps ?? 1e-5 });
    this.norm1 = this.registerModule('norm1', makeNorm());
    this.norm2 = this.registerModule('norm2', makeNorm());
    this.drop = this.registerModule('dropout', new Dropout(p, { rng }));
    this.drop1 = this.registerModule('dropout1', new Dropout(p, { rng }));
    this.drop2 = this.registerModule('dropout2', new Dropout(p, { rng }));
  }

  private feedForward(x: Tensor): Tensor {
    const h = this.linear1.forward(x);
    const a =
      this.activation === 'relu'
        ? relu(h)
        : gelu(h, this.activation === 'geluTanh' ? 'tanh' : 'none');
    return this.drop2.forward(this.linear2.forward(this.drop.forward(a)));
  }

  /** One block over `[B, T, E]`. */
  forward(x: Tensor, call: MultiheadAttentionCall = {}): Tensor {
    if (this.norm === 'pre') {
      const h = add(x, this.drop1.forward(this.self_attn.forward(this.norm1.forward(x), call)));
      return add(h, this.feedForward(this.norm2.forward(h)));
    }
    const h = this.norm1.forward(add(x, this.drop1.forward(this.self_attn.forward(x, call))));
    return this.norm2.forward(add(h, this.feedForward(h)));
  }
}
