import { ConfigError, fmt } from '../errors.js';
import { elu, gelu, leakyRelu, relu, sigmoid, softplus, softsign, tanh } from '../ops/unary.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

/**
 * y = max(0, x) (PyTorch's `nn.ReLU`).
 * @example new ReLU().forward(x)
 * @see Nair & Hinton, "Rectified Linear Units Improve Restricted Boltzmann Machines", ICML 2010
 */
export class ReLU extends Module {
  /** Elementwise max(0, x). */
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/**
 * y = x for x > 0, slope·x otherwise (PyTorch's `nn.LeakyReLU`, default slope 0.01).
 * @example new LeakyReLU(0.2).forward(x)
 * @see Maas et al., "Rectifier Nonlinearities Improve Neural Network Acoustic Models", 2013
 */
export class LeakyReLU extends Module {
  /** Slope for x < 0. */
  readonly negativeSlope: number;

  constructor(negativeSlope = 0.01) {
    super();
    if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope)) {
      throw new ConfigError(
        `LeakyReLU: negativeSlope must be a finite number, got ${fmt(negativeSlope)}`,
      );
    }
    this.negativeSlope = negativeSlope;
  }

  /** Elementwise leaky ReLU. */
  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }
}

/**
 * y = x for x > 0, α(eˣ − 1) otherwise (PyTorch's `nn.ELU`, default α = 1).
 * @example new ELU().forward(x)
 * @see https://arxiv.org/abs/1511.07289 (Clevert et al. 2015)
 */
export class ELU extends Module {
  /** Saturation value −α for x → −∞. */
  readonly alpha: number;

  constructor(alpha = 1) {
    super();
    if (typeof alpha !== 'number' || !Number.isFinite(alpha))
      throw new ConfigError(`ELU: alpha must be a finite number, got ${fmt(alpha)}`);
    this.alpha = alpha;
  }

  /** Elementwise ELU. */
  forward(x: Tensor): Tensor {
    return elu(x, this.alpha);
  }
}

/**
 * y = x·Φ(x) ('none', exact) or its tanh approximation ('tanh') (PyTorch's `nn.GELU`).
 * @example new GELU('tanh').forward(x)
 * @see https://arxiv.org/abs/1606.08415 (Hendrycks & Gimpel 2016)
 */
export class GELU extends Module {
  /** 'none' (erf) or 'tanh'. */
  readonly approximate: 'none' | 'tanh';

  constructor(approximate: 'none' | 'tanh' = 'none') {
    super();
    if (approximate !== 'none' && approximate !== 'tanh')
      throw new ConfigError(`GELU: approximate must be 'none' or 'tanh', got ${fmt(approximate)}`);
    this.approximate = approximate;
  }

  /** Elementwise GELU. */
  forward(x: Tensor): Tensor {
    return gelu(x, this.approximate);
  }
}

/**
 * y = tanh(x) (PyTorch's `nn.Tanh`); saturates for |x| ≳ 3, where tanh' = 1 − y² ≈ 0.
 * @example new Tanh().forward(x)
 */
export class Tanh extends Module {
  /** Elementwise tanh. */
  forward(x: Tensor): Tensor {
    return tanh(x);
  }
}

/**
 * y = 1/(1 + e^(−x)) (PyTorch's `nn.Sigmoid`); σ' ≤ 1/4, so deep sigmoid stacks shrink gradients.
 * @example new Sigmoid().forward(x)
 * @see Glorot & Bengio, "Understanding the difficulty of training deep feedforward neural networks", 2010
 */
export class Sigmoid extends Module {
  /** Elementwise logistic sigmoid. */
  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }
}

/**
 * y = log(1 + e^(βx))/β, linear above βx > threshold (PyTorch's `nn.Softplus`, β = 1, threshold 20).
 * @example new Softplus().forward(x)
 * @see Dugas et al., "Incorporating Second-Order Functional Knowledge for Better Option Pricing", 2001
 */
export class Softplus extends Module {
  /** β > 0. */
  readonly beta: number;
  /** Above βx > threshold the output is x (for stability). */
  readonly threshold: number;

  constructor(beta = 1, threshold = 20) {
    super();
    if (typeof beta !== 'number' || !(beta > 0) || !Number.isFinite(beta))
      throw new ConfigError(`Softplus: beta must be a finite number > 0, got ${fmt(beta)}`);
    if (typeof threshold !== 'number' || Number.isNaN(threshold))
      throw new ConfigError(`Softplus: threshold must be a number, got ${fmt(threshold)}`);
    this.beta = beta;
    this.threshold = threshold;
  }

  /** Elementwise softplus. */
  forward(x: Tensor): Tensor {
    return softplus(x, this.beta, this.threshold);
  }
}

/**
 * y = x/(1 + |x|) (PyTorch's `nn.Softsign`): polynomial tails saturate more gently than tanh.
 * @example new Softsign().forward(x)
 * @see Glorot & Bengio 2010
 */
export class Softsign extends Module {
  /** Elementwise softsign. */
  forward(x: Tensor): Tensor {
    return softsign(x);
  }
}

/**
 * y = x (PyTorch's `nn.Identity`): a placeholder where an activation or a norm is optional.
 * @example new Identity().forward(x) === x
 */
export class Identity extends Module {
  /** Returns x. */
  forward(x: Tensor): Tensor {
    return x;
  }
}

/** Names accepted by {@link activation} (and `mlp`'s `activation` option). */
export type ActivationName =
  'relu' | 'leakyRelu' | 'elu' | 'gelu' | 'tanh' | 'sigmoid' | 'softplus' | 'softsign' | 'identity';

const ACTIVATIONS: Record<ActivationName, () => Module> = {
  relu: () => new ReLU(),
  leakyRelu: () => new LeakyReLU(),
  elu: () => new ELU(),
  gelu: () => new GELU(),
  tanh: () => new Tanh(),
  sigmoid: () => new Sigmoid(),
  softplus: () => new Softplus(),
  softsign: () => new Softsign(),
  identity: () => new Identity(),
};

/**
 * A new activation module by name (default options), e.g. for builders and configs.
 * @example activation('tanh') // new Tanh()
 */
export function activation(name: ActivationName): Module {
  return ACTIVATIONS[checkActivationName('activation', name)]();
}

/** @internal Throws a ConfigError unless `name` is an {@link ActivationName}. */
export function checkActivationName(op: string, name: unknown): ActivationName {
  if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(ACTIVATIONS, name)) {
    throw new ConfigError(
      `${op}: unknown activation name ${fmt(name)}; expected one of ${Object.keys(ACTIVATIONS).join(', ')}`,
    );
  }
  return name as ActivationName;
}
