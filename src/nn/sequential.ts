import { ConfigError, fmt } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
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
  forward(x: Tensor): Tensor {
    let h = x;
    for (const m of this.items) h = m.forward(h);
    return h;
  }
}
