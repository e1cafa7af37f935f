import { resultWriter } from './result.js';
import type { GradientTransformation } from './types.js';

/** State of {@link identity}: none. */
export type IdentityState = Record<string, never>;

/**
 * The transformation that returns its updates unchanged (u ← g); a placeholder in chains and the
 * default of optional links.
 * @example const tx = useClip ? clip.byGlobalNorm(1) : identity();
 */
export function identity(): GradientTransformation<IdentityState> {
  const out = resultWriter<IdentityState>();
  return {
    init: () => ({}),
    update: (updates, state) => out(updates, state),
  };
}
