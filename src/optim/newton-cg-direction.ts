import { ConfigError, fmt } from '../errors.js';
import { lanczos, type MatVec } from '../numeric/lanczos.js';

/** How {@link newtonDirection} treats the curvature of the Hessian H. */
export type NewtonCurvatureMode = 'newton' | 'newtonCg' | 'saddleFree';

/** Options of {@link newtonDirection}. */
export interface NewtonDirectionOptions {
  /**
   * - 'newton': conjugate gradients on (H + λI)d = −g, whatever the sign of the curvature met —
   *   the plain Newton step, which on an indefinite H points at the saddle;
   * - 'newtonCg': the same, truncated at the first direction of non-positive curvature (the
   *   steps so far, or −g if it is the first: Nocedal & Wright, Algorithm 7.1);
   * - 'saddleFree': d = −Σ (yᵢ·g)/(|θᵢ| + λ)·yᵢ over the Ritz pairs (θᵢ, yᵢ) of H in the Krylov
   *   space K_m(H, g) (Dauphin et al. 2014): Newton's rescaling by |H| instead of H, so
   *   directions of negative curvature are descended instead of climbed.
   */
  mode: NewtonCurvatureMode;
  /** Damping λ ≥ 0 (Levenberg–Marquardt): added to the curvature. */
  damping: number;
  /** Most HVPs: CG iterations, or the Krylov dimension m of 'saddleFree'. */
  iterations: number;
  /** CG stops when ‖r‖ ≤ tol·‖g‖ (ignored by 'saddleFree'). */
  tol: number;
}

/** What {@link newtonDirection} did. */
export interface NewtonDirectionInfo {
  /** HVPs used. */
  hvps: number;
  /** A direction of non-positive (damped) curvature was met (CG) or a Ritz value θᵢ + λ ≤ 0 (saddle-free). */
  negativeCurvature: boolean;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/**
 * The Newton-type search direction d at gradient g for a Hessian given only by products
 * `matvec` (v ↦ Hv), written into `out`. The caller scales it by a step size (d already points
 * downhill for 'newtonCg' and 'saddleFree'; for 'newton' it points at the stationary point of the
 * quadratic model, which is a saddle when H is indefinite).
 *
 * 'newton'/'newtonCg': conjugate gradients on (H + λI)d = −g (Hestenes & Stiefel 1952; truncated
 * Newton as in Nocedal & Wright, Numerical Optimization, §7.1). 'saddleFree': m Lanczos steps
 * from g ({@link numeric.lanczos}, full reorthogonalisation) give H ≈ Σ θᵢyᵢyᵢᵀ on K_m(H, g), and
 * d = −Σ (yᵢ·g)/(|θᵢ| + λ)·yᵢ (Dauphin et al., "Identifying and attacking the saddle point
 * problem in high-dimensional non-convex optimization", NeurIPS 2014, §6: saddle-free Newton in
 * a Krylov subspace). Cost: at most `iterations` HVPs; memory O(n) for CG, O(n·m) for Lanczos.
 *
 * @example
 * // f = x² − y² at (1, 1): g = (2, −2), H = diag(2, −2)
 * const H = (v: Float64Array, o: Float64Array) => { o[0] = 2 * v[0]; o[1] = -2 * v[1]; };
 * newtonDirection(H, Float64Array.of(2, -2), out, { mode: 'newton', damping: 0, iterations: 10, tol: 1e-12 });     // out = (−1, −1): to the saddle
 * newtonDirection(H, Float64Array.of(2, -2), out, { mode: 'saddleFree', damping: 0, iterations: 10, tol: 0 }); // out = (−1, +1): away from it
 */
export function newtonDirection(
  matvec: MatVec,
  g: Float64Array,
  out: Float64Array,
  opts: NewtonDirectionOptions,
): NewtonDirectionInfo {
  const n = g.length;
  if (out.length !== n)
    throw new ConfigError(
      `newtonDirection(): out has length ${out.length}; expected ${n} (the gradient's)`,
    );
  const { mode, damping: lam, iterations, tol } = opts;
  if (!(lam >= 0) || !Number.isFinite(lam))
    throw new ConfigError(
      `newtonDirection(): damping = ${fmt(lam)} is invalid; expected a number >= 0`,
    );
  if (!Number.isInteger(iterations) || iterations < 1)
    throw new ConfigError(
      `newtonDirection(): iterations = ${fmt(iterations)} is invalid; expected an integer >= 1`,
    );
  out.fill(0);
  const gg = dot(g, g);
  if (!(gg > 0)) return { hvps: 0, negativeCurvature: false };
  if (mode === 'saddleFree') {
    const m = Math.min(iterations, n);
    const r = lanczos(matvec, g, { k: m, which: 'largest', iterations: m, tol: 0, vectors: true });
    let neg = false;
    for (const p of r.largest) {
      const y = p.vector as Float64Array;
      if (p.value + lam <= 0) neg = true;
      const c = -dot(y, g) / (Math.abs(p.value) + lam);
      if (!Number.isFinite(c)) continue; // |θ| + λ = 0: no information along y
      for (let i = 0; i < n; i++) out[i] = (out[i] as number) + c * (y[i] as number);
    }
    return { hvps: r.matvecs, negativeCurvature: neg };
  }
  if (mode !== 'newton' && mode !== 'newtonCg')
    throw new ConfigError(
      `newtonDirection(): mode = ${fmt(mode)} is invalid; expected 'newton', 'newtonCg' or 'saddleFree'`,
    );
  // CG on B d = −g with B = H + λI: residual r = B d + g, search direction p.
  const r = Float64Array.from(g);
  const p = new Float64Array(n);
  const bp = new Float64Array(n);
  for (let i = 0; i < n; i++) p[i] = -(g[i] as number);
  let rr = gg;
  const stop = tol * tol * gg;
  let hvps = 0;
  let neg = false;
  for (let j = 0; j < iterations; j++) {
    matvec(p, bp);
    hvps++;
    for (let i = 0; i < n; i++) bp[i] = (bp[i] as number) + lam * (p[i] as number);
    const curv = dot(p, bp);
    if (curv <= 0) neg = true;
    if (curv <= 0 && mode === 'newtonCg') {
      if (j === 0) for (let i = 0; i < n; i++) out[i] = -(g[i] as number);
      break;
    }
    if (curv === 0 || !Number.isFinite(curv)) break;
    const alpha = rr / curv;
    for (let i = 0; i < n; i++) {
      out[i] = (out[i] as number) + alpha * (p[i] as number);
      r[i] = (r[i] as number) + alpha * (bp[i] as number);
    }
    const rrNew = dot(r, r);
    if (rrNew <= stop) break;
    const beta = rrNew / rr;
    rr = rrNew;
    for (let i = 0; i < n; i++) p[i] = -(r[i] as number) + beta * (p[i] as number);
  }
  return { hvps, negativeCurvature: neg };
}
