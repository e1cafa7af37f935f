import { ConfigError, ShapeError, fmt } from '../errors.js';
import type { TypedArray } from '../tensor/dtype.js';
import { toRng, type Rng } from '../tensor/rng.js';
import { sizeOf, type Shape } from '../tensor/shape.js';
import { checkNumber, prepareOutput, type InitOutputOptions } from './output.js';

/** Options of {@link sparse}. */
export interface SparseOptions extends InitOutputOptions {
  /** Non-zero incoming weights per unit (default 15, as in Martens 2010); capped at fanIn. */
  k?: number;
  /** Std of the non-zero weights (default 1: Martens' "unit Gaussian"). */
  std?: number;
}

/**
 * Sparse initialization: each output unit (row of the [out, in, ...] weight, flattened) gets
 * exactly k non-zero incoming weights at distinct random positions, drawn from N(0, std²); the
 * rest are 0. Units then start different without their total input scaling with fanIn. With
 * fanIn ≤ k every incoming weight is non-zero. (PyTorch's sparse_ is different: it zeroes a
 * fraction of each column.)
 * @example sparse([16, 4], 0) // a 4→16 layer: all 4 incoming weights non-zero
 * @see Martens, "Deep learning via Hessian-free optimization", ICML 2010; Sutskever et al., "On the importance of initialization and momentum in deep learning", ICML 2013
 */
export function sparse(shape: Shape, rng: number | Rng, options: SparseOptions = {}): TypedArray {
  const k = options.k ?? 15;
  if (!Number.isInteger(k) || k < 0)
    throw new ConfigError(`sparse: k must be a non-negative integer, got ${fmt(k)}`);
  const std = checkNumber('sparse', 'std', options.std ?? 1);
  if (std < 0) throw new ConfigError(`sparse: std must be >= 0, got ${fmt(std)}`);
  const out = prepareOutput('sparse', shape, options);
  if (shape.length < 2)
    throw new ShapeError(
      `sparse: shape must have at least 2 dimensions [out, in, ...], got ${fmt(shape)}`,
    );
  const rows = shape[0] as number;
  const total = sizeOf(shape);
  out.fill(0);
  if (total === 0) return out;
  const fanIn = total / rows;
  const nnz = Math.min(k, fanIn);
  const r = toRng(rng);
  const idx = new Int32Array(fanIn);
  for (let row = 0; row < rows; row++) {
    for (let i = 0; i < fanIn; i++) idx[i] = i;
    // Partial Fisher–Yates: the first nnz slots become a uniform random subset.
    for (let i = 0; i < nnz; i++) {
      const j = i + r.int(fanIn - i);
      const t = idx[i] as number;
      idx[i] = idx[j] as number;
      idx[j] = t;
      out[row * fanIn + (idx[i] as number)] = r.normal(0, std);
    }
  }
  return out;
}
