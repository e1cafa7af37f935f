import { ConfigError, fmt } from '../errors.js';
import {
  gaussianExpectation,
  gaussianExpectation2,
  type GaussianQuadratureOptions,
} from './gaussian-expectation.js';

/**
 * Mean-field signal propagation in deep random networks (Poole, Lahiri, Raghu, Sohl-Dickstein &
 * Ganguli, "Exponential expressivity in deep neural networks through transient chaos", NeurIPS
 * 2016; Schoenholz, Gilmer, Ganguli & Sohl-Dickstein, "Deep Information Propagation", ICLR 2017).
 * A fully connected network with weights N(0, σ_w²/n) and biases N(0, σ_b²) maps the
 * pre-activation variance q and the correlation c of two inputs layer to layer:
 *
 *   q ← σ_w² ∫Dz φ(√q z)² + σ_b²                                   (length map)
 *   c ← (σ_w² ∫Dz₁Dz₂ φ(u₁) φ(u₂) + σ_b²) / q*,  u₁ = √q* z₁, u₂ = √q* (c z₁ + √(1−c²) z₂)
 *
 * χ₁ = σ_w² ∫Dz φ'(√q* z)² is the slope of the c-map at c = 1: the network is ordered (c* = 1,
 * gradients vanish as χ₁^L) for χ₁ < 1 and chaotic (c* < 1, gradients explode) for χ₁ > 1.
 * Correlations approach c* as e^{−l/ξ_c} with ξ_c = −1/ln χ_c, χ_c = σ_w² ∫Dz₁Dz₂ φ'(u₁)φ'(u₂)
 * at c*; ξ_c diverges on the critical line χ₁ = 1, and networks train up to a depth of about 6ξ_c.
 */

/** An activation: a name, or φ with its derivative (and second derivative for ξ_q). */
export type MeanFieldActivation =
  | 'tanh'
  | 'relu'
  | 'linear'
  | {
      /** The activation φ. */
      phi: (x: number) => number;
      /** Its derivative φ'. */
      dphi: (x: number) => number;
      /** Its second derivative φ'' (only ξ_q needs it; NaN without). */
      d2phi?: (x: number) => number;
      /** sup |φ| (a bounded φ lets q* be bracketed at once); omit if unbounded. */
      bound?: number;
    };

interface Act {
  phi: (x: number) => number;
  dphi: (x: number) => number;
  d2phi: ((x: number) => number) | undefined;
  bound: number | undefined;
}

function act(a: MeanFieldActivation): Act {
  if (a === 'tanh')
    return {
      phi: Math.tanh,
      dphi: (x) => {
        const t = Math.tanh(x);
        return 1 - t * t;
      },
      d2phi: (x) => {
        const t = Math.tanh(x);
        return -2 * t * (1 - t * t);
      },
      bound: 1,
    };
  if (a === 'relu')
    return {
      phi: (x) => (x > 0 ? x : 0),
      dphi: (x) => (x > 0 ? 1 : 0),
      d2phi: () => 0,
      bound: undefined,
    };
  if (a === 'linear') return { phi: (x) => x, dphi: () => 1, d2phi: () => 0, bound: undefined };
  if (
    typeof a === 'object' &&
    a !== null &&
    typeof a.phi === 'function' &&
    typeof a.dphi === 'function'
  )
    return { phi: a.phi, dphi: a.dphi, d2phi: a.d2phi, bound: a.bound };
  throw new ConfigError(
    `meanField: activation must be 'tanh', 'relu', 'linear' or { phi, dphi }, got ${fmt(a)}`,
  );
}

function checkVariances(fn: string, sw2: number, sb2: number): void {
  if (!(sw2 > 0) || !Number.isFinite(sw2))
    throw new ConfigError(`${fn}: sigmaW2 must be a finite number > 0, got ${fmt(sw2)}`);
  if (!(sb2 >= 0) || !Number.isFinite(sb2))
    throw new ConfigError(`${fn}: sigmaB2 must be a finite number >= 0, got ${fmt(sb2)}`);
}

/**
 * The length map: the pre-activation variance of the next layer, σ_w² E[φ(√q z)²] + σ_b².
 * @example lengthMap(1, 2, 0, 'relu') // 1 (= 2 · 1/2)
 */
export function lengthMap(
  q: number,
  sigmaW2: number,
  sigmaB2: number,
  activation: MeanFieldActivation,
  opts: GaussianQuadratureOptions = {},
): number {
  const { phi } = act(activation);
  const s = Math.sqrt(q);
  return sigmaW2 * gaussianExpectation((z) => phi(s * z) ** 2, opts) + sigmaB2;
}

/**
 * The fixed point q* of the length map (the variance every layer's pre-activations settle to):
 * the root of lengthMap(q) − q, bracketed and bisected to float64 precision. With σ_b² = 0 and
 * φ(0) = 0 it is 0 when the map has no positive fixed point. Infinity when the variance grows
 * without bound (e.g. ReLU with σ_w² ≥ 2).
 * @example qStar(1.76, 0.05, 'tanh') // ≈ 0.5695 (the variance at the critical point)
 */
export function qStar(
  sigmaW2: number,
  sigmaB2: number,
  activation: MeanFieldActivation,
  opts: GaussianQuadratureOptions = {},
): number {
  checkVariances('qStar', sigmaW2, sigmaB2);
  const a = act(activation);
  const g = (q: number): number => lengthMap(q, sigmaW2, sigmaB2, activation, opts) - q;
  let hi = a.bound !== undefined ? sigmaW2 * a.bound * a.bound + sigmaB2 + 1 : 1;
  while (g(hi) > 0) {
    hi *= 2;
    if (hi > 1e12) return Infinity;
  }
  let lo = 0;
  if (sigmaB2 === 0) {
    // q = 0 is always a fixed point; look for a positive one, from small q upwards.
    lo = Number.NaN;
    for (let q = 1e-12; q < hi; q *= 2) {
      if (g(q) > 0) {
        lo = q;
        break;
      }
    }
    if (Number.isNaN(lo)) return 0;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (g(mid) > 0) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** √q* for the derivative integrals; at q* = 0 their limit q → 0⁺ (φ' of a ReLU has a kink at 0). */
function slopeScale(qs: number): number {
  return Math.sqrt(Math.max(qs, 1e-300));
}

/**
 * χ₁ = σ_w² E[φ'(√q* z)²]: the order–chaos parameter (ordered < 1 < chaotic), and the factor by
 * which a gradient's squared norm changes per layer in backpropagation.
 * @example chi1(2, 0, 'relu') // 1 (He initialization is critical)
 */
export function chi1(
  sigmaW2: number,
  sigmaB2: number,
  activation: MeanFieldActivation,
  opts: GaussianQuadratureOptions = {},
): number {
  const qs = qStar(sigmaW2, sigmaB2, activation, opts);
  const { dphi } = act(activation);
  const s = slopeScale(qs);
  return sigmaW2 * gaussianExpectation((z) => dphi(s * z) ** 2, opts);
}

/**
 * The correlation map at q*: the correlation of two inputs' pre-activations in the next layer,
 * given correlation c in this one.
 * @example correlationMap(1, qs, 1.76, 0.05, 'tanh') // 1
 */
export function correlationMap(
  c: number,
  qs: number,
  sigmaW2: number,
  sigmaB2: number,
  activation: MeanFieldActivation,
  opts: GaussianQuadratureOptions = {},
): number {
  if (!(c >= -1 && c <= 1))
    throw new ConfigError(`correlationMap: c must be in [-1, 1], got ${fmt(c)}`);
  const { phi } = act(activation);
  const s = Math.sqrt(qs);
  const r = Math.sqrt(Math.max(0, 1 - c * c));
  const e = gaussianExpectation2((z1, z2) => phi(s * z1) * phi(s * (c * z1 + r * z2)), opts);
  return (sigmaW2 * e + sigmaB2) / qs;
}

/**
 * χ_c = σ_w² E[φ'(u₁) φ'(u₂)] at correlation c: the slope of the correlation map there.
 * @example chiC(1, qs, sw2, 'tanh') === chi1(sw2, sb2, 'tanh') // (up to quadrature)
 */
export function chiC(
  c: number,
  qs: number,
  sigmaW2: number,
  activation: MeanFieldActivation,
  opts: GaussianQuadratureOptions = {},
): number {
  const { dphi } = act(activation);
  const s = Math.sqrt(qs);
  const r = Math.sqrt(Math.max(0, 1 - c * c));
  return (
    sigmaW2 * gaussianExpectation2((z1, z2) => dphi(s * z1) * dphi(s * (c * z1 + r * z2)), opts)
  );
}

/** The mean-field picture at one (σ_w², σ_b²). */
export interface MeanFieldState {
  sigmaW2: number;
  sigmaB2: number;
  qStar: number;
  chi1: number;
  /** 'ordered' (χ₁ < 1: c* = 1, gradients vanish), 'chaotic' (χ₁ > 1: c* < 1, they explode). */
  phase: 'ordered' | 'chaotic' | 'critical';
  /** The stable fixed point of the correlation map. */
  cStar: number;
  /** χ_c at c* (= χ₁ in the ordered phase). */
  chiC: number;
  /** Depth scale of correlations, ξ_c = −1/ln χ_c(c*) (Infinity on the critical line). */
  xiC: number;
  /** Depth scale of the variance, ξ_q = −1/ln(χ₁ + σ_w² E[φ''(√q* z) φ(√q* z)]). */
  xiQ: number;
  /** Layers over which a gradient's squared norm changes by e: 1/|ln χ₁|. */
  xiGrad: number;
}

/**
 * q*, χ₁, the phase, c*, and the depth scales ξ_c, ξ_q and ξ_∇ at one (σ_w², σ_b²) — Schoenholz
 * et al. 2017, eqs. 3–9. c* is found by bisection of c ↦ map(c) − c on [0, 1) in the chaotic
 * phase; it is 1 in the ordered phase.
 * @example meanField(1.5, 0.05, 'tanh').xiC // depth scale of an ordered tanh network
 */
export function meanField(
  sigmaW2: number,
  sigmaB2: number,
  activation: MeanFieldActivation,
  opts: GaussianQuadratureOptions = {},
): MeanFieldState {
  checkVariances('meanField', sigmaW2, sigmaB2);
  const a = act(activation);
  const qs = qStar(sigmaW2, sigmaB2, activation, opts);
  const s = slopeScale(qs);
  const x1 = sigmaW2 * gaussianExpectation((z) => a.dphi(s * z) ** 2, opts);
  const phase = Math.abs(x1 - 1) < 1e-12 ? 'critical' : x1 < 1 ? 'ordered' : 'chaotic';
  let cs = 1;
  let xc = x1;
  if (phase === 'chaotic' && qs > 0 && Number.isFinite(qs)) {
    const h = (c: number): number => correlationMap(c, qs, sigmaW2, sigmaB2, activation, opts) - c;
    let lo = -1;
    let hi = 1 - 1e-9;
    if (h(0) >= 0) lo = 0;
    for (let i = 0; i < 60 && hi - lo > 1e-13; i++) {
      const mid = 0.5 * (lo + hi);
      if (h(mid) > 0) lo = mid;
      else hi = mid;
    }
    cs = 0.5 * (lo + hi);
    xc = chiC(cs, qs, sigmaW2, activation, opts);
  }
  const d2 = a.d2phi;
  const xq =
    d2 === undefined
      ? Number.NaN
      : x1 + sigmaW2 * gaussianExpectation((z) => d2(s * z) * a.phi(s * z), opts);
  return {
    sigmaW2,
    sigmaB2,
    qStar: qs,
    chi1: x1,
    phase,
    cStar: cs,
    chiC: xc,
    xiC: xc >= 1 ? Infinity : -1 / Math.log(xc),
    xiQ:
      xq >= 1 || Number.isNaN(xq) ? (Number.isNaN(xq) ? Number.NaN : Infinity) : -1 / Math.log(xq),
    xiGrad: x1 === 1 ? Infinity : 1 / Math.abs(Math.log(x1)),
  };
}

/**
 * The critical σ_w² at a given σ_b²: the root of χ₁(σ_w²) = 1 (the order–chaos boundary), by
 * bisection on [lo, hi].
 * @example criticalSigmaW2(0.05, 'tanh') // ≈ 1.76 (Schoenholz et al. 2017, Fig. 1)
 */
export function criticalSigmaW2(
  sigmaB2: number,
  activation: MeanFieldActivation,
  opts: GaussianQuadratureOptions & { lo?: number; hi?: number; tol?: number } = {},
): number {
  let lo = opts.lo ?? 0.01;
  let hi = opts.hi ?? 20;
  const f = (w: number): number => chi1(w, sigmaB2, activation, opts) - 1;
  if (!(f(lo) < 0 && f(hi) > 0))
    throw new ConfigError(
      `criticalSigmaW2: χ₁ − 1 does not change sign on [${lo}, ${hi}] for sigmaB2 = ${fmt(sigmaB2)}; give another lo/hi`,
    );
  const tol = opts.tol ?? 1e-10;
  while (hi - lo > tol) {
    const mid = 0.5 * (lo + hi);
    if (f(mid) < 0) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}
