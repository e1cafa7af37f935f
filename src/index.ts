/**
 * gradscope — train neural networks and see why they fail to train.
 *
 * The curated public API: tensors and their creation functions, the differentiable ops and the
 * autograd functions at the top level (as in PyTorch's `torch.*`), and namespaces for the rest.
 * Runs unchanged in Node and in browsers; Node-only helpers (file loaders, run directories,
 * checkpoints on disk) are in `gradscope/node`, and HTML reports with Vega charts in
 * `gradscope/report` (Vega and Vega-Lite are optional peer dependencies), so importing the core
 * never loads them.
 */
import './ops/methods.js';
import './autograd/backward.js';

export { Tensor, type GradNode, type BackwardOptions, type NestedArray } from './tensor/tensor.js';
export { type DType, type TypedArray, getDefaultDtype, setDefaultDtype } from './tensor/dtype.js';
export { type Shape, broadcastShapes, sizeOf } from './tensor/shape.js';
export { Rng, toRng, type RngState } from './tensor/rng.js';
export {
  tensor,
  scalar,
  zeros,
  ones,
  full,
  zerosLike,
  onesLike,
  arange,
  linspace,
  eye,
  rand,
  randn,
  uniform,
  normal,
  randint,
  permutation,
  type CreateOptions,
} from './tensor/creation.js';
export {
  GradscopeError,
  ShapeError,
  DtypeError,
  ConfigError,
  DataError,
  AutogradError,
} from './errors.js';
export * from './ops/index.js';
export * from './autograd/index.js';
export {
  setKernels,
  getKernels,
  initKernels,
  wasmKernelsAvailable,
  setThreads,
  getThreads,
  threadsInfo,
  initThreads,
  stopThreads,
  type KernelChoice,
  type ThreadsInfo,
} from './kernels/index.js';

export * as kernels from './kernels/index.js';
export * as nn from './nn/index.js';
export * as init from './init/index.js';
export * as optim from './optim/index.js';
export * as clip from './clip/index.js';
export * as schedule from './schedule/index.js';
export * as data from './data/index.js';
export * as numeric from './numeric/index.js';
export * as conformance from './conformance/index.js';
export * as train from './train/index.js';
export * as monitor from './monitor/index.js';
export * as experiments from './experiments/index.js';
