// The field ranges the schedules' declarations share (local: schedule/ imports only types from
// optim/). Each schedule declares its options once, in its own file, from these.
import type { FieldSpec } from '../optim/field-spec.js';

/** A number > 0. */
export const POS = { type: 'number', min: 0, minExclusive: true } as const satisfies FieldSpec;
/** A number ≥ 0. */
export const NONNEG = { type: 'number', min: 0 } as const satisfies FieldSpec;
/** A number in [0, 1]. */
export const UNIT = { type: 'number', min: 0, max: 1 } as const satisfies FieldSpec;
/** A boolean. */
export const BOOL = { type: 'boolean' } as const satisfies FieldSpec;
/** An integer ≥ 1. */
export const INT1 = { type: 'number', integer: true, min: 1 } as const satisfies FieldSpec;
/** An integer ≥ 0. */
export const INT0 = { type: 'number', integer: true, min: 0 } as const satisfies FieldSpec;

/**
 * The same field, required.
 * @example req(INT1) // { type: 'number', integer: true, min: 1, required: true }
 */
export function req<F extends FieldSpec>(f: F): F & { required: true } {
  return { ...f, required: true };
}
