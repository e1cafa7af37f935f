import { describe, expect, it } from 'vitest';
import '../autograd/backward.js';
import { charCorpus, loadFirstNames, unigramLoss } from '../data/char-text.js';
import { initGradNorms, prePostLn, trainPrePostLnArm, type PrePostLnArmId } from './pre-post-ln.js';

describe('E17 pre-post-ln', () => {
  it('same seed, same gradient norms; the unigram baseline is about 2.9 nats', async () => {
    const corpus = charCorpus(await loadFirstNames());
    expect(initGradNorms(corpus, 'pre', 2, 5)).toEqual(initGradNorms(corpus, 'pre', 2, 5));
    // Letter frequencies alone: between ln 28 = 3.33 (uniform) and the trained models' ~2.1.
    const u = unigramLoss(corpus);
    expect(u).toBeGreaterThan(2.7);
    expect(u).toBeLessThan(3.1);
  });

  it('an unknown arm is refused with its name and the arms there are', async () => {
    const corpus = charCorpus(await loadFirstNames());
    expect(() => trainPrePostLnArm(corpus, 'middle' as PrePostLnArmId, 0)).toThrow(
      /trainPrePostLnArm: arm must be one of 'post', 'post-warmup', 'pre', got "?middle"?/,
    );
  });

  it('quick mode (part a: gradients at initialisation) passes every criterion', async () => {
    const r = await prePostLn.run({ quick: true, seeds: prePostLn.defaultSeeds.quick });
    for (const c of r.criteria)
      expect(c.pass, `${c.name}: ${String(c.measured)} (expected ${c.expected})`).toBe(true);
    expect(r.criteria).toHaveLength(2);
    expect(r.charts.map((c) => c.id)).toEqual(['init-grad-vs-depth', 'init-grad-profile']);
  }, 120_000);
});
