import './methods.js';
import '../autograd/backward.js';

export { add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge, where, clamp } from './elementwise.js';
export { neg, exp, log, sqrt, square, abs, sin, cos, reciprocal, tanh, sigmoid, relu, leakyRelu, elu, gelu, softplus, softsign, erf } from './unary.js';
export { sum, mean, max, min, argmax, argmin, variance, std, logsumexp, type Axes, type VarianceOptions } from './reduce.js';
export { reshape, flatten, unsqueeze, squeeze, permute, transpose, broadcastTo, concat, stack, narrow, slice, split, indexSelect, gather, astype } from './shape-ops.js';
export { matmul } from './matmul.js';
export { softmax, logSoftmax } from './softmax.js';
export type { TensorLike } from './internal/util.js';
