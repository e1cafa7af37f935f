import { DataError } from '../errors.js';
import { decodeJsonNumber } from '../json-encode.js';

/**
 * A reference file that is not valid input: no cases, a value that is not a number (`null` is
 * never read as 0), a shape that does not match its data. The message names the case and the
 * field. Unlike a case that runs and disagrees (a failed check, exit 1), it stops the whole run
 * (exit 3): a malformed reference can never pass.
 */
export class ReferenceDataError extends DataError {}

/**
 * The numbers of a reference array: finite numbers, or the strings "NaN", "Infinity",
 * "-Infinity" (how gradscope's JSON writes non-finite values); anything else, `null` included,
 * is a {@link ReferenceDataError} naming `what` and the index.
 * @example referenceNumbers([1, 'Infinity'], 'case add.output.data') // [1, Infinity]
 */
export function referenceNumbers(values: unknown, what: string): number[] {
  if (!Array.isArray(values)) throw new ReferenceDataError(`${what} is not an array of numbers`);
  return values.map((v: unknown, i) => {
    const n = decodeJsonNumber(v);
    if (n !== undefined) return n;
    throw new ReferenceDataError(
      `${what}[${i}] = ${v === null ? 'null' : (JSON.stringify(v) ?? String(v))} is not a number (null is never read as 0)`,
    );
  });
}
