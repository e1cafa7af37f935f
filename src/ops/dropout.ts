import { ConfigError, fmt } from '../errors.js';
import { record } from '../autograd/tape.js';
import { allocData } from '../tensor/dtype.js';
import type { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * Inverted dropout (PyTorch's `F.dropout`): y = x·m/(1 − p) with mᵢ ~ Bernoulli(1 − p) drawn from
 * `rng` (element i is kept when rng.float() ≥ p), so E[y] = x and evaluation needs no rescaling.
 * With `training` false or p = 0 it returns x itself. VJP: dx = g·m/(1 − p) (the mask is saved).
 *
 * @example
 * const h = dropout(relu(linear(x, w, b)), 0.5, rng, model.training);
 * @see https://jmlr.org/papers/v15/srivastava14a.html (Srivastava et al. 2014)
 */
export function dropout(x: Tensor, p: number, rng: Rng, training = true): Tensor {
  if (typeof p !== 'number' || !(p >= 0 && p < 1)) {
    throw new ConfigError(`dropout: p must be a number in [0, 1), got ${fmt(p)}`);
  }
  if (!training || p === 0) return x;
  const scale = 1 / (1 - p);
  // The mask holds 0 or 1/(1 − p) directly, so forward and VJP are one multiply each.
  const mask = allocData(x.dtype, x.size);
  const xd = x.data;
  const y = allocData(x.dtype, x.size);
  for (let i = 0; i < x.size; i++) {
    if (rng.float() >= p) mask[i] = scale;
    // Multiply even where dropped, as PyTorch does: a NaN input stays visible (NaN·0 = NaN).
    y[i] = (xd[i] as number) * (mask[i] as number);
  }
  return record('dropout', new Tensor(y, x.shape), [x], (g) => {
    const gd = g.data;
    const dx = allocData(x.dtype, x.size);
    for (let i = 0; i < dx.length; i++) dx[i] = (gd[i] as number) * (mask[i] as number);
    return [new Tensor(dx, x.shape)];
  });
}
