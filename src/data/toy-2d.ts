import { ConfigError, fmt } from '../errors.js';
import { allocData, type DType } from '../tensor/dtype.js';
import { toRng, type Rng } from '../tensor/rng.js';
import type { Dataset } from './dataset.js';

/** Options of the toy 2-D sets. */
export interface Toy2dOptions {
  /** Number of points (default 200; spiral: per class). */
  numSamples?: number;
  /** Gaussian noise std added to each coordinate (defaults per set). */
  noise?: number;
  /** Shuffle the points (default true; otherwise grouped by class). */
  shuffle?: boolean;
  /** dtype of x (default 'float32'). */
  dtype?: DType;
}

/** A toy 2-D classification set: featureShape [2], Int32Array labels. */
export interface Toy2dDataset extends Dataset {
  readonly y: Int32Array;
  readonly numClasses: number;
}

/** The names accepted by {@link toy2d}. */
export type Toy2dName = 'spiral' | 'circles' | 'xor' | 'gauss' | 'moons';

function check(name: string, o: Toy2dOptions, defaultNoise: number): { n: number; noise: number } {
  const n = o.numSamples ?? 200;
  const noise = o.noise ?? defaultNoise;
  if (!Number.isInteger(n) || n < 1)
    throw new ConfigError(`${name}: numSamples must be a positive integer, got ${fmt(n)}`);
  if (!(Number.isFinite(noise) && noise >= 0))
    throw new ConfigError(`${name}: noise must be a finite number >= 0, got ${fmt(noise)}`);
  return { n, noise };
}

function finish(
  px: Float64Array,
  labels: Int32Array,
  numClasses: number,
  r: Rng,
  o: Toy2dOptions,
): Toy2dDataset {
  const n = labels.length;
  const order =
    (o.shuffle ?? true) ? r.permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
  const x = allocData(o.dtype ?? 'float32', 2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = order[i] as number;
    x[2 * i] = px[2 * s] as number;
    x[2 * i + 1] = px[2 * s + 1] as number;
    y[i] = labels[s] as number;
  }
  return { x, featureShape: [2], y, numClasses, length: n };
}

/**
 * Interleaved spiral arms (the CS231n set): class k's i-th point is r·(sin θ, cos θ) with
 * r = i/(n−1) and θ = 4k + 4r + N(0, noise²) (noise on the angle, so arms blur outward). numSamples
 * is per class (default 100), `classes` arms (default 3), noise default 0.2 (on the angle).
 * @example spiral(0, { classes: 3, numSamples: 100 })
 * @see CS231n, "Putting it together: Minimal Neural Network Case Study"
 */
export function spiral(
  rng: number | Rng,
  options: Toy2dOptions & { classes?: number } = {},
): Toy2dDataset {
  const { n, noise } = check('spiral', { ...options, numSamples: options.numSamples ?? 100 }, 0.2);
  const K = options.classes ?? 3;
  if (!Number.isInteger(K) || K < 2)
    throw new ConfigError(`spiral: classes must be an integer >= 2, got ${fmt(K)}`);
  const r = toRng(rng);
  const px = new Float64Array(2 * n * K);
  const labels = new Int32Array(n * K);
  for (let k = 0; k < K; k++) {
    for (let i = 0; i < n; i++) {
      const rad = n === 1 ? 0 : i / (n - 1);
      const t = k * 4 + (n === 1 ? 0 : (4 * i) / (n - 1)) + r.normal(0, noise);
      const j = k * n + i;
      px[2 * j] = rad * Math.sin(t);
      px[2 * j + 1] = rad * Math.cos(t);
      labels[j] = k;
    }
  }
  return finish(px, labels, K, r, options);
}

/**
 * Two concentric circles (scikit-learn's make_circles): ⌊n/2⌋ points on the unit circle
 * (class 0), the rest on a circle of radius `factor` (default 0.5, class 1), evenly spaced,
 * plus N(0, noise²) (default 0.05).
 * @example circles(0, { numSamples: 200, noise: 0.1 })
 * @see scikit-learn, sklearn.datasets.make_circles
 */
export function circles(
  rng: number | Rng,
  options: Toy2dOptions & { factor?: number } = {},
): Toy2dDataset {
  const { n, noise } = check('circles', options, 0.05);
  const factor = options.factor ?? 0.5;
  if (!(factor > 0 && factor < 1))
    throw new ConfigError(`circles: factor must be in (0, 1), got ${fmt(factor)}`);
  const r = toRng(rng);
  const nOut = Math.floor(n / 2);
  const nIn = n - nOut;
  const px = new Float64Array(2 * n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const inner = i >= nOut;
    const m = inner ? nIn : nOut;
    const t = (2 * Math.PI * (inner ? i - nOut : i)) / m;
    const rad = inner ? factor : 1;
    px[2 * i] = rad * Math.cos(t) + r.normal(0, noise);
    px[2 * i + 1] = rad * Math.sin(t) + r.normal(0, noise);
    labels[i] = inner ? 1 : 0;
  }
  return finish(px, labels, 2, r, options);
}

/**
 * Two interleaving half-moons (scikit-learn's make_moons): class 0 on (cos t, sin t), class 1 on
 * (1 − cos t, 0.5 − sin t), t evenly spaced in [0, π], plus N(0, noise²) (default 0.1).
 * @example moons(0, { numSamples: 300 })
 * @see scikit-learn, sklearn.datasets.make_moons
 */
export function moons(rng: number | Rng, options: Toy2dOptions = {}): Toy2dDataset {
  const { n, noise } = check('moons', options, 0.1);
  const r = toRng(rng);
  const nOut = Math.floor(n / 2);
  const nIn = n - nOut;
  const px = new Float64Array(2 * n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const inner = i >= nOut;
    const m = inner ? nIn : nOut;
    const k = inner ? i - nOut : i;
    const t = m === 1 ? 0 : (Math.PI * k) / (m - 1);
    px[2 * i] = (inner ? 1 - Math.cos(t) : Math.cos(t)) + r.normal(0, noise);
    px[2 * i + 1] = (inner ? 0.5 - Math.sin(t) : Math.sin(t)) + r.normal(0, noise);
    labels[i] = inner ? 1 : 0;
  }
  return finish(px, labels, 2, r, options);
}

/**
 * XOR quadrants (the TensorFlow playground's set): points uniform in [−1, 1]², class 1 where
 * x·y < 0 (2nd and 4th quadrants), else 0; labels come from the clean point, then
 * N(0, noise²) is added (default 0), so noise makes points cross the boundary.
 * @example xor(0, { numSamples: 400, noise: 0.05 })
 * @see Smilkov & Carter, "A Neural Network Playground", playground.tensorflow.org
 */
export function xor(rng: number | Rng, options: Toy2dOptions = {}): Toy2dDataset {
  const { n, noise } = check('xor', options, 0);
  const r = toRng(rng);
  const px = new Float64Array(2 * n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = r.uniform(-1, 1);
    const b = r.uniform(-1, 1);
    labels[i] = a * b < 0 ? 1 : 0;
    px[2 * i] = a + r.normal(0, noise);
    px[2 * i + 1] = b + r.normal(0, noise);
  }
  return finish(px, labels, 2, r, options);
}

/**
 * Two Gaussian blobs (the TensorFlow playground's "Gaussian" set): class 0 around (−1, −1), class
 * 1 around (1, 1), each with std `noise` (default 0.5) per coordinate; classes alternate.
 * @example gauss(0, { noise: 1 }) // overlapping blobs
 * @see Smilkov & Carter, "A Neural Network Playground", playground.tensorflow.org
 */
export function gauss(rng: number | Rng, options: Toy2dOptions = {}): Toy2dDataset {
  const { n, noise } = check('gauss', options, 0.5);
  const r = toRng(rng);
  const px = new Float64Array(2 * n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % 2;
    const c = k === 0 ? -1 : 1;
    px[2 * i] = c + r.normal(0, noise);
    px[2 * i + 1] = c + r.normal(0, noise);
    labels[i] = k;
  }
  return finish(px, labels, 2, r, options);
}

/**
 * A toy 2-D set by name, for the CLI and the playground.
 * @example toy2d('moons', 0, { noise: 0.2 })
 */
export function toy2d(
  name: Toy2dName,
  rng: number | Rng,
  options: Toy2dOptions = {},
): Toy2dDataset {
  switch (name) {
    case 'spiral':
      return spiral(rng, options);
    case 'circles':
      return circles(rng, options);
    case 'xor':
      return xor(rng, options);
    case 'gauss':
      return gauss(rng, options);
    case 'moons':
      return moons(rng, options);
    default:
      throw new ConfigError(
        `toy2d: unknown set ${fmt(name)}; expected spiral, circles, xor, gauss or moons`,
      );
  }
}
