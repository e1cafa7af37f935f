import { ShapeError, fmt } from '../errors.js';
import type { TypedArray } from '../tensor/dtype.js';
import { shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/** Result of comparing computed values with reference values. */
export interface Comparison {
  /** Every element satisfies |a − e| ≤ atol + rtol·|e|. */
  pass: boolean;
  /** max |a − e|. */
  maxAbsErr: number;
  /** max |a − e|/|e| over elements with |e| > atol (near-zero references are judged by atol). */
  maxRelErr: number;
  /** The worst element, when failing. */
  detail?: string;
}

/** Compares `actual` (of `shape`) with a reference tensor, elementwise. */
export function compareArrays(
  actual: TypedArray,
  expected: Tensor,
  shape: readonly number[],
  tol: { rtol: number; atol: number },
): Comparison {
  if (!shapesEqual(shape, expected.shape)) {
    throw new ShapeError(
      `result has shape ${fmt(shape)} but the reference has shape ${fmt(expected.shape)}`,
    );
  }
  let maxAbs = 0;
  let maxRel = 0;
  let pass = true;
  let detail: string | undefined;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const e = expected.data[i] as number;
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    const abs = a === e ? 0 : Math.abs(a - e);
    if (Number.isNaN(abs) || abs > tol.atol + tol.rtol * Math.abs(e)) {
      if (pass) detail = `element ${i}: got ${a}, expected ${e}`;
      pass = false;
    }
    maxAbs = Math.max(maxAbs, Number.isNaN(abs) ? Infinity : abs);
    if (Math.abs(e) > tol.atol) maxRel = Math.max(maxRel, abs / Math.abs(e));
  }
  return detail === undefined
    ? { pass, maxAbsErr: maxAbs, maxRelErr: maxRel }
    : { pass, maxAbsErr: maxAbs, maxRelErr: maxRel, detail };
}
