import { ConfigError, fmt } from '../errors.js';

/** y ← A·x for a symmetric linear operator A of size n (x must not be modified). */
export type MatVec = (x: Float64Array, y: Float64Array) => void;

/** Options of {@link lanczos}. */
export interface LanczosOptions {
  /** How many eigenvalues at each requested end (default 1). */
  k?: number;
  /** Which end(s) of the spectrum to return (default 'both'). */
  which?: 'largest' | 'smallest' | 'both';
  /**
   * Largest Krylov dimension m, i.e. the most matrix-vector products (default
   * min(n, max(40, 4k + 20))). The iteration stops earlier when the wanted Ritz values converge
   * or the Krylov space becomes invariant.
   */
  iterations?: number;
  /**
   * Convergence test: every wanted Ritz pair has residual ‖Ay − θy‖ ≤ tol·max|θ| (default 1e-10).
   * Use 0 to always run `iterations` steps.
   */
  tol?: number;
  /** Also return the Ritz vectors (unit length; costs one n×m product at the end). */
  vectors?: boolean;
}

/** One Ritz pair: an eigenvalue estimate θ and its confidence. */
export interface RitzValue {
  /** The Ritz value θ (an eigenvalue estimate). */
  value: number;
  /**
   * Residual ‖Ay − θy‖ of the unit Ritz vector y, computed as |β_m·s_m| from the tridiagonal
   * (exact arithmetic identity; faithful with full reorthogonalisation). For symmetric A some
   * eigenvalue lies within `residual` of θ (Bauer–Fike / Kahan), and within residual²/gap when
   * the gap to the rest of the spectrum is known.
   */
  residual: number;
  /** The Ritz vector y (length n), when `vectors` was requested. */
  vector?: Float64Array;
}

/** The result of {@link lanczos}. */
export interface LanczosResult {
  /** The largest Ritz values, in descending order (empty when `which` is 'smallest'). */
  largest: RitzValue[];
  /** The smallest Ritz values, in ascending order (empty when `which` is 'largest'). */
  smallest: RitzValue[];
  /** Matrix-vector products used (= the Krylov dimension reached). */
  matvecs: number;
  /** True when every wanted Ritz value met `tol`, or the Krylov space became invariant. */
  converged: boolean;
}

/**
 * Symmetric eigen-decomposition of a tridiagonal matrix (diagonal `d`, off-diagonal `e`, both
 * overwritten) by the implicit QL algorithm with Wilkinson-like shifts (EISPACK tql2, as in
 * JAMA). Returns the eigenvalues ascending in `d` and the eigenvectors in the columns of `z`
 * (row-major m×m, `z[i*m + j]` = component i of vector j).
 */
function tridiagonalEigen(d: Float64Array, e: Float64Array, z: Float64Array): void {
  const n = d.length;
  z.fill(0);
  for (let i = 0; i < n; i++) z[i * n + i] = 1;
  if (n === 1) return;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l] as number) + Math.abs(e[l] as number));
    let m = l;
    while (m < n - 1 && Math.abs(e[m] as number) > eps * tst1) m++;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new ConfigError('lanczos(): tridiagonal QL did not converge');
        let g = d[l] as number;
        let p = ((d[l + 1] as number) - g) / (2 * (e[l] as number));
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = (e[l] as number) / (p + r);
        d[l + 1] = (e[l] as number) * (p + r);
        const dl1 = d[l + 1] as number;
        let h = g - (d[l] as number);
        for (let i = l + 2; i < n; i++) d[i] = (d[i] as number) - h;
        f += h;
        p = d[m] as number;
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1] as number;
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * (e[i] as number);
          h = c * p;
          r = Math.hypot(p, e[i] as number);
          e[i + 1] = s * r;
          s = (e[i] as number) / r;
          c = p / r;
          p = c * (d[i] as number) - s * g;
          d[i + 1] = h + s * (c * g + s * (d[i] as number));
          for (let k = 0; k < n; k++) {
            const zk = k * n;
            h = z[zk + i + 1] as number;
            z[zk + i + 1] = s * (z[zk + i] as number) + c * h;
            z[zk + i] = c * (z[zk + i] as number) - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * (e[l] as number)) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l] as number) > eps * tst1);
    }
    d[l] = (d[l] as number) + f;
    e[l] = 0;
  }
  // Selection sort ascending, permuting the eigenvector columns along.
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let p = d[i] as number;
    for (let j = i + 1; j < n; j++)
      if ((d[j] as number) < p) {
        k = j;
        p = d[j] as number;
      }
    if (k !== i) {
      d[k] = d[i] as number;
      d[i] = p;
      for (let j = 0; j < n; j++) {
        const t = z[j * n + i] as number;
        z[j * n + i] = z[j * n + k] as number;
        z[j * n + k] = t;
      }
    }
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/**
 * Extreme eigenvalues of a symmetric linear operator given only as a matrix-vector product:
 * the Lanczos iteration (Lanczos 1950) with full reorthogonalisation, returning the top-k and/or
 * bottom-k Ritz values with their residual norms as confidence.
 *
 * From the unit start vector q₁ it builds an orthonormal basis Q_m of the Krylov space
 * span{q₁, Aq₁, …, A^{m−1}q₁} and the tridiagonal T_m = Q_mᵀAQ_m (α on the diagonal, β off it);
 * the eigenvalues θ of T_m (Ritz values) converge to the extreme eigenvalues of A first. Each new
 * vector is orthogonalised against all previous ones twice ("twice is enough", Parlett), which
 * removes the ghost eigenvalues of plain Lanczos in floating point; that costs O(n·m) per step
 * and is meant for the modest m used here (tens to a few hundred), not for m ≈ n on huge n.
 * The residual of a Ritz pair (θ, y = Q_m s) is ‖Ay − θy‖ = β_m·|s_m|, read off T_m without
 * another product; it bounds the distance from θ to the nearest eigenvalue of A.
 *
 * Cost: m matrix-vector products, O(n·m²) flops of reorthogonalisation, O(m³) per tridiagonal
 * solve (one every 5 steps for the convergence test). Memory: the m + 1 basis vectors,
 * (m + 1)·n float64s, plus O(m²). Deterministic: the caller supplies the start vector (seed it;
 * {@link hessianEigs} draws it from `Rng(seed)`); it must not be orthogonal to the wanted
 * eigenvectors (a random vector is not, almost surely).
 *
 * @param matvec y ← A·x; A must be symmetric (n = `start.length`).
 * @param start the start vector (not modified; any non-zero scale).
 * @example
 * const A = (x: Float64Array, y: Float64Array) => { y[0] = 2 * x[0]; y[1] = -x[1]; };
 * lanczos(A, Float64Array.of(1, 1)).largest[0].value // 2 (smallest[0].value is −1)
 * @see Lanczos, "An iteration method for the solution of the eigenvalue problem of linear
 *   differential and integral operators", J. Res. NBS 45 (1950).
 * @see Golub & Van Loan, Matrix Computations, 4th ed., §10.1–10.3 (full reorthogonalisation).
 */
export function lanczos(
  matvec: MatVec,
  start: Float64Array,
  opts: LanczosOptions = {},
): LanczosResult {
  const n = start.length;
  if (n < 1) throw new ConfigError('lanczos(): start is empty; expected a vector of length >= 1');
  const k = opts.k ?? 1;
  if (!Number.isInteger(k) || k < 1 || k > n)
    throw new ConfigError(`lanczos(): k = ${fmt(k)} is invalid; expected an integer in [1, ${n}]`);
  const which = opts.which ?? 'both';
  if (which !== 'largest' && which !== 'smallest' && which !== 'both')
    throw new ConfigError(
      `lanczos(): which = ${fmt(which)} is invalid; expected 'largest', 'smallest' or 'both'`,
    );
  const maxIter = opts.iterations ?? Math.min(n, Math.max(40, 4 * k + 20));
  if (!Number.isInteger(maxIter) || maxIter < 1)
    throw new ConfigError(
      `lanczos(): iterations = ${fmt(maxIter)} is invalid; expected an integer >= 1`,
    );
  const mMax = Math.min(maxIter, n);
  const tol = opts.tol ?? 1e-10;
  if (typeof tol !== 'number' || !(tol >= 0))
    throw new ConfigError(`lanczos(): tol = ${fmt(tol)} is invalid; expected a number >= 0`);
  const s0 = Math.sqrt(dot(start, start));
  if (!(s0 > 0) || !Number.isFinite(s0))
    throw new ConfigError(
      `lanczos(): start has norm ${fmt(s0)}; expected a finite non-zero vector`,
    );
  const Q: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  let q = new Float64Array(n);
  for (let i = 0; i < n; i++) q[i] = (start[i] as number) / s0;
  Q.push(q);
  const w = new Float64Array(n);
  let invariant = false;
  let converged = false;
  let ev: { d: Float64Array; z: Float64Array } | null = null;
  let m = 0;
  const solve = (): { d: Float64Array; z: Float64Array } => {
    const d = Float64Array.from(alpha);
    const e = new Float64Array(m);
    for (let i = 0; i < m - 1; i++) e[i] = beta[i] as number;
    const z = new Float64Array(m * m);
    tridiagonalEigen(d, e, z);
    return { d, z };
  };
  /** Indices (into the ascending Ritz values) of the wanted ones. */
  const wanted = (): number[] => {
    const kk = Math.min(k, m);
    const idx: number[] = [];
    if (which !== 'smallest') for (let i = 0; i < kk; i++) idx.push(m - 1 - i);
    if (which !== 'largest') for (let i = 0; i < kk; i++) if (!idx.includes(i)) idx.push(i);
    return idx;
  };
  while (m < mMax) {
    matvec(q, w);
    m++;
    const a = dot(q, w);
    alpha.push(a);
    // Full reorthogonalisation, twice (the first pass subsumes the three-term recurrence).
    for (let pass = 0; pass < 2; pass++) {
      for (const qi of Q) {
        const c = dot(qi, w);
        for (let i = 0; i < n; i++) w[i] = (w[i] as number) - c * (qi[i] as number);
      }
    }
    const b = Math.sqrt(dot(w, w));
    beta.push(b);
    // Scale of A seen so far, for the invariance test.
    let scale = 0;
    for (let i = 0; i < m; i++)
      scale = Math.max(scale, Math.abs(alpha[i] as number) + (beta[i] as number));
    if (!(b > 1e-14 * scale) || m === n) {
      invariant = true;
      break;
    }
    if (m < mMax && (m % 5 === 0 || m === mMax) && tol > 0 && m >= k) {
      ev = solve();
      const { d, z } = ev;
      let amax = 0;
      for (let i = 0; i < m; i++) amax = Math.max(amax, Math.abs(d[i] as number));
      const ok = wanted().every((j) => Math.abs(b * (z[(m - 1) * m + j] as number)) <= tol * amax);
      if (ok && m >= Math.min(n, 2 * k)) {
        converged = true;
        break;
      }
    }
    if (m === mMax) break;
    q = new Float64Array(n);
    for (let i = 0; i < n; i++) q[i] = (w[i] as number) / b;
    Q.push(q);
  }
  ev = solve();
  const { d, z } = ev;
  const bLast = invariant ? 0 : (beta[m - 1] as number);
  const pair = (j: number): RitzValue => {
    const r: RitzValue = {
      value: d[j] as number,
      residual: Math.abs(bLast * (z[(m - 1) * m + j] as number)),
    };
    if (opts.vectors === true) {
      const y = new Float64Array(n);
      for (let i = 0; i < m; i++) {
        const c = z[i * m + j] as number;
        const qi = Q[i] as Float64Array;
        for (let t = 0; t < n; t++) y[t] = (y[t] as number) + c * (qi[t] as number);
      }
      r.vector = y;
    }
    return r;
  };
  const kk = Math.min(k, m);
  const largest: RitzValue[] = [];
  const smallest: RitzValue[] = [];
  if (which !== 'smallest') for (let i = 0; i < kk; i++) largest.push(pair(m - 1 - i));
  if (which !== 'largest') for (let i = 0; i < kk; i++) smallest.push(pair(i));
  if (!converged && !invariant && tol > 0) {
    let amax = 0;
    for (let i = 0; i < m; i++) amax = Math.max(amax, Math.abs(d[i] as number));
    converged = [...largest, ...smallest].every((r) => r.residual <= tol * amax);
  }
  return { largest, smallest, matvecs: m, converged: converged || invariant };
}
