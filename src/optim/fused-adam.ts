import { adamF32 } from '../kernels/backend.js';
import { ShapeError } from '../errors.js';
import { allocData, dtypeOf, type TypedArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { bufferFor, buffersLike, paramFor } from './buffers.js';
import { gradientFor } from './fused.js';
import { updateStatsInto } from './grad-stats.js';
import { namesOf } from './names.js';
import { resultWriter } from './result.js';
import { adamScalars, type ScaleByAdamState } from './scale-by-adam.js';
import {
  readOptimizerOptions,
  type OptimizerOptions,
  type OptionSpec,
  type OptionSpecs,
} from './declare.js';
import { BETA, FLAG, L2_PENALTY, MAXIMIZE, NONNEG } from './option-fields.js';
import type { GradientTransformation, Params } from './types.js';

// Per-step scalars reach the loops through a Float64Array, not as number arguments: a double
// passed to a call that V8 does not inline is boxed (16 bytes per call, per tensor, per step).
const SIGN = 0;
const B1 = 1;
const C1 = 2;
const B2 = 3;
const C2 = 4;
const NEG_LR = 5;
const K = 6;
const EPS_S = 7;
const L2 = 8;
const DECAY = 9;
// The factor the incoming gradient is multiplied by first (a clipping link's coefficient folded
// into the step, already rounded to the tensor's dtype; 1 otherwise).
const GS = 10;

/**
 * The plain Adam step over one tensor (no decay, no AMSGrad): the hot loop. The gradient is
 * first multiplied by c[GS] (1 unless a chain folded a clipping factor in), rounded to float32
 * for float32 data as the unfused scaling stores it. apply = false: the
 * update replaces the gradient in `gr` (the updates buffer of a chain); apply = true: p ← p + u
 * (the fused path), with u rounded to the parameter's dtype first, exactly as storing it in the
 * updates buffer would, so both paths give the same bits. The update is −α·(k·m/(√v + ε√bc2))
 * with k = √bc2/bc1 ({@link adamScalars}), the expression scaleByAdam and scaleByLearningRate
 * compute in two links, so that adam() and chain(scaleByAdam(), scaleByLearningRate()) agree bit
 * for bit in float64.
 */
function adamLoop(
  p: TypedArray,
  gr: TypedArray,
  m: TypedArray,
  v: TypedArray,
  c: Float64Array,
  apply: boolean,
): void {
  const sign = c[SIGN] as number;
  const b1 = c[B1] as number;
  const c1 = c[C1] as number;
  const b2 = c[B2] as number;
  const c2 = c[C2] as number;
  const negLr = c[NEG_LR] as number;
  const k = c[K] as number;
  const epsS = c[EPS_S] as number;
  const gs = c[GS] as number;
  const scaled = gs !== 1;
  const f32 = p instanceof Float32Array;
  const n = gr.length;
  for (let i = 0; i < n; i++) {
    let g = gr[i] as number;
    if (scaled) g = f32 ? Math.fround(g * gs) : g * gs;
    g = sign * g;
    const mi = (m[i] as number) * b1 + c1 * g;
    const vi = (v[i] as number) * b2 + c2 * g * g;
    m[i] = mi;
    v[i] = vi;
    const u = negLr * ((k * mi) / (Math.sqrt(vi) + epsS));
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
  c: Float64Array,
  apply: boolean,
): void {
  const sign = c[SIGN] as number;
  const b1 = c[B1] as number;
  const c1 = c[C1] as number;
  const b2 = c[B2] as number;
  const c2 = c[C2] as number;
  const negLr = c[NEG_LR] as number;
  const k = c[K] as number;
  const epsS = c[EPS_S] as number;
  const l2 = c[L2] as number;
  const decay = c[DECAY] as number;
  const gs = c[GS] as number;
  const scaled = gs !== 1;
  const f32 = p instanceof Float32Array;
  const n = gr.length;
  for (let i = 0; i < n; i++) {
    let g = gr[i] as number;
    if (scaled) g = f32 ? Math.fround(g * gs) : g * gs;
    g = sign * g;
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
    const step = negLr * ((k * mi) / (Math.sqrt(d) + epsS));
    const u = decay !== 0 ? step - decay * pi : step;
    if (apply) p[i] = pi + (f32 ? Math.fround(u) : u);
    else gr[i] = u;
  }
}

/**
 * The one dispatcher of the Adam step over one tensor, for both paths (update: `p` is the
 * parameter, `gr` the updates buffer, overwritten; apply: `gr` the gradient, p ← p + u). The
 * choice depends only on the configuration (`general`: decay or AMSGrad, fixed at construction)
 * and on the tensors' dtype and size, never on the step's values, so both paths always run the
 * same loop (issue 14: the two dispatchers of bb16516 tested lr·λ ≠ 0 and λ ≠ 0 and disagreed
 * at a step with lr 0).
 */
function adamTensor(
  p: TypedArray,
  gr: TypedArray,
  m: TypedArray,
  v: TypedArray,
  vm: TypedArray | null,
  c: Float64Array,
  c32: Float32Array,
  general: boolean,
  apply: boolean,
): void {
  if (general) {
    adamGeneralLoop(p, gr, m, v, vm, c, apply);
    return;
  }
  if (
    p instanceof Float32Array &&
    gr instanceof Float32Array &&
    m instanceof Float32Array &&
    v instanceof Float32Array &&
    adamF32(apply ? p : null, gr, m, v, c32)
  )
    return;
  adamLoop(p, gr, m, v, c, apply);
}

/** The options the Adam family shares (PyTorch's names and defaults; `b1`, `b2` for the betas). */
export const ADAM_FAMILY_OPTIONS = {
  /** β1, decay of the first moment, in [0, 1). Default 0.9. */
  b1: { ...BETA, default: 0.9 },
  /** β2, decay of the second moment, in [0, 1). Default 0.999. */
  b2: { ...BETA, default: 0.999 },
  /** ε ≥ 0, added to √v̂. Default 1e-8. */
  eps: { ...NONNEG, default: 1e-8 },
  /** Weight decay λ ≥ 0 (L2 added to the gradient, or decoupled: see `decoupled`). Default 0. */
  weightDecay: L2_PENALTY,
  /** Ascend instead of descend (the gradient is negated first). Default false. */
  maximize: MAXIMIZE,
  /** AMSGrad: normalise by the running maximum of v (Reddi et al. 2018). Default false. */
  amsgrad: FLAG,
} as const satisfies OptionSpecs;

/** Bias correction of m and v (not in PyTorch; false gives Kingma & Ba's uncorrected variant, §3). Default true. */
export const DEBIAS = { type: 'boolean', default: true } as const satisfies OptionSpec;

/** The options of {@link fusedAdam}. */
export const FUSED_ADAM_OPTIONS = {
  ...ADAM_FAMILY_OPTIONS,
  /** Decoupled decay p ← p − lr·λ·p (AdamW) instead of L2 (g ← g + λ·p). Default false. */
  decoupled: FLAG,
  debias: DEBIAS,
} as const satisfies OptionSpecs;

/** Options of {@link fusedAdam} (lr default 1e-3). */
export type FusedAdamOptions = OptimizerOptions<typeof FUSED_ADAM_OPTIONS>;

/** State of {@link fusedAdam}: that of scaleByAdam (the learning rate is read at `count`). */
export type FusedAdamState = ScaleByAdamState;

/**
 * The whole Adam / AdamW step in one loop per tensor (the building block behind `adam` and
 * `adamw`; equal to chain(scale(−1)?, addDecayedWeights(λ)?, scaleByAdam, addDecayedWeights(λ)?,
 * scaleByLearningRate(lr)) up to rounding, but one pass over memory instead of three):
 *
 * g ← ±g (+ λ·p for L2);  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;
 * u ← −(α / (1 − β1^t))·m / (√v / √(1 − β2^t) + ε)  (− α·λ·p when decoupled)
 *
 * computed as −α·(k·m/(√v + ε√(1 − β2^t))) with k = √(1 − β2^t)/(1 − β1^t): the same number
 * as PyTorch's up to rounding with one division per element instead of two (float64 results agree
 * with torch.optim.Adam and AdamW to a few 1e-16 relative), and bit for bit the expression of
 * chain(scaleByAdam(), scaleByLearningRate(α)) in float64. Float32 tensors of at least
 * ADAM_WASM_MIN_SIZE elements without decay or AMSGrad run on the WebAssembly SIMD kernel
 * (kernels `adamF32`: float32 arithmetic, 4 lanes; ~5× faster than the scalar loop here) unless
 * `setKernels('js')`; the rest runs the JS loops (double-precision arithmetic, results stored in
 * the tensors' dtype). One dispatcher (adamTensor) serves `update` and `applyInPlace`, so the
 * fused and unfused paths agree bit for bit whatever the schedule does.
 *
 * @example const tx = fusedAdam({ lr: 1e-3, weightDecay: 1e-2, decoupled: true });
 * @see Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.
 * @see Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019.
 */
export function fusedAdam(
  options: FusedAdamOptions = {},
  owner = 'fusedAdam',
): GradientTransformation<FusedAdamState> {
  const o = readOptimizerOptions(
    { name: owner, options: FUSED_ADAM_OPTIONS, defaultLr: 1e-3 },
    options,
  );
  const { lr, b1, b2, eps, decoupled, amsgrad, maximize, debias } = o;
  const wd = o.weightDecay;
  const sign = maximize ? -1 : 1;
  const out = resultWriter<FusedAdamState>();
  const coef = new Float64Array(11);
  const coef32 = new Float32Array(8);
  const scalars = new Float64Array(2);
  // Decay or AMSGrad: the general loop, on both paths, at every step (see adamTensor).
  const general = amsgrad || wd !== 0;
  // The fused step that also measures its update (AdamArgs.stats) into out[at … at + 2]: the
  // float32 kernel when it runs this tensor, else a copy of p before (one buffer per size and
  // dtype, made at the first measured step) and Kernels.updateStats after the loop; the same
  // bits either way.
  const sums = new Float64Array(3);
  const befores = new Map<number, TypedArray>();
  const measuredStep = (
    p: TypedArray,
    gr: TypedArray,
    m: TypedArray,
    v: TypedArray,
    vm: TypedArray | null,
    out: Float64Array,
    at: number,
  ): void => {
    if (
      !general &&
      p instanceof Float32Array &&
      gr instanceof Float32Array &&
      m instanceof Float32Array &&
      v instanceof Float32Array &&
      adamF32(p, gr, m, v, coef32, sums)
    ) {
      out[at] = sums[0] as number;
      out[at + 1] = sums[1] as number;
      out[at + 2] = sums[2] as number;
      return;
    }
    const key = 2 * p.length + (p instanceof Float32Array ? 0 : 1);
    let q = befores.get(key);
    if (q === undefined) {
      q = allocData(dtypeOf(p), p.length);
      befores.set(key, q);
    }
    q.set(p);
    adamTensor(p, gr, m, v, vm, coef, coef32, general, true);
    updateStatsInto(p, q, out, at);
  };
  // The step's scalars for the update number `count` + 1.
  const setCoefficients = (count: number): void => {
    const alpha = lr(count);
    adamScalars(b1, b2, debias, count + 1, scalars);
    const k = scalars[0] as number;
    const bc2Sqrt = scalars[1] as number;
    coef[SIGN] = sign;
    coef[B1] = b1;
    coef[C1] = 1 - b1;
    coef[B2] = b2;
    coef[C2] = 1 - b2;
    coef[NEG_LR] = -alpha;
    coef[K] = k;
    coef[EPS_S] = eps * bc2Sqrt;
    coef[L2] = decoupled ? 0 : wd;
    coef[DECAY] = decoupled ? alpha * wd : 0;
    // The wasm SIMD kernel's float32 coefficients (see kernels adamF32): −(α/bc1)·√bc2 and ε√bc2.
    const bc1 = debias ? 1 - b1 ** (count + 1) : 1;
    coef32[0] = sign;
    coef32[1] = b1;
    coef32[2] = 1 - b1;
    coef32[3] = b2;
    coef32[4] = 1 - b2;
    coef32[5] = -(alpha / bc1) * bc2Sqrt;
    coef32[6] = eps * bc2Sqrt;
    coef[GS] = 1;
    coef32[7] = 1;
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
      setCoefficients(state.count);
      const names = namesOf(updates);
      for (let k = 0; k < names.length; k++) {
        const name = names[k] as string;
        const u = (updates[name] as Tensor).data;
        const n = u.length;
        const m = bufferFor(owner, state.mu, name, n);
        const v = bufferFor(owner, state.nu, name, n);
        const vm = state.nuMax === null ? null : bufferFor(owner, state.nuMax, name, n);
        const p = wd !== 0 ? paramFor(owner, params, name, n).data : u;
        adamTensor(p, u, m, v, vm, coef, coef32, general, false);
      }
      state.count = state.count + 1;
      return out(updates, state);
    },
    measuresUpdate: true,
    applyInPlace(params, state, ctx, grads, gradScale) {
      setCoefficients(state.count);
      const names = namesOf(params);
      const gs = gradScale === undefined ? 1 : (gradScale[0] as number);
      // a link before asked for the norms of this update (StepContext.updateNorms)
      const norms = ctx?.updateNorms?.out ?? null;
      if (norms !== null && norms.length !== 3 * names.length + 1)
        throw new ShapeError(
          `${owner}: ctx.updateNorms.out has ${norms.length} entries, expected ${3 * names.length + 1} (3 per parameter + 1)`,
        );
      for (let k = 0; k < names.length; k++) {
        const name = names[k] as string;
        const param = params[name] as Tensor;
        const p = param.data;
        const n = p.length;
        // the factor as the unfused scaling applies it: rounded to float32 for float32 data
        coef[GS] = p instanceof Float32Array ? Math.fround(gs) : gs;
        coef32[7] = gs;
        const gr = gradientFor(owner, param, grads, name);
        const m = bufferFor(owner, state.mu, name, n);
        const v = bufferFor(owner, state.nu, name, n);
        const vm = state.nuMax === null ? null : bufferFor(owner, state.nuMax, name, n);
        if (norms === null) adamTensor(p, gr, m, v, vm, coef, coef32, general, true);
        else measuredStep(p, gr, m, v, vm, norms, 3 * k);
      }
      if (norms !== null) norms[3 * names.length] = 1;
      state.count = state.count + 1;
      return state;
    },
    currentLr: (state) => lr(state.count),
  };
}
