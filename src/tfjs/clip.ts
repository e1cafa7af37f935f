import type { NamedTensorMap } from '@tensorflow/tfjs';
import { ConfigError, fmt } from '../errors.js';

/**
 * Rescales TF.js gradients so that their global norm is at most `maxNorm` (Pascanu et al. 2013;
 * what PyTorch's clip_grad_norm_ and gradscope's clip.byGlobalNorm do; tfjs optimizers have no
 * clipnorm). Returns new tensors (the input ones are disposed when scaled) and the norm before
 * clipping: g ← g·min(1, maxNorm/‖g‖), ‖g‖ = √Σ‖g_i‖².
 * @example
 * const { grads } = optimizer.computeGradients(f);
 * optimizer.applyGradients(clipByGlobalNorm(grads, 1.8).grads);
 * @see Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural networks", ICML 2013.
 */
export function clipByGlobalNorm(
  grads: NamedTensorMap,
  maxNorm: number,
): { grads: NamedTensorMap; norm: number } {
  if (typeof maxNorm !== 'number' || !(maxNorm > 0) || !Number.isFinite(maxNorm))
    throw new ConfigError(
      `clipByGlobalNorm: maxNorm = ${fmt(maxNorm)} is invalid; expected a number > 0`,
    );
  let sq = 0;
  for (const g of Object.values(grads)) for (const x of g.dataSync()) sq += x * x;
  const norm = Math.sqrt(sq);
  if (!(norm > maxNorm)) return { grads, norm };
  const scale = maxNorm / norm;
  const out: NamedTensorMap = {};
  for (const [name, g] of Object.entries(grads)) {
    out[name] = g.mul(scale);
    g.dispose();
  }
  return { grads: out, norm };
}
