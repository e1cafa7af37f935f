/**
 * Node-only parts of gradscope (file system): IDX/MNIST file loaders, run directories and
 * checkpoints on disk. Import from `gradscope/node`; the browser bundle never includes this.
 * @module gradscope/node
 */
export * from './data/idx-node.js';
export * from './data/file-data-node.js';
export * from './train/node.js';
export { readRunLogs } from './report/run-logs-node.js';
export { writeReportFile } from './report/write-node.js';
export {
  prepareRunDir,
  writeRunResult,
  readRunResult,
  type PrepareRunDirOptions,
} from './experiments/run-dir-node.js';
export * from './monitor/node.js';
/** Sweeps: spec parsing, points, the results table, the local executor and the coordinator. */
export * as sweep from './sweep/node.js';
