import { ConfigError, ShapeError, fmt } from '../errors.js';
import { lanczos, type LanczosResult } from '../numeric/lanczos.js';
import { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import { gradients } from './backward.js';
import { enableGrad } from './grad-mode.js';

/** Named parameters (structurally optim's `Params`): the variables a loss is differentiated by. */
export type ParamMap = Readonly<Record<string, Tensor>>;

/** A scalar loss of named parameters. It may read the tensors it is given or the same tensors by closure. */
export type ParamLoss = (params: ParamMap) => Tensor;

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

/** The result of {@link hessianEigs}: {@link numeric.LanczosResult} plus the parameter count. */
export interface HessianEigsResult extends LanczosResult {
  /** Number of scalar parameters n (the Hessian is n×n). */
  n: number;
}

/** Flat n-vector ↔ the parameters' data, in key order. */
function flatten(list: readonly Tensor[], out: Float64Array): void {
  let off = 0;
  for (const p of list) {
    const d = p.data;
    for (let i = 0; i < d.length; i++) out[off + i] = d[i] as number;
    off += d.length;
  }
}

/**
 * Extreme eigenvalues of the Hessian ∇²f(θ) of a scalar loss at the parameters' current values,
 * by {@link numeric.lanczos} (full reorthogonalisation) on Hessian-vector products, with each
 * Ritz value's residual ‖Hy − θy‖ as its confidence (an eigenvalue of H lies within it).
 *
 * HVPs: today central differences of two gradients, (∇f(θ + hv) − ∇f(θ − hv))/2h with
 * h = ∛u·max(1, ‖θ‖∞)/‖v‖∞ (u the unit roundoff; about 2/3 of the digits — use float64), the
 * parameters' data perturbed in place and restored afterwards; the API stays when they become
 * exact (double backward). No `.grad` is touched.
 *
 * Cost: at most `iterations` HVPs (2 forward + 2 backward passes each) plus O(n·m²) for the
 * reorthogonalisation. Memory: (m + 1)·n float64s for the Lanczos basis.
 * @example hessianEigs((p) => sum(mul(p.w, p.w)), { w }).largest[0].value // 2
 */
export function hessianEigs(
  f: ParamLoss,
  params: ParamMap,
  opts: HessianEigsOptions = {},
): HessianEigsResult {
  const names = Object.keys(params);
  const list = names.map((k) => params[k] as Tensor);
  if (list.length === 0)
    throw new ConfigError('hessianEigs(): params is empty; expected at least one tensor');
  const n = list.reduce((s, p) => s + p.size, 0);
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed))
    throw new ConfigError(`hessianEigs(): seed = ${fmt(seed)} is not an integer`);
  const u = list.some((p) => p.dtype === 'float32') ? 2 ** -24 : 2 ** -53;
  const x0 = new Float64Array(n);
  flatten(list, x0);
  const flags = list.map((p) => p.requiresGrad);
  const gp = new Float64Array(n);
  let xmax = 1;
  for (let i = 0; i < n; i++) xmax = Math.max(xmax, Math.abs(x0[i] as number));
  const gradAt = (v: Float64Array, h: number, out: Float64Array): void => {
    let off = 0;
    for (const p of list) {
      const d = p.data;
      for (let i = 0; i < d.length; i++)
        d[i] = (x0[off + i] as number) + h * (v[off + i] as number);
      off += d.length;
    }
    const y = enableGrad(() => f(params));
    if (y.size !== 1)
      throw new ShapeError(`hessianEigs(): f must return a scalar, got shape ${fmt(y.shape)}`);
    if (!y.requiresGrad) {
      out.fill(0);
      return;
    }
    flatten(gradients(y, list), out);
  };
  const matvec = (v: Float64Array, w: Float64Array): void => {
    let vmax = 0;
    for (let i = 0; i < n; i++) vmax = Math.max(vmax, Math.abs(v[i] as number));
    if (vmax === 0) {
      w.fill(0);
      return;
    }
    const h = (Math.cbrt(u) * xmax) / vmax;
    gradAt(v, h, gp);
    gradAt(v, -h, w);
    for (let i = 0; i < n; i++) w[i] = ((gp[i] as number) - (w[i] as number)) / (2 * h);
  };
  const start = new Float64Array(n);
  new Rng(seed).fillNormal(start);
  try {
    for (const p of list) if (p.gradFn === null) p.requiresGrad = true;
    const r = lanczos(matvec, start, opts);
    return { ...r, n };
  } finally {
    let off = 0;
    list.forEach((p, i) => {
      const d = p.data;
      for (let j = 0; j < d.length; j++) d[j] = x0[off + j] as number;
      off += d.length;
      p.requiresGrad = flags[i] as boolean;
    });
  }
}
