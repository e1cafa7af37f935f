import { ConfigError, ShapeError, fmt } from '../errors.js';
import type { InitSpec } from '../init/initializer.js';
import { dropout } from '../ops/dropout.js';
import { gru, lstm, rnnTanh } from '../ops/recurrent.js';
import { narrow, stack, transpose } from '../ops/shape-ops.js';
import type { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
import {
  checkBool,
  checkInt,
  checkRange,
  layerDtype,
  layerRng,
  makeParam,
  uniformInit,
  type LayerInitOptions,
} from './layer-options.js';

/** Options of {@link RNN}, {@link LSTM} and {@link GRU}. */
export interface RecurrentOptions extends LayerInitOptions {
  /** Stacked layers; layer k > 0 reads layer k − 1's output sequence (default 1). */
  numLayers?: number;
  /** Learn biasIh and biasHh (default true). */
  bias?: boolean;
  /** Input and output are `[B, T, ·]` instead of `[T, B, ·]` (default false). */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** Initializer of the recurrent weights weightHh (default: `init`, else U(±1/√H)). */
  recurrentInit?: InitSpec;
}

/** Initial state of a recurrent layer: `[numLayers, B, H]` each (or `[B, H]` for one layer); zeros when omitted. */
export interface RecurrentState {
  /** Initial hidden state. */
  h0?: Tensor | null;
  /** Initial cell state (LSTM only). */
  c0?: Tensor | null;
}

/** What a recurrent layer returns. */
export interface RecurrentOutput {
  /** Every hidden state of the last layer: `[T, B, H]` (`[B, T, H]` with batchFirst). */
  output: Tensor;
  /** Final hidden state of every layer: `[numLayers, B, H]` (PyTorch's h_n). */
  hLast: Tensor;
  /** Final cell state of every layer `[numLayers, B, H]` (LSTM only; PyTorch's c_n). */
  cLast?: Tensor;
}

/** The four parameters of one layer of a recurrent module. */
export interface RecurrentLayerParams {
  /** `[G·H, I]` (I = inputSize for layer 0, H above). */
  weightIh: Tensor;
  /** `[G·H, H]`. */
  weightHh: Tensor;
  /** `[G·H]`, or null without bias. */
  biasIh: Tensor | null;
  /** `[G·H]`, or null without bias. */
  biasHh: Tensor | null;
}

type Kind = 'rnnTanh' | 'lstm' | 'gru';

/**
 * Shared implementation of RNN/LSTM/GRU: PyTorch's parameter layouts and (camelCased) names.
 * Layer k's parameters are `weightIh_l{k}` `[G·H, I_k]`, `weightHh_l{k}` `[G·H, H]`,
 * `biasIh_l{k}`, `biasHh_l{k}` `[G·H]` — exactly PyTorch's `weight_ih_l{k}`..., so a PyTorch
 * state dict maps over by renaming. Gate blocks are stacked in rows (LSTM i,f,g,o; GRU r,z,n).
 */
abstract class RecurrentBase extends Module<[Tensor, RecurrentState?], RecurrentOutput> {
  /** Features per input step. */
  readonly inputSize: number;
  /** Hidden units H. */
  readonly hiddenSize: number;
  /** Stacked layers. */
  readonly numLayers: number;
  /** Whether input/output are `[B, T, ·]`. */
  readonly batchFirst: boolean;
  /** Dropout between layers (training mode only). */
  readonly dropout: number;
  private readonly kind: Kind;
  private readonly op: string;
  private readonly layers: RecurrentLayerParams[] = [];
  private readonly dropoutRng: Rng | null;

  protected constructor(
    op: string,
    kind: Kind,
    gates: number,
    inputSize: number,
    hiddenSize: number,
    options: RecurrentOptions,
  ) {
    super();
    this.op = op;
    this.kind = kind;
    this.inputSize = checkInt(op, 'inputSize', inputSize);
    this.hiddenSize = checkInt(op, 'hiddenSize', hiddenSize);
    this.numLayers = checkInt(op, 'numLayers', options.numLayers ?? 1);
    this.batchFirst = checkBool(op, 'batchFirst', options.batchFirst ?? false);
    this.dropout = checkRange(op, 'dropout', options.dropout ?? 0, 0, 1, true);
    const hasBias = checkBool(op, 'bias', options.bias ?? true);
    const dtype = layerDtype(op, options.dtype);
    const rng = layerRng(op, options);
    // PyTorch initialises every weight and bias of a recurrent layer with U(±1/√H).
    const dflt = uniformInit(1 / Math.sqrt(hiddenSize));
    const gh = gates * hiddenSize;
    for (let k = 0; k < this.numLayers; k++) {
      const inK = k === 0 ? inputSize : hiddenSize;
      const p = (name: string, shape: number[], spec: InitSpec | undefined): Tensor =>
        this.registerParameter(
          `${name}_l${k}`,
          makeParam({ op, name: `${name}_l${k}`, shape, init: spec, fallback: dflt, rng, dtype }),
        );
      const weightIh = p('weightIh', [gh, inK], options.init);
      const weightHh = p('weightHh', [gh, hiddenSize], options.recurrentInit ?? options.init);
      const biasIh = hasBias ? p('biasIh', [gh], options.biasInit) : null;
      const biasHh = hasBias ? p('biasHh', [gh], options.biasInit) : null;
      this.layers.push({ weightIh, weightHh, biasIh, biasHh });
    }
    this.dropoutRng = this.dropout > 0 && this.numLayers > 1 ? rng.fork() : null;
  }

  /** The parameters of layer k (0-based). */
  layer(k: number): RecurrentLayerParams {
    const l = this.layers[k];
    if (!l)
      throw new ConfigError(
        `${this.op}.layer: k must be an integer in [0, ${this.numLayers - 1}], got ${fmt(k)}`,
      );
    return l;
  }

  private stateOf(
    name: string,
    t: Tensor | null | undefined,
    batch: number,
    k: number,
  ): Tensor | null {
    if (t === null || t === undefined) return null;
    const L = this.numLayers;
    const H = this.hiddenSize;
    const ok3 = t.ndim === 3 && t.shape[0] === L && t.shape[1] === batch && t.shape[2] === H;
    const ok2 = L === 1 && t.ndim === 2 && t.shape[0] === batch && t.shape[1] === H;
    if (!ok3 && !ok2) {
      throw new ShapeError(
        `${this.op}: ${name} must have shape [${L}, ${batch}, ${H}] ([numLayers, B, H]), got ${fmt(t.shape)}`,
      );
    }
    return ok2 || L === 1 ? t : narrow(t, 0, k, 1);
  }

  /**
   * Runs every layer over the whole sequence (one fused BPTT tape node per layer).
   * input `[T, B, I]` (or `[B, T, I]` with batchFirst) -> {output, hLast, cLast?}.
   */
  forward(input: Tensor, state: RecurrentState = {}): RecurrentOutput {
    const op = this.op;
    if (input.ndim !== 3 || input.shape[2] !== this.inputSize) {
      const layout = this.batchFirst ? '[B, T, I]' : '[T, B, I]';
      throw new ShapeError(
        `${op}: input must be ${layout} with I = ${this.inputSize}, got shape ${fmt(input.shape)}`,
      );
    }
    if (this.kind !== 'lstm' && state.c0 !== undefined && state.c0 !== null) {
      throw new ConfigError(`${op}: c0 is only used by LSTM; pass { h0 } only`);
    }
    let x = this.batchFirst ? transpose(input, 0, 1) : input;
    const batch = x.shape[1] as number;
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    for (let k = 0; k < this.numLayers; k++) {
      const { weightIh, weightHh, biasIh, biasHh } = this.layers[k] as RecurrentLayerParams;
      const h0 = this.stateOf('h0', state.h0, batch, k);
      if (this.kind === 'lstm') {
        const c0 = this.stateOf('c0', state.c0, batch, k);
        const r = lstm(x, weightIh, weightHh, biasIh, biasHh, h0, c0);
        x = r.output;
        hs.push(r.hLast);
        cs.push(r.cLast);
      } else {
        const r = (this.kind === 'gru' ? gru : rnnTanh)(x, weightIh, weightHh, biasIh, biasHh, h0);
        x = r.output;
        hs.push(r.hLast);
      }
      if (this.dropoutRng && k < this.numLayers - 1)
        x = dropout(x, this.dropout, this.dropoutRng, this.training);
    }
    const out: RecurrentOutput = {
      output: this.batchFirst ? transpose(x, 0, 1) : x,
      hLast: stack(hs, 0),
    };
    if (this.kind === 'lstm') out.cLast = stack(cs, 0);
    return out;
  }
}

/**
 * Elman RNN with tanh (PyTorch's `nn.RNN`): h_t = tanh(W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh).
 * Parameters `weightIh_l{k}` `[H, I]`, `weightHh_l{k}` `[H, H]`, `biasIh_l{k}`, `biasHh_l{k}`,
 * all initialised U(±1/√H) as PyTorch. Gradients through T steps scale like ∏ W_hhᵀ·diag(1 − h²),
 * the vanishing/exploding product of Bengio et al. 1994.
 * @example const rnn = new RNN(4, 16, { seed: 0 }); const { output, hLast } = rnn.forward(x); // x [T, B, 4]
 * @see https://doi.org/10.1207/s15516709cog1402_1 (Elman 1990)
 */
export class RNN extends RecurrentBase {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super('RNN', 'rnnTanh', 1, inputSize, hiddenSize, options);
  }
}

/**
 * LSTM (PyTorch's `nn.LSTM`, gates i, f, g, o stacked in rows): c_t = f⊙c_{t−1} + i⊙g,
 * h_t = o⊙tanh(c_t). Weights `[4H, ·]`, init U(±1/√H); forward also returns cLast.
 * @example const { output, hLast, cLast } = new LSTM(4, 16, { seed: 0 }).forward(x, { h0, c0 });
 * @see https://doi.org/10.1162/neco.1997.9.8.1735 (Hochreiter & Schmidhuber 1997)
 */
export class LSTM extends RecurrentBase {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super('LSTM', 'lstm', 4, inputSize, hiddenSize, options);
  }
}

/**
 * GRU (PyTorch's `nn.GRU`, gates r, z, n stacked in rows): n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)),
 * h_t = (1 − z)⊙n + z⊙h_{t−1}. Weights `[3H, ·]`, init U(±1/√H).
 * @example const { output, hLast } = new GRU(4, 16, { seed: 0 }).forward(x);
 * @see https://arxiv.org/abs/1406.1078 (Cho et al. 2014)
 */
export class GRU extends RecurrentBase {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super('GRU', 'gru', 3, inputSize, hiddenSize, options);
  }
}
