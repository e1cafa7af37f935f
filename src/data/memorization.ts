import { ConfigError, fmt } from '../errors.js';
import type { Rng } from '../tensor/rng.js';
import {
  allocSequence,
  sequenceSetup,
  type SequenceBatch,
  type SequenceOptions,
} from './sequence-task.js';

/** Options of {@link noiselessMemorization}. */
export interface MemorizationOptions extends SequenceOptions {
  /** Alphabet size of the pattern (default 5). */
  nValues?: number;
  /** Pattern length (default 10). */
  nPos?: number;
}

/**
 * The noiseless memorization problem (Hochreiter & Schmidhuber 1997; Martens & Sutskever 2011)
 * as Pascanu et al.'s generator makes it: a pattern of nPos symbols from nValues is shown
 * (one-hot, steps 0..nPos−1), then T filler steps (channel nValues), then a "go" signal
 * (channel nValues + 1 at step T + nPos), after which the pattern must be reproduced over the
 * last nPos steps. Every step has a label: the blank class nValues before the recall, the
 * pattern during it. Total length T + 2·nPos; x is [T + 2nPos, B, nValues + 2]; y is Int32Array
 * [T + 2nPos, B] (time-major, targetAt 'all'), with nValues + 1 classes.
 * @example noiselessMemorization(20, 50, 0).xShape // [70, 20, 7]
 * @see Pascanu, Mikolov & Bengio, ICML 2013; Martens & Sutskever, "Learning recurrent neural networks with Hessian-free optimization", ICML 2011
 */
export function noiselessMemorization(
  batchSize: number,
  T: number,
  rng: number | Rng,
  options: MemorizationOptions = {},
): SequenceBatch {
  const { r, dtype } = sequenceSetup('noiselessMemorization', batchSize, T, rng, options, 1);
  const nValues = options.nValues ?? 5;
  const nPos = options.nPos ?? 10;
  if (!Number.isInteger(nValues) || nValues < 2)
    throw new ConfigError(
      `noiselessMemorization: nValues must be an integer >= 2, got ${fmt(nValues)}`,
    );
  if (!Number.isInteger(nPos) || nPos < 1)
    throw new ConfigError(
      `noiselessMemorization: nPos must be a positive integer, got ${fmt(nPos)}`,
    );
  const B = batchSize;
  const L = T + 2 * nPos;
  const I = nValues + 2;
  const blank = nValues;
  const go = nValues + 1;
  const x = allocSequence(dtype, L, B, I);
  const y = new Int32Array(L * B).fill(blank);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < nPos; k++) {
      const v = r.int(nValues);
      x[(k * B + b) * I + v] = 1;
      y[(T + nPos + k) * B + b] = v;
    }
    for (let t = nPos; t < L; t++) x[(t * B + b) * I + (t === T + nPos ? go : blank)] = 1;
  }
  const recallStart = new Int32Array(B).fill(T + nPos);
  return {
    x,
    xShape: [L, B, I],
    y,
    yShape: [L, B],
    kind: 'classification',
    numClasses: nValues + 1,
    targetAt: 'all',
    meta: {
      task: 'noiselessMemorization',
      T: L,
      batchSize: B,
      inputSize: I,
      positions: [recallStart],
    },
  };
}
