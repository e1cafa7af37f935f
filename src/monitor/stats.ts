import { ShapeError, fmt } from '../errors.js';
import {
  GRAD_STATS_MAX_ABS,
  GRAD_STATS_NON_FINITE,
  GRAD_STATS_SUM_SQ,
  GRAD_STATS_ZEROS,
  GradStatsCache,
  copyArray,
  updateStatsInto,
} from '../optim/grad-stats.js';
import { stateArray, stateView } from '../optim/buffers.js';
import type { Params } from '../optim/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { layoutOf } from './layers.js';

/**
 * The measured part of the monitor's state: per-parameter and per-layer gradient statistics of
 * the last checked step. Everything is preallocated by {@link createStats} and overwritten in
 * place by {@link measureGradients}, so a check allocates nothing.
 */
export interface GradientStats {
  /** Parameter names in arena (depth) order. */
  readonly paramNames: string[];
  /** Layer names in depth order (see {@link layoutOf}). */
  readonly layerNames: string[];
  /** Module path of each layer (where the remedies apply). */
  readonly layerModules: string[];
  /** Shape of each parameter (for the record header and the recurrent-cell remedies). */
  readonly paramShapes: number[][];
  /** Layer index of each parameter. */
  readonly paramLayer: Int32Array;
  /** Number of elements of each parameter. */
  readonly paramSize: Int32Array;
  /** Offset of each parameter in `snapshot`. */
  readonly paramOffset: Int32Array;
  /** ‖g‖₂ per parameter. */
  readonly gradNorm: Float64Array;
  /** √(mean g²) per parameter. */
  readonly gradRms: Float64Array;
  /** max |g| per parameter (over the finite entries; NaN when the check measured no detail, see MeasureOptions.detail). */
  readonly gradMaxAbs: Float64Array;
  /** Fraction of entries exactly 0 per parameter (NaN when the check measured no detail). */
  readonly zeroFraction: Float64Array;
  /** Number of NaN/±Inf gradient entries per parameter. */
  readonly nonFiniteCount: Float64Array;
  /** ‖p‖₂ per parameter (before this step's update). */
  readonly paramNorm: Float64Array;
  /** ‖Δp‖/‖p_before‖ of the previous update per parameter, p_before the parameters before it (NaN when unknown). */
  readonly updateRatio: Float64Array;
  /** ‖g‖₂ per layer (all parameters of the layer together). */
  readonly layerGradNorm: Float64Array;
  /** ‖p‖₂ per layer. */
  readonly layerParamNorm: Float64Array;
  /** ‖Δp‖/‖p_before‖ of the previous update per layer (NaN when unknown). */
  readonly layerUpdateRatio: Float64Array;
  /** @internal Σ p_before² per layer during a pass. */
  readonly layerBefore2: Float64Array;
  /** Parameters as they were after the last snapshot (float32 when every parameter is float32, so the copy is exact and half the memory traffic). */
  readonly snapshot: Float32Array | Float64Array;
  /** Step whose pre-update parameters are in `snapshot` (−1: none), or whose update `updateSums` measures. */
  snapshotStep: number;
  /**
   * The update of step `snapshotStep` as the optimizer's fused step measured it (asked through
   * StepContext.updateNorms instead of copying the parameters into `snapshot`): per parameter k,
   * Σp², Σ(p − p_before)², Σp_before² at 3k … 3k + 2 (Kernels.updateStats' bits); the last entry
   * says where that step's update is: 1 here, 0 asked but not measured, −1 in `snapshot`.
   */
  readonly updateSums: Float64Array;
  /** ‖g‖₂ over all parameters. */
  totalGradNorm: number;
  /** ‖p‖₂ over all parameters. */
  totalParamNorm: number;
  /** ‖Δp‖/‖p_before‖ over all parameters for the previous update (NaN when unknown). */
  totalUpdateRatio: number;
  /** ‖Δp‖₂ of the previous update (NaN when unknown). */
  totalUpdateNorm: number;
  /** Whether the update statistics were measured at this check (else they are the last ones measured). */
  updateFresh: boolean;
  /** ‖p_before‖₂, the parameters before the previous update (NaN when unknown). */
  totalBeforeNorm: number;
  /** Total gradient norm at the snapshot step (NaN if that step was not checked). */
  snapshotGradNorm: number;
  /** ‖g‖ of the step whose update is measured (for the effective step size ‖Δp‖/‖g‖; NaN if unknown). */
  updateGradNorm: number;
  /** Number of NaN/±Inf gradient entries over all parameters. */
  totalNonFinite: number;
  /** Index of the first parameter (arena order) holding a non-finite gradient, or −1. */
  firstNonFinite: number;
  /** cos(g, g_prev) between this check's gradient and the one stored in `prevGrad` (NaN if none). */
  cosine: number;
  /** The previous check's gradient (length 0 unless direction tracking is on; float32 like `snapshot`). */
  readonly prevGrad: Float32Array | Float64Array;
  /** Step of the gradient in `prevGrad` (−1: none). */
  prevGradStep: number;
}

/** A parameter as the statistics need it: its name, shape and dtype. */
export interface ParamSpec {
  name: string;
  shape: readonly number[];
  dtype: 'float32' | 'float64';
}

/**
 * Preallocates the statistics for a set of parameters (names in their record's order, which is a
 * module's arena order).
 * @example const s = createStats(model.namedParameters()); s.layerNames // ['0', '2', '4']
 */
export function createStats(params: Params, trackDirection = false): GradientStats {
  return createStatsFor(
    Object.keys(params).map((name) => {
      const t = params[name] as Tensor;
      return { name, shape: t.shape, dtype: t.dtype === 'float32' ? 'float32' : 'float64' };
    }),
    trackDirection,
  );
}

/**
 * Preallocates the statistics for parameters described by name, shape and dtype (a replay builds
 * them from a record header; `buffers` false skips the parameter snapshot, which only a live
 * monitor fills).
 * @example createStatsFor([{ name: '0.weight', shape: [4, 2], dtype: 'float32' }]).layerNames // ['0']
 */
export function createStatsFor(
  specs: readonly ParamSpec[],
  trackDirection = false,
  buffers = true,
): GradientStats {
  const names = specs.map((p) => p.name);
  const layout = layoutOf(names);
  const P = names.length;
  const L = layout.layerNames.length;
  const paramSize = new Int32Array(P);
  const paramOffset = new Int32Array(P);
  let total = 0;
  let all32 = P > 0;
  specs.forEach((p, i) => {
    const size = p.shape.reduce((a, b) => a * b, 1);
    if (p.dtype !== 'float32') all32 = false;
    paramSize[i] = size;
    paramOffset[i] = total;
    total += size;
  });
  const snap = buffers ? total : 0;
  return {
    paramNames: [...names],
    layerNames: [...layout.layerNames],
    layerModules: [...layout.layerModules],
    paramShapes: specs.map((p) => [...p.shape]),
    paramLayer: layout.paramLayer,
    paramSize,
    paramOffset,
    gradNorm: new Float64Array(P),
    gradRms: new Float64Array(P),
    gradMaxAbs: new Float64Array(P),
    zeroFraction: new Float64Array(P),
    nonFiniteCount: new Float64Array(P),
    paramNorm: new Float64Array(P),
    updateRatio: new Float64Array(P).fill(NaN),
    layerGradNorm: new Float64Array(L),
    layerParamNorm: new Float64Array(L),
    layerUpdateRatio: new Float64Array(L).fill(NaN),
    layerBefore2: new Float64Array(L),
    // placed by the memory owner (resident: the update statistics read it in place; given back
    // by Optimizer.dispose() with the rest of the optimizer state)
    snapshot: all32
      ? snap > 0
        ? (stateArray('float32', snap) as Float32Array)
        : new Float32Array(0)
      : new Float64Array(snap),
    snapshotStep: -1,
    updateSums: new Float64Array(3 * P + 1).fill(-1),
    totalGradNorm: 0,
    totalParamNorm: 0,
    totalUpdateRatio: NaN,
    totalUpdateNorm: NaN,
    updateFresh: false,
    totalBeforeNorm: NaN,
    snapshotGradNorm: NaN,
    updateGradNorm: NaN,
    totalNonFinite: 0,
    firstNonFinite: -1,
    cosine: NaN,
    prevGrad: all32
      ? new Float32Array(trackDirection && buffers ? total : 0)
      : new Float64Array(trackDirection && buffers ? total : 0),
    prevGradStep: -1,
  };
}

function tensorOf(record: Params, name: string, what: string, size: number): Tensor {
  const t = record[name];
  if (t === undefined)
    throw new ShapeError(
      `gradientHealth: ${what} has no entry ${fmt(name)} (the parameter set changed after init?)`,
    );
  if (t.size !== size)
    throw new ShapeError(
      `gradientHealth: ${what} ${fmt(name)} has ${t.size} elements, expected ${size}`,
    );
  return t;
}

/**
 * Results of one parameter's pass, reused (no allocation): a typed array, because object fields
 * that change representation (small integer → double) invalidate the optimized passes.
 */
const acc = new Float64Array(6);
const P2 = 1;
const U2 = 2;
const B2 = 3;
const DOT = 4;
const Q2 = 5;

// The gradient and parameter passes are the kernels' (Kernels.gradStats, Kernels.updateStats:
// wasm SIMD for float32); the direction pass below stays a small JS loop (off by default), with
// several partial sums — one running sum is bound by the add latency.

/** g·g_prev and ‖g_prev‖². */
function passDirection(
  gd: ArrayLike<number>,
  prev: Float32Array | Float64Array,
  off: number,
  n: number,
): void {
  let d0 = 0;
  let d1 = 0;
  let q0 = 0;
  let q1 = 0;
  const m = n - (n % 2);
  let i = 0;
  for (; i < m; i += 2) {
    const a = gd[i] as number;
    const b = gd[i + 1] as number;
    const ha = prev[off + i] as number;
    const hb = prev[off + i + 1] as number;
    d0 += a * ha;
    d1 += b * hb;
    q0 += ha * ha;
    q1 += hb * hb;
  }
  for (; i < n; i++) {
    const a = gd[i] as number;
    const ha = prev[off + i] as number;
    d0 += a * ha;
    q0 += ha * ha;
  }
  acc[DOT] = d0 + d1;
  acc[Q2] = q0 + q1;
}

// Run every pass a few times on tiny inputs of both dtypes at load time, so that all of their code
// has type feedback (V8 allocates feedback only after several calls) before a pass is compiled
// on-stack in the middle of its first big loop; otherwise the optimized loop deoptimizes at the
// not-yet-seen code after it, again and again (measured: 5× slower). Costs microseconds.
for (let rep = 0; rep < 16; rep++) {
  for (const T of [Float32Array, Float64Array]) {
    const a = new T(7).fill(1);
    const b = new T(7);
    passDirection(a, b, 0, 7);
  }
}

// Per-parameter views of each snapshot (made once per snapshot array: a check allocates nothing).
const viewCache = new WeakMap<Float32Array | Float64Array, (Float32Array | Float64Array)[]>();
const NO_VIEWS: (Float32Array | Float64Array)[] = [];

function snapshotViews(s: GradientStats): (Float32Array | Float64Array)[] {
  let views = viewCache.get(s.snapshot);
  if (views === undefined) {
    views = s.paramNames.map((_, k) => {
      const off = s.paramOffset[k] as number;
      return stateView(s.snapshot, off, off + (s.paramSize[k] as number));
    });
    viewCache.set(s.snapshot, views);
  }
  return views;
}

/** Options of {@link measureGradients}. */
export interface MeasureOptions {
  /** Measure the previous step's update Δp = p − snapshot (the snapshot was taken at step − 1). */
  withUpdate: boolean;
  /**
   * With `withUpdate`: the optimizer measured that update into `updateSums` (read them; the
   * snapshot was not taken). Default false.
   */
  updateFromSums?: boolean;
  /** Store the current parameters for the next step's update. */
  takeSnapshot: boolean;
  /** The gradient stored in `prevGrad` is the previous step's (the cosine is valid). Default false. */
  prevValid?: boolean;
  /** Read the parameters (else their norms and update ratios keep the last values). Default true. */
  readParams?: boolean;
  /**
   * The step's gradient statistics (a chain's shared cache, `ctx.gradStats`); default: computed
   * here through a private cache.
   */
  gradStats?: GradStatsCache | undefined;
  /**
   * Measure max |g| and the fraction of exact zeros per parameter (default true). false leaves
   * them NaN and reads each gradient with the sum-only pass (Σg² and the NaN/±Inf count, the
   * same bits, about half the SIMD work): what the detectors need.
   */
  detail?: boolean;
}

const ownCache = new GradStatsCache();

/**
 * One pass over every gradient (and parameter) computing the statistics of {@link GradientStats}.
 * The gradient side (Σg², max |g|, zeros, NaN/Inf count per parameter) is the kernels'
 * gradStats pass (wasm SIMD for float32; float32 sums in float64 blocks, see Kernels.gradStats),
 * read from the step's shared cache when a chain gives one (so byGlobalNorm after the monitor
 * reads the same numbers without a second pass). With `withUpdate` the update of the previous
 * step is Δp = p − snapshot, or, with `updateFromSums`, the sums the optimizer's fused step
 * measured into `updateSums` while making that update (the same bits, no parameter pass); with
 * `takeSnapshot` the current parameters are stored for the next step's update. When `prevGrad` is allocated, the cosine with the stored gradient is computed
 * (valid if `prevValid`) and the gradient stored in its place. With `readParams` false the
 * parameters are not read (except to take a snapshot): their norms and update ratios keep the
 * values of the last check that read them. Copies are native `set`s. Allocates nothing.
 *
 * ‖g‖ = √Σg², rms = ‖g‖/√n, ratio = ‖Δp‖/‖p_before‖, cos = g·g'/(‖g‖‖g'‖)
 * @example measureGradients(stats, grads, params, { withUpdate: false, takeSnapshot: true });
 */
export function measureGradients(
  s: GradientStats,
  grads: Params,
  params: Params,
  options: MeasureOptions,
): void {
  const withUpdate = options.withUpdate;
  const takeSnapshot = options.takeSnapshot;
  const prevValid = options.prevValid ?? false;
  const readParams = options.readParams ?? true;
  const detail = options.detail ?? true;
  const fromSums = options.updateFromSums ?? false;
  const sums = s.updateSums;
  let cache = options.gradStats;
  if (cache === undefined) {
    cache = ownCache;
    cache.invalidate();
  }
  const P = s.paramNames.length;
  const measureUpdate = withUpdate && readParams;
  s.layerGradNorm.fill(0);
  s.layerParamNorm.fill(0);
  const layerUpd = s.layerUpdateRatio; // holds Σ‖Δp‖² per layer until the end
  if (measureUpdate) {
    layerUpd.fill(0);
    s.layerBefore2.fill(0);
  }
  let b2All = 0;
  let g2All = 0;
  let p2All = 0;
  let u2All = 0;
  let badAll = 0;
  let firstBad = -1;
  let dotAll = 0;
  let q2All = 0;
  const views = (measureUpdate && !fromSums) || takeSnapshot ? snapshotViews(s) : NO_VIEWS;
  const prev = s.prevGrad;
  const direction = prev.length > 0;
  for (let k = 0; k < P; k++) {
    const name = s.paramNames[k] as string;
    const n = s.paramSize[k] as number;
    const gd = tensorOf(grads, name, 'updates', n).data;
    const off = s.paramOffset[k] as number;
    const at = cache.of(gd, detail);
    const gv = cache.values;
    if (readParams) {
      const pd = tensorOf(params, name, 'params', n).data;
      if (measureUpdate && fromSums) {
        // the optimizer's measurement of its update: the parameters need not be read
        acc[P2] = sums[3 * k] as number;
        acc[U2] = sums[3 * k + 1] as number;
        acc[B2] = sums[3 * k + 2] as number;
      } else if (measureUpdate)
        updateStatsInto(pd, views[k] as Float32Array | Float64Array, acc, P2);
      else {
        acc[P2] = cache.values[cache.of(pd, false) + GRAD_STATS_SUM_SQ] as number;
        acc[U2] = 0;
        acc[B2] = 0;
      }
      if (takeSnapshot) copyArray(views[k] as Float32Array | Float64Array, pd);
    } else {
      acc[P2] = (s.paramNorm[k] as number) ** 2;
      if (takeSnapshot)
        copyArray(
          views[k] as Float32Array | Float64Array,
          tensorOf(params, name, 'params', n).data,
        );
    }
    if (direction) {
      passDirection(gd, prev, off, n);
      prev.set(gd, off);
    } else {
      acc[DOT] = 0;
      acc[Q2] = 0;
    }
    const g2 = gv[at + GRAD_STATS_SUM_SQ] as number;
    const p2 = acc[P2] as number;
    const bad = gv[at + GRAD_STATS_NON_FINITE] as number;
    s.gradNorm[k] = Math.sqrt(g2);
    s.gradRms[k] = n > 0 ? Math.sqrt(g2 / n) : 0;
    s.gradMaxAbs[k] = detail ? (gv[at + GRAD_STATS_MAX_ABS] as number) : NaN;
    s.zeroFraction[k] = !detail ? NaN : n > 0 ? (gv[at + GRAD_STATS_ZEROS] as number) / n : 0;
    s.nonFiniteCount[k] = bad;
    s.paramNorm[k] = Math.sqrt(p2);
    if (bad > 0 && firstBad < 0) firstBad = k;
    const l = s.paramLayer[k] as number;
    s.layerGradNorm[l] = (s.layerGradNorm[l] as number) + g2;
    s.layerParamNorm[l] = (s.layerParamNorm[l] as number) + p2;
    if (measureUpdate) {
      const u2 = acc[U2] as number;
      const b2 = acc[B2] as number;
      s.updateRatio[k] = Math.sqrt(u2 / b2);
      layerUpd[l] = (layerUpd[l] as number) + u2;
      s.layerBefore2[l] = (s.layerBefore2[l] as number) + b2;
      b2All += b2;
      u2All += u2;
    } else if (readParams) s.updateRatio[k] = NaN;
    g2All += g2;
    p2All += p2;
    badAll += bad;
    dotAll += acc[DOT] as number;
    q2All += acc[Q2] as number;
  }
  const L = s.layerNames.length;
  for (let l = 0; l < L; l++) {
    s.layerGradNorm[l] = Math.sqrt(s.layerGradNorm[l] as number);
    s.layerParamNorm[l] = Math.sqrt(s.layerParamNorm[l] as number);
    if (measureUpdate)
      layerUpd[l] = Math.sqrt((layerUpd[l] as number) / (s.layerBefore2[l] as number));
    else if (readParams) layerUpd[l] = NaN;
  }
  s.totalGradNorm = Math.sqrt(g2All);
  s.totalParamNorm = Math.sqrt(p2All);
  s.updateFresh = measureUpdate;
  if (readParams) {
    s.totalUpdateNorm = measureUpdate ? Math.sqrt(u2All) : NaN;
    s.totalBeforeNorm = measureUpdate ? Math.sqrt(b2All) : NaN;
    s.totalUpdateRatio = measureUpdate ? Math.sqrt(u2All / b2All) : NaN;
  }
  s.totalNonFinite = badAll;
  s.firstNonFinite = firstBad;
  s.cosine = direction && prevValid ? dotAll / (s.totalGradNorm * Math.sqrt(q2All)) : NaN;
}

/**
 * Copies the parameters into the snapshot without measuring anything (a step right before a
 * check, when checks are every k > 1 steps).
 * @example snapshotParams(stats, model.namedParameters());
 */
export function snapshotParams(s: GradientStats, params: Params): void {
  const P = s.paramNames.length;
  const views = snapshotViews(s);
  for (let k = 0; k < P; k++) {
    const name = s.paramNames[k] as string;
    const n = s.paramSize[k] as number;
    copyArray(views[k] as Float32Array | Float64Array, tensorOf(params, name, 'params', n).data);
  }
}

/**
 * Counts NaN/±Inf entries over all updates, stopping at the first parameter that has any
 * (the cheap guard run on steps that are not checked). Returns the count in that parameter.
 * @example if (quickNonFinite(stats, grads) > 0) check();
 */
export function quickNonFinite(s: GradientStats, grads: Params): number {
  const P = s.paramNames.length;
  for (let k = 0; k < P; k++) {
    const d = (grads[s.paramNames[k] as string] as Tensor).data;
    let bad = 0;
    for (let i = 0; i < d.length; i++) {
      const x = d[i] as number;
      if (x - x !== 0) bad++;
    }
    if (bad > 0) return bad;
  }
  return 0;
}
