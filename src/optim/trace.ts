import type { TypedArray } from '../tensor/dtype.js';
import { bufferFor, buffersLike, type Buffers } from './buffers.js';
import { addScaledInPlace } from './loops.js';
import { namesOf } from './names.js';
import { resultWriter } from './result.js';
import type { GradientTransformation } from './types.js';
import { checkBoolean, checkKeys, checkNumber } from './validate.js';
import { ConfigError } from '../errors.js';

/** b ← μb + k·u;  u ← u + μb (nesterov) or u ← b. */
function traceLoop(
  u: TypedArray,
  b: TypedArray,
  mu: number,
  keep: number,
  nesterov: boolean,
): void {
  for (let i = 0; i < u.length; i++) {
    const g = u[i] as number;
    b[i] = (b[i] as number) * mu + keep * g;
    u[i] = nesterov ? g + mu * (b[i] as number) : (b[i] as number);
  }
}

/** Options of {@link trace}. */
export interface TraceOptions {
  /** Momentum μ (≥ 0). */
  decay: number;
  /** Dampening d in [0, 1]: the new gradient enters with weight 1 − d (not on the first step). */
  dampening?: number;
  /** Nesterov momentum: u ← g + μ·b instead of u ← b (needs μ > 0 and d = 0). */
  nesterov?: boolean;
}

/** State of {@link trace}. */
export interface TraceState {
  /** Updates made so far (the first one initialises the buffers). */
  count: number;
  /** Momentum buffers b, one per parameter. */
  trace: Buffers;
}

/**
 * Momentum with PyTorch's SGD semantics (the heavy ball of Polyak; Nesterov in Sutskever et al.'s
 * reformulation): the first step sets b ← g, then
 *
 * b ← μ·b + (1 − d)·g;   u ← b   (or u ← g + μ·b with nesterov)
 *
 * This is NOT the exponential moving average v ← βv + (1 − β)g of {@link ema} / `emaMomentum`.
 *
 * @example chain(trace({ decay: 0.9, nesterov: true }), scaleByLearningRate(0.1))
 * @see Sutskever, Martens, Dahl & Hinton, "On the importance of initialization and momentum in deep learning", ICML 2013.
 */
export function trace(options: TraceOptions): GradientTransformation<TraceState> {
  checkKeys('trace', options, ['decay', 'dampening', 'nesterov']);
  const mu = checkNumber('trace', 'decay', options.decay, undefined, { min: 0 });
  const damp = checkNumber('trace', 'dampening', options.dampening, 0, { min: 0, max: 1 });
  const nesterov = checkBoolean('trace', 'nesterov', options.nesterov, false);
  if (nesterov && (mu <= 0 || damp !== 0)) {
    throw new ConfigError(
      `trace: nesterov = true requires decay > 0 and dampening = 0 (PyTorch's rule), got decay = ${mu}, dampening = ${damp}`,
    );
  }
  const keep = 1 - damp;
  const out = resultWriter<TraceState>();
  return {
    init: (params) => ({ count: 0, trace: buffersLike(params) }),
    update(updates, state) {
      const first = state.count === 0;
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        const name = names[k] as string;
        const u = (updates[name] as { data: Float32Array | Float64Array }).data;
        const b = bufferFor('trace', state.trace, name, u.length);
        if (first) {
          b.set(u);
          if (nesterov) addScaledInPlace(u, mu, b);
        } else traceLoop(u, b, mu, keep, nesterov);
      }
      state.count = state.count + 1;
      return out(updates, state);
    },
  };
}
