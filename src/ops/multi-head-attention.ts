import { ConfigError, ShapeError, fmt } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { packedSelfAttention, splitHeadsAttention, type AttentionOptions } from './attention.js';
import { linear } from './linear.js';

/** Options of {@link multiHeadAttention}. */
export interface MultiHeadAttentionOptions extends Omit<AttentionOptions, 'scale'> {
  /** Number of heads H; the embedding width E must be a multiple of it (head width E/H). */
  heads: number;
}

/**
 * Multi-head self-attention with PyTorch's `nn.MultiheadAttention` layout (`batch_first=True`):
 * x `[B, T, E]`; `inProjWeight` `[3E, E]` stacks W_q, W_k, W_v (rows 0..E−1, E..2E−1, 2E..3E−1)
 * and `inProjBias` `[3E]` their biases; each of q, k, v `[B, T, E]` is split into H heads of
 * width E/H as `[B, T, H, E/H]` → `[B, H, T, E/H]`; the heads' attention outputs are concatenated
 * back to `[B, T, E]` and projected by `outProjWeight` `[E, E]` and `outProjBias` `[E]`.
 * Scores are scaled by 1/√(E/H) (Vaswani et al. 2017, section 3.2.2). Without a mask or dropout
 * the heads run in one fused op on the packed projection (`packedSelfAttention`: no
 * permuted copies); with either, through {@link scaledDotProductAttention}.
 *
 * @example
 * const y = multiHeadAttention(x, wIn, bIn, wOut, bOut, { heads: 4, causal: true });
 * @see https://arxiv.org/abs/1706.03762
 */
export function multiHeadAttention(
  x: Tensor,
  inProjWeight: Tensor,
  inProjBias: Tensor | null,
  outProjWeight: Tensor,
  outProjBias: Tensor | null,
  options: MultiHeadAttentionOptions,
): Tensor {
  const op = 'multiHeadAttention';
  if (x.ndim !== 3)
    throw new ShapeError(`${op}: x must have shape [batch, time, embed], got ${fmt(x.shape)}`);
  const e = x.shape[2] as number;
  const h = options.heads;
  if (typeof h !== 'number' || !Number.isInteger(h) || h < 1 || e % h !== 0)
    throw new ConfigError(
      `${op}: heads must be a positive integer dividing the embedding width ${e}, got ${fmt(h)}`,
    );
  if (inProjWeight.ndim !== 2 || inProjWeight.shape[0] !== 3 * e || inProjWeight.shape[1] !== e)
    throw new ShapeError(
      `${op}: inProjWeight must have shape [${3 * e}, ${e}], got ${fmt(inProjWeight.shape)}`,
    );
  if (outProjWeight.ndim !== 2 || outProjWeight.shape[0] !== e || outProjWeight.shape[1] !== e)
    throw new ShapeError(
      `${op}: outProjWeight must have shape [${e}, ${e}], got ${fmt(outProjWeight.shape)}`,
    );
  const qkv = linear(x, inProjWeight, inProjBias); // [B, T, 3E]
  const { heads: _h, ...attention } = options;
  // Without a mask or dropout on the weights (a GPT's causal self-attention), the fused kernel
  // reads the heads straight from qkv; otherwise the general composition.
  const mask = options.mask ?? null;
  const drop = options.dropout ?? null;
  const merged =
    mask === null && (drop === null || drop.p === 0)
      ? packedSelfAttention(qkv, { heads: h, causal: options.causal ?? false })
      : splitHeadsAttention(qkv, h, attention); // [B, T, E]
  return linear(merged, outProjWeight, outProjBias);
}
