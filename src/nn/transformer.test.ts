import { describe, expect, it } from 'vitest';
import '../autograd/backward.js';
import { crossEntropy } from '../ops/losses.js';
import { reshape } from '../ops/shape-ops.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { gpt } from './gpt.js';
import { MultiheadAttention } from './multihead-attention.js';
import { TransformerBlock } from './transformer-block.js';

const tokens = [
  [1, 4, 2, 7, 0, 3],
  [5, 5, 6, 1, 2, 9],
];

describe('GPT', () => {
  it("has PyTorch's parameter names and the count worked out by hand", () => {
    const m = gpt({ vocab: 11, context: 8, layers: 2, heads: 2, embed: 8, seed: 0 });
    const names = Object.keys(m.namedParameters());
    expect(names.slice(0, 4)).toEqual([
      'wte.weight',
      'wpe.weight',
      'h.0.self_attn.in_proj_weight',
      'h.0.self_attn.in_proj_bias',
    ]);
    expect(names).toContain('h.1.norm2.bias');
    expect(names.at(-1)).toBe('ln_f.bias');
    expect(names).not.toContain('lm_head.weight'); // tied to wte
    // wte 11·8 + wpe 8·8 + per block [attn 3·8·8+3·8 + 8·8+8 = 288, ffn 8·32+32 + 32·8+8 = 552,
    // norms 4·8 = 32] = 872, × 2 layers, + ln_f 16 = 88 + 64 + 1744 + 16 = 1912.
    expect(m.numParameters()).toBe(1912);
    const untied = gpt({ vocab: 11, context: 8, layers: 2, heads: 2, embed: 8, tieWeights: false });
    expect(untied.numParameters()).toBe(1912 + 88);
  });

  it('causal: logits at position t do not depend on later tokens', () => {
    const m = gpt({ vocab: 11, context: 8, layers: 2, heads: 2, embed: 8, seed: 3 });
    const a = m.forward(tokens);
    const changed = tokens.map((r) => [...r.slice(0, 3), 10, 10, 10]);
    const b = m.forward(changed);
    const perPos = 11;
    for (let bi = 0; bi < 2; bi++)
      for (let t = 0; t < 3; t++)
        for (let v = 0; v < perPos; v++) {
          const i = (bi * 6 + t) * perPos + v;
          expect(b.data[i]).toBe(a.data[i]);
        }
  });

  it('same seed, same bits; the tied embedding gets the head gradient', () => {
    const make = () => gpt({ vocab: 11, context: 8, layers: 1, heads: 2, embed: 8, seed: 7 });
    const m1 = make();
    const m2 = make();
    expect(Array.from(m1.wte.weight.data)).toEqual(Array.from(m2.wte.weight.data));
    const logits = m1.forward(tokens);
    const loss = crossEntropy(reshape(logits, [12, 11]), tokens.flat());
    loss.backward();
    // Token 8 appears in no input, so only the head (tied) gives its embedding row a gradient.
    const row8 = Array.from(m1.wte.weight.grad!.data.subarray(8 * 8, 9 * 8));
    expect(row8.some((g) => g !== 0)).toBe(true);
  });

  it('bad input: clear one-line errors', () => {
    expect(() => gpt({ vocab: 11, context: 8, layers: 2, heads: 3, embed: 8 })).toThrow(
      /heads 3 must divide embed 8/,
    );
    const m = gpt({ vocab: 11, context: 4, layers: 1, heads: 2, embed: 8 });
    expect(() => m.forward(tokens)).toThrow(/sequence length 6 exceeds the context length 4/);
    expect(() => m.forward([[1, 2, 11]])).toThrow(
      /indices\[2\] = 11 must be an integer in \[0, 10\]/,
    );
    expect(() => gpt({ vocab: 1e9, context: 8, layers: 2, heads: 2, embed: 8 })).toThrow(
      /model too large/,
    );
  });
});

describe('TransformerBlock and MultiheadAttention', () => {
  it('pre-LN keeps an identity path: with zeroed sub-layer outputs the block is the identity', () => {
    const block = new TransformerBlock(8, { heads: 2, norm: 'pre', seed: 1, dtype: 'float64' });
    block.self_attn.out_proj.weight.data.fill(0);
    block.self_attn.out_proj.bias!.data.fill(0);
    block.linear2.weight.data.fill(0);
    block.linear2.bias!.data.fill(0);
    const x = new Tensor(new Rng(2).fillNormal(new Float64Array(2 * 3 * 8)), [2, 3, 8]);
    expect(Array.from(block.forward(x, { causal: true }).data)).toEqual(Array.from(x.data));
  });

  it('MultiheadAttention: dropout only in training mode; eval is deterministic', () => {
    const attn = new MultiheadAttention(8, 2, { dropout: 0.5, seed: 3, dtype: 'float64' });
    const x = new Tensor(new Rng(4).fillNormal(new Float64Array(2 * 3 * 8)), [2, 3, 8]);
    attn.eval();
    const a = attn.forward(x);
    expect(Array.from(attn.forward(x).data)).toEqual(Array.from(a.data));
    attn.train();
    expect(Array.from(attn.forward(x).data)).not.toEqual(Array.from(a.data));
    expect(() => new MultiheadAttention(8, 3)).toThrow(/numHeads 3 must divide embedDim 8/);
  });
});
