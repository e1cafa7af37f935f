import './methods.js';
import '../autograd/backward.js';

export {
  add,
  sub,
  mul,
  div,
  pow,
  maximum,
  minimum,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  where,
  clamp,
} from './elementwise.js';
export {
  neg,
  exp,
  log,
  sqrt,
  square,
  abs,
  sin,
  cos,
  reciprocal,
  tanh,
  sigmoid,
  relu,
  leakyRelu,
  elu,
  gelu,
  softplus,
  softsign,
  silu,
} from './unary.js';
export { parseExpression, type Expression } from './expression.js';
export {
  sum,
  mean,
  max,
  min,
  argmax,
  argmin,
  variance,
  std,
  logsumexp,
  type Axes,
  type VarianceOptions,
} from './reduce.js';
export {
  reshape,
  flatten,
  unsqueeze,
  squeeze,
  permute,
  transpose,
  broadcastTo,
  concat,
  stack,
  narrow,
  slice,
  split,
  indexSelect,
  gather,
  astype,
} from './shape-ops.js';
export { matmul } from './matmul.js';
export { softmax, logSoftmax } from './softmax.js';
export type { TensorLike } from './internal/util.js';
export { linear } from './linear.js';
export {
  crossEntropy,
  nllLoss,
  mse,
  bceWithLogits,
  huber,
  type Reduction,
  type ClassTargets,
  type CrossEntropyOptions,
  type NllLossOptions,
  type ReductionOptions,
  type BceWithLogitsOptions,
  type HuberOptions,
} from './losses.js';
export { layerNorm, batchNorm, type BatchNormOptions } from './norm.js';
export { rmsNorm } from './rms-norm.js';
export { scaledDotProductAttention, type AttentionOptions } from './attention.js';
export { multiHeadAttention, type MultiHeadAttentionOptions } from './multi-head-attention.js';
export {
  conv2d,
  maxPool2d,
  avgPool2d,
  type Conv2dOptions,
  type Pool2dOptions,
  type Size2,
} from './conv.js';
export { rnnTanh, lstm, gru } from './recurrent.js';
export { dropout } from './dropout.js';
