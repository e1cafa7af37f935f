// Node-only entry of the monitor (file output); the rest of the monitor runs in a browser.
export {
  createJsonlWriter,
  logHealthToJsonl,
  type JsonlWriter,
  type LogHealthOptions,
} from './jsonl-writer-node.js';
