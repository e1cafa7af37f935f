import { ConfigError, fmt } from '../errors.js';
import type { InitSpec } from '../init/initializer.js';
import type { DType } from '../tensor/dtype.js';
import type { Rng } from '../tensor/rng.js';
import {
  activation as makeActivation,
  checkActivationName,
  type ActivationName,
} from './activations.js';
import { BatchNorm1d } from './batch-norm.js';
import { Dropout } from './dropout.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import { checkBool, checkInt, checkRange, layerDtype, layerRng } from './layer-options.js';
import { Residual } from './residual.js';
import { Sequential, type TensorModule } from './sequential.js';

/** Options of {@link mlp}. */
export interface MlpOptions {
  /** Layer widths [in, hidden…, out]; at least two entries. */
  sizes: readonly number[];
  /** Hidden activation: a name or a factory called once per hidden layer (default 'relu'). */
  activation?: ActivationName | (() => TensorModule);
  /** Weight initializer of every Linear (default PyTorch's U(±1/√fanIn)). */
  init?: InitSpec;
  /** Bias initializer of every Linear (default PyTorch's U(±1/√fanIn)). */
  biasInit?: InitSpec;
  /** Normalisation after each hidden Linear, before the activation (default 'none'). */
  norm?: 'none' | 'layer' | 'batch';
  /** Wrap each hidden block whose input and output widths agree in a {@link Residual} (default false). */
  residual?: boolean;
  /** Dropout probability after each hidden activation (default 0: no Dropout modules). */
  dropout?: number;
  /** Learn Linear biases (default true). */
  bias?: boolean;
  /** dtype of every parameter. */
  dtype?: DType;
  /** Seed of the generator every layer draws from in order (same seed, same network). */
  seed?: number;
  /** A generator to draw from instead of `seed`. */
  rng?: Rng;
}

/**
 * Builds a multilayer perceptron as a {@link Sequential}. Each hidden layer i is the block
 * Linear → [LayerNorm | BatchNorm1d] → activation → [Dropout]; the last Linear has no
 * activation. The blocks are flattened into one Sequential, so the children are numbered as
 * PyTorch's `nn.Sequential(*layers)` would number them:
 *
 * - plain: Linear "0", act "1", Linear "2", act "3", …, final Linear "2(L−1)"
 *   (parameters "0.weight", "0.bias", "2.weight", …);
 * - with norm and/or dropout the indices shift by the extra modules per block
 *   (norm: Linear "0", norm "1", act "2", Linear "3", …);
 * - with `residual`, a hidden block whose input and output widths agree is one child
 *   `Residual(Sequential(block…))`: its parameters are "k.fn.0.weight", "k.fn.0.bias", and its
 *   norm "k.fn.1.weight" (a block that changes width stays flat).
 *
 * Every layer draws its init from one generator in order, so a seed fixes the whole network.
 *
 * @example
 * const net = mlp({ sizes: [784, 256, 256, 10], activation: 'relu', init: 'heNormal', seed: 0 });
 * Object.keys(net.namedParameters()); // ['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias']
 */
export function mlp(options: MlpOptions): Sequential {
  const op = 'mlp';
  if (options === null || typeof options !== 'object')
    throw new ConfigError(`${op}: options must be an object with sizes, got ${fmt(options)}`);
  const sizes = options.sizes;
  if (!Array.isArray(sizes) || sizes.length < 2)
    throw new ConfigError(`${op}: sizes must list at least [in, out], got ${fmt(sizes)}`);
  sizes.forEach((s, i) => checkInt(op, `sizes[${i}]`, s));
  const act = options.activation ?? 'relu';
  if (typeof act !== 'function') checkActivationName(op, act);
  const norm = options.norm ?? 'none';
  if (norm !== 'none' && norm !== 'layer' && norm !== 'batch')
    throw new ConfigError(`${op}: norm must be 'none', 'layer' or 'batch', got ${fmt(norm)}`);
  const residual = checkBool(op, 'residual', options.residual ?? false);
  const p = checkRange(op, 'dropout', options.dropout ?? 0, 0, 1, true);
  const dtype = layerDtype(op, options.dtype);
  const rng = layerRng(op, options);
  const linOpts = {
    init: options.init,
    biasInit: options.biasInit,
    bias: options.bias ?? true,
    dtype,
    rng,
  };
  const net = new Sequential();
  const L = sizes.length - 1;
  for (let i = 0; i < L; i++) {
    const fanIn = sizes[i] as number;
    const fanOut = sizes[i + 1] as number;
    const lin = new Linear(fanIn, fanOut, linOpts);
    if (i === L - 1) {
      net.append(lin);
      break;
    }
    const block: TensorModule[] = [lin];
    if (norm === 'layer') block.push(new LayerNorm(fanOut, { dtype, rng }));
    if (norm === 'batch') block.push(new BatchNorm1d(fanOut, { dtype, rng }));
    block.push(typeof act === 'function' ? act() : makeActivation(act));
    if (p > 0) block.push(new Dropout(p, { rng: rng.fork() }));
    if (residual && fanIn === fanOut) net.append(new Residual(new Sequential(...block)));
    else for (const m of block) net.append(m);
  }
  return net;
}
