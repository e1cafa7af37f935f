import type { Rng } from '../tensor/rng.js';
import {
  allocSequence,
  randints,
  sequenceSetup,
  type SequenceBatch,
  type SequenceOptions,
} from './sequence-task.js';

/**
 * The random permutation problem (Hochreiter & Schmidhuber 1997, task 2c) as Pascanu et al.'s
 * generator makes it: 100 one-hot symbols; the first symbol is v ∈ {0, 1}, the other T − 1 are
 * random distractors from {2, …, 99}; the class to predict at the last step is v (out of 100).
 * x is [T, B, 100]; y is Int32Array [B].
 * @example randomPermutation(20, 50, 0).numClasses // 100
 * @see Pascanu, Mikolov & Bengio, ICML 2013; Hochreiter & Schmidhuber, "Long Short-Term Memory", 1997
 */
export function randomPermutation(
  batchSize: number,
  T: number,
  rng: number | Rng,
  options: SequenceOptions = {},
): SequenceBatch {
  const { r, dtype } = sequenceSetup('randomPermutation', batchSize, T, rng, options, 1);
  const B = batchSize;
  const symbols = randints(r, T * B, 98, 2);
  const v = randints(r, B, 2);
  for (let b = 0; b < B; b++) symbols[b] = v[b] as number;
  const x = allocSequence(dtype, T, B, 100);
  for (let i = 0; i < T * B; i++) x[i * 100 + (symbols[i] as number)] = 1;
  return {
    x,
    xShape: [T, B, 100],
    y: v,
    yShape: [B],
    kind: 'classification',
    numClasses: 100,
    targetAt: 'last',
    meta: {
      task: 'randomPermutation',
      T,
      batchSize: B,
      inputSize: 100,
      positions: [new Int32Array(B)],
    },
  };
}
