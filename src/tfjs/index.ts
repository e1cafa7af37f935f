/**
 * gradscope's gradient-health monitor for TensorFlow.js models (`import … from 'gradscope/tfjs'`):
 * a `model.fit` callback and a custom-loop step that write the monitor's records (framework
 * "tfjs"; docs/records.md) and raise its verdicts live. Needs `@tensorflow/tfjs` (an optional
 * peer dependency); the main `gradscope` entry never loads it.
 * @module
 */
export {
  tfjsMonitor,
  type StepResult,
  type TfjsMonitor,
  type TfjsMonitorOptions,
} from './monitor.js';
export { clipByGlobalNorm } from './clip.js';
export { tfLayout, type TfLayout, type TfLayer, type TfParam, type TfProbe } from './layout.js';
