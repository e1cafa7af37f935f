import { ConfigError, ShapeError, fmt } from '../errors.js';
import { noGrad } from '../autograd/grad-mode.js';
import { record } from '../autograd/tape.js';
import { kernelsFor } from '../kernels/select.js';
import { allocData, type TypedArray } from '../tensor/dtype.js';
import type { Rng } from '../tensor/rng.js';
import { shapesEqual } from '../tensor/shape.js';
import { assertSameDtype, Tensor } from '../tensor/tensor.js';
import { matmul } from './matmul.js';
import { broadcastTo, permute, reshape, split, transpose } from './shape-ops.js';
import { add, div, mul, sub } from './elementwise.js';
import { compositeVjp, constantOf } from './internal/graph-vjp.js';
import { sum } from './reduce.js';
import { exp } from './unary.js';

/** Options of {@link scaledDotProductAttention}. */
export interface AttentionOptions {
  /**
   * Causal mask: query i attends to keys j ≤ i (top-left aligned, as PyTorch's `is_causal` and
   * `torch.ones(Tq, Tk).tril()`). Default false.
   */
  causal?: boolean;
  /**
   * An additive mask added to the scores before the softmax (PyTorch's float `attn_mask`), of a
   * shape that broadcasts to `[..., Tq, Tk]`; −Infinity removes a key. Not differentiated.
   */
  mask?: Tensor | null;
  /** The score scale (default 1/√d, d the query/key width). */
  scale?: number;
  /**
   * Dropout on the attention weights (PyTorch's `dropout_p`): each weight is kept with
   * probability 1 − p and scaled by 1/(1 − p); the mask is drawn from `rng`. Default none.
   */
  dropout?: { p: number; rng: Rng } | null;
}

/**
 * Scaled dot-product attention (Vaswani et al. 2017, "Attention Is All You Need"):
 * softmax(Q·Kᵀ·scale + mask)·V for q `[..., Tq, d]`, k `[..., Tk, d]`, v `[..., Tk, dv]` with the
 * same leading (batch, head) axes; returns `[..., Tq, dv]`. Masked keys (causal or −Infinity in
 * `mask`) get weight exactly 0 and no −Infinity is ever materialised in a tensor (so the monitor's
 * non-finite trace stays quiet); a row with every key masked gives NaN, as in PyTorch.
 *
 * One fused op: the products run as batched GEMMs (wasm kernels for float32), the softmax and its
 * VJP in one pass per row. VJP, with P the weights and P̃ = P∘M/(1 − p) after dropout:
 * dV = P̃ᵀ·G; dP = (G·Vᵀ)∘M/(1 − p); dS = P∘(dP − rowsum(dP∘P)); dQ = scale·dS·K;
 * dK = scale·dSᵀ·Q.
 *
 * @example
 * const y = scaledDotProductAttention(q, k, v, { causal: true }); // q, k, v [B, H, T, d]
 * @see https://arxiv.org/abs/1706.03762
 */
export function scaledDotProductAttention(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: AttentionOptions = {},
): Tensor {
  const op = 'scaledDotProductAttention';
  assertSameDtype(op, q, k, v);
  if (q.ndim < 2 || k.ndim !== q.ndim || v.ndim !== q.ndim)
    throw new ShapeError(
      `${op}: q, k and v must have the same number (≥ 2) of axes [..., T, d], got shapes ${fmt(q.shape)}, ${fmt(k.shape)}, ${fmt(v.shape)}`,
    );
  const nd = q.ndim;
  const batch = q.shape.slice(0, nd - 2);
  if (
    !shapesEqual(k.shape.slice(0, nd - 2), batch) ||
    !shapesEqual(v.shape.slice(0, nd - 2), batch)
  )
    throw new ShapeError(
      `${op}: q, k and v must share their leading axes, got shapes ${fmt(q.shape)}, ${fmt(k.shape)}, ${fmt(v.shape)}`,
    );
  const tq = q.shape[nd - 2] as number;
  const d = q.shape[nd - 1] as number;
  const tk = k.shape[nd - 2] as number;
  if (k.shape[nd - 1] !== d)
    throw new ShapeError(
      `${op}: k must have the query width ${d} in its last axis, got shape ${fmt(k.shape)}`,
    );
  if (v.shape[nd - 2] !== tk)
    throw new ShapeError(`${op}: v must have as many rows as k (${tk}), got shape ${fmt(v.shape)}`);
  const scale = options.scale ?? 1 / Math.sqrt(d);
  if (typeof scale !== 'number' || !Number.isFinite(scale))
    throw new ConfigError(`${op}: scale must be a finite number, got ${fmt(options.scale)}`);
  const causal = options.causal ?? false;
  if (typeof causal !== 'boolean')
    throw new ConfigError(`${op}: causal must be a boolean, got ${fmt(causal)}`);
  const drop = options.dropout ?? null;
  if (drop !== null && (typeof drop.p !== 'number' || !(drop.p >= 0 && drop.p < 1)))
    throw new ConfigError(`${op}: dropout.p must be a number in [0, 1), got ${fmt(drop.p)}`);
  const scoreShape = [...batch, tq, tk];
  let maskData: TypedArray | null = null;
  if (options.mask !== undefined && options.mask !== null) {
    const m = options.mask;
    if (!(m instanceof Tensor))
      throw new ConfigError(`${op}: mask must be a Tensor, got ${fmt(m)}`);
    try {
      maskData = noGrad(() => broadcastTo(m, scoreShape)).data;
    } catch {
      throw new ShapeError(
        `${op}: mask of shape ${fmt(m.shape)} does not broadcast to the scores' shape ${fmt(scoreShape)}`,
      );
    }
  }

  // Forward: S = Q·Kᵀ (batched GEMM), then the masked, scaled softmax row by row, in place.
  const kT = noGrad(() => transpose(k, -2, -1));
  const s = noGrad(() => matmul(q, kT));
  const p = s.data;
  const rows = p.length / tk;
  for (let r = 0; r < rows; r++) {
    const o = r * tk;
    const i = r % tq;
    const last = causal ? Math.min(i, tk - 1) : tk - 1;
    let max = -Infinity;
    for (let j = 0; j <= last; j++) {
      const z = (p[o + j] as number) * scale + (maskData ? (maskData[o + j] as number) : 0);
      p[o + j] = z;
      if (z > max) max = z;
    }
    let sum = 0;
    for (let j = 0; j <= last; j++) {
      const e = Math.exp((p[o + j] as number) - max);
      p[o + j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = 0; j <= last; j++) p[o + j] = (p[o + j] as number) * inv;
    for (let j = last + 1; j < tk; j++) p[o + j] = 0;
  }
  // Dropout on the weights: P̃ = P∘M/(1 − p); the mask is kept for the VJP.
  let keep: Uint8Array | null = null;
  let pd = s;
  if (drop !== null && drop.p > 0) {
    keep = new Uint8Array(p.length);
    const kept = allocData(s.dtype, p.length);
    const inv = 1 / (1 - drop.p);
    for (let e = 0; e < p.length; e++) {
      if (drop.rng.float() >= drop.p) {
        keep[e] = 1;
        kept[e] = (p[e] as number) * inv;
      }
    }
    pd = new Tensor(kept, s.shape);
  }
  const out = noGrad(() => matmul(pd, v));
  const weights = s;
  const dropped = pd;
  return record(
    op,
    new Tensor(out.data, out.shape),
    [q, k, v],
    (g, _s, cg) => {
      if (cg)
        return compositeVjp(g, [q, k, v], () => {
          // P = e/Σe with e = exp(z − rowmax)·keep (keep: 0 at masked keys; the row maximum is a
          // constant shift, so it does not change the derivatives), then P̃·V.
          const n = rows * tk;
          const keepMask = allocData(q.dtype, n);
          const addMask = allocData(q.dtype, n);
          for (let r = 0; r < rows; r++) {
            const last = causal ? Math.min(r % tq, tk - 1) : tk - 1;
            for (let j = 0; j <= last; j++) {
              const mv = maskData ? (maskData[r * tk + j] as number) : 0;
              if (mv !== -Infinity) {
                keepMask[r * tk + j] = 1;
                addMask[r * tk + j] = mv;
              }
            }
          }
          const z = add(mul(matmul(q, transpose(k, -2, -1)), scale), constantOf(addMask, s.shape));
          const rowMax = allocData(q.dtype, rows);
          for (let r = 0; r < rows; r++) {
            let m = -Infinity;
            for (let j = 0; j < tk; j++)
              if (keepMask[r * tk + j] === 1) m = Math.max(m, z.data[r * tk + j] as number);
            rowMax[r] = Number.isFinite(m) ? m : 0;
          }
          const ex = mul(
            exp(sub(z, constantOf(rowMax, [...s.shape.slice(0, -1), 1]))),
            constantOf(keepMask, s.shape),
          );
          let pw = div(ex, sum(ex, -1, true));
          if (keep !== null) {
            const scaleKeep = allocData(q.dtype, n);
            const inv = 1 / (1 - (drop as { p: number }).p);
            for (let i = 0; i < n; i++) scaleKeep[i] = keep[i] === 1 ? inv : 0;
            pw = mul(pw, constantOf(scaleKeep, s.shape));
          }
          return matmul(pw, v);
        });
      const gv = v.requiresGrad ? noGrad(() => matmul(transpose(dropped, -2, -1), g)) : null;
      if (!q.requiresGrad && !k.requiresGrad) return [null, null, gv];
      // dP = G·Vᵀ (then through the dropout mask), dS = P∘(dP − rowsum(dP∘P)), scaled.
      const dp = noGrad(() => matmul(g, transpose(v, -2, -1)));
      const dd = dp.data;
      const pw = weights.data;
      const inv = drop !== null && drop.p > 0 ? 1 / (1 - drop.p) : 1;
      for (let r = 0; r < rows; r++) {
        const o = r * tk;
        let dot = 0;
        for (let j = 0; j < tk; j++) {
          const e = o + j;
          const dpe =
            keep === null ? (dd[e] as number) : keep[e] === 1 ? (dd[e] as number) * inv : 0;
          dd[e] = dpe;
          dot += dpe * (pw[e] as number);
        }
        for (let j = 0; j < tk; j++) {
          const e = o + j;
          dd[e] = (pw[e] as number) * ((dd[e] as number) - dot) * scale;
        }
      }
      const gq = q.requiresGrad ? noGrad(() => matmul(dp, k)) : null;
      const gk = k.requiresGrad ? noGrad(() => matmul(transpose(dp, -2, -1), q)) : null;
      return [gq, gk, gv];
    },
    true,
  );
}

/** Options of {@link packedSelfAttention}. */
export interface PackedAttentionOptions {
  /** Number of heads H; E (a third of the last axis) must be a multiple of it. */
  heads: number;
  /** Causal mask: query i attends to keys j ≤ i (default false). */
  causal?: boolean;
  /** The score scale (default 1/√(E/H)). */
  scale?: number;
}

/**
 * Multi-head self-attention on the packed projection of `nn.MultiheadAttention`: qkv `[B, T, 3E]`
 * holds q, k, v side by side (columns 0..E−1, E..2E−1, 2E..3E−1), head h at their columns
 * h·d..h·d + d − 1 (d = E/H); returns the heads' outputs concatenated, `[B, T, E]`: the same
 * values as splitting the heads out (`[B, H, T, d]`), {@link scaledDotProductAttention} and
 * merging them back, without the permuted copies. One fused kernel entry each way
 * (Kernels.attentionForward/Backward: per (batch, head) pair S = Q·Kᵀ, the row softmax of
 * scale·S, P·V, causal rows in blocks that multiply only the keys they see; on the native
 * backend the pairs run in parallel with the same bits for any thread count). VJP from the saved
 * weights P: dV = Pᵀ·G, dP = G·Vᵀ, dS = P∘(dP − rowsum(dP∘P)), dQ = scale·dS·K,
 * dK = scale·dSᵀ·Q, written into one `[B, T, 3E]` gradient.
 *
 * @example
 * const qkv = linear(x, inProjWeight, inProjBias); // [B, T, 3E]
 * const y = packedSelfAttention(qkv, { heads: 4, causal: true }); // [B, T, E]
 * @see https://arxiv.org/abs/1706.03762
 */
export function packedSelfAttention(qkv: Tensor, options: PackedAttentionOptions): Tensor {
  const op = 'packedSelfAttention';
  if (qkv.ndim !== 3 || (qkv.shape[2] as number) % 3 !== 0)
    throw new ShapeError(
      `${op}: qkv must have shape [batch, time, 3·embed], got ${fmt(qkv.shape)}`,
    );
  const [b, t, w] = qkv.shape as [number, number, number];
  const e = w / 3;
  const h = options.heads;
  if (typeof h !== 'number' || !Number.isInteger(h) || h < 1 || e % h !== 0)
    throw new ConfigError(
      `${op}: heads must be a positive integer dividing the embedding width ${e}, got ${fmt(h)}`,
    );
  const d = e / h;
  const scale = options.scale ?? 1 / Math.sqrt(d);
  if (typeof scale !== 'number' || !Number.isFinite(scale))
    throw new ConfigError(`${op}: scale must be a finite number, got ${fmt(options.scale)}`);
  const causal = options.causal ?? false;
  if (typeof causal !== 'boolean')
    throw new ConfigError(`${op}: causal must be a boolean, got ${fmt(causal)}`);
  // Empty problems (no rows or zero-width heads) take the composition: nothing to fuse.
  if (b * t * d === 0) return splitHeadsAttention(qkv, h, { causal, scale });
  const dtype = qkv.dtype;
  const k = kernelsFor(dtype, t, t, d);
  const p = allocData(dtype, b * h * t * t);
  const y = allocData(dtype, b * t * e);
  const shape = { qkv: qkv.data, B: b, T: t, E: e, heads: h, causal, scale };
  k.attentionForward({ ...shape, p, y });
  return record(
    op,
    new Tensor(y, [b, t, e]),
    [qkv],
    (g, _sink, cg) => {
      if (cg) return compositeVjp(g, [qkv], () => splitHeadsAttention(qkv, h, { causal, scale }));
      const dqkv = allocData(dtype, qkv.size);
      k.attentionBackward({ ...shape, g: g.data, p, dqkv });
      return [new Tensor(dqkv, qkv.shape)];
    },
    true,
  );
}

/**
 * The general composition of multi-head self-attention on a packed `[B, T, 3E]` projection:
 * split into q, k, v, each `[B, T, H, d]` → `[B, H, T, d]`, {@link scaledDotProductAttention}
 * with any of its options, then the heads merged back to `[B, T, E]`.
 * @example const y = splitHeadsAttention(qkv, 4, { mask, dropout: { p: 0.1, rng } });
 */
export function splitHeadsAttention(
  qkv: Tensor,
  heads: number,
  options: AttentionOptions = {},
): Tensor {
  const [b, t, w] = qkv.shape as [number, number, number];
  const e = w / 3;
  const d = e / heads;
  const parts = split(qkv, 3, -1).map((z) => permute(reshape(z, [b, t, heads, d]), [0, 2, 1, 3]));
  const [q, k, v] = parts as [Tensor, Tensor, Tensor];
  const y = scaledDotProductAttention(q, k, v, options); // [B, H, T, d]
  return reshape(permute(y, [0, 2, 1, 3]), [b, t, e]);
}
