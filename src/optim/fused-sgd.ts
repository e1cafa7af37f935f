import { ConfigError, fmt } from '../errors.js';
import type { Schedule } from '../schedule/types.js';
import type { TypedArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { bufferFor } from './buffers.js';
import { gradientFor } from './fused.js';
import { namesOf } from './names.js';
import type { CountState } from './scale-by-learning-rate.js';
import type { TraceState } from './trace.js';
import type { Params, StepContext } from './types.js';

// Per-step scalars, read from a Float64Array (a double passed to a non-inlined call is boxed).
const SIGN = 0;
const WD = 1;
const MU = 2;
const KEEP = 3;
const NEG_LR = 4;
// The factor the incoming gradient is multiplied by first (a clipping factor a chain folded in,
// rounded to the tensor's dtype as the unfused scaling stores it; 1 otherwise).
const GS = 5;

/**
 * One SGD step over one tensor, fused: g ← ±g (+ λp); b ← μb + (1 − d)g (b ← g at the first
 * step); d ← g + μb (Nesterov) or b; p ← p − α·d. With `f32` every intermediate the unfused chain
 * stores in a float32 buffer is rounded with Math.fround at the same point, so both paths give
 * the same bits.
 */
function sgdApplyLoop(
  p: TypedArray,
  gr: TypedArray,
  b: TypedArray | null,
  first: boolean,
  nesterov: boolean,
  k: Float64Array,
  f32: boolean,
): void {
  const sign = k[SIGN] as number;
  const wd = k[WD] as number;
  const mu = k[MU] as number;
  const keep = k[KEEP] as number;
  const negLr = k[NEG_LR] as number;
  const gs = k[GS] as number;
  const scaled = gs !== 1;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const pi = p[i] as number;
    let g = gr[i] as number;
    if (scaled) g = f32 ? Math.fround(g * gs) : g * gs;
    g = sign * g;
    if (wd !== 0) g = f32 ? Math.fround(g + wd * pi) : g + wd * pi;
    let d = g;
    if (b !== null) {
      let bi: number;
      if (first) {
        bi = g;
      } else {
        bi = (b[i] as number) * mu + keep * g;
        if (f32) bi = Math.fround(bi);
      }
      b[i] = bi;
      if (nesterov) {
        d = g + mu * bi;
        if (f32) d = Math.fround(d);
      } else d = bi;
    }
    const u = negLr * d;
    p[i] = pi + (f32 ? Math.fround(u) : u);
  }
}

/** The common case of sgdApplyLoop (momentum after the first step, no Nesterov, no L2). */
function momentumApplyLoop(
  p: TypedArray,
  gr: TypedArray,
  b: TypedArray,
  k: Float64Array,
  f32: boolean,
): void {
  const sign = k[SIGN] as number;
  const mu = k[MU] as number;
  const keep = k[KEEP] as number;
  const negLr = k[NEG_LR] as number;
  const gs = k[GS] as number;
  const scaled = gs !== 1;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    let g = gr[i] as number;
    if (scaled) g = f32 ? Math.fround(g * gs) : g * gs;
    let bi = (b[i] as number) * mu + keep * (sign * g);
    if (f32) bi = Math.fround(bi);
    b[i] = bi;
    const u = negLr * bi;
    p[i] = (p[i] as number) + (f32 ? Math.fround(u) : u);
  }
}

/** What {@link sgdApplyInPlace} needs to know about an `sgd` chain. */
export interface FusedSgdConfig {
  /** −1 when maximizing, else 1. */
  sign: number;
  /** L2 penalty λ. */
  weightDecay: number;
  /** Momentum μ (0: no trace link). */
  momentum: number;
  /** Dampening d. */
  dampening: number;
  /** Nesterov momentum. */
  nesterov: boolean;
  /** The learning-rate schedule. */
  lr: Schedule;
  /** Index of the trace link's state in the chain state (−1 without momentum). */
  traceIndex: number;
  /** Index of the learning-rate link's state in the chain state. */
  lrIndex: number;
}

/**
 * The fused step of `sgd` (see GradientTransformation.applyInPlace): the chain
 * scale(−1)? → addDecayedWeights(λ)? → trace(μ, d, nesterov)? → scaleByLearningRate(α) followed
 * by applyUpdates, in one pass over each parameter, on the chain's own state (so checkpoints do
 * not depend on which path ran). PyTorch's SGD: b ← μb + (1 − d)g, p ← p − α(g + μb | b).
 *
 * @example const apply = sgdApplyInPlace(config); state = apply(params, state);
 * @see Sutskever et al., "On the importance of initialization and momentum in deep learning", ICML 2013.
 */
export function sgdApplyInPlace(
  config: FusedSgdConfig,
): (
  params: Params,
  state: unknown[],
  ctx?: StepContext,
  grads?: Params,
  gradScale?: Float64Array,
) => unknown[] {
  const coef = new Float64Array(6);
  return (params, state, _ctx, grads, gradScale) => {
    const gs = gradScale === undefined ? 1 : (gradScale[0] as number);
    const tr = config.traceIndex >= 0 ? traceStateAt(state, config.traceIndex) : null;
    const lrState = countStateAt(state, config.lrIndex);
    coef[SIGN] = config.sign;
    coef[WD] = config.weightDecay;
    coef[MU] = config.momentum;
    coef[KEEP] = 1 - config.dampening;
    coef[NEG_LR] = -config.lr(lrState.count);
    const first = tr !== null && tr.count === 0;
    const names = namesOf(params);
    for (let k = 0; k < names.length; k++) {
      const name = names[k] as string;
      const param = params[name] as Tensor;
      const p = param.data;
      const gr = gradientFor('sgd', param, grads, name);
      const b = tr === null ? null : bufferFor('sgd', tr.trace, name, p.length);
      const f32 = p instanceof Float32Array;
      coef[GS] = f32 ? Math.fround(gs) : gs;
      if (b !== null && !first && !config.nesterov && config.weightDecay === 0) {
        momentumApplyLoop(p, gr, b, coef, f32);
        continue;
      }
      sgdApplyLoop(p, gr, b, first, config.nesterov, coef, f32);
    }
    if (tr !== null) tr.count = tr.count + 1;
    lrState.count = lrState.count + 1;
    return state;
  };
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

/** The trace link's state at `index` of the chain state, checked (a clear error, not a wrong read). */
function traceStateAt(state: unknown[], index: number): TraceState {
  const s = state[index];
  if (!isRecord(s) || typeof s['count'] !== 'number' || !isRecord(s['trace']))
    throw new ConfigError(
      `sgd: chain state entry ${index} = ${fmt(s)} is not the momentum (trace) link's state; the state does not belong to this sgd`,
    );
  return s as unknown as TraceState;
}

/** The learning-rate link's state at `index` of the chain state, checked. */
function countStateAt(state: unknown[], index: number): CountState {
  const s = state[index];
  if (!isRecord(s) || typeof s['count'] !== 'number' || 'trace' in s)
    throw new ConfigError(
      `sgd: chain state entry ${index} = ${fmt(s)} is not the learning-rate link's state; the state does not belong to this sgd`,
    );
  return s as unknown as CountState;
}
