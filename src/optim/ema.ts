import type { TypedArray } from '../tensor/dtype.js';
import { bufferFor, buffersLike, type Buffers } from './buffers.js';
import { namesOf } from './names.js';
import { resultWriter } from './result.js';
import type { GradientTransformation } from './types.js';
import { checkBoolean, checkKeys, checkNumber } from './validate.js';

// Per-step scalars reach the loop through a Float64Array: a double passed to a call V8 does not
// inline is boxed (an allocation per call, per tensor, per step).
/** v ← βv + (1 − β)u; u ← c·v (c = 1 without debias);  k = [β, c]. */
function emaLoop(u: TypedArray, v: TypedArray, k: Float64Array): void {
  const beta = k[0] as number;
  const c = k[1] as number;
  for (let i = 0; i < u.length; i++) {
    v[i] = beta * (v[i] as number) + (1 - beta) * (u[i] as number);
    u[i] = c === 1 ? (v[i] as number) : (v[i] as number) * c;
  }
}

/** Options of {@link ema}. */
export interface EmaOptions {
  /** β in [0, 1). */
  decay: number;
  /** Divide by 1 − β^t (bias correction, as Adam's first moment). Default false. */
  debias?: boolean;
}

/** State of {@link ema}. */
export interface EmaState {
  /** Updates made so far. */
  count: number;
  /** The moving averages v, one per parameter (v_0 = 0). */
  ema: Buffers;
}

/**
 * Exponential moving average of the updates, starting from zero:
 *
 * v_{t+1} = β·v_t + (1 − β)·g_t,  v_0 = 0;  u ← v_{t+1}  (÷ (1 − β^{t+1}) with debias)
 *
 * The momentum of the article this project started from (`emaMomentum`); unlike PyTorch's SGD
 * momentum ({@link trace}) the first step is (1 − β)·g, not g.
 *
 * @example chain(ema({ decay: 0.9 }), scaleByLearningRate(0.1))
 */
export function ema(options: EmaOptions): GradientTransformation<EmaState> {
  checkKeys('ema', options, ['decay', 'debias']);
  const beta = checkNumber('ema', 'decay', options.decay, undefined, {
    min: 0,
    max: 1,
    maxExclusive: true,
  });
  const debias = checkBoolean('ema', 'debias', options.debias, false);
  const out = resultWriter<EmaState>();
  const coef = new Float64Array(2);
  return {
    init: (params) => ({ count: 0, ema: buffersLike(params) }),
    update(updates, state) {
      const t = state.count + 1;
      coef[0] = beta;
      coef[1] = debias ? 1 / (1 - beta ** t) : 1;
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        const name = names[k] as string;
        const u = (updates[name] as { data: Float32Array | Float64Array }).data;
        const v = bufferFor('ema', state.ema, name, u.length);
        emaLoop(u, v, coef);
      }
      state.count = t;
      return out(updates, state);
    },
  };
}
