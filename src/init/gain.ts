import { ConfigError, fmt } from '../errors.js';

/**
 * Non-linearities known to {@link calculateGain}: PyTorch's names, plus camelCase aliases
 * ('leakyRelu', 'convTranspose2d', ...) to match gradscope's option style.
 */
export type Nonlinearity =
  | 'linear'
  | 'identity'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'convTranspose1d'
  | 'convTranspose2d'
  | 'convTranspose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'leakyRelu'
  | 'selu';

const ONE = new Set<string>([
  'linear',
  'identity',
  'conv1d',
  'conv2d',
  'conv3d',
  'conv_transpose1d',
  'conv_transpose2d',
  'conv_transpose3d',
  'convTranspose1d',
  'convTranspose2d',
  'convTranspose3d',
  'sigmoid',
]);

/**
 * The recommended gain for a non-linearity, PyTorch's table: 1 for linear/identity/conv/sigmoid,
 * 5/3 for tanh, √2 for relu, √(2/(1 + slope²)) for leaky_relu (slope = `param`, default 0.01),
 * 3/4 for selu. The gain restores unit variance through the non-linearity so activations neither
 * shrink nor grow with depth.
 * @example calculateGain('leaky_relu', 0.2) // √(2/1.04) = 1.3867504905630728
 * @see torch.nn.init.calculate_gain; He et al., "Delving Deep into Rectifiers", ICCV 2015
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  if (ONE.has(nonlinearity)) return 1;
  switch (nonlinearity) {
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu':
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      if (typeof slope !== 'number' || !Number.isFinite(slope)) {
        throw new ConfigError(
          `calculateGain: negative slope for leaky_relu must be a finite number, got ${fmt(param)}`,
        );
      }
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new ConfigError(
        `calculateGain: unsupported nonlinearity ${fmt(nonlinearity)}; expected one of linear, conv1d/2d/3d, conv_transpose1d/2d/3d, sigmoid, tanh, relu, leaky_relu, selu`,
      );
  }
}
