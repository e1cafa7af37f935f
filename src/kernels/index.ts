// The public `kernels` namespace: what a user sets and reads — the backend choice, the threads,
// and what runs. The kernels themselves (GEMM, im2col, the fused layer loops, the memory owner)
// are internal: ops, nn and optim import them from their files.
export type { KernelChoice, KernelImpl } from './types.js';
export {
  setKernels,
  getKernels,
  initKernels,
  wasmKernelsAvailable,
  nativeKernelsAvailable,
} from './backend.js';
export {
  setThreads,
  getThreads,
  threadsInfo,
  initThreads,
  stopThreads,
  type ThreadsInfo,
} from './threads.js';
export { AUTO_MAX_THREADS } from './wasm/thread-setting.js';
export { registerThreadHost, type ThreadHost, type ThreadWorker } from './wasm/thread-host.js';
export { createNodeThreadHost, type NodeWorkerThreads } from './wasm/thread-host-node.js';
export { webThreadHost } from './wasm/thread-host-web.js';
