import type { OptionSpec } from './declare.js';

// Option types shared by many declarations (spread with a default: `{ ...BETA, default: 0.9 }`).

/** A number ≥ 0. */
export const NONNEG = { type: 'number', min: 0 } as const satisfies OptionSpec;
/** A number in [0, 1) (a decay β). */
export const BETA = {
  type: 'number',
  min: 0,
  max: 1,
  maxExclusive: true,
} as const satisfies OptionSpec;
/** A number in [0, 1]. */
export const UNIT = { type: 'number', min: 0, max: 1 } as const satisfies OptionSpec;
/** A boolean, default false. */
export const FLAG = { type: 'boolean', default: false } as const satisfies OptionSpec;
/** PyTorch's `maximize`: ascend instead of descend (the gradient is negated first). Default false. */
export const MAXIMIZE = FLAG;
/** L2 penalty λ ≥ 0 added to the gradient (PyTorch's coupled weight_decay). Default 0. */
export const L2_PENALTY = { type: 'number', min: 0, default: 0 } as const satisfies OptionSpec;
/** A number > 0. */
export const POS = { type: 'number', min: 0, minExclusive: true } as const satisfies OptionSpec;
/** An integer ≥ 1. */
export const INT1 = { type: 'number', integer: true, min: 1 } as const satisfies OptionSpec;
/** An integer ≥ 0. */
export const INT0 = { type: 'number', integer: true, min: 0 } as const satisfies OptionSpec;
/** Any finite number. */
export const FINITE = { type: 'number' } as const satisfies OptionSpec;
/** A boolean (default given by the factory). */
export const BOOL = { type: 'boolean' } as const satisfies OptionSpec;

/**
 * The same field, required.
 * @example req(POS) // { type: 'number', min: 0, minExclusive: true, required: true }
 */
export function req<F extends OptionSpec>(f: F): F & { required: true } {
  return { ...f, required: true };
}

/**
 * @internal A config or registry options object without its `name` and the given keys, as a
 * library options object.
 * @example optionsWithout({ name: 'zClip', alpha: 0.9 }) // { alpha: 0.9 }
 */
export function optionsWithout<T>(o: Record<string, unknown>, drop: readonly string[] = []): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (k !== 'name' && !drop.includes(k)) out[k] = v;
  return out as T;
}
