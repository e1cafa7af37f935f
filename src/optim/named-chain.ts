import { addDecayedWeights } from './add-decayed-weights.js';
import { chain } from './chain.js';
import { scale } from './scale.js';
import type { GradientTransformation } from './types.js';

/** State of a named optimizer built as a chain: its links' states, in order. */
export type NamedChainState = unknown[];

/**
 * @internal A chain of the links that are present (optional links are null).
 * @example namedChain(maximizeLink(false), l2Link(0.1), scaleByRss(), scaleByLearningRate(0.01))
 */
export function namedChain(
  ...links: (GradientTransformation<unknown> | null)[]
): GradientTransformation<NamedChainState> {
  const present = links.filter((l): l is GradientTransformation<unknown> => l !== null);
  return chain(...present) as unknown as GradientTransformation<NamedChainState>;
}

/**
 * @internal PyTorch's `maximize`: the gradient is negated before anything else.
 * @example maximizeLink(true) // scale(-1)
 */
export function maximizeLink(maximize: boolean): GradientTransformation<unknown> | null {
  return maximize ? scale(-1) : null;
}

/**
 * @internal PyTorch's coupled `weight_decay` (g ← g + λ·p), absent when λ = 0 as in PyTorch.
 * @example l2Link(0) // null: no link
 */
export function l2Link(weightDecay: number): GradientTransformation<unknown> | null {
  return weightDecay !== 0 ? addDecayedWeights(weightDecay) : null;
}
