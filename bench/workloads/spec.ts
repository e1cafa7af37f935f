// The training workloads of issue #7 (W1–W4), issue #19 (W5, a small GPT) and issue #22 (W6, an LSTM): shapes, step counts and hyper-parameters, shared by
// every system's runner (gradscope, TensorFlow.js, jax-js, PyTorch). Parameter names and layouts
// are PyTorch's (Linear weight [out, in], RNN weight_ih [h, in] / weight_hh [h, h], Conv
// [out, in, kh, kw]); runners of systems with other conventions convert once, at load time.

/** Workload identifiers. */
export type WorkloadId = 'W1' | 'W1m' | 'W2' | 'W3' | 'W4' | 'W5' | 'W6';

/** All workloads, in report order. */
export const WORKLOAD_IDS: readonly WorkloadId[] = ['W1', 'W1m', 'W2', 'W3', 'W4', 'W5', 'W6'];

/** The model of a workload. */
export type ModelSpec =
  | { kind: 'mlp'; sizes: readonly number[]; activation: 'relu' | 'tanh' }
  | {
      kind: 'rnn';
      /** The recurrent cell: a tanh RNN (absent, W3) or an LSTM (PyTorch's nn.LSTM, W6). */
      cell?: 'lstm';
      inputSize: number;
      hiddenSize: number;
      seqLen: number;
      classes: number;
    }
  | {
      kind: 'cnn';
      image: number;
      channels: readonly [number, number];
      kernel: number;
      padding: number;
      pool: number;
      classes: number;
    }
  | {
      /** Decoder-only Transformer (gradscope's nn.gpt, pre-LN, tanh-GELU, tied head; no dropout). */
      kind: 'gpt';
      vocab: number;
      context: number;
      layers: number;
      heads: number;
      embed: number;
    };

/** The optimizer of a workload (PyTorch's semantics and defaults). */
export type OptimizerSpec =
  | { kind: 'adam'; lr: number; b1: number; b2: number; eps: number }
  | { kind: 'sgd'; lr: number; momentum: number };

/**
 * One parameter: PyTorch name, shape, and the bound b of its default init U(−b, b), or a
 * constant `fill` (LayerNorm scales and shifts).
 */
export interface ParamSpec {
  name: string;
  shape: readonly number[];
  bound: number;
  fill?: number;
}

/** Everything a runner needs to build and train the same model on the same data. */
export interface WorkloadSpec {
  id: WorkloadId;
  title: string;
  /** Training steps of one repetition (the figure). */
  steps: number;
  batch: number;
  /** Distinct batches in the data file; step i uses batch i mod distinctBatches. */
  distinctBatches: number;
  /**
   * Shape of one input batch (MLP [B, in], RNN [T, B, in] time-major, CNN [B, 1, H, W], GPT
   * [B, T] token ids stored as float32 integers). Labels are one class per sample, or per token
   * for the GPT (`[B·T]` next tokens).
   */
  xShape: readonly number[];
  classes: number;
  model: ModelSpec;
  optimizer: OptimizerSpec;
  /** Global-norm clipping threshold applied before the optimizer, or null. */
  clipNorm: number | null;
  /**
   * Monitored training (issue 22, W1m): per-layer gradient statistics on every step before the
   * clip (gradscope: `gradientHealth()` first in the chain; PyTorch: gradient hooks computing the
   * same norms). Absent: no monitor.
   */
  monitor?: true;
  params: readonly ParamSpec[];
  /** Steps (1-based) at which every system's loss is compared with gradscope's. */
  lossCheckpoints: readonly number[];
}

const ADAM = { kind: 'adam', lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8 } as const;

function linearParams(prefix: string, fanIn: number, fanOut: number): ParamSpec[] {
  const bound = 1 / Math.sqrt(fanIn);
  return [
    { name: `${prefix}.weight`, shape: [fanOut, fanIn], bound },
    { name: `${prefix}.bias`, shape: [fanOut], bound },
  ];
}

function mlpParams(sizes: readonly number[]): ParamSpec[] {
  const out: ParamSpec[] = [];
  for (let i = 0; i + 1 < sizes.length; i++)
    out.push(...linearParams(String(2 * i), sizes[i] as number, sizes[i + 1] as number));
  return out;
}

function checkpoints(steps: number): number[] {
  return [...new Set([1, Math.min(10, steps), steps])];
}

function makeW1(): WorkloadSpec {
  const sizes = [784, 256, 256, 10];
  return {
    id: 'W1',
    title: 'MLP 784-256-256-10, ReLU, softmax CE, batch 128, Adam lr 1e-3',
    steps: 200,
    batch: 128,
    distinctBatches: 50,
    xShape: [128, 784],
    classes: 10,
    model: { kind: 'mlp', sizes, activation: 'relu' },
    optimizer: ADAM,
    clipNorm: null,
    params: mlpParams(sizes),
    lossCheckpoints: checkpoints(200),
  };
}

/**
 * W1m (issue 22): W1 monitored. The same network, data and initial weights as W1 (its bundle has
 * W1's seed), trained with chain(gradientHealth(), byGlobalNorm(1), adam) in gradscope and with
 * per-parameter gradient hooks computing the same norms plus clip_grad_norm_(1) in PyTorch; the
 * criterion is W1m's time within 1.1× of W1's and ahead of PyTorch's W1m.
 */
function makeW1m(): WorkloadSpec {
  return {
    ...makeW1(),
    id: 'W1m',
    title:
      'W1 monitored: MLP 784-256-256-10, batch 128, per-layer gradient statistics every step, clip 1.0, Adam',
    clipNorm: 1.0,
    monitor: true,
  };
}

function makeW2(): WorkloadSpec {
  const sizes = [64, ...Array.from({ length: 10 }, () => 64), 10];
  return {
    id: 'W2',
    title: 'MLP 64 → 10 × (64, tanh) → 10, batch 32, SGD lr 0.01 momentum 0.9',
    steps: 500,
    batch: 32,
    distinctBatches: 50,
    xShape: [32, 64],
    classes: 10,
    model: { kind: 'mlp', sizes, activation: 'tanh' },
    optimizer: { kind: 'sgd', lr: 0.01, momentum: 0.9 },
    clipNorm: null,
    params: mlpParams(sizes),
    lossCheckpoints: checkpoints(500),
  };
}

function makeW3(): WorkloadSpec {
  const inputSize = 8;
  const hiddenSize = 128;
  const seqLen = 50;
  const b = 1 / Math.sqrt(hiddenSize); // PyTorch: every RNN weight and bias ~ U(±1/√H)
  return {
    id: 'W3',
    title: 'tanh RNN 8→128, 50 steps, batch 32, last state → 10-way softmax, clip 1.0, Adam',
    steps: 50,
    batch: 32,
    distinctBatches: 50,
    xShape: [seqLen, 32, inputSize],
    classes: 10,
    model: { kind: 'rnn', inputSize, hiddenSize, seqLen, classes: 10 },
    optimizer: ADAM,
    clipNorm: 1.0,
    params: [
      { name: 'rnn.weight_ih_l0', shape: [hiddenSize, inputSize], bound: b },
      { name: 'rnn.weight_hh_l0', shape: [hiddenSize, hiddenSize], bound: b },
      { name: 'rnn.bias_ih_l0', shape: [hiddenSize], bound: b },
      { name: 'rnn.bias_hh_l0', shape: [hiddenSize], bound: b },
      ...linearParams('fc', hiddenSize, 10),
    ],
    lossCheckpoints: checkpoints(50),
  };
}

function makeW6(): WorkloadSpec {
  const inputSize = 8;
  const hiddenSize = 128;
  const seqLen = 50;
  const g = 4 * hiddenSize; // gate rows i, f, g, o
  const b = 1 / Math.sqrt(hiddenSize); // PyTorch: every LSTM weight and bias ~ U(±1/√H)
  return {
    id: 'W6',
    title: 'LSTM 8→128, 50 steps, batch 32, last state → 10-way softmax, clip 1.0, Adam',
    steps: 50,
    batch: 32,
    distinctBatches: 50,
    xShape: [seqLen, 32, inputSize],
    classes: 10,
    model: { kind: 'rnn', cell: 'lstm', inputSize, hiddenSize, seqLen, classes: 10 },
    optimizer: ADAM,
    clipNorm: 1.0,
    params: [
      { name: 'rnn.weight_ih_l0', shape: [g, inputSize], bound: b },
      { name: 'rnn.weight_hh_l0', shape: [g, hiddenSize], bound: b },
      { name: 'rnn.bias_ih_l0', shape: [g], bound: b },
      { name: 'rnn.bias_hh_l0', shape: [g], bound: b },
      ...linearParams('fc', hiddenSize, 10),
    ],
    lossCheckpoints: checkpoints(50),
  };
}

function makeW4(): WorkloadSpec {
  const c1 = 32;
  const c2 = 64;
  const k = 5;
  const flat = c2 * 7 * 7;
  // conv 5×5 'same' (padding 2) + ReLU + maxpool 2, twice: 28 → 14 → 7 (the classic MNIST CNN).
  return {
    id: 'W4',
    title: 'CNN 28×28: conv5×5×32-ReLU-maxpool2-conv5×5×64-ReLU-maxpool2-linear 10, batch 64, Adam',
    steps: 50,
    batch: 64,
    distinctBatches: 50,
    xShape: [64, 1, 28, 28],
    classes: 10,
    model: {
      kind: 'cnn',
      image: 28,
      channels: [c1, c2],
      kernel: k,
      padding: 2,
      pool: 2,
      classes: 10,
    },
    optimizer: ADAM,
    clipNorm: null,
    params: [
      { name: '0.weight', shape: [c1, 1, k, k], bound: 1 / Math.sqrt(k * k) },
      { name: '0.bias', shape: [c1], bound: 1 / Math.sqrt(k * k) },
      { name: '3.weight', shape: [c2, c1, k, k], bound: 1 / Math.sqrt(c1 * k * k) },
      { name: '3.bias', shape: [c2], bound: 1 / Math.sqrt(c1 * k * k) },
      ...linearParams('7', flat, 10),
    ],
    lossCheckpoints: checkpoints(50),
  };
}

function makeW5(): WorkloadSpec {
  const vocab = 64;
  const context = 64;
  const layers = 4;
  const heads = 4;
  const embed = 128;
  const ffn = 4 * embed;
  const params: ParamSpec[] = [
    { name: 'wte.weight', shape: [vocab, embed], bound: 0.1 },
    { name: 'wpe.weight', shape: [context, embed], bound: 0.1 },
  ];
  for (let l = 0; l < layers; l++) {
    const p = `h.${l}`;
    params.push(
      {
        name: `${p}.self_attn.in_proj_weight`,
        shape: [3 * embed, embed],
        bound: Math.sqrt(6 / (4 * embed)),
      },
      { name: `${p}.self_attn.in_proj_bias`, shape: [3 * embed], bound: 0, fill: 0 },
      ...linearParams(`${p}.self_attn.out_proj`, embed, embed),
      ...linearParams(`${p}.linear1`, embed, ffn),
      ...linearParams(`${p}.linear2`, ffn, embed),
      { name: `${p}.norm1.weight`, shape: [embed], bound: 0, fill: 1 },
      { name: `${p}.norm1.bias`, shape: [embed], bound: 0, fill: 0 },
      { name: `${p}.norm2.weight`, shape: [embed], bound: 0, fill: 1 },
      { name: `${p}.norm2.bias`, shape: [embed], bound: 0, fill: 0 },
    );
  }
  params.push(
    { name: 'ln_f.weight', shape: [embed], bound: 0, fill: 1 },
    { name: 'ln_f.bias', shape: [embed], bound: 0, fill: 0 },
  );
  return {
    id: 'W5',
    title: `GPT: ${layers} pre-LN blocks, width ${embed}, ${heads} heads, context ${context}, vocabulary ${vocab}, batch 16, clip 1.0, Adam`,
    steps: 50,
    batch: 16,
    distinctBatches: 50,
    xShape: [16, context],
    classes: vocab,
    model: { kind: 'gpt', vocab, context, layers, heads, embed },
    optimizer: ADAM,
    clipNorm: 1.0,
    params,
    lossCheckpoints: checkpoints(50),
  };
}

/** Labels per input batch: one per sample, or one per token for the GPT. */
export function labelsPerBatch(spec: WorkloadSpec): number {
  return spec.model.kind === 'gpt' ? sizeOfShape(spec.xShape) : spec.batch;
}

/** The spec of a workload. */
export function workloadSpec(id: WorkloadId): WorkloadSpec {
  switch (id) {
    case 'W1':
      return makeW1();
    case 'W1m':
      return makeW1m();
    case 'W2':
      return makeW2();
    case 'W3':
      return makeW3();
    case 'W4':
      return makeW4();
    case 'W5':
      return makeW5();
    case 'W6':
      return makeW6();
  }
}

/** Product of a shape. */
export function sizeOfShape(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
