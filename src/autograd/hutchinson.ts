import { ConfigError, fmt } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import { hessianOperator, type ParamLoss, type ParamMap } from './hvp.js';

/** Options of {@link hutchinsonTrace}. */
export interface HutchinsonOptions {
  /** Number of probe vectors (default 32). */
  probes?: number;
  /** Seed of the Rademacher probes (default 0). */
  seed?: number;
}

/** The result of {@link hutchinsonTrace}. */
export interface HutchinsonResult {
  /** The estimate of tr(H): the mean of zᵀHz over the probes. */
  trace: number;
  /** Its standard error: the sample standard deviation of zᵀHz over √probes (NaN for one probe). */
  stdError: number;
  /** Probes used (= Hessian-vector products). */
  probes: number;
  /** The number of parameters n. */
  n: number;
}

/**
 * Hutchinson's stochastic estimate of the trace of the Hessian of a scalar loss: for Rademacher
 * vectors z (entries ±1 with probability ½, seeded), E[zᵀHz] = tr(H), with variance
 * 2·Σ_{i≠j} H_ij² per probe (Hutchinson 1990). The HVPs are exact ({@link hessianOperator}).
 *
 * Cost: one forward and one recorded backward, then one HVP per probe. Memory: the double graph
 * and two n-vectors.
 * @example hutchinsonTrace((p) => loss(p), params, { probes: 100, seed: 1 }).trace
 * @see M. F. Hutchinson, "A stochastic estimator of the trace of the influence matrix for
 *   Laplacian smoothing splines", Comm. Statist. Simulation Comput. 19, 1990.
 */
export function hutchinsonTrace(
  f: ParamLoss,
  params: ParamMap,
  opts: HutchinsonOptions = {},
): HutchinsonResult {
  const probes = opts.probes ?? 32;
  if (!Number.isInteger(probes) || probes < 1)
    throw new ConfigError(
      `hutchinsonTrace(): probes = ${fmt(probes)} is invalid; expected an integer >= 1`,
    );
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed))
    throw new ConfigError(`hutchinsonTrace(): seed = ${fmt(seed)} is not an integer`);
  const H = hessianOperator(f, params);
  const n = H.n;
  const rng = new Rng(seed);
  const z = new Float64Array(n);
  const hz = new Float64Array(n);
  let mean = 0;
  let m2 = 0;
  for (let k = 0; k < probes; k++) {
    for (let i = 0; i < n; i++) z[i] = rng.float() < 0.5 ? -1 : 1;
    H.matvec(z, hz);
    let q = 0;
    for (let i = 0; i < n; i++) q += (z[i] as number) * (hz[i] as number);
    // Welford's running mean and sum of squared deviations.
    const d = q - mean;
    mean += d / (k + 1);
    m2 += d * (q - mean);
  }
  const stdError = probes > 1 ? Math.sqrt(m2 / (probes - 1) / probes) : NaN;
  return { trace: mean, stdError, probes, n };
}
