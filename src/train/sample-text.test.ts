import { describe, expect, it } from 'vitest';
import '../autograd/backward.js';
import { charVocabulary } from '../data/char-text.js';
import { gpt } from '../nn/gpt.js';
import { sampleText } from './sample-text.js';

describe('sampleText', () => {
  const vocab = charVocabulary(['abc', 'cab']);
  const model = gpt({ vocab: vocab.size, context: 4, layers: 1, heads: 1, embed: 8, seed: 0 });

  it('same seed, same texts; texts use the vocabulary and stop at the boundary', () => {
    const a = sampleText(model, vocab, { count: 5, seed: 3, maxLength: 12 });
    expect(sampleText(model, vocab, { count: 5, seed: 3, maxLength: 12 })).toEqual(a);
    for (const t of a) {
      expect(t.length).toBeLessThanOrEqual(12);
      expect(/^[abc]*$/.test(t)).toBe(true);
    }
    expect(model.training).toBe(true); // restored
  });

  it('topK 1 is greedy: the same text for every seed', () => {
    const g = sampleText(model, vocab, { count: 1, seed: 1, topK: 1, maxLength: 6 });
    expect(sampleText(model, vocab, { count: 1, seed: 99, topK: 1, maxLength: 6 })).toEqual(g);
  });

  it('bad options: one-line errors', () => {
    expect(() => sampleText(model, vocab, { temperature: 0 })).toThrow(
      /temperature must be a finite number > 0, got 0/,
    );
    expect(() => sampleText(model, charVocabulary(['xyzw']), {})).toThrow(
      /the vocabulary has 5 tokens but the model 4/,
    );
  });
});
