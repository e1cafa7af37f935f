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
