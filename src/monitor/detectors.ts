import type { ActivationProbe } from './activation-probe.js';
import { ringIndex, type HealthState } from './state.js';
import type { HealthThresholds } from './thresholds.js';

/** Exploding rules, as returned by {@link explodingTrigger}. */
export const TRIGGER_NONE = 0;
export const TRIGGER_SPIKE = 1;
export const TRIGGER_GROWTH = 2;
export const TRIGGER_CEILING = 3;
export const TRIGGER_UPDATE = 4;

/** The names of the exploding rules, indexed by trigger code. */
export const TRIGGER_NAMES = ['none', 'spike', 'growth', 'ceiling', 'update'] as const;

/**
 * Checks the exploding rules on the current (finite) check and folds ln ‖g‖ into the running
 * statistics. Rules, strongest first:
 * - ceiling: ‖g‖ > gradCeiling·max(‖p‖, 1);
 * - update: the previous update moved the parameters by more than updateCeiling·max(‖p_before‖, 1)
 *   (the max keeps zero- or tiny-initialized models, such as a logistic regression started at 0,
 *   from tripping it on their first steps);
 * - spike: z = (ln ‖g‖ − m)/s > spikeZ and ‖g‖ > spikeFactor·eᵐ, with m, s² the EMA mean and
 *   variance of ln ‖g‖ (after `warmup` checks of plain averaging);
 * - growth: the mean of ln ‖g‖ over the last quarter of the growth window exceeds the first
 *   quarter's by ln growthFactor.
 * The value folded in is clamped to m + spikeZ·s, so one spike does not inflate the statistics
 * (as ZClip does). Call before pushing the check into the ring.
 * @example const t = explodingTrigger(state, th); if (t !== TRIGGER_NONE) raise('spike')
 */
export function explodingTrigger(s: HealthState, th: HealthThresholds): number {
  const st = s.stats;
  const norm = st.totalGradNorm;
  const x = Math.log(Math.max(norm, 1e-300));
  const warm = s.logCount >= th.warmup;
  const sd = Math.sqrt(s.logVar);
  s.lastZ = warm ? (x - s.logMean) / Math.max(sd, 1e-12) : NaN;
  let trigger = TRIGGER_NONE;
  if (norm > th.gradCeiling * Math.max(st.totalParamNorm, 1)) trigger = TRIGGER_CEILING;
  else if (
    st.updateFresh &&
    st.totalUpdateNorm > th.updateCeiling * Math.max(st.totalBeforeNorm, 1)
  )
    trigger = TRIGGER_UPDATE;
  else if (warm && s.lastZ > th.spikeZ && norm > th.spikeFactor * Math.exp(s.logMean))
    trigger = TRIGGER_SPIKE;
  // growth over the window ending at this check
  const r = s.ring;
  const w = th.growthWindow;
  s.lastGrowth = NaN;
  if (r.count >= w - 1) {
    const q = Math.max(1, Math.floor(w / 4));
    let first = 0;
    for (let k = 0; k < q; k++) first += r.logNorm[ringIndex(r, w - 1, k)] as number;
    let last = x;
    for (let k = w - q; k < w - 1; k++) last += r.logNorm[ringIndex(r, w - 1, k)] as number;
    s.lastGrowth = Math.exp(last / q - first / q);
    if (trigger === TRIGGER_NONE && s.lastGrowth > th.growthFactor) trigger = TRIGGER_GROWTH;
  }
  // fold in
  const n = s.logCount;
  if (n === 0) {
    s.logMean = x;
    s.logVar = 0;
  } else if (!warm) {
    const d = x - s.logMean;
    s.logMean += d / (n + 1);
    s.logVar += (d * (x - s.logMean) - s.logVar) / (n + 1);
  } else {
    const xc = Math.min(x, s.logMean + th.spikeZ * sd);
    const b = th.emaDecay;
    const d = xc - s.logMean;
    s.logMean += (1 - b) * d;
    s.logVar = b * (s.logVar + (1 - b) * d * d);
  }
  s.logCount = n + 1;
  return trigger;
}

/**
 * The vanishing condition: ‖g_first‖/‖g_last‖ < vanishingRatio and ‖g_first‖/‖p_first‖ <
 * vanishingRelative (early layers get orders of magnitude less gradient than late ones, and too
 * little to move their weights). Needs two layers or more.
 * @example if (vanishingCondition(state, th)) on++;
 * @see Bengio, Simard & Frasconi 1994; Glorot & Bengio 2010.
 */
export function vanishingCondition(s: HealthState, th: HealthThresholds): boolean {
  const st = s.stats;
  const L = st.layerNames.length;
  if (L < 2) return false;
  const first = st.layerGradNorm[0] as number;
  const last = st.layerGradNorm[L - 1] as number;
  const pFirst = st.layerParamNorm[0] as number;
  if (!(last > 0)) return false;
  const rel = pFirst > 0 ? first / pFirst : first;
  return first / last < th.vanishingRatio && rel < th.vanishingRelative;
}

/** Median of the first `n` entries of `buf` (sorted in place). @example medianOf(Float64Array.of(3, 1, 2), 3) // 2 */
export function medianOf(buf: Float64Array, n: number): number {
  if (n <= 0) return NaN;
  // insertion sort of the first n entries in place: n ≤ the ring size (~100), and unlike
  // subarray().sort() it allocates nothing
  for (let i = 1; i < n; i++) {
    const x = buf[i] as number;
    let j = i - 1;
    while (j >= 0 && (buf[j] as number) > x) {
      buf[j + 1] = buf[j] as number;
      j--;
    }
    buf[j + 1] = x;
  }
  return n % 2 === 1
    ? (buf[(n - 1) >> 1] as number)
    : ((buf[n / 2 - 1] as number) + (buf[n / 2] as number)) / 2;
}

/** Median ‖g‖ over the recent finite checks (all of them, or only those without an exploding rule). @example recentMedianNorm(state, true, 5) */
export function recentMedianNorm(s: HealthState, healthyOnly: boolean, minCount = 1): number {
  const r = s.ring;
  let n = 0;
  for (let k = 0; k < r.count; k++) {
    const i = ringIndex(r, r.count, k);
    if (healthyOnly && r.healthy[i] === 0) continue;
    s.scratch[n++] = Math.exp(r.logNorm[i] as number);
  }
  return n >= minCount ? medianOf(s.scratch, n) : NaN;
}

/** Result of {@link plateauCondition}. */
export interface PlateauMeasure {
  before: number;
  after: number;
  change: number;
  relative: number;
}

/**
 * Plateau: over the last `plateauWindow` finite checks the mean loss of the second half differs
 * from the first half's by less than plateauLossChange (relatively), and the median relative
 * gradient ‖g‖/max(‖p‖, 1) is below plateauGradient. Null when it does not hold (or the window
 * is not full, or a loss is missing).
 * @example const m = plateauCondition(state, th); if (m) m.relative // median ‖g‖/max(‖p‖, 1)
 */
export function plateauCondition(s: HealthState, th: HealthThresholds): PlateauMeasure | null {
  const r = s.ring;
  const w = th.plateauWindow;
  if (r.count < w) return null;
  const h = w >> 1;
  let a = 0;
  let b = 0;
  let small = 0;
  for (let k = 0; k < w; k++) {
    const i = ringIndex(r, w, k);
    const l = r.loss[i] as number;
    if (!Number.isFinite(l)) return null;
    if (k < h) a += l;
    else if (k >= w - h) b += l;
    if ((r.relative[i] as number) < th.plateauGradient) small++;
  }
  // median < threshold ⟺ more than half of the window below it (no sort on quiet checks)
  if (2 * small <= w) return null;
  const before = a / h;
  const after = b / h;
  const change = (before - after) / Math.max(Math.abs(before), 1e-300);
  if (!(Math.abs(change) < th.plateauLossChange)) return null;
  for (let k = 0; k < w; k++) s.scratch[k] = r.relative[ringIndex(r, w, k)] as number;
  return { before, after, change, relative: medianOf(s.scratch, w) };
}

/** Result of {@link oscillationCondition}. */
export interface OscillationMeasure {
  signal: 'loss' | 'gradient';
  alternation: number;
  growth: number;
  meanCosine: number;
}

/**
 * Oscillation over the last `oscillationWindow` finite checks, either
 * - loss: successive loss differences alternate in sign in ≥ oscillationAlternation of the pairs,
 *   their mean magnitude over the window's second half is ≥ oscillationGrowth × the first half's,
 *   and the upper envelope does not decrease (not a noisy descent); or
 * - gradient: successive gradients point opposite ways, cos(g_t, g_{t−1}) < 0 in
 *   ≥ oscillationAlternation of the checks with a mean below −oscillationCosine — the iterate
 *   bounces across a valley, the signature of lr > 2/λ along its steepest direction.
 * @example const m = oscillationCondition(state, th); if (m) m.signal // 'loss' | 'gradient'
 */
export function oscillationCondition(
  s: HealthState,
  th: HealthThresholds,
): OscillationMeasure | null {
  const r = s.ring;
  const w = th.oscillationWindow;
  if (r.count < w) return null;
  // gradient direction
  let neg = 0;
  let sumCos = 0;
  let haveCos = true;
  for (let k = 0; k < w; k++) {
    const c = r.cosine[ringIndex(r, w, k)] as number;
    if (Number.isNaN(c)) {
      haveCos = false;
      break;
    }
    if (c < 0) neg++;
    sumCos += c;
  }
  const meanCosine = haveCos ? sumCos / w : NaN;
  // loss alternation
  let lossOk = true;
  let flips = 0;
  let firstAmp = 0;
  let secondAmp = 0;
  const nd = w - 1;
  const half = nd >> 1;
  let prevD = 0;
  for (let k = 0; k < nd; k++) {
    const l0 = r.loss[ringIndex(r, w, k)] as number;
    const l1 = r.loss[ringIndex(r, w, k + 1)] as number;
    if (!Number.isFinite(l0) || !Number.isFinite(l1)) {
      lossOk = false;
      break;
    }
    const d = l1 - l0;
    if (k > 0 && d * prevD < 0) flips++;
    if (k < half) firstAmp += Math.abs(d);
    else if (k >= nd - half) secondAmp += Math.abs(d);
    prevD = d;
  }
  if (lossOk) {
    const alternation = flips / (nd - 1);
    const growth = secondAmp / Math.max(firstAmp, 1e-300);
    const l = r.loss;
    const envelopeUp =
      Math.max(l[ringIndex(r, w, w - 1)] as number, l[ringIndex(r, w, w - 2)] as number) >=
      Math.max(l[ringIndex(r, w, 0)] as number, l[ringIndex(r, w, 1)] as number);
    if (alternation >= th.oscillationAlternation && growth >= th.oscillationGrowth && envelopeUp) {
      return { signal: 'loss', alternation, growth, meanCosine };
    }
  }
  if (haveCos && neg / w >= th.oscillationAlternation && meanCosine < -th.oscillationCosine) {
    const q = Math.max(1, w >> 2);
    let a = 0;
    let b = 0;
    for (let k = 0; k < q; k++) {
      a += r.logNorm[ringIndex(r, w, k)] as number;
      b += r.logNorm[ringIndex(r, w, w - 1 - k)] as number;
    }
    return { signal: 'gradient', alternation: neg / w, growth: Math.exp((b - a) / q), meanCosine };
  }
  return null;
}

/**
 * Saturation of a tanh/sigmoid probe: 'tails' when at least saturationFraction of its outputs sit
 * in the flat tails; 'collapse' (sigmoid) when its mean output is within collapseMean of 0 or 1
 * and has moved at least collapseShift of the way there from its first observed mean (the
 * top-layer collapse of Glorot & Bengio 2010). Null otherwise.
 * @example saturationRule(probe, th) // 'collapse' for E7b's top layer (mean 0.15, was 0.5)
 * @see Glorot & Bengio, AISTATS 2010, §3.
 */
export function saturationRule(
  p: ActivationProbe,
  th: HealthThresholds,
): 'tails' | 'collapse' | null {
  if (p.kind === 'relu' || !p.observed) return null;
  if (p.saturation >= th.saturationFraction) return 'tails';
  if (p.kind === 'sigmoid') {
    const m = p.mean;
    const m0 = p.firstMean;
    if (m < th.collapseMean && m <= (1 - th.collapseShift) * m0) return 'collapse';
    if (1 - m < th.collapseMean && 1 - m <= (1 - th.collapseShift) * (1 - m0)) return 'collapse';
  }
  return null;
}
