import { ConfigError, fmt } from '../errors.js';
import { lanczos, type LanczosResult } from '../numeric/lanczos.js';
import { Rng } from '../tensor/rng.js';
import { hessianOperator, type ParamLoss, type ParamMap } from './hvp.js';

/** Options of {@link hessianEigs}. */
export interface HessianEigsOptions {
  /** How many eigenvalues at each requested end (default 1). */
  k?: number;
  /** Which end(s) of the spectrum (default 'both'). */
  which?: 'largest' | 'smallest' | 'both';
  /** Most Lanczos steps = Hessian-vector products (default min(n, max(40, 4k + 20))). */
  iterations?: number;
  /** Relative residual at which the iteration stops early (default 1e-10; 0 = run `iterations`). */
  tol?: number;
  /** Seed of the Gaussian start vector (default 0). */
  seed?: number;
  /** Also return the Ritz vectors (flat, in the parameters' key order). */
  vectors?: boolean;
}

/** The result of {@link hessianEigs}: {@link numeric.LanczosResult} plus the parameter count and loss. */
export interface HessianEigsResult extends LanczosResult {
  /** Number of scalar parameters n (the Hessian is n×n). */
  n: number;
  /** The loss at the parameters. */
  value: number;
}

/**
 * Extreme eigenvalues of the Hessian ∇²f(θ) of a scalar loss at the parameters' current values,
 * by {@link numeric.lanczos} (full reorthogonalisation) on exact Hessian-vector products
 * ({@link hessianOperator}: Pearlmutter's reverse-over-reverse), with each Ritz value's residual
 * ‖Hy − θy‖ as its confidence (an eigenvalue of H lies within it). No `.grad` is touched and the
 * parameters are not modified.
 *
 * Cost: one forward and one recorded backward, then one HVP per Lanczos step (at most
 * `iterations`; each about 2–3 gradients' work) plus O(n·m²) flops of reorthogonalisation.
 * Memory: the double graph plus (m + 1)·n float64s for the Lanczos basis.
 * @example hessianEigs((p) => sum(mul(p.w, p.w)), { w }).largest[0].value // 2
 * @see Ghorbani, Krishnan, Xiao, "An Investigation into Neural Net Optimization via Hessian
 *   Eigenvalue Density", ICML 2019 (Lanczos on HVPs for network Hessians).
 */
export function hessianEigs(
  f: ParamLoss,
  params: ParamMap,
  opts: HessianEigsOptions = {},
): HessianEigsResult {
  if (Object.keys(params).length === 0)
    throw new ConfigError('hessianEigs(): params is empty; expected at least one tensor');
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed))
    throw new ConfigError(`hessianEigs(): seed = ${fmt(seed)} is not an integer`);
  const H = hessianOperator(f, params);
  const start = new Float64Array(H.n);
  new Rng(seed).fillNormal(start);
  const r = lanczos((v, w) => H.matvec(v, w), start, opts);
  return { ...r, n: H.n, value: H.value };
}
