import { ConfigError, ShapeError, fmt } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { scaledDotProductAttention, type AttentionOptions } from './attention.js';
import { linear } from './linear.js';
import { permute, reshape, split } from './shape-ops.js';

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
 * Scores are scaled by 1/√(E/H) (Vaswani et al. 2017, section 3.2.2).
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
  const [b, t, e] = x.shape as [number, number, number];
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
  const d = e / h;
  const qkv = linear(x, inProjWeight, inProjBias); // [B, T, 3E]
  const heads = split(qkv, 3, -1).map((z) => permute(reshape(z, [b, t, h, d]), [0, 2, 1, 3]));
  const [q, k, v] = heads as [Tensor, Tensor, Tensor];
  const { heads: _h, ...attention } = options;
  const y = scaledDotProductAttention(q, k, v, attention); // [B, H, T, d]
  const merged = reshape(permute(y, [0, 2, 1, 3]), [b, t, e]);
  return linear(merged, outProjWeight, outProjBias);
}
