/**
 * gradscope — train neural networks and see why they fail to train.
 *
 * The curated public API: tensors and their creation functions, the differentiable ops and the
 * autograd functions at the top level (as in PyTorch's `torch.*`), and namespaces for the rest.
 * Runs unchanged in Node and in browsers; Node-only helpers (file loaders, run directories,
 * checkpoints on disk) are in `gradscope/node`, and HTML reports with Vega charts in
 * `gradscope/report` (Vega and Vega-Lite are optional peer dependencies), so importing the core
 * never loads them.
 * @module gradscope
 */
import './ops/methods.js';
import './autograd/backward.js';

export {
  Tensor,
  type GradNode,
  type GradSink,
  type BackwardOptions,
  type NestedArray,
} from './tensor/tensor.js';
export { type DType, type TypedArray, getDefaultDtype, setDefaultDtype } from './tensor/dtype.js';
export { type Shape, broadcastShapes, sizeOf } from './tensor/shape.js';
export {
  BufferPool,
  withBufferPool,
  activeBufferPool,
  allocationCounts,
  type BufferPoolStats,
} from './tensor/buffer-pool.js';
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

/** The compute backends: JS or wasm SIMD kernels, worker threads, resident memory. */
export * as kernels from './kernels/index.js';
/** Neural-network layers: Module, Linear, Conv2d, RNN/LSTM/GRU, norms, dropout, activations, losses, mlp. */
export * as nn from './nn/index.js';
/** Weight initializers (Xavier/Glorot, He/Kaiming, LeCun, orthogonal, …) as pure (shape, rng, dtype) functions. */
export * as init from './init/index.js';
/** Optimizers as composable gradient transformations (Optax style): chain, building blocks, named optimizers, Optimizer. */
export * as optim from './optim/index.js';
/** Gradient clipping as transformations: byValue, byNorm, byGlobalNorm, agc, autoClip, zClip, spikeClip. */
export * as clip from './clip/index.js';
/** Learning-rate schedules: pure (step) => lr functions (cosine, warmupCosine, oneCycle, …) and plateau/health-aware decays. */
export * as schedule from './schedule/index.js';
/** Data sets and loading: synthetic sequence tasks, toy 2-D sets, Gaussian mixtures, MNIST, seeded batching. */
export * as data from './data/index.js';
/** Numerically careful helpers: stable quadratic roots, Newton's method, safe norms and sums. */
export * as numeric from './numeric/index.js';
/** Runners that check ops, optimizers and schedules against the bundled PyTorch references. */
export * as conformance from './conformance/index.js';
/** Training: the fit loop, callbacks, metrics, checkpoints, run logs and JSON train configs (with their JSON Schema). */
export * as train from './train/index.js';
/** The gradient-health monitor: per-layer statistics, detectors and verdicts with remedies, activation probes. */
export * as monitor from './monitor/index.js';
/** The catalogue of reproduced papers (vanishing/exploding gradients, initialization, optimizers), runnable by id. */
export * as experiments from './experiments/index.js';
export { type NonFiniteJson } from './json-encode.js';
