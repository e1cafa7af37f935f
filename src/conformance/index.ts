export { runConformanceFile, type ConformanceCaseResult } from './run.js';
export {
  runOpsConformance,
  runOpsCase,
  OPS_TOLERANCES,
  type OpsCase,
  type OpsCaseResult,
  type RefTensor,
} from './ops.js';
export {
  runOptimConformance,
  CONFORMANCE_TOLERANCES,
  type ConformanceResult,
  type ConformanceSection,
  type OptimConformanceOptions,
  type ScheduleCaseRunner,
} from './optim.js';
export {
  runScheduleConformance,
  type ScheduleConformanceResult,
  type ScheduleConformanceOptions,
} from './schedules.js';
export { compareArrays, type Comparison } from './compare.js';
export { ReferenceDataError, referenceNumbers } from './reference-error.js';
export {
  runHvpConformance,
  runHvpCase,
  HVP_TOLERANCES,
  HVP_REFERENCE_FORMAT,
  type HvpCase,
  type HvpCaseResult,
} from './hvp.js';
