/**
 * Learning-rate schedules: pure functions of the 0-based step count (the first update uses
 * `schedule(0)`), and the two schedule-like transformations that need state and signals
 * (reduceOnPlateau, healthAwareDecay). To multiply updates by a schedule use
 * optim.scaleBySchedule / optim.scaleByLearningRate.
 *
 * Step indexing of the PyTorch-derived schedules: `schedule(t)` equals the lr PyTorch's
 * scheduler holds after `t` calls to `scheduler.step()` (its `last_epoch == t`), which is the lr
 * of update t when `scheduler.step()` follows every `optimizer.step()`.
 */
export type { Schedule, ScalarOrSchedule } from './types.js';
export { constant, type ConstantOptions } from './constant.js';
export { step, type StepOptions } from './step-decay.js';
export { multiStep, type MultiStepOptions } from './multi-step.js';
export { exponential, type ExponentialOptions } from './exponential.js';
export { inverseTime, type InverseTimeOptions } from './inverse-time.js';
export { inverseSqrt, type InverseSqrtOptions } from './inverse-sqrt.js';
export { polynomial, type PolynomialOptions } from './polynomial.js';
export { cosine, type CosineOptions } from './cosine.js';
export { cosineWarmRestarts, type CosineWarmRestartsOptions } from './cosine-warm-restarts.js';
export { linear, type LinearOptions } from './linear.js';
export { joinSchedules, sequence, type SequenceSegment } from './join.js';
export { warmupCosine, type WarmupCosineOptions } from './warmup-cosine.js';
export { oneCycle, type OneCycleOptions } from './one-cycle.js';
export { cyclic, type CyclicOptions } from './cyclic.js';
export {
  reduceOnPlateau,
  type ReduceOnPlateauOptions,
  type ReduceOnPlateauState,
} from './reduce-on-plateau.js';
export {
  healthAwareDecay,
  type HealthAwareDecayOptions,
  type HealthAwareDecayState,
} from './health-aware-decay.js';
export type { ScheduleName } from './registry.js';
