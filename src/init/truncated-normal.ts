import { ConfigError, fmt } from '../errors.js';
import { normalCdf, normalQuantile } from '../numeric/normal-distribution.js';
import type { TypedArray } from '../tensor/dtype.js';
import { toRng, type Rng } from '../tensor/rng.js';
import type { Shape } from '../tensor/shape.js';
import { checkNumber, prepareOutput, type InitOutputOptions } from './output.js';

/** Options of {@link truncatedNormal}: PyTorch's trunc_normal_ parameters. */
export interface TruncatedNormalOptions extends InitOutputOptions {
  /** Mean of the untruncated normal (default 0). */
  mean?: number;
  /** Std of the untruncated normal, > 0 (default 1). */
  std?: number;
  /** Lower cut-off, in absolute units, not in stds (default −2). */
  a?: number;
  /** Upper cut-off, in absolute units (default 2). */
  b?: number;
}

/**
 * @internal Fills `out` with N(mean, std²) conditioned on [a, b], by inverting the CDF:
 * x = Φ⁻¹(U[Φ(α), Φ(β)]), α = (a − mean)/std, β = (b − mean)/std. An interval in the upper tail
 * is sampled as the mirror image of the lower one, where Φ keeps its relative accuracy, so even
 * [5σ, 6σ] is sampled correctly (rejection would need millions of draws per sample there).
 */
export function fillTruncatedNormal(
  out: TypedArray,
  rng: Rng,
  mean: number,
  std: number,
  a: number,
  b: number,
): TypedArray {
  const alpha = (a - mean) / std;
  const beta = (b - mean) / std;
  const flip = alpha > 0;
  const lo = flip ? -beta : alpha;
  const hi = flip ? -alpha : beta;
  const pLo = normalCdf(lo);
  const pHi = normalCdf(hi);
  for (let i = 0; i < out.length; i++) {
    let z = normalQuantile(pLo + (pHi - pLo) * rng.float());
    z = z < lo ? lo : z > hi ? hi : z;
    const x = mean + std * (flip ? -z : z);
    out[i] = x < a ? a : x > b ? b : x;
  }
  return out;
}

/**
 * Fills with samples of N(mean, std²) truncated to [a, b] (values outside are, in effect,
 * redrawn), with PyTorch's trunc_normal_ semantics: a and b are absolute bounds. The resulting
 * std is smaller than `std`: with the defaults (±2σ) it is 0.8796·std.
 * @example truncatedNormal([768, 768], 0, { std: 0.02, a: -0.04, b: 0.04 })
 * @see torch.nn.init.trunc_normal_
 */
export function truncatedNormal(
  shape: Shape,
  rng: number | Rng,
  options: TruncatedNormalOptions = {},
): TypedArray {
  const mean = checkNumber('truncatedNormal', 'mean', options.mean ?? 0);
  const std = checkNumber('truncatedNormal', 'std', options.std ?? 1, true);
  const a = checkNumber('truncatedNormal', 'a', options.a ?? -2);
  const b = checkNumber('truncatedNormal', 'b', options.b ?? 2);
  if (!(a < b))
    throw new ConfigError(`truncatedNormal: a must be < b, got a = ${fmt(a)}, b = ${fmt(b)}`);
  const out = prepareOutput('truncatedNormal', shape, options);
  return fillTruncatedNormal(out, toRng(rng), mean, std, a, b);
}
