import { ConfigError, fmt } from '../errors.js';
import type { Params } from '../optim/types.js';
import { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';

/** A scalar loss of the parameters on a fixed batch: reads the parameters' current `.data`. */
export type LossClosure = (params: Params) => Tensor;

/** Options of {@link CurvatureProbe}. */
export interface CurvatureOptions {
  /** The loss on the current batch as a function of the parameters (their data are perturbed in place around the current point). */
  loss: LossClosure;
  /** Probe every this many checks (default 10). */
  every?: number;
  /** Power iterations per eigenvalue, at most (default 20). */
  iterations?: number;
  /** Stop an eigenvalue's iteration when its estimate changes by less than this, relatively (default 1e-4). */
  tol?: number;
  /** Seed of the start vector (default 0). */
  seed?: number;
  /** Base finite-difference step ε₀ of the HVPs (default ∛u of the dtype's unit roundoff u). */
  eps?: number;
}

/** Extreme Hessian eigenvalues at the current parameters. */
export interface CurvatureResult {
  /** Largest eigenvalue λmax. */
  maxEigenvalue: number;
  /** Most negative (smallest) eigenvalue λmin. */
  minEigenvalue: number;
  /** Spectral radius estimate max|λ|. */
  spectralRadius: number;
  /** Hessian-vector products used (two gradient evaluations each). */
  hvps: number;
}

/**
 * Top and bottom Hessian eigenvalues of a loss by shifted power iteration on Hessian-vector
 * products, the HVPs by central differences of gradients over all parameters:
 *
 * Hv ≈ (∇L(θ + hv) − ∇L(θ − hv)) / 2h,  h = ε₀·max(1, ‖θ‖∞)/‖v‖∞
 *
 * 1. ρ ≈ max|λ| by power iteration on H (‖Hv‖ converges to ρ even when ±ρ are both eigenvalues);
 * 2. with s = 1.05·ρ, H + sI and sI − H are positive semi-definite, and power iteration on them
 *    gives λmax + s and s − λmin.
 * A Rayleigh quotient never exceeds the top eigenvalue, so λmin is never overstated: a negative
 * estimate means negative curvature exists (up to the HVP error). The parameters' data and
 * gradients are restored afterwards. Work buffers are allocated once per parameter count.
 *
 * @example
 * const probe = new CurvatureProbe({ loss: (p) => sum(mul(p.w, p.w)) });
 * probe.run(params).maxEigenvalue // 2
 * @see Pearlmutter, "Fast Exact Multiplication by the Hessian", Neural Computation 1994 (HVPs).
 * @see Yao et al., "PyHessian: Neural Networks Through the Lens of the Hessian", 2020 (power iteration on HVPs).
 */
export class CurvatureProbe {
  readonly every: number;
  private readonly loss: LossClosure;
  private readonly iterations: number;
  private readonly tol: number;
  private readonly eps0: number | undefined;
  private readonly rng: Rng;
  private n = -1;
  private x0 = new Float64Array(0);
  private gSave = new Float64Array(0);
  private v = new Float64Array(0);
  private w = new Float64Array(0);
  private gp = new Float64Array(0);
  private hvps = 0;

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

  private ensure(n: number): void {
    if (n === this.n) return;
    this.n = n;
    this.x0 = new Float64Array(n);
    this.gSave = new Float64Array(n);
    this.v = new Float64Array(n);
    this.w = new Float64Array(n);
    this.gp = new Float64Array(n);
  }

  /** Writes x0 + h·v into the parameters, evaluates the loss and backward, and copies the gradient into `out`. */
  private gradAt(params: Params, names: readonly string[], h: number, out: Float64Array): void {
    let off = 0;
    for (const name of names) {
      const p = params[name] as Tensor;
      const d = p.data;
      for (let i = 0; i < d.length; i++)
        d[i] = (this.x0[off + i] as number) + h * (this.v[off + i] as number);
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
      const n = p.size;
      const g = p.grad;
      if (g === null) out.fill(0, off, off + n);
      else for (let i = 0; i < n; i++) out[off + i] = g.data[i] as number;
      off += n;
    }
  }

  /** w ← H·v (v need not be normalized). */
  private hvp(params: Params, names: readonly string[], u: number): void {
    let xmax = 1;
    let vmax = 0;
    for (let i = 0; i < this.n; i++) {
      const a = Math.abs(this.x0[i] as number);
      if (a > xmax) xmax = a;
      const b = Math.abs(this.v[i] as number);
      if (b > vmax) vmax = b;
    }
    if (vmax === 0) {
      this.w.fill(0);
      return;
    }
    const h = ((this.eps0 ?? Math.cbrt(u)) * xmax) / vmax;
    this.gradAt(params, names, h, this.gp);
    this.gradAt(params, names, -h, this.w);
    for (let i = 0; i < this.n; i++)
      this.w[i] = ((this.gp[i] as number) - (this.w[i] as number)) / (2 * h);
    this.hvps++;
  }

  /**
   * Power iteration on A = sign·H + shift·I from the current `v`; returns the top eigenvalue of A
   * (the Rayleigh quotient), or ‖Hv‖ when `norm` (the spectral radius of H, shift 0).
   */
  private power(
    params: Params,
    names: readonly string[],
    u: number,
    sign: number,
    shift: number,
    norm: boolean,
  ): number {
    const n = this.n;
    let est = NaN;
    for (let it = 0; it < this.iterations; it++) {
      let vv = 0;
      for (let i = 0; i < n; i++) vv += (this.v[i] as number) ** 2;
      const vn = Math.sqrt(vv);
      if (!(vn > 0) || !Number.isFinite(vn)) return NaN;
      for (let i = 0; i < n; i++) this.v[i] = (this.v[i] as number) / vn;
      this.hvp(params, names, u);
      let rq = 0;
      let ww = 0;
      for (let i = 0; i < n; i++) {
        const a = sign * (this.w[i] as number) + shift * (this.v[i] as number);
        rq += a * (this.v[i] as number);
        ww += (this.w[i] as number) ** 2;
        this.w[i] = a;
      }
      const next = norm ? Math.sqrt(ww) : rq;
      this.v.set(this.w);
      const done = Math.abs(next - est) <= this.tol * Math.abs(next);
      est = next;
      if (done) break;
    }
    return est;
  }

  private randomStart(): void {
    for (let i = 0; i < this.n; i++) this.v[i] = this.rng.normal();
  }

  /**
   * Estimates λmax and λmin of the loss's Hessian at the parameters' current values (restored
   * afterwards, with their gradients).
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
    this.ensure(n);
    this.hvps = 0;
    const hadGrad = names.map((name) => (params[name] as Tensor).grad !== null);
    let off = 0;
    for (const name of names) {
      const p = params[name] as Tensor;
      const d = p.data;
      for (let i = 0; i < d.length; i++) this.x0[off + i] = d[i] as number;
      const g = p.grad;
      for (let i = 0; i < d.length; i++)
        this.gSave[off + i] = g === null ? 0 : (g.data[i] as number);
      off += d.length;
    }
    try {
      this.randomStart();
      const rho = this.power(params, names, u, 1, 0, true);
      const s = 1.05 * rho;
      this.randomStart();
      const top = this.power(params, names, u, 1, s, false) - s;
      this.randomStart();
      const bottom = s - this.power(params, names, u, -1, s, false);
      return { maxEigenvalue: top, minEigenvalue: bottom, spectralRadius: rho, hvps: this.hvps };
    } finally {
      off = 0;
      names.forEach((name, k) => {
        const p = params[name] as Tensor;
        const d = p.data;
        for (let i = 0; i < d.length; i++) d[i] = this.x0[off + i] as number;
        if (!hadGrad[k]) p.grad = null;
        else if (p.grad !== null)
          for (let i = 0; i < d.length; i++) p.grad.data[i] = this.gSave[off + i] as number;
        off += d.length;
      });
    }
  }
}
