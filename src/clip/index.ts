export { byValue, type ByValueState } from './by-value.js';
export { byNorm, type ByNormState } from './by-norm.js';
export {
  byGlobalNorm,
  type ByGlobalNormOptions,
  type ByGlobalNormState,
} from './by-global-norm.js';
export { byBlockRms, type ByBlockRmsState } from './by-block-rms.js';
export { agc, type AgcOptions, type AgcState } from './agc.js';
export {
  autoClip,
  sortedPercentile,
  type AutoClipOptions,
  type AutoClipState,
} from './auto-clip.js';
export { zClip, type ZClipOptions, type ZClipState } from './z-clip.js';
export { spikeClip, type SpikeClipOptions, type SpikeClipState } from './spike-clip.js';
export { globalNorm, vectorNorm, scaleAll, torchClipCoef, type NormType } from './norms.js';
export {
  skipNonFinite,
  countNonFinite,
  type SkipNonFiniteOptions,
  type SkipNonFiniteState,
} from '../optim/skip-non-finite.js';
export type { ClipName } from './registry.js';
