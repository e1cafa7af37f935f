import { ShapeError, fmt } from '../errors.js';
import type { TypedArray } from '../tensor/dtype.js';
import { toRng, type Rng } from '../tensor/rng.js';
import { sizeOf, type Shape } from '../tensor/shape.js';
import { checkNumber, prepareOutput, type InitOutputOptions } from './output.js';

/** Options of {@link orthogonal}. */
export interface OrthogonalOptions extends InitOutputOptions {
  /** Multiplier (default 1). */
  gain?: number;
}

/**
 * Orthonormalizes the n columns (each of length m, column-major in `q`) in place by modified
 * Gram–Schmidt applied twice ("twice is enough", Giraud et al. 2005), which keeps QᵀQ = I to
 * ~1e-15 even for ill-conditioned input. The diagonal of R is the column norm, positive, so Q is
 * the unique QR factor with diag(R) > 0 — the same Q as Householder QR followed by PyTorch's
 * sign correction Q·diag(sign(diag R)).
 */
function gramSchmidt(q: Float64Array, m: number, n: number): void {
  for (let j = 0; j < n; j++) {
    const vj = j * m;
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        const vk = k * m;
        let dot = 0;
        for (let i = 0; i < m; i++) dot += (q[vk + i] as number) * (q[vj + i] as number);
        for (let i = 0; i < m; i++) q[vj + i] = (q[vj + i] as number) - dot * (q[vk + i] as number);
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += (q[vj + i] as number) ** 2;
    norm = Math.sqrt(norm);
    // A Gaussian matrix is rank-deficient with probability 0.
    for (let i = 0; i < m; i++) q[vj + i] = (q[vj + i] as number) / norm;
  }
}

/**
 * Orthogonal initialization: W = gain·Q where Q comes from the QR decomposition of a Gaussian
 * matrix with the sign of diag(R) absorbed (so Q is Haar-distributed). The shape is flattened to
 * [rows, cols] = [shape[0], ∏rest]; if rows ≥ cols the columns are orthonormal (WᵀW = gain²·I),
 * otherwise the rows are (WWᵀ = gain²·I). All singular values equal gain, so deep linear nets
 * learn at a depth-independent speed (Saxe et al.).
 * @example orthogonal([16, 16], 0) // WᵀW = I
 * @see Saxe, McClelland & Ganguli, "Exact solutions to the nonlinear dynamics of learning in deep linear neural networks", ICLR 2014; torch.nn.init.orthogonal_
 */
export function orthogonal(
  shape: Shape,
  rng: number | Rng,
  options: OrthogonalOptions = {},
): TypedArray {
  const gain = checkNumber('orthogonal', 'gain', options.gain ?? 1);
  const out = prepareOutput('orthogonal', shape, options);
  if (shape.length < 2) {
    throw new ShapeError(`orthogonal: shape must have at least 2 dimensions, got ${fmt(shape)}`);
  }
  const total = sizeOf(shape);
  if (total === 0) return out;
  const rows = shape[0] as number;
  const cols = total / rows;
  // Like PyTorch: draw the [rows, cols] Gaussian row-major, and factor its transpose when it is wide.
  const g = toRng(rng).fillNormal(new Float64Array(total));
  const tall = rows >= cols;
  const m = tall ? rows : cols;
  const n = tall ? cols : rows;
  // Column-major copy of the m×n matrix to factor: tall → G itself, wide → Gᵀ (whose columns are G's rows).
  const q = new Float64Array(total);
  if (tall) {
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) q[j * rows + i] = g[i * cols + j] as number;
  } else {
    q.set(g);
  }
  gramSchmidt(q, m, n);
  if (tall) {
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) out[i * cols + j] = gain * (q[j * rows + i] as number);
  } else {
    // W = Qᵀ: row i of W is column i of Q, already contiguous.
    for (let k = 0; k < total; k++) out[k] = gain * (q[k] as number);
  }
  return out;
}
