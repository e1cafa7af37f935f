import type { FieldSpecs } from '../optim/field-spec.js';
import type { TypedArray } from '../tensor/dtype.js';
import { bufferFor, buffersLike, type Buffers } from '../optim/buffers.js';
import { namesOf } from '../optim/names.js';
import { resultWriter } from '../optim/result.js';
import { raiseEvent } from '../optim/step-context.js';
import type { GradientTransformation } from '../optim/types.js';
import { checkKeys, checkNumber } from '../optim/validate.js';

/** SPAM's element-wise spike clipping and EMA update over one tensor; returns the clipped count. */
function spikeLoop(
  u: TypedArray,
  v: TypedArray,
  active: boolean,
  theta: number,
  beta: number,
): number {
  let clipped = 0;
  for (let i = 0; i < u.length; i++) {
    let g = u[i] as number;
    const vi = v[i] as number;
    if (active && vi > 0 && g * g > theta * vi) {
      u[i] = Math.sign(g) * Math.sqrt(theta * vi);
      g = u[i] as number;
      clipped++;
    }
    v[i] = beta * vi + (1 - beta) * g * g;
  }
  return clipped;
}

/** Options of {@link spikeClip}. */
export interface SpikeClipOptions {
  /** θ > 0: an element is a spike when g² > θ·v. Default 5000 (SPAM's). */
  threshold?: number;
  /** Decay β in [0, 1) of the EMA v of g² (SPAM uses Adam's β2). Default 0.999. */
  decay?: number;
  /** First step (1-based) at which clipping is active, so that v has accumulated (SPAM's grad_accu_steps). Default 20. */
  startStep?: number;
}

/** State of {@link spikeClip}. */
export interface SpikeClipState {
  /** Steps seen. */
  count: number;
  /** EMA v of g² per element (uncorrected, as Adam's second moment; updated with the clipped g). */
  nu: Buffers;
  /** Elements clipped in the last step. */
  clippedCount: number;
  /** Elements clipped so far. */
  totalClipped: number;
  /** Steps with at least one spike. */
  spikeSteps: number;
}

/**
 * The options of spikeClip with their types and ranges: the one declaration its factory checks
 * and the clip registry (configs, the CLI, the playground) reads.
 */
export const SPIKE_CLIP_FIELDS = {
  threshold: { type: 'number', min: 0, minExclusive: true },
  decay: { type: 'number', min: 0, max: 1, maxExclusive: true },
  startStep: { type: 'number', integer: true, min: 1 },
} as const satisfies FieldSpecs;

/**
 * Spike-aware element-wise clipping from SPAM (Huang et al. 2025): with v the EMA of g² (as
 * Adam's second moment, before this step's update),
 *
 * gᵢ ← sign(gᵢ)·√(θ·vᵢ)  where gᵢ² > θ·vᵢ;  then v ← βv + (1 − β)g²
 *
 * Elements whose v is still exactly 0 are not clipped (clipping them to 0 would keep v at 0 and
 * freeze them). Sets ctx.events.spike and ctx.events.clipped when any element is clipped.
 *
 * @example chain(clip.spikeClip({ threshold: 5000 }), adam())
 * @see Huang et al., "SPAM: Spike-Aware Adam with Momentum Reset for Stable LLM Training", ICLR 2025.
 */
export function spikeClip(options: SpikeClipOptions = {}): GradientTransformation<SpikeClipState> {
  const F = SPIKE_CLIP_FIELDS;
  const o = 'spikeClip';
  checkKeys(o, options, ['threshold', 'decay', 'startStep']);
  const theta = checkNumber(o, 'threshold', options.threshold, 5000, F.threshold);
  const beta = checkNumber(o, 'decay', options.decay, 0.999, F.decay);
  const startStep = checkNumber(o, 'startStep', options.startStep, 20, F.startStep);
  const out = resultWriter<SpikeClipState>();
  return {
    init: (params) => ({
      count: 0,
      nu: buffersLike(params),
      clippedCount: 0,
      totalClipped: 0,
      spikeSteps: 0,
    }),
    update(updates, state, _params, ctx) {
      const active = state.count + 1 >= startStep;
      let clipped = 0;
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        const name = names[k] as string;
        const u = (updates[name] as { data: Float32Array | Float64Array }).data;
        const v = bufferFor(o, state.nu, name, u.length);
        clipped += spikeLoop(u, v, active, theta, beta);
      }
      state.count = state.count + 1;
      state.clippedCount = clipped;
      state.totalClipped = state.totalClipped + clipped;
      if (clipped > 0) {
        state.spikeSteps = state.spikeSteps + 1;
        raiseEvent(ctx, 'spike');
        raiseEvent(ctx, 'clipped');
      }
      return out(updates, state);
    },
  };
}
