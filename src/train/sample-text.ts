import { ConfigError, fmt } from '../errors.js';
import { noGrad } from '../autograd/grad-mode.js';
import type { CharVocab } from '../data/char-text.js';
import type { GPT } from '../nn/gpt.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';

/** Options of {@link sampleText}. */
export interface SampleTextOptions {
  /** Texts to generate (default 10). */
  count?: number;
  /** Softmax temperature > 0 (default 1: the model's distribution). */
  temperature?: number;
  /** Sample only among the k likeliest tokens (default: all). */
  topK?: number;
  /** Longest text in characters before it is cut (default 4 × the context). */
  maxLength?: number;
  /** Seed of the sampler (default 0): same seed, same texts. */
  seed?: number;
  /** Start every text with this prefix (default ''). */
  prefix?: string;
}

/**
 * Generates texts from a character-level {@link GPT}: each starts from the boundary token (and
 * `prefix`), then repeatedly feeds the last `context` tokens, turns the last position's logits
 * into probabilities softmax(logits / temperature) (restricted to the top k when `topK` is set),
 * and draws the next token, until the boundary token ends the text (ancestral sampling, as
 * makemore and nanoGPT's `generate`). Runs without recording gradients; the model is put in
 * evaluation mode for the call and restored after.
 * @example sampleText(model, corpus.vocab, { count: 5, seed: 1 }) // ['mariel', 'jon', …]
 */
export function sampleText(
  model: GPT,
  vocab: CharVocab,
  options: SampleTextOptions = {},
): string[] {
  const op = 'sampleText';
  const count = options.count ?? 10;
  if (!Number.isInteger(count) || count < 1 || count > 100_000)
    throw new ConfigError(`${op}: count must be an integer in [1, 100000], got ${fmt(count)}`);
  const temperature = options.temperature ?? 1;
  if (typeof temperature !== 'number' || !(temperature > 0) || !Number.isFinite(temperature))
    throw new ConfigError(
      `${op}: temperature must be a finite number > 0, got ${fmt(temperature)}`,
    );
  const topK = options.topK ?? vocab.size;
  if (!Number.isInteger(topK) || topK < 1)
    throw new ConfigError(`${op}: topK must be a positive integer, got ${fmt(options.topK)}`);
  const context = model.config.context;
  const maxLength = options.maxLength ?? 4 * context;
  if (!Number.isInteger(maxLength) || maxLength < 1)
    throw new ConfigError(`${op}: maxLength must be a positive integer, got ${fmt(maxLength)}`);
  if (vocab.size !== model.config.vocab)
    throw new ConfigError(
      `${op}: the vocabulary has ${vocab.size} tokens but the model ${model.config.vocab}`,
    );
  const prefix = vocab.encode(options.prefix ?? '');
  const rng = new Rng(options.seed ?? 0);
  const wasTraining = model.training;
  model.eval();
  const probs = new Float64Array(vocab.size);
  const out: string[] = [];
  try {
    noGrad(() => {
      for (let n = 0; n < count; n++) {
        const ids: number[] = [0, ...prefix];
        for (let step = 0; step < maxLength; step++) {
          const window = ids.slice(-context);
          const logits = model.forward(new Tensor(Float64Array.from(window), [1, window.length]));
          const last = logits.data.subarray(
            (window.length - 1) * vocab.size,
            window.length * vocab.size,
          );
          const next = draw(last, probs, temperature, topK, rng);
          if (next === 0) break;
          ids.push(next);
        }
        out.push(vocab.decode(ids.slice(1)));
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return out;
}

/** One draw from softmax(logits / T) over the top k logits (ties keep the lower id). */
function draw(
  logits: ArrayLike<number>,
  probs: Float64Array,
  temperature: number,
  topK: number,
  rng: Rng,
): number {
  const v = probs.length;
  let cutoff = -Infinity;
  if (topK < v) {
    const sorted = Array.from(logits).sort((a, b) => b - a);
    cutoff = sorted[topK - 1] as number;
  }
  let max = -Infinity;
  for (let i = 0; i < v; i++)
    if ((logits[i] as number) >= cutoff) max = Math.max(max, logits[i] as number);
  let sum = 0;
  for (let i = 0; i < v; i++) {
    const l = logits[i] as number;
    probs[i] = l >= cutoff ? Math.exp((l - max) / temperature) : 0;
    sum += probs[i] as number;
  }
  let u = rng.float() * sum;
  for (let i = 0; i < v; i++) {
    u -= probs[i] as number;
    if (u < 0) return i;
  }
  // Rounding left u ≥ 0 after the last subtraction: the last token with mass.
  for (let i = v - 1; i >= 0; i--) if ((probs[i] as number) > 0) return i;
  return 0;
}
