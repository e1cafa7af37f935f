// Node-only parts of train/: writing run directories and checkpoint files.
export { RunDir, RUN_FILES, type RunDirOptions } from './run-dir-node.js';
export { saveCheckpoint, readCheckpoint, loadCheckpoint } from './checkpoint-node.js';
export { writeFileAtomic } from './atomic-write-node.js';
export { saveSafetensorsFile, loadSafetensorsFile } from './safetensors-node.js';
