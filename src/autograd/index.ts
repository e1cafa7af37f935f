export { backward, gradients, type GradientsOptions } from './backward.js';
export { isGradEnabled, setGradEnabled, noGrad, enableGrad } from './grad-mode.js';
export { record, needsGrad, type VjpFn } from './tape.js';
export { registerGradHook, type GradHook } from './grad-hooks.js';
export {
  valueAndGrad,
  grad,
  hvp,
  gradcheck,
  type TensorFn,
  type GradcheckOptions,
  type GradcheckResult,
} from './functional.js';
export {
  setAnomalyMode,
  isAnomalyEnabled,
  detectAnomaly,
  firstAnomaly,
  clearAnomaly,
  type AnomalyRecord,
} from './anomaly.js';
export {
  hessianEigs,
  type HessianEigsOptions,
  type HessianEigsResult,
  type ParamMap,
  type ParamLoss,
} from './hessian-eigs.js';
