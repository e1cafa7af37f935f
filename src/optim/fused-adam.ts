import type { ScalarOrSchedule } from '../schedule/types.js';
import { adamF32 } from '../kernels/backend.js';
import type { TypedArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { bufferFor, buffersLike, paramFor } from './buffers.js';
import { namesOf } from './names.js';
import { resultWriter } from './result.js';
import { checkAdamBetas, type ScaleByAdamState } from './scale-by-adam.js';
import type { GradientTransformation, Params } from './types.js';
import { checkBoolean, checkKeys, checkNumber, checkScalarOrSchedule } from './validate.js';

// Per-step scalars reach the loops through a Float64Array, not as number arguments: a double
// passed to a call that V8 does not inline is boxed (16 bytes per call, per tensor, per step).
const SIGN = 0;
const B1 = 1;
const C1 = 2;
const B2 = 3;
const C2 = 4;
const NEG_STEP = 5;
const BC2_SQRT = 6;
const EPS = 7;
const L2 = 8;
const DECAY = 9;

/**
 * The plain Adam step over one tensor (no decay, no AMSGrad): the hot loop. apply = false: the
 * update replaces the gradient in `gr` (the updates buffer of a chain); apply = true: p ← p + u
 * (the Optimizer's fused path), with u rounded to the parameter's dtype first, exactly as storing
 * it in the updates buffer would, so both paths give the same bits.
 */
function adamLoop(
  p: TypedArray,
  gr: TypedArray,
  m: TypedArray,
  v: TypedArray,
  k: Float64Array,
  apply: boolean,
): void {
  const sign = k[SIGN] as number;
  const b1 = k[B1] as number;
  const c1 = k[C1] as number;
  const b2 = k[B2] as number;
  const c2 = k[C2] as number;
  // −(α/bc1)·m/(√v/√bc2 + ε) = −(α√bc2/bc1)·m/(√v + ε√bc2): one division per element instead
  // of two (the division unit is the bottleneck of this loop); differs from PyTorch's order of
  // operations by rounding only (~1 ulp).
  const stepScaled = (k[NEG_STEP] as number) * (k[BC2_SQRT] as number);
  const epsScaled = (k[EPS] as number) * (k[BC2_SQRT] as number);
  const f32 = p instanceof Float32Array;
  const n = gr.length;
  for (let i = 0; i < n; i++) {
    const g = sign * (gr[i] as number);
    const mi = (m[i] as number) * b1 + c1 * g;
    const vi = (v[i] as number) * b2 + c2 * g * g;
    m[i] = mi;
    v[i] = vi;
    const u = (stepScaled * mi) / (Math.sqrt(vi) + epsScaled);
    if (apply) p[i] = (p[i] as number) + (f32 ? Math.fround(u) : u);
    else gr[i] = u;
  }
}

/** Adam over one tensor with L2 or decoupled decay and/or AMSGrad (vm non-null); see adamLoop. */
function adamGeneralLoop(
  p: TypedArray,
  gr: TypedArray,
  m: TypedArray,
  v: TypedArray,
  vm: TypedArray | null,
  k: Float64Array,
  apply: boolean,
): void {
  const sign = k[SIGN] as number;
  const b1 = k[B1] as number;
  const c1 = k[C1] as number;
  const b2 = k[B2] as number;
  const c2 = k[C2] as number;
  // Folded bias correction, as in adamLoop.
  const stepScaled = (k[NEG_STEP] as number) * (k[BC2_SQRT] as number);
  const epsScaled = (k[EPS] as number) * (k[BC2_SQRT] as number);
  const l2 = k[L2] as number;
  const decay = k[DECAY] as number;
  const f32 = p instanceof Float32Array;
  const n = gr.length;
  for (let i = 0; i < n; i++) {
    let g = sign * (gr[i] as number);
    const pi = p[i] as number;
    if (l2 !== 0) g = g + l2 * pi;
    const mi = (m[i] as number) * b1 + c1 * g;
    const vi = (v[i] as number) * b2 + c2 * g * g;
    m[i] = mi;
    v[i] = vi;
    let d = vi;
    if (vm !== null) {
      d = Math.max(vm[i] as number, vi);
      vm[i] = d;
    }
    const step = (stepScaled * mi) / (Math.sqrt(d) + epsScaled);
    const u = decay !== 0 ? step - decay * pi : step;
    if (apply) p[i] = pi + (f32 ? Math.fround(u) : u);
    else gr[i] = u;
  }
}

/** Options of {@link fusedAdam}. */
export interface FusedAdamOptions {
  /** Learning rate α ≥ 0, or a schedule of the step. Default 1e-3. */
  lr?: ScalarOrSchedule;
  /** β1 in [0, 1). Default 0.9. */
  b1?: number;
  /** β2 in [0, 1). Default 0.999. */
  b2?: number;
  /** ε ≥ 0, added to √v̂. Default 1e-8. */
  eps?: number;
  /** λ ≥ 0. Default 0. */
  weightDecay?: number;
  /** Decoupled decay p ← p − lr·λ·p (AdamW) instead of L2 (g ← g + λ·p). Default false. */
  decoupled?: boolean;
  /** AMSGrad. Default false. */
  amsgrad?: boolean;
  /** Ascend instead of descend (the gradient is negated first). Default false. */
  maximize?: boolean;
  /** Bias correction. Default true. */
  debias?: boolean;
}

/** State of {@link fusedAdam}: that of scaleByAdam (the learning rate is read at `count`). */
export type FusedAdamState = ScaleByAdamState;

/** The option names {@link fusedAdam} accepts. */
const FUSED_ADAM_KEYS = [
  'lr',
  'b1',
  'b2',
  'eps',
  'weightDecay',
  'decoupled',
  'amsgrad',
  'maximize',
  'debias',
] as const;

/**
 * The whole Adam / AdamW step in one loop per tensor (the building block behind `adam` and
 * `adamw`; equal to chain(scale(−1)?, addDecayedWeights(λ)?, scaleByAdam, addDecayedWeights(λ)?,
 * scaleByLearningRate(lr)) up to rounding, but one pass over memory instead of three):
 *
 * g ← ±g (+ λ·p for L2);  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;
 * u ← −(α / (1 − β1^t))·m / (√v / √(1 − β2^t) + ε)  (− α·λ·p when decoupled)
 *
 * computed as −(α√(1 − β2^t)/(1 − β1^t))·m/(√v + ε√(1 − β2^t)), the same number with one
 * division per element instead of PyTorch's two (float64 results agree with torch.optim.Adam and
 * AdamW to a few 1e-16 relative). Float32 tensors of at least ADAM_WASM_MIN_SIZE elements without
 * decay or AMSGrad run on the WebAssembly SIMD kernel (kernels `adamF32`: float32 arithmetic, 4
 * lanes; ~5× faster than the scalar loop here) unless `setKernels('js')`; the rest runs the JS
 * loops (double-precision arithmetic, results stored in the tensors' dtype). Both paths of the
 * Optimizer (update + apply, or applyInPlace) make the same choice, so they agree bit for bit.
 *
 * @example const tx = fusedAdam({ lr: 1e-3, weightDecay: 1e-2, decoupled: true });
 * @see Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.
 * @see Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019.
 */
export function fusedAdam(
  options: FusedAdamOptions = {},
  owner = 'fusedAdam',
): GradientTransformation<FusedAdamState> {
  checkKeys(owner, options, FUSED_ADAM_KEYS);
  const lr = checkScalarOrSchedule(owner, 'lr', options.lr, 1e-3, { min: 0 });
  const { b1, b2, eps } = checkAdamBetas(owner, options, { b1: 0.9, b2: 0.999, eps: 1e-8 });
  const wd = checkNumber(owner, 'weightDecay', options.weightDecay, 0, { min: 0 });
  const decoupled = checkBoolean(owner, 'decoupled', options.decoupled, false);
  const amsgrad = checkBoolean(owner, 'amsgrad', options.amsgrad, false);
  const maximize = checkBoolean(owner, 'maximize', options.maximize, false);
  const debias = checkBoolean(owner, 'debias', options.debias, true);
  const sign = maximize ? -1 : 1;
  const out = resultWriter<FusedAdamState>();
  const coef = new Float64Array(10);
  const coef32 = new Float32Array(7);
  // The step's scalars for the update number `count` + 1.
  const setCoefficients = (count: number): void => {
    const t = count + 1;
    const alpha = lr(count);
    coef[SIGN] = sign;
    coef[B1] = b1;
    coef[C1] = 1 - b1;
    coef[B2] = b2;
    coef[C2] = 1 - b2;
    coef[NEG_STEP] = -(alpha / (debias ? 1 - b1 ** t : 1));
    coef[BC2_SQRT] = debias ? Math.sqrt(1 - b2 ** t) : 1;
    coef[EPS] = eps;
    coef[L2] = decoupled ? 0 : wd;
    coef[DECAY] = decoupled ? alpha * wd : 0;
    // The wasm SIMD kernel's float32 coefficients (see kernels adamF32).
    coef32[0] = sign;
    coef32[1] = b1;
    coef32[2] = 1 - b1;
    coef32[3] = b2;
    coef32[4] = 1 - b2;
    coef32[5] = (coef[NEG_STEP] as number) * (coef[BC2_SQRT] as number);
    coef32[6] = eps * (coef[BC2_SQRT] as number);
  };
  return {
    init: (params) => ({
      count: 0,
      // Resident where possible: the wasm Adam kernel then updates them without copies.
      mu: buffersLike(params),
      nu: buffersLike(params),
      nuMax: amsgrad ? buffersLike(params) : null,
    }),
    update(updates, state, params: Params) {
      const t = state.count + 1;
      setCoefficients(state.count);
      const l2 = coef[L2] as number;
      const decay = coef[DECAY] as number;
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        const name = names[k] as string;
        const u = (updates[name] as { data: Float32Array | Float64Array }).data;
        const n = u.length;
        const m = bufferFor(owner, state.mu, name, n);
        const v = bufferFor(owner, state.nu, name, n);
        if (state.nuMax !== null || l2 !== 0 || decay !== 0) {
          const p = l2 !== 0 || decay !== 0 ? paramFor(owner, params, name, n).data : u;
          const vm = state.nuMax === null ? null : bufferFor(owner, state.nuMax, name, n);
          adamGeneralLoop(p, u, m, v, vm, coef, false);
        } else if (!(
          u instanceof Float32Array &&
          m instanceof Float32Array &&
          v instanceof Float32Array &&
          adamF32(null, u, m, v, coef32)
        )) {
          adamLoop(u, u, m, v, coef, false);
        }
      }
      state.count = t;
      return out(updates, state);
    },
    applyInPlace(params, state) {
      setCoefficients(state.count);
      const general = state.nuMax !== null || wd !== 0;
      const names = namesOf(params);
      for (let k = 0; k < names.length; k++) {
        const name = names[k] as string;
        const param = params[name] as Tensor;
        const p = param.data;
        const n = p.length;
        const gr = (param.grad as Tensor).data;
        const m = bufferFor(owner, state.mu, name, n);
        const v = bufferFor(owner, state.nu, name, n);
        if (general) {
          const vm = state.nuMax === null ? null : bufferFor(owner, state.nuMax, name, n);
          adamGeneralLoop(p, gr, m, v, vm, coef, true);
        } else if (!(
          p instanceof Float32Array &&
          gr instanceof Float32Array &&
          m instanceof Float32Array &&
          v instanceof Float32Array &&
          adamF32(p, gr, m, v, coef32)
        )) {
          adamLoop(p, gr, m, v, coef, true);
        }
      }
      state.count = state.count + 1;
      return state;
    },
    currentLr: (state) => lr(state.count),
  };
}
