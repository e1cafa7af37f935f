/**
 * Sweeps: a base train config and axes (config field paths with grid values, seeded log-uniform
 * or uniform draws, or seeds), expanded into points identified by the hash of their resolved
 * config; the results table and the report. Browser-safe; the executors and files are in
 * `gradscope/node` (sweep/node.ts), the BullMQ executor in sweep/redis-node.ts.
 */
export { parseFieldPath, setAtPath, type PathStep } from './paths.js';
export {
  parseSweepSpec,
  type ResolvedAxis,
  type ResolvedSweep,
  type SampleSpec,
  type SweepAxis,
  type SweepSpec,
  type SweepValue,
} from './spec.js';
export {
  canonicalJson,
  configHash,
  describeValues,
  expandSweep,
  type SweepPoint,
} from './points.js';
export {
  errorRecord,
  metricNames,
  stableRecord,
  sweepCsv,
  VOLATILE_FIELDS,
  type SweepRecord,
  type SweepStatus,
} from './record.js';
export { pointJob, type PointJob, type PointTask, type SweepExecutor } from './job.js';
export { sweepReportDocument, type SweepReportInput } from './report.js';
