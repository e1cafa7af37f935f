import { ShapeError, fmt } from '../../errors.js';

/**
 * Spectral radius ρ(A) = max |λ_i| of a square matrix (row-major, n×n), by Gelfand's formula
 * ρ = lim ‖A^m‖^{1/m} with m = 2^squarings reached by repeated squaring, renormalising after each
 * product and accumulating log‖A^m‖. Works for any real matrix, including complex dominant pairs
 * (where power iteration does not settle) and non-normal matrices.
 *
 * Error: log‖A^m‖/m − log ρ = O(log(cond)/m) + O(n·u) (u the unit roundoff: the rounding of the
 * k-th squaring is divided by 2^k), so 40 squarings leave only rounding.
 * @example spectralRadius(new Float64Array([0, -2, 2, 0]), 2) // 2 (eigenvalues ±2i)
 * @see Gelfand, "Normierte Ringe", 1941; Horn & Johnson, Matrix Analysis, Cor. 5.6.14
 */
export function spectralRadius(a: ArrayLike<number>, n: number, squarings = 40): number {
  if (!Number.isInteger(n) || n < 1 || a.length !== n * n) {
    throw new ShapeError(`spectralRadius: a must hold n×n = ${fmt(n)}² values, got ${a.length}`);
  }
  let m = Float64Array.from(a);
  let next = new Float64Array(n * n);
  const frob = (x: Float64Array): number => {
    let s = 0;
    let scale = 0;
    for (let i = 0; i < x.length; i++) scale = Math.max(scale, Math.abs(x[i] as number));
    if (scale === 0) return 0;
    for (let i = 0; i < x.length; i++) s += ((x[i] as number) / scale) ** 2;
    return scale * Math.sqrt(s);
  };
  const norm = frob(m);
  if (norm === 0) return 0;
  for (let i = 0; i < m.length; i++) m[i] = (m[i] as number) / norm;
  // logNorm = log‖A^(2^k)‖ after k squarings; the running matrix is A^(2^k)/‖A^(2^k)‖.
  let logNorm = Math.log(norm);
  let power = 1;
  for (let k = 0; k < squarings; k++) {
    next.fill(0);
    for (let i = 0; i < n; i++) {
      for (let l = 0; l < n; l++) {
        const ail = m[i * n + l] as number;
        if (ail === 0) continue;
        for (let j = 0; j < n; j++)
          next[i * n + j] = (next[i * n + j] as number) + ail * (m[l * n + j] as number);
      }
    }
    const s = frob(next);
    // A nilpotent matrix (or underflow of a tiny one): its powers vanish, ρ = 0.
    if (s === 0) return 0;
    for (let i = 0; i < next.length; i++) next[i] = (next[i] as number) / s;
    logNorm = 2 * logNorm + Math.log(s);
    power *= 2;
    const t = m;
    m = next;
    next = t;
  }
  return Math.exp(logNorm / power);
}
