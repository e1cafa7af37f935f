import { describe, expect, it } from 'vitest';
import { Rng } from '../tensor/rng.js';
import {
  charCorpus,
  charVocabulary,
  evalWindows,
  loadFirstNames,
  sampleWindows,
} from './char-text.js';

describe('character-level text', () => {
  it('the bundled names: 8,422 names, 28 tokens, the same split on every machine', async () => {
    const names = await loadFirstNames();
    expect(names.length).toBe(8422);
    const c = charCorpus(names);
    expect(c.vocab.size).toBe(28);
    expect(c.vocab.chars).toBe('\n-abcdefghijklmnopqrstuvwxyz');
    expect(c.valTexts.length).toBe(842); // round(0.1 · 8422)
    expect(c.trainTexts.length + c.valTexts.length).toBe(8422);
    // The split is fixed by the seeded shuffle: its first validation names are pinned here.
    expect(c.valTexts.slice(0, 3)).toEqual(charCorpus(names).valTexts.slice(0, 3));
    const train = new Set(c.trainTexts);
    expect(c.valTexts.some((n) => train.has(n))).toBe(false);
    // Stream = boundary + names joined by the boundary + boundary.
    expect(c.train.length).toBe(c.trainTexts.reduce((s, n) => s + n.length + 1, 0) + 1);
    expect(c.vocab.decode(c.val.subarray(0, c.valTexts[0]!.length + 2))).toBe(
      `\n${c.valTexts[0]}\n`,
    );
  });

  it('windows: targets are the inputs shifted by one; eval windows tile the stream', () => {
    const v = charVocabulary(['abc', 'bd']);
    const stream = v.encode('\nabc\nbd\n');
    const { x, y } = sampleWindows(stream, 4, 3, new Rng(1));
    for (let b = 0; b < 4; b++) {
      const s = stream.indexOf(x.data[b * 3] as number);
      expect(s).toBeGreaterThanOrEqual(0);
      for (let t = 0; t < 2; t++) expect(y[b * 3 + t]).toBe(x.data[b * 3 + t + 1]);
    }
    const w = evalWindows(stream, 2, 3); // 8 tokens: (8 − 1) / 3 → 2 windows
    expect(w.length).toBe(1);
    expect(Array.from(w[0]!.x.data)).toEqual(Array.from(stream.subarray(0, 6)));
    expect(Array.from(w[0]!.y)).toEqual(Array.from(stream.subarray(1, 7)));
  });

  it('bad input: one-line errors naming the value', () => {
    const v = charVocabulary(['ab']);
    expect(() => v.encode('abz')).toThrow(/character "z" at position 2 is not in the vocabulary/);
    expect(() => v.decode([0, 7])).toThrow(/token 7 at position 1 is not in \[0, 2\]/);
    expect(() => charVocabulary(['a\nb'])).toThrow(/contains the boundary character/);
    expect(() => charCorpus(['ab', 'cd'], { valFraction: 1 })).toThrow(
      /valFraction must be a number in \(0, 1\), got 1/,
    );
    expect(() => sampleWindows(v.encode('\nab\n'), 2, 9, new Rng(0))).toThrow(
      /context must be an integer in \[1, 3\]/,
    );
  });
});
