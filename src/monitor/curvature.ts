import { ConfigError, fmt } from '../errors.js';
import { NotDifferentiableError } from '../autograd/backward.js';
import { hessianOperator } from '../autograd/hvp.js';
import { lanczos } from '../numeric/lanczos.js';
import type { Params } from '../optim/types.js';
import { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';

/** A scalar loss of the parameters on a fixed batch: reads the parameters' current `.data`. */
export type LossClosure = (params: Params) => Tensor;

/** Options of {@link CurvatureProbe}. */
export interface CurvatureOptions {
  /** The loss on the current batch as a function of the parameters (read, never modified, by exact probes). */
  loss: LossClosure;
  /** Probe every this many checks (default 10). */
  every?: number;
  /** Lanczos steps = Hessian-vector products per probe, at most (default 20). */
  iterations?: number;
  /**
   * Stop early when both extreme Ritz values have residual ‖Hy − θy‖ ≤ tol·max|θ| (default 1e-4).
   */
  tol?: number;
  /** Seed of the start vectors (default 0; each probe draws the next one from the stream). */
  seed?: number;
  /**
   * Base finite-difference step ε₀ of the fallback HVPs, used only when the loss has an op whose
   * VJP is not differentiable yet (default ∛u of the dtype's unit roundoff u).
   */
  eps?: number;
}

/** Extreme Hessian eigenvalues at the current parameters. */
export interface CurvatureResult {
  /** Largest eigenvalue λmax (the top Ritz value). */
  maxEigenvalue: number;
  /** Most negative (smallest) eigenvalue λmin (the bottom Ritz value). */
  minEigenvalue: number;
  /** Spectral radius estimate max(|λmax|, |λmin|). */
  spectralRadius: number;
  /** Residual ‖Hy − θy‖ of λmax's Ritz pair: an eigenvalue of H lies within it (its confidence). */
  maxResidual: number;
  /** Residual of λmin's Ritz pair, likewise. */
  minResidual: number;
  /** Hessian-vector products used (Lanczos steps). */
  hvps: number;
  /**
   * 'exact': Pearlmutter HVPs by double backward (one forward + one recorded backward per probe,
   * then one backward per HVP); 'finite-difference': the loss has an op without a differentiable
   * VJP, so each HVP is a central difference of two gradients (2 forward + 2 backward passes).
   */
  method: 'exact' | 'finite-difference';
}

/**
 * Top and bottom Hessian eigenvalues of a loss by the Lanczos iteration ({@link numeric.lanczos},
 * full reorthogonalisation, `which: 'both'`) on exact Hessian-vector products
 * ({@link hessianOperator}: Pearlmutter's double backward), with the residual
 * ‖Hy − θy‖ of each Ritz pair as its confidence (an eigenvalue lies within it). The bottom Ritz
 * value never lies below λmin, so a negative estimate means negative curvature exists.
 *
 * Cost per probe: one forward, one recorded backward and at most `iterations` (20) HVPs, each one
 * backward through the double graph, plus O(n·m²) for the reorthogonalisation; the extreme
 * eigenvalues of both ends come from one Krylov space (the former shifted power iteration spent
 * up to 3·20 finite-difference HVPs, i.e. 120 gradient evaluations). When the loss has an op
 * whose VJP is not differentiable yet (conv, pooling, the fused recurrent layers, dropout,
 * batchNorm), the HVPs fall back to central differences of gradients,
 * Hv ≈ (∇L(θ + hv) − ∇L(θ − hv))/2h with h = ε₀·max(1, ‖θ‖∞)/‖v‖∞ (result `method`
 * 'finite-difference'); the parameters' data are then perturbed and restored.
 * The parameters' data and gradients are the same afterwards in both cases.
 *
 * @example
 * const probe = new CurvatureProbe({ loss: (p) => sum(mul(p.w, p.w)) });
 * probe.run(params).maxEigenvalue // 2
 * @see Pearlmutter, "Fast Exact Multiplication by the Hessian", Neural Computation 1994 (HVPs).
 * @see Ghorbani, Krishnan, Xiao, "An Investigation into Neural Net Optimization via Hessian
 *   Eigenvalue Density", ICML 2019 (Lanczos on HVPs).
 */
export class CurvatureProbe {
  readonly every: number;
  private readonly loss: LossClosure;
  private readonly iterations: number;
  private readonly tol: number;
  private readonly eps0: number | undefined;
  private readonly rng: Rng;

  constructor(options: CurvatureOptions) {
    if (options === null || typeof options !== 'object' || typeof options.loss !== 'function') {
      throw new ConfigError(
        `gradientHealth: option curvature.loss = ${fmt(options?.loss)} is not a function (params) => scalar Tensor`,
      );
    }
    const int = (name: string, v: unknown, d: number): number => {
      const x = v === undefined ? d : v;
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 1)
        throw new ConfigError(
          `gradientHealth: option curvature.${name} = ${fmt(x)} is invalid; expected an integer >= 1`,
        );
      return x;
    };
    this.loss = options.loss;
    this.every = int('every', options.every, 10);
    this.iterations = int('iterations', options.iterations, 20);
    const tol = options.tol ?? 1e-4;
    if (typeof tol !== 'number' || !(tol >= 0))
      throw new ConfigError(
        `gradientHealth: option curvature.tol = ${fmt(tol)} is invalid; expected a number >= 0`,
      );
    this.tol = tol;
    const eps = options.eps;
    if (eps !== undefined && (typeof eps !== 'number' || !(eps > 0)))
      throw new ConfigError(
        `gradientHealth: option curvature.eps = ${fmt(eps)} is invalid; expected a number > 0`,
      );
    this.eps0 = eps;
    const seed = options.seed ?? 0;
    if (typeof seed !== 'number' || !Number.isInteger(seed))
      throw new ConfigError(
        `gradientHealth: option curvature.seed = ${fmt(seed)} is not an integer`,
      );
    this.rng = new Rng(seed);
  }

  /**
   * The finite-difference fallback: v ↦ (∇L(θ₀ + hv) − ∇L(θ₀ − hv))/2h, the parameters' data
   * perturbed in place (the caller restores them and their gradients).
   */
  private fdMatvec(
    params: Params,
    names: readonly string[],
    x0: Float64Array,
    u: number,
  ): (v: Float64Array, w: Float64Array) => void {
    const n = x0.length;
    const gp = new Float64Array(n);
    let xmax = 1;
    for (let i = 0; i < n; i++) xmax = Math.max(xmax, Math.abs(x0[i] as number));
    const gradAt = (v: Float64Array, h: number, out: Float64Array): void => {
      let off = 0;
      for (const name of names) {
        const p = params[name] as Tensor;
        const d = p.data;
        for (let i = 0; i < d.length; i++)
          d[i] = (x0[off + i] as number) + h * (v[off + i] as number);
        if (p.grad !== null) p.grad.data.fill(0);
        off += d.length;
      }
      const l = this.loss(params);
      if (l.size !== 1)
        throw new ConfigError(
          `gradientHealth: curvature.loss must return a scalar, got shape ${fmt(l.shape)}`,
        );
      l.backward();
      off = 0;
      for (const name of names) {
        const p = params[name] as Tensor;
        const g = p.grad;
        if (g === null) out.fill(0, off, off + p.size);
        else for (let i = 0; i < p.size; i++) out[off + i] = g.data[i] as number;
        off += p.size;
      }
    };
    return (v, w) => {
      let vmax = 0;
      for (let i = 0; i < n; i++) vmax = Math.max(vmax, Math.abs(v[i] as number));
      if (vmax === 0) {
        w.fill(0);
        return;
      }
      const h = ((this.eps0 ?? Math.cbrt(u)) * xmax) / vmax;
      gradAt(v, h, gp);
      gradAt(v, -h, w);
      for (let i = 0; i < n; i++) w[i] = ((gp[i] as number) - (w[i] as number)) / (2 * h);
    };
  }

  /**
   * Estimates λmax and λmin of the loss's Hessian at the parameters' current values (data and
   * gradients unchanged afterwards).
   */
  run(params: Params): CurvatureResult {
    const names = Object.keys(params);
    let n = 0;
    let u = 2 ** -53;
    for (const name of names) {
      const p = params[name] as Tensor;
      n += p.size;
      if (p.dtype === 'float32') u = 2 ** -24;
    }
    const start = new Float64Array(n);
    for (let i = 0; i < n; i++) start[i] = this.rng.normal();
    const opts = {
      k: 1,
      which: 'both' as const,
      iterations: Math.min(this.iterations, n),
      tol: this.tol,
    };
    const result = (
      r: ReturnType<typeof lanczos>,
      method: CurvatureResult['method'],
    ): CurvatureResult => {
      const top = r.largest[0] as { value: number; residual: number };
      const bottom = r.smallest[0] as { value: number; residual: number };
      return {
        maxEigenvalue: top.value,
        minEigenvalue: bottom.value,
        spectralRadius: Math.max(Math.abs(top.value), Math.abs(bottom.value)),
        maxResidual: top.residual,
        minResidual: bottom.residual,
        hvps: r.matvecs,
        method,
      };
    };
    let H: ReturnType<typeof hessianOperator> | null = null;
    try {
      H = hessianOperator(this.loss, params);
    } catch (e) {
      if (!(e instanceof NotDifferentiableError)) throw e;
    }
    if (H !== null) {
      const op = H;
      return result(
        lanczos((v, w) => op.matvec(v, w), start, opts),
        'exact',
      );
    }
    const x0 = new Float64Array(n);
    const gSave = new Float64Array(n);
    const hadGrad = names.map((name) => (params[name] as Tensor).grad !== null);
    let off = 0;
    for (const name of names) {
      const p = params[name] as Tensor;
      const d = p.data;
      for (let i = 0; i < d.length; i++) x0[off + i] = d[i] as number;
      const g = p.grad;
      for (let i = 0; i < d.length; i++) gSave[off + i] = g === null ? 0 : (g.data[i] as number);
      off += d.length;
    }
    try {
      return result(lanczos(this.fdMatvec(params, names, x0, u), start, opts), 'finite-difference');
    } finally {
      off = 0;
      names.forEach((name, k) => {
        const p = params[name] as Tensor;
        const d = p.data;
        for (let i = 0; i < d.length; i++) d[i] = x0[off + i] as number;
        if (!hadGrad[k]) p.grad = null;
        else if (p.grad !== null)
          for (let i = 0; i < d.length; i++) p.grad.data[i] = gSave[off + i] as number;
        off += d.length;
      });
    }
  }
}
