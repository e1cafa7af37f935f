import type { Rng } from '../tensor/rng.js';
import {
  allocSequence,
  randints,
  sequenceSetup,
  type SequenceBatch,
  type SequenceOptions,
} from './sequence-task.js';

/**
 * One generator for the 2- and 3-symbol variants: `starts` are the fractions of T where each
 * relevant symbol's window begins; every window is ⌊0.1T⌋ long.
 */
function temporalOrderTask(
  task: string,
  batchSize: number,
  T: number,
  rng: number | Rng,
  options: SequenceOptions,
  starts: readonly number[],
): SequenceBatch {
  const { r, dtype } = sequenceSetup(task, batchSize, T, rng, options, 10);
  const B = batchSize;
  // Same expressions as Pascanu's generator (int(l*.1) etc.), so the windows match to the step.
  const w = Math.floor(T * 0.1);
  const positions: Int32Array[] = [];
  const values: Int32Array[] = [];
  for (const s of starts) {
    positions.push(randints(r, B, w, Math.floor(T * s)));
    values.push(randints(r, B, 2));
  }
  // Distractors: symbols 2..5.
  const symbols = randints(r, T * B, 4, 2);
  const y = new Int32Array(B);
  for (let k = 0; k < starts.length; k++) {
    const p = positions[k] as Int32Array;
    const v = values[k] as Int32Array;
    for (let b = 0; b < B; b++) {
      symbols[(p[b] as number) * B + b] = v[b] as number;
      y[b] = (y[b] as number) + (v[b] as number) * 2 ** k;
    }
  }
  const x = allocSequence(dtype, T, B, 6);
  for (let i = 0; i < T * B; i++) x[i * 6 + (symbols[i] as number)] = 1;
  return {
    x,
    xShape: [T, B, 6],
    y,
    yShape: [B],
    kind: 'classification',
    numClasses: 2 ** starts.length,
    targetAt: 'last',
    meta: { task, T, batchSize: B, inputSize: 6, positions },
  };
}

/**
 * The temporal order problem (Hochreiter & Schmidhuber 1997, task 6a) as Pascanu et al.'s
 * generator makes it: 6 one-hot symbols; every step holds a random distractor from {2, 3, 4, 5},
 * except p0 = ⌊0.1T⌋ + U{0..⌊0.1T⌋−1} holding v0 ∈ {0, 1} and p1 = ⌊0.5T⌋ + U{0..⌊0.1T⌋−1}
 * holding v1 ∈ {0, 1}. The class to predict at the last step is v0 + 2·v1 (AA, BA, AB, BB).
 * Requires T ≥ 10. x is [T, B, 6]; y is Int32Array [B].
 * @example const { x, y } = temporalOrder(20, 20, rng); // E2's batches
 * @see Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural networks", ICML 2013; Hochreiter & Schmidhuber, "Long Short-Term Memory", 1997
 */
export function temporalOrder(
  batchSize: number,
  T: number,
  rng: number | Rng,
  options: SequenceOptions = {},
): SequenceBatch {
  return temporalOrderTask('temporalOrder', batchSize, T, rng, options, [0.1, 0.5]);
}

/**
 * The 3-bit temporal order problem (Hochreiter & Schmidhuber task 6b): as {@link temporalOrder}
 * with three relevant symbols in windows starting at ⌊0.1T⌋, ⌊0.3T⌋ and ⌊0.6T⌋, each ⌊0.1T⌋
 * long; class v0 + 2·v1 + 4·v2 (8 classes).
 * @example temporalOrder3Bit(20, 60, 0).numClasses // 8
 * @see Pascanu, Mikolov & Bengio, ICML 2013; Hochreiter & Schmidhuber, "Long Short-Term Memory", 1997
 */
export function temporalOrder3Bit(
  batchSize: number,
  T: number,
  rng: number | Rng,
  options: SequenceOptions = {},
): SequenceBatch {
  return temporalOrderTask('temporalOrder3Bit', batchSize, T, rng, options, [0.1, 0.3, 0.6]);
}
