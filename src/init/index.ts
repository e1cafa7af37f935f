export { computeFans } from './fan.js';
export type { Fans } from './fan.js';
export { calculateGain } from './gain.js';
export type { Nonlinearity } from './gain.js';
export type { InitOutputOptions } from './output.js';
export { constant, zeros, ones } from './constant.js';
export { uniform, normal } from './random.js';
export type { UniformOptions, NormalOptions } from './random.js';
export { truncatedNormal } from './truncated-normal.js';
export type { TruncatedNormalOptions } from './truncated-normal.js';
export { xavierUniform, xavierNormal } from './xavier.js';
export type { XavierOptions } from './xavier.js';
export { heUniform, heNormal } from './kaiming.js';
export type { KaimingOptions } from './kaiming.js';
export { lecunNormal } from './lecun.js';
export type { LecunOptions } from './lecun.js';
export { orthogonal } from './orthogonal.js';
export type { OrthogonalOptions } from './orthogonal.js';
export { sparse } from './sparse.js';
export type { SparseOptions } from './sparse.js';
export { resolveInitializer } from './initializer.js';
export type {
  Initializer,
  InitializerConfig,
  InitializerName,
  InitSpec,
  LayerInitOptions,
} from './initializer.js';
