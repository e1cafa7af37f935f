import { ConfigError, fmt } from '../errors.js';
import { allocData, type DType } from '../tensor/dtype.js';
import { toRng, type Rng } from '../tensor/rng.js';
import type { Dataset } from './dataset.js';

/** Options of {@link gaussianMixture}. */
export interface GaussianMixtureOptions {
  numClasses: number;
  /** Input dimension. */
  dim: number;
  numSamples: number;
  /** Std of the class means, drawn N(0, meanStd²) per coordinate (default 1). */
  meanStd?: number;
  /** Std of the isotropic noise around a class mean (default 1). */
  noiseStd?: number;
  /** dtype of x (default 'float32'). */
  dtype?: DType;
}

/** A Gaussian-mixture dataset together with the class means it was drawn from. */
export interface GaussianMixtureDataset extends Dataset {
  readonly y: Int32Array;
  readonly numClasses: number;
  /** Class means, row-major [numClasses, dim]. */
  readonly means: Float64Array;
}

/**
 * A classification set from a mixture of isotropic Gaussians: means μ_k ~ N(0, meanStd²·I),
 * labels uniform over the classes, x = μ_y + N(0, noiseStd²·I). Draw order (for the record):
 * all means, then per sample its label and its dim noise values.
 * @example gaussianMixture({ numClasses: 10, dim: 32, numSamples: 4096 }, 0) // E4's data
 */
export function gaussianMixture(
  options: GaussianMixtureOptions,
  rng: number | Rng,
): GaussianMixtureDataset {
  const { numClasses: K, dim, numSamples: N } = options;
  const meanStd = options.meanStd ?? 1;
  const noiseStd = options.noiseStd ?? 1;
  for (const [name, v] of [
    ['numClasses', K],
    ['dim', dim],
    ['numSamples', N],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new ConfigError(`gaussianMixture: ${name} must be a positive integer, got ${fmt(v)}`);
  }
  for (const [name, v] of [
    ['meanStd', meanStd],
    ['noiseStd', noiseStd],
  ] as const) {
    if (!(Number.isFinite(v) && v >= 0))
      throw new ConfigError(`gaussianMixture: ${name} must be a finite number >= 0, got ${fmt(v)}`);
  }
  const r = toRng(rng);
  const means = r.fillNormal(new Float64Array(K * dim), 0, meanStd) as Float64Array;
  const x = allocData(options.dtype ?? 'float32', N * dim);
  const y = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const k = r.int(K);
    y[i] = k;
    for (let j = 0; j < dim; j++)
      x[i * dim + j] = (means[k * dim + j] as number) + r.normal(0, noiseStd);
  }
  return { x, featureShape: [dim], y, numClasses: K, length: N, means };
}

/**
 * The mixtures of the experiment catalogue: E4 (He et al.: 10 classes in 32-d, means N(0, 1),
 * unit noise, 4096 samples) and E7b (Glorot & Bengio's saturation study: 9 classes in 256-d,
 * means N(0, 0.15²), unit noise, 20,000 samples).
 * @example gaussianMixture(MIXTURE_PRESETS.heInit, seed)
 */
export const MIXTURE_PRESETS = {
  heInit: { numClasses: 10, dim: 32, numSamples: 4096, meanStd: 1, noiseStd: 1 },
  glorotSaturation: { numClasses: 9, dim: 256, numSamples: 20000, meanStd: 0.15, noiseStd: 1 },
} as const satisfies Record<string, GaussianMixtureOptions>;
