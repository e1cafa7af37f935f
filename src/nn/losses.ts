/**
 * The losses, re-exported for `nn.crossEntropy(...)` style use: they are plain differentiable
 * functions of ops/ (crossEntropy with label smoothing, nllLoss, mse, bceWithLogits, huber).
 */
export { crossEntropy, nllLoss, mse, bceWithLogits, huber } from '../ops/losses.js';
export type {
  Reduction,
  ClassTargets,
  CrossEntropyOptions,
  NllLossOptions,
  ReductionOptions,
  BceWithLogitsOptions,
  HuberOptions,
} from '../ops/losses.js';
