import { ConfigError, fmt } from '../errors.js';
import type { TypedArray } from '../tensor/dtype.js';
import { toRng, type Rng } from '../tensor/rng.js';
import type { Shape } from '../tensor/shape.js';
import { computeFans } from './fan.js';
import { calculateGain, type Nonlinearity } from './gain.js';
import { checkNumber, prepareOutput, type InitOutputOptions } from './output.js';

/** Options of the He (Kaiming) initializers, with PyTorch's defaults. */
export interface KaimingOptions extends InitOutputOptions {
  /** Negative slope of the leaky ReLU that follows (used only with 'leaky_relu'; default 0). */
  a?: number;
  /** Preserve the variance of activations ('fanIn', default) or of gradients ('fanOut'). */
  mode?: 'fanIn' | 'fanOut';
  /** The non-linearity that follows (default 'leaky_relu', which with a = 0 is relu's √2). */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(fn: string, shape: Shape, options: KaimingOptions): number {
  const mode = options.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut') {
    throw new ConfigError(`${fn}: mode must be 'fanIn' or 'fanOut', got ${fmt(mode)}`);
  }
  const a = checkNumber(fn, 'a', options.a ?? 0);
  const { fanIn, fanOut } = computeFans(shape);
  const fan = mode === 'fanIn' ? fanIn : fanOut;
  const gain = calculateGain(options.nonlinearity ?? 'leaky_relu', a);
  return gain / Math.sqrt(fan);
}

/**
 * He/Kaiming uniform: U[−bound, bound] with bound = √3·gain/√fan, i.e. std = gain/√fan
 * (gain = √2 for ReLU), which keeps the activation variance constant through ReLU layers —
 * Xavier's √(1/n) halves it at every layer, so a 30-layer ReLU net starts with vanishing signals.
 * @example heUniform([64, 32, 3, 3], 0, { nonlinearity: 'relu' })
 * @see He et al., "Delving Deep into Rectifiers", ICCV 2015; torch.nn.init.kaiming_uniform_
 */
export function heUniform(
  shape: Shape,
  rng: number | Rng,
  options: KaimingOptions = {},
): TypedArray {
  const std = kaimingStd('heUniform', shape, options);
  const out = prepareOutput('heUniform', shape, options);
  const bound = Math.sqrt(3) * std;
  return toRng(rng).fillUniform(out, -bound, bound);
}

/**
 * He/Kaiming normal: N(0, std²) with std = gain/√fan (√(2/fanIn) for ReLU).
 * @example heNormal([64, 64], 0, { mode: 'fanOut', nonlinearity: 'relu' })
 * @see He et al., "Delving Deep into Rectifiers", ICCV 2015; torch.nn.init.kaiming_normal_
 */
export function heNormal(
  shape: Shape,
  rng: number | Rng,
  options: KaimingOptions = {},
): TypedArray {
  const std = kaimingStd('heNormal', shape, options);
  const out = prepareOutput('heNormal', shape, options);
  return toRng(rng).fillNormal(out, 0, std);
}
