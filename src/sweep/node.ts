// Everything of sweep/ for Node (`import { sweep } from 'gradscope/node'`): the browser-safe parts
// and the Node-only ones: the results files, the local process-pool executor and the
// coordinator. The BullMQ executor and worker are in './redis-node.js' (imported on demand, so
// that nothing loads bullmq unless a sweep uses Redis).
export { SweepResults, SWEEP_FILES } from './results-node.js';
export { ProcessPool, type ProcessPoolOptions, type PoolMessage } from './pool-node.js';
export { localExecutor, type LocalExecutorOptions } from './local-node.js';
export { SWEEP_CHILD_NODE_FLAGS } from './child-flags.js';
export {
  runSweep,
  type RunSweepOptions,
  type RunSweepResult,
  type SweepProgress,
} from './run-sweep-node.js';
export { readSweepFile } from './spec-node.js';
export { readLossCurves } from './curves-node.js';
export * from './index.js';
