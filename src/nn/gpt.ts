import { ConfigError, DataError, fmt } from '../errors.js';
import { add } from '../ops/elementwise.js';
import { linear } from '../ops/linear.js';
import type { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { xavierUniform } from '../init/xavier.js';
import { Dropout } from './dropout.js';
import { Embedding } from './embedding.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import { RMSNorm } from './rms-norm.js';
import { TransformerBlock, type NormPlacement } from './transformer-block.js';
import { checkBool, checkInt, layerDtype, layerRng, type RandomOptions } from './layer-options.js';
import type { DType } from '../tensor/dtype.js';

/** Options of {@link gpt}. */
export interface GptOptions extends RandomOptions {
  /** Vocabulary size (tokens are integers in [0, vocab)). */
  vocab: number;
  /** Context length: the longest sequence (learned positional embeddings). */
  context: number;
  /** Number of Transformer blocks L. */
  layers: number;
  /** Attention heads per block. */
  heads: number;
  /** Embedding width E (a multiple of heads). */
  embed: number;
  /** Normalisation placement (default 'pre', as GPT-2). */
  norm?: NormPlacement;
  /** 'layer' (default) or 'rms'. */
  normKind?: 'layer' | 'rms';
  /** Feed-forward width (default 4E). */
  ffn?: number;
  /** Feed-forward activation (default 'geluTanh', GPT-2's tanh-form GELU). */
  activation?: 'relu' | 'gelu' | 'geluTanh';
  /** Dropout probability (embeddings, attention weights, residual branches; default 0). */
  dropout?: number;
  /** Share the token embedding with the output layer (Press & Wolf 2017; default true). */
  tieWeights?: boolean;
  /**
   * 'gpt2' (default): weights N(0, 0.02²), residual output projections N(0, (0.02/√(2L))²),
   * biases 0, norms 1 (Radford et al. 2019); 'xavier': Xavier-uniform for every parameter with
   * more than one axis (embeddings included), biases 0, norms 1 — what `torch.nn.Transformer`'s
   * `_reset_parameters` does and Xiong et al. (2020) analyse; 'torch': PyTorch's module defaults.
   */
  init?: 'gpt2' | 'xavier' | 'torch';
  /** Parameter dtype (default: the global default). */
  dtype?: DType;
}

/**
 * A stack of {@link TransformerBlock}s run in order with the same call options (the `h` of a
 * {@link GPT}; PyTorch's `nn.ModuleList` of blocks, children named `0`, `1`, …).
 */
export class TransformerStack extends Module<[Tensor, { causal: boolean }], Tensor> {
  /** The blocks, input to output. */
  readonly blocks: TransformerBlock[] = [];
  /** Appends a block (registered as the next index). */
  add(block: TransformerBlock): void {
    this.blocks.push(this.registerModule(String(this.blocks.length), block));
  }
  /** Runs every block in order. */
  forward(x: Tensor, call: { causal: boolean }): Tensor {
    let h = x;
    for (const b of this.blocks) h = b.forward(h, call);
    return h;
  }
}

/**
 * A decoder-only Transformer language model (GPT; Radford et al. 2018/2019): token and learned
 * positional embeddings, L causal self-attention blocks ({@link TransformerBlock}), a final
 * norm (pre-LN only; a post-LN block already ends with one), and a linear head to vocabulary
 * logits, tied to the token embedding by default. Parameter names follow nanoGPT's layout with
 * PyTorch's block names: `wte.weight`, `wpe.weight`, `h.<i>.self_attn.in_proj_weight`, …,
 * `ln_f.weight`, `lm_head.weight` (absent when tied).
 */
export class GPT extends Module<[Tensor | Int32Array | readonly number[][]], Tensor> {
  /** Options as given (validated). */
  readonly config: Readonly<Required<Omit<GptOptions, 'seed' | 'rng' | 'dtype'>>>;
  /** Token embedding `[vocab, E]`. */
  readonly wte: Embedding;
  /** Positional embedding `[context, E]`. */
  readonly wpe: Embedding;
  /** The blocks. */
  readonly h: TransformerStack;
  /** Final norm (pre-LN), or null. */
  readonly ln_f: LayerNorm | RMSNorm | null;
  /** Output layer, or null when tied to `wte`. */
  readonly lm_head: Linear | null;
  private readonly drop: Dropout;
  private readonly positions: Int32Array;

  constructor(options: GptOptions) {
    super();
    const op = 'gpt';
    const vocab = checkInt(op, 'vocab', options.vocab, 2);
    const context = checkInt(op, 'context', options.context);
    const layers = checkInt(op, 'layers', options.layers);
    const heads = checkInt(op, 'heads', options.heads);
    const embed = checkInt(op, 'embed', options.embed);
    if (embed % heads !== 0)
      throw new ConfigError(`${op}: heads ${fmt(heads)} must divide embed ${fmt(embed)}`);
    if (vocab * embed > 2 ** 28 || context * embed > 2 ** 28 || layers > 1024)
      throw new ConfigError(
        `${op}: model too large (vocab ${vocab} × embed ${embed}, context ${context}, layers ${layers}); expected at most 2^28 values per table and 1024 layers`,
      );
    const norm = options.norm ?? 'pre';
    const normKind = options.normKind ?? 'layer';
    const dropout = options.dropout ?? 0;
    const tieWeights = checkBool(op, 'tieWeights', options.tieWeights ?? true);
    const init = options.init ?? 'gpt2';
    if (init !== 'gpt2' && init !== 'xavier' && init !== 'torch')
      throw new ConfigError(`${op}: init must be 'gpt2', 'xavier' or 'torch', got ${fmt(init)}`);
    const ffn = options.ffn ?? 4 * embed;
    const activation = options.activation ?? 'geluTanh';
    this.config = {
      activation,
      vocab,
      context,
      layers,
      heads,
      embed,
      norm,
      normKind,
      dropout,
      tieWeights,
      init,
      ffn,
    };
    const dtype = layerDtype(op, options.dtype);
    const rng = layerRng(op, options);
    this.wte = this.registerModule('wte', new Embedding(vocab, embed, { rng, dtype }));
    this.wpe = this.registerModule('wpe', new Embedding(context, embed, { rng, dtype }));
    this.drop = this.registerModule('drop', new Dropout(dropout, { rng }));
    this.h = this.registerModule('h', new TransformerStack());
    for (let i = 0; i < layers; i++)
      this.h.add(
        new TransformerBlock(embed, {
          heads,
          ffn,
          norm,
          normKind,
          dropout,
          activation,
          rng,
          dtype,
        }),
      );
    this.ln_f =
      norm === 'pre'
        ? this.registerModule(
            'ln_f',
            normKind === 'rms' ? new RMSNorm(embed, { dtype }) : new LayerNorm(embed, { dtype }),
          )
        : null;
    this.lm_head = tieWeights
      ? null
      : this.registerModule('lm_head', new Linear(embed, vocab, { bias: false, rng, dtype }));
    this.positions = Int32Array.from({ length: context }, (_, i) => i);
    if (init === 'gpt2') this.gpt2Init(rng, layers);
    if (init === 'xavier') this.xavierInit(rng);
  }

  private xavierInit(rng: Rng): void {
    for (const [name, p] of Object.entries(this.namedParameters())) {
      if (p.ndim > 1) p.data.set(xavierUniform(p.shape, rng, { dtype: p.dtype }));
      else if (name.endsWith('bias')) p.data.fill(0);
    }
  }

  private gpt2Init(rng: Rng, layers: number): void {
    const residual = 0.02 / Math.sqrt(2 * layers);
    for (const [name, p] of Object.entries(this.namedParameters())) {
      const d = p.data;
      if (name.startsWith('ln_f.') || /\.norm[12]\./.test(name)) continue; // ones / zeros
      if (name.endsWith('bias')) d.fill(0);
      else if (name.endsWith('out_proj.weight') || name.endsWith('linear2.weight'))
        rng.fillNormal(d, 0, residual);
      else rng.fillNormal(d, 0, 0.02);
    }
  }

  /** Token ids `[B, T]` (T ≤ context) → logits `[B, T, vocab]` (causal: position t sees ≤ t). */
  forward(idx: Tensor | Int32Array | readonly number[][]): Tensor {
    const tokens = toTokens(idx);
    const [, t] = tokens.shape as [number, number];
    if (t > this.config.context)
      throw new DataError(
        `gpt: sequence length ${t} exceeds the context length ${this.config.context}`,
      );
    const tok = this.wte.forward(tokens); // [B, T, E]
    const pos = this.wpe.forward(this.positions.subarray(0, t)); // [T, E]
    let x = this.drop.forward(add(tok, pos));
    x = this.h.forward(x, { causal: true });
    if (this.ln_f !== null) x = this.ln_f.forward(x);
    return this.lm_head !== null ? this.lm_head.forward(x) : linear(x, this.wte.weight);
  }
}

function toTokens(idx: Tensor | Int32Array | readonly number[][]): Tensor {
  if (idx instanceof Tensor) {
    if (idx.ndim !== 2)
      throw new DataError(`gpt: token ids must have shape [batch, time], got ${fmt(idx.shape)}`);
    return idx;
  }
  if (idx instanceof Int32Array) return new Tensor(Float64Array.from(idx), [1, idx.length]);
  const b = idx.length;
  const t = idx[0]?.length ?? 0;
  if (b === 0 || t === 0 || !idx.every((r) => r.length === t))
    throw new DataError('gpt: token ids must be a non-empty rectangular [batch][time] array');
  return new Tensor(Float64Array.from(idx.flat()), [b, t]);
}

/**
 * Builds a {@link GPT}: a small decoder-only Transformer language model.
 * @example const model = gpt({ vocab: 28, context: 16, layers: 2, heads: 2, embed: 32, seed: 0 });
 * const logits = model.forward(tokens); // tokens [B, T] → [B, T, 28]
 * @see https://cdn.openai.com/better-language-models/language_models_are_unsupervised_multitask_learners.pdf
 */
export function gpt(options: GptOptions): GPT {
  return new GPT(options);
}
