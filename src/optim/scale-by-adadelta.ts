import type { TypedArray } from '../tensor/dtype.js';
import { bufferFor, buffersLike, type Buffers } from './buffers.js';
import { namesOf } from './names.js';
import { resultWriter } from './result.js';
import type { GradientTransformation } from './types.js';
import { checkKeys, checkNumber } from './validate.js';

/** Adadelta's two running averages and u ← Δ. */
function adadeltaLoop(
  u: TypedArray,
  sq: TypedArray,
  acc: TypedArray,
  rho: number,
  eps: number,
): void {
  for (let i = 0; i < u.length; i++) {
    const g = u[i] as number;
    sq[i] = (sq[i] as number) * rho + (1 - rho) * g * g;
    const std = Math.sqrt((sq[i] as number) + eps);
    const delta = (Math.sqrt((acc[i] as number) + eps) / std) * g;
    acc[i] = (acc[i] as number) * rho + (1 - rho) * delta * delta;
    u[i] = delta;
  }
}

/** Options of {@link scaleByAdadelta}. */
export interface ScaleByAdadeltaOptions {
  /** ρ, decay of both running averages, in [0, 1]. Default 0.9 (PyTorch). */
  rho?: number;
  /** ε ≥ 0 inside both roots. Default 1e-6. */
  eps?: number;
}

/** State of {@link scaleByAdadelta}. */
export interface ScaleByAdadeltaState {
  /** Running averages of g², E[g²]. */
  squareAvg: Buffers;
  /** Running averages of Δx², E[Δx²]. */
  accDelta: Buffers;
}

/**
 * Adadelta (Zeiler 2012): the step has the units of the parameters,
 *
 * E[g²] ← ρ·E[g²] + (1 − ρ)·g²;  Δ = √(E[Δx²] + ε)/√(E[g²] + ε)·g;  E[Δx²] ← ρ·E[Δx²] + (1 − ρ)·Δ²;  u ← Δ
 *
 * @example chain(scaleByAdadelta(), scaleByLearningRate(1.0))
 * @see Zeiler, "ADADELTA: An Adaptive Learning Rate Method", 2012.
 */
export function scaleByAdadelta(
  options: ScaleByAdadeltaOptions = {},
): GradientTransformation<ScaleByAdadeltaState> {
  checkKeys('scaleByAdadelta', options, ['rho', 'eps']);
  const rho = checkNumber('scaleByAdadelta', 'rho', options.rho, 0.9, { min: 0, max: 1 });
  const eps = checkNumber('scaleByAdadelta', 'eps', options.eps, 1e-6, { min: 0 });
  const out = resultWriter<ScaleByAdadeltaState>();
  return {
    init: (params) => ({ squareAvg: buffersLike(params), accDelta: buffersLike(params) }),
    update(updates, state) {
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        const name = names[k] as string;
        const u = (updates[name] as { data: Float32Array | Float64Array }).data;
        const n = u.length;
        const sq = bufferFor('scaleByAdadelta', state.squareAvg, name, n);
        const acc = bufferFor('scaleByAdadelta', state.accDelta, name, n);
        adadeltaLoop(u, sq, acc, rho, eps);
      }
      return out(updates, state);
    },
  };
}
