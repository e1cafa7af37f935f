export { backward, gradients, NotDifferentiableError, type GradientsOptions } from './backward.js';
export { isGradEnabled, setGradEnabled, noGrad, enableGrad } from './grad-mode.js';
export { record, needsGrad, type VjpFn } from './tape.js';
export { registerGradHook, type GradHook } from './grad-hooks.js';
export { StepArena } from './step-arena.js';
export {
  valueAndGrad,
  grad,
  gradcheck,
  type GradOptions,
  type TensorFn,
  type GradcheckOptions,
  type GradcheckResult,
} from './functional.js';
export { gradgradcheck } from './gradgradcheck.js';
export {
  hvp,
  fdHvp,
  hessianOperator,
  type HessianOperator,
  type ParamMap,
  type ParamLoss,
} from './hvp.js';
export { vjp, jvp, jacobian, hessian, MAX_DENSE_ELEMENTS } from './transforms.js';
export { hessianEigs, type HessianEigsOptions, type HessianEigsResult } from './hessian-eigs.js';
export { hutchinsonTrace, type HutchinsonOptions, type HutchinsonResult } from './hutchinson.js';
export {
  setAnomalyMode,
  isAnomalyEnabled,
  detectAnomaly,
  firstAnomaly,
  clearAnomaly,
  type AnomalyRecord,
} from './anomaly.js';
