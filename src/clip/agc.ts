import type { FieldSpecs } from '../optim/field-spec.js';
import { ShapeError, fmt } from '../errors.js';
import { paramFor } from '../optim/buffers.js';
import { indexOfName, namesOf } from '../optim/names.js';
import { resultWriter } from '../optim/result.js';
import { raiseEvent } from '../optim/step-context.js';
import type { TypedArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import type { GradientTransformation, Params } from '../optim/types.js';
import { checkKeys, checkNumber } from '../optim/validate.js';
import { vectorNormInto } from './norms.js';

/** Options of {@link agc}. */
export interface AgcOptions {
  /** Floor of the weight norm, so that zero-initialised units can still move. Default 1e-3. */
  eps?: number;
}

/** State of {@link agc}. */
export interface AgcState {
  /** Parameter names, the order of the per-tensor arrays. */
  names: string[];
  /** Units (rows of the output dimension) per tensor. */
  units: Int32Array;
  /** Units clipped in the last step, per tensor. */
  clippedUnits: Int32Array;
  /** Gradient L2 norm of each tensor before the last step's clipping. */
  normBefore: Float64Array;
  /** … and after it. */
  normAfter: Float64Array;
  /** Units clipped in the last step, all tensors. */
  clippedCount: number;
  /** Steps seen. */
  steps: number;
  /** Steps in which some unit was clipped. */
  clipSteps: number;
}

function unitsOf(p: Tensor): number {
  // Rows of the output dimension (dim 0 in PyTorch's [out, in, ...] layouts); vectors and scalars
  // form one unit, as in the reference implementation.
  return p.shape.length >= 2 ? (p.shape[0] as number) : 1;
}

/**
 * Clips each unit (a contiguous row) of g relative to the same row of w; writes the tensor's
 * gradient norm before and after into normBefore[j], normAfter[j]; returns the clipped count.
 * @example agcTensor(g, w, 4, 3, 0.01, 1e-3, state.normBefore, state.normAfter, 0, scratch)
 */
function agcTensor(
  g: TypedArray,
  w: TypedArray,
  units: number,
  size: number,
  lambda: number,
  eps: number,
  normBefore: Float64Array,
  normAfter: Float64Array,
  j: number,
  scratch: Float64Array,
): number {
  let clipped = 0;
  let before = 0;
  let after = 0;
  for (let r = 0; r < units; r++) {
    const start = r * size;
    const end = start + size;
    vectorNormInto(w, 2, start, end, scratch, 0);
    vectorNormInto(g, 2, start, end, scratch, 1);
    const maxNorm = lambda * Math.max(scratch[0] as number, eps);
    const gn = scratch[1] as number;
    before += gn * gn;
    if (gn > maxNorm) {
      const f = maxNorm / Math.max(gn, 1e-6);
      for (let i = start; i < end; i++) g[i] = (g[i] as number) * f;
      after += gn * f * (gn * f);
      clipped++;
    } else after += gn * gn;
  }
  normBefore[j] = Math.sqrt(before);
  normAfter[j] = Math.sqrt(after);
  return clipped;
}

/**
 * The options of agc with their types and ranges: the one declaration its factory checks
 * and the clip registry (configs, the CLI, the playground) reads.
 */
export const AGC_FIELDS = {
  clipping: { type: 'number', min: 0, minExclusive: true },
  eps: { type: 'number', min: 0 },
} as const satisfies FieldSpecs;

/**
 * Adaptive gradient clipping (Brock et al. 2021, NFNets): unit-wise, the gradient is clipped
 * relative to the weight it updates. For each unit i (a row of the output dimension):
 *
 * G_i ← G_i·λ·max(‖W_i‖, ε)/‖G_i‖  if ‖G_i‖/max(‖W_i‖, ε) > λ
 *
 * The paper does not clip the final linear layer: exempt it with `masked`. Sets ctx.events.clipped.
 *
 * @example chain(masked(clip.agc(0.01), (name) => name !== 'head.weight'), sgd({ lr: 0.1, momentum: 0.9 }))
 * @see Brock, De, Smith & Simonyan, "High-Performance Large-Scale Image Recognition Without Normalization", ICML 2021.
 */
export function agc(clipping = 0.01, options: AgcOptions = {}): GradientTransformation<AgcState> {
  const lambda = checkNumber('agc', 'clipping', clipping, undefined, AGC_FIELDS.clipping);
  checkKeys('agc', options, ['eps']);
  const eps = checkNumber('agc', 'eps', options.eps, 1e-3, AGC_FIELDS.eps);
  const out = resultWriter<AgcState>();
  const scratch = new Float64Array(2);
  return {
    init(params: Params) {
      const names = [...namesOf(params)];
      const units = new Int32Array(names.map((n) => unitsOf(params[n] as Tensor)));
      return {
        names,
        units,
        clippedUnits: new Int32Array(names.length),
        normBefore: new Float64Array(names.length),
        normAfter: new Float64Array(names.length),
        clippedCount: 0,
        steps: 0,
        clipSteps: 0,
      };
    },
    update(updates, state, params, ctx) {
      let total = 0;
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        const name = names[k] as string;
        const j = indexOfName(state.names, name);
        if (j < 0)
          throw new ShapeError(
            `agc: no state for parameter ${fmt(name)}; init() was called with other parameters`,
          );
        const g = (updates[name] as { data: Float32Array | Float64Array }).data;
        const w = paramFor('agc', params, name, g.length).data;
        const units = state.units[j] as number;
        const size = units === 0 ? 0 : g.length / units;
        const clipped = agcTensor(
          g,
          w,
          units,
          size,
          lambda,
          eps,
          state.normBefore,
          state.normAfter,
          j,
          scratch,
        );
        state.clippedUnits[j] = clipped;
        total += clipped;
      }
      state.steps = state.steps + 1;
      state.clippedCount = total;
      if (total > 0) {
        state.clipSteps = state.clipSteps + 1;
        raiseEvent(ctx, 'clipped');
      }
      return out(updates, state);
    },
  };
}
