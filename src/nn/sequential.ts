import { ConfigError, fmt } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { conv2d } from '../ops/conv.js';
import { linear } from '../ops/linear.js';
import { ReLU, Tanh } from './activations.js';
import { Conv2d } from './conv2d.js';
import { Linear } from './linear.js';
import { Module } from './module.js';

/** A module mapping one tensor to one tensor (what containers chain). */
export type TensorModule = Module<[Tensor], Tensor>;

/**
 * Chains modules: y = fₙ(…f₁(f₀(x))) (PyTorch's `nn.Sequential`). Children are named "0", "1", …
 * in order, so parameters are "0.weight", "2.bias", ….
 * @example const net = new Sequential(new Linear(2, 8), new Tanh(), new Linear(8, 1)); net.forward(x)
 * @see https://pytorch.org/docs/stable/generated/torch.nn.Sequential.html
 */
export class Sequential extends Module {
  private readonly items: TensorModule[] = [];

  constructor(...modules: TensorModule[]) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Adds a module at the end under the next index name; returns this. */
  append(module: TensorModule): this {
    if (!(module instanceof Module))
      throw new ConfigError(
        `Sequential: item ${this.items.length} must be a Module, got ${fmt(module)}`,
      );
    this.registerModule(String(this.items.length), module);
    this.items.push(module);
    return this;
  }

  /** Number of children. */
  get length(): number {
    return this.items.length;
  }

  /** The child at index i (negative counts from the end). */
  at(i: number): TensorModule {
    const m = Number.isInteger(i) ? this.items.at(i) : undefined;
    if (!m)
      throw new ConfigError(
        `Sequential.at: index must be an integer in [${-this.items.length}, ${this.items.length - 1}], got ${fmt(i)}`,
      );
    return m;
  }

  /** Feeds x through every child in order. */
  /**
   * Runs the items in order. A Linear directly followed by a ReLU or Tanh (plain instances of
   * those classes, no forward hooks on either) runs as one fused op, linear(x, W, b, act), and a
   * Conv2d followed by a ReLU as conv2d(x, W, b, { activation: 'relu' }): the same numbers, one
   * tensor and one pass fewer.
   */
  forward(x: Tensor): Tensor {
    let h = x;
    const items = this.items;
    for (let i = 0; i < items.length; i++) {
      const m = items[i] as TensorModule;
      const next = items[i + 1];
      if (next !== undefined && isPlain(m, Linear)) {
        const act = isPlain(next, ReLU) ? 'relu' : isPlain(next, Tanh) ? 'tanh' : null;
        if (act !== null && !m.hasForwardHooks() && !next.hasForwardHooks()) {
          h = linear(h, m.weight, m.bias, act);
          i++;
          continue;
        }
      }
      if (next !== undefined && isPlain(m, Conv2d) && isPlain(next, ReLU)) {
        if (!m.hasForwardHooks() && !next.hasForwardHooks()) {
          h = conv2d(h, m.weight, m.bias, {
            stride: m.stride,
            padding: m.padding,
            activation: 'relu',
          });
          i++;
          continue;
        }
      }
      h = m.forward(h);
    }
    return h;
  }
}

/** An instance of exactly `cls` (not a subclass that may override forward). */
function isPlain<T extends object>(m: object, cls: abstract new (...args: never[]) => T): m is T {
  return Object.getPrototypeOf(m) === cls.prototype;
}
