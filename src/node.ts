/**
 * Node-only parts of gradscope (file system): IDX/MNIST file loaders, run directories and
 * checkpoints on disk. Import from `gradscope/node`; the browser bundle never includes this.
 */
export * from './data/idx-node.js';
export * from './train/node.js';
