// The kernels: hot loops on typed arrays (GEMM, im2col/col2im) in JS and WebAssembly SIMD,
// and the dispatch between them. They know nothing of tensors or autograd.
export type { KernelChoice, KernelImpl } from './types.js';
export {
  convGeometry,
  isDirectConv,
  type ConvGeometry,
  type ConvGeometryOptions,
} from './conv-geometry.js';
export { gemmJs } from './js/gemm.js';
export { tanhF32 } from './js/tanh.js';
export { im2colJs, col2imJs } from './js/im2col.js';
export type { LinearAct, RnnBackwardExtras, WasmMemory } from './wasm/wasm-kernels.js';
export {
  WasmKernels,
  loadWasmKernels,
  loadWasmKernelsAsync,
  wasmKernelsFailure,
} from './wasm/wasm-kernels.js';
export {
  setKernels,
  getKernels,
  initKernels,
  wasmKernelsAvailable,
  gemmKernelFor,
  gemm,
  im2col,
  col2im,
  GEMM_WASM_MIN_WORK,
  GEMM_WASM_MAX_PADDING,
  IM2COL_WASM_MIN_SIZE,
  adamF32,
  ADAM_WASM_MIN_SIZE,
  rnnTanhForwardF32,
  rnnTanhBackwardF32,
  linearForwardF32,
  linearBackwardF32,
  conv2dForwardF32,
  conv2dBackwardF32,
} from './backend.js';
export { allocArray, arrayView, releaseArray, isResident } from './memory.js';
export {
  setThreads,
  getThreads,
  threadsInfo,
  initThreads,
  stopThreads,
  type ThreadsInfo,
} from './threads.js';
export { GEMM_PARALLEL_MIN_WORK, RESIDENT_BUDGET_BYTES } from './wasm/wasm-kernels.js';
export { AUTO_MAX_THREADS } from './wasm/thread-setting.js';
export { registerThreadHost, type ThreadHost, type ThreadWorker } from './wasm/thread-host.js';
export { createNodeThreadHost, type NodeWorkerThreads } from './wasm/thread-host-node.js';
export { webThreadHost } from './wasm/thread-host-web.js';
