import type { InitSpec } from '../init/initializer.js';
import { activation, type ActivationName } from '../nn/activations.js';
import { Conv2d } from '../nn/conv2d.js';
import { Flatten } from '../nn/flatten.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { AvgPool2d, MaxPool2d } from '../nn/pooling.js';
import { GRU, LSTM, RNN } from '../nn/recurrent.js';
import { Sequential } from '../nn/sequential.js';
import { narrow, reshape } from '../ops/shape-ops.js';
import type { DType } from '../tensor/dtype.js';
import type { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';

/** Options of {@link SequenceModel}. */
export interface SequenceModelOptions {
  /** 'rnn' (tanh), 'lstm' or 'gru'. */
  cell: 'rnn' | 'lstm' | 'gru';
  /** Features per time step (I). */
  inputSize: number;
  /** Hidden units per layer (H). */
  hiddenSize: number;
  /** Output width of the head (classes, or 1 for a regression target). */
  outputSize: number;
  /** Stacked recurrent layers (default 1). */
  numLayers?: number;
  /** Dropout between stacked layers, in [0, 1) (default 0). */
  dropout?: number;
  /** Learn biases (default true). */
  bias?: boolean;
  /** Initializer of the input weights (and of the recurrent ones unless recurrentInit). */
  init?: InitSpec;
  /** Initializer of the recurrent weights, e.g. 'orthogonal'. */
  recurrentInit?: InitSpec;
  /** Initializer of the biases. */
  biasInit?: InitSpec;
  /** dtype of the parameters (default: the global default dtype). */
  dtype?: DType;
  /** Generator of every init, drawn in order: the recurrent stack, then the head. */
  rng: Rng;
}

/**
 * A recurrent network that reads a whole sequence and predicts from its last step:
 * h_T = cell stack(x_1 … x_T), y = W·h_T + b. Input `[B, T, I]` (batch first, as a DataLoader
 * yields samples of shape [T, I]); output `[B, outputSize]`. Parameters are "rnn.weightIh_l0", …,
 * "head.weight", "head.bias".
 * @example const net = new SequenceModel({ cell: 'lstm', inputSize: 6, hiddenSize: 32, outputSize: 4, rng: new Rng(0) });
 * @see Hochreiter & Schmidhuber, "Long Short-Term Memory", 1997 (the tasks and the LSTM)
 */
export class SequenceModel extends Module {
  /** The recurrent stack (batch first). */
  readonly rnn: RNN | LSTM | GRU;
  /** The Linear head on the last hidden state. */
  readonly head: Linear;

  constructor(o: SequenceModelOptions) {
    super();
    const Cell = o.cell === 'lstm' ? LSTM : o.cell === 'gru' ? GRU : RNN;
    this.rnn = this.registerModule(
      'rnn',
      new Cell(o.inputSize, o.hiddenSize, {
        batchFirst: true,
        rng: o.rng,
        ...(o.numLayers !== undefined ? { numLayers: o.numLayers } : {}),
        ...(o.dropout !== undefined ? { dropout: o.dropout } : {}),
        ...(o.bias !== undefined ? { bias: o.bias } : {}),
        ...(o.init !== undefined ? { init: o.init } : {}),
        ...(o.recurrentInit !== undefined ? { recurrentInit: o.recurrentInit } : {}),
        ...(o.biasInit !== undefined ? { biasInit: o.biasInit } : {}),
        ...(o.dtype !== undefined ? { dtype: o.dtype } : {}),
      }),
    );
    this.head = this.registerModule(
      'head',
      new Linear(o.hiddenSize, o.outputSize, {
        rng: o.rng,
        ...(o.dtype !== undefined ? { dtype: o.dtype } : {}),
      }),
    );
  }

  /** x `[B, T, I]` → `[B, outputSize]` from the last step's hidden state. */
  forward(x: Tensor): Tensor {
    const { output } = this.rnn.forward(x);
    const [B, T, H] = output.shape as [number, number, number];
    return this.head.forward(reshape(narrow(output, 1, T - 1, 1), [B, H]));
  }
}

/** Options of {@link cnn}. */
export interface CnnOptions {
  /** Channels of the input image. */
  inChannels: number;
  /** Side of the (square) input image. */
  imageSize: number;
  /** Output channels of each convolution. */
  channels: readonly number[];
  /** Odd kernel size; padding (k − 1)/2 keeps the image size. */
  kernelSize: number;
  /** Pooling (2×2, stride 2) after each convolution. */
  pool: 'max' | 'avg' | 'none';
  /** Hidden Linear widths after flattening. */
  hidden: readonly number[];
  /** Output width (the number of classes). */
  outputSize: number;
  /** Activation after each convolution and hidden Linear. */
  activation: ActivationName;
  /** Weight initializer of every layer. */
  init?: InitSpec;
  /** Bias initializer of every layer. */
  biasInit?: InitSpec;
  /** dtype of the parameters (default: the global default dtype). */
  dtype?: DType;
  /** Generator of every init, drawn layer by layer. */
  rng: Rng;
}

/**
 * A small CNN as a {@link Sequential}: per channel count Conv2d(k, "same" padding) → activation →
 * 2×2 pooling, then Flatten, the hidden Linear layers with the activation, and the output Linear.
 * @example cnn({ inChannels: 1, imageSize: 28, channels: [16, 32], kernelSize: 5, pool: 'max', hidden: [], outputSize: 10, activation: 'relu', rng: new Rng(0) })
 * @see LeCun et al., "Gradient-based learning applied to document recognition", 1998
 */
export function cnn(o: CnnOptions): Sequential {
  const layer = {
    rng: o.rng,
    ...(o.init !== undefined ? { init: o.init } : {}),
    ...(o.biasInit !== undefined ? { biasInit: o.biasInit } : {}),
    ...(o.dtype !== undefined ? { dtype: o.dtype } : {}),
  };
  const net = new Sequential();
  let c = o.inChannels;
  let side = o.imageSize;
  const pad = (o.kernelSize - 1) / 2;
  for (const out of o.channels) {
    net.append(new Conv2d(c, out, o.kernelSize, { ...layer, padding: pad }));
    net.append(activation(o.activation));
    if (o.pool === 'max') net.append(new MaxPool2d(2));
    if (o.pool === 'avg') net.append(new AvgPool2d(2));
    if (o.pool !== 'none') side = Math.floor(side / 2);
    c = out;
  }
  net.append(new Flatten());
  let width = c * side * side;
  for (const h of o.hidden) {
    net.append(new Linear(width, h, layer));
    net.append(activation(o.activation));
    width = h;
  }
  net.append(new Linear(width, o.outputSize, layer));
  return net;
}
