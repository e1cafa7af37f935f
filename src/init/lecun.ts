import { ConfigError, fmt } from '../errors.js';
import type { TypedArray } from '../tensor/dtype.js';
import { toRng, type Rng } from '../tensor/rng.js';
import type { Shape } from '../tensor/shape.js';
import { computeFans } from './fan.js';
import { prepareOutput, type InitOutputOptions } from './output.js';
import { fillTruncatedNormal } from './truncated-normal.js';

/** Std of N(0, 1) truncated to [−2, 2]: √(1 − 4φ(2)/(2Φ(2) − 1)). */
const STD_TRUNCATED_2 = 0.8796256610342398;

/** Options of {@link lecunNormal}. */
export interface LecunOptions extends InitOutputOptions {
  /**
   * 'normal' (default): N(0, 1/fanIn), as PyTorch's kaiming_normal_(nonlinearity='linear').
   * 'truncatedNormal': Keras' lecun_normal, a normal truncated at ±2σ and rescaled so the final
   * std is still 1/√fanIn.
   */
  distribution?: 'normal' | 'truncatedNormal';
}

/**
 * LeCun normal: std = 1/√fanIn, the variance-preserving scale for linear and SELU networks.
 * @example lecunNormal([128, 256], 0)
 * @see LeCun et al., "Efficient BackProp", 1998; Klambauer et al., "Self-Normalizing Neural Networks", 2017
 */
export function lecunNormal(
  shape: Shape,
  rng: number | Rng,
  options: LecunOptions = {},
): TypedArray {
  const distribution = options.distribution ?? 'normal';
  const { fanIn } = computeFans(shape);
  const out = prepareOutput('lecunNormal', shape, options);
  const std = 1 / Math.sqrt(fanIn);
  if (distribution === 'normal') return toRng(rng).fillNormal(out, 0, std);
  if (distribution === 'truncatedNormal') {
    const s = std / STD_TRUNCATED_2;
    return fillTruncatedNormal(out, toRng(rng), 0, s, -2 * s, 2 * s);
  }
  throw new ConfigError(
    `lecunNormal: distribution must be 'normal' or 'truncatedNormal', got ${fmt(distribution)}`,
  );
}
