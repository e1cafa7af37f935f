import { flatten } from '../ops/shape-ops.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import { ConfigError, fmt } from '../errors.js';

/**
 * Merges axes startAxis..endAxis into one (PyTorch's `nn.Flatten`, default startAxis 1 so the
 * batch axis is kept): `[N, C, H, W]` -> `[N, C·H·W]`.
 * @example new Flatten().forward(x) // [32, 8, 7, 7] -> [32, 392]
 * @see https://pytorch.org/docs/stable/generated/torch.nn.Flatten.html
 */
export class Flatten extends Module {
  /** First merged axis (default 1). */
  readonly startAxis: number;
  /** Last merged axis (default −1). */
  readonly endAxis: number;

  constructor(startAxis = 1, endAxis = -1) {
    super();
    for (const [n, v] of [
      ['startAxis', startAxis],
      ['endAxis', endAxis],
    ] as const) {
      if (!Number.isInteger(v))
        throw new ConfigError(`Flatten: ${n} must be an integer, got ${fmt(v)}`);
    }
    this.startAxis = startAxis;
    this.endAxis = endAxis;
  }

  /** Reshape (no copy of semantics: the values keep their row-major order). */
  forward(x: Tensor): Tensor {
    return flatten(x, this.startAxis, this.endAxis);
  }
}
