import { allocData } from '../tensor/dtype.js';
import type { Rng } from '../tensor/rng.js';
import {
  allocSequence,
  randints,
  sequenceSetup,
  type SequenceBatch,
  type SequenceOptions,
} from './sequence-task.js';

/** Options of the addition and multiplication tasks. */
export interface ArithmeticTaskOptions extends SequenceOptions {
  /**
   * Lengthen the sequence to T + U{0..⌊0.1T⌋−1} (one length per batch), as Pascanu et al.'s
   * generator does (default true); false keeps exactly T steps.
   */
  jitterLength?: boolean;
}

function arithmeticTask(
  task: string,
  batchSize: number,
  T: number,
  rng: number | Rng,
  options: ArithmeticTaskOptions,
  combine: (a: number, b: number) => number,
): SequenceBatch {
  const { r, dtype } = sequenceSetup(task, batchSize, T, rng, options, 10);
  const B = batchSize;
  const L = (options.jitterLength ?? true) ? T + r.int(Math.floor(T * 0.1)) : T;
  const p0 = randints(r, B, Math.floor(L * 0.1));
  const p1 = randints(r, B, Math.floor(L * 0.4), Math.floor(L * 0.1));
  const x = allocSequence(dtype, L, B, 2);
  // channel 1: values U[0, 1); channel 0: marker (1 at p0 and p1, else 0)
  for (let i = 0; i < L * B; i++) x[i * 2 + 1] = r.float();
  const y = allocData(dtype, B);
  for (let b = 0; b < B; b++) {
    const i0 = (p0[b] as number) * B + b;
    const i1 = (p1[b] as number) * B + b;
    x[i0 * 2] = 1;
    x[i1 * 2] = 1;
    // From the stored (possibly float32-rounded) values, so the target is exact for the inputs seen.
    y[b] = combine(x[i0 * 2 + 1] as number, x[i1 * 2 + 1] as number);
  }
  return {
    x,
    xShape: [L, B, 2],
    y,
    yShape: [B, 1],
    kind: 'regression',
    targetAt: 'last',
    meta: { task, T: L, batchSize: B, inputSize: 2, positions: [p0, p1] },
  };
}

/**
 * The adding problem (Hochreiter & Schmidhuber 1997, task 4) as Pascanu et al.'s generator makes
 * it: two input channels, values U[0, 1) in channel 1 and markers in channel 0 at
 * p0 ∈ U{0..⌊0.1L⌋−1} and p1 ∈ ⌊0.1L⌋ + U{0..⌊0.4L⌋−1}; the regression target at the last step
 * is (v[p0] + v[p1])/2. L = T + U{0..⌊0.1T⌋−1} unless jitterLength is false. Requires T ≥ 10.
 * x is [L, B, 2]; y is [B, 1].
 * @example const { x, y, meta } = addition(20, 100, 7); meta.T // 100..109
 * @see Pascanu, Mikolov & Bengio, ICML 2013; Hochreiter & Schmidhuber, "Long Short-Term Memory", 1997
 */
export function addition(
  batchSize: number,
  T: number,
  rng: number | Rng,
  options: ArithmeticTaskOptions = {},
): SequenceBatch {
  return arithmeticTask('addition', batchSize, T, rng, options, (a, b) => (a + b) / 2);
}

/**
 * The multiplication problem (Hochreiter & Schmidhuber 1997, task 5): as {@link addition} with
 * target v[p0]·v[p1].
 * @example multiplication(20, 50, 0, { jitterLength: false }).xShape // [50, 20, 2]
 * @see Pascanu, Mikolov & Bengio, ICML 2013; Hochreiter & Schmidhuber, "Long Short-Term Memory", 1997
 */
export function multiplication(
  batchSize: number,
  T: number,
  rng: number | Rng,
  options: ArithmeticTaskOptions = {},
): SequenceBatch {
  return arithmeticTask('multiplication', batchSize, T, rng, options, (a, b) => a * b);
}
