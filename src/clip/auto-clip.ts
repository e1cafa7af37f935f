import type { FieldSpecs } from '../optim/field-spec.js';
import { resultWriter } from '../optim/result.js';
import { raiseEvent } from '../optim/step-context.js';
import type { GradientTransformation } from '../optim/types.js';
import { checkKeys, checkNumber } from '../optim/validate.js';
import { globalNormInto, scaleAllAt } from './norms.js';

/** Options of {@link autoClip}. */
export interface AutoClipOptions {
  /** Percentile p in [0, 100] of the norm history used as the threshold. Default 10 (the paper's). */
  percentile?: number;
  /** Keep only the last n norms, in preallocated buffers (default: the whole history, as the paper). */
  historySize?: number;
}

/** State of {@link autoClip}. */
export interface AutoClipState {
  /** Finite norms observed so far. */
  count: number;
  /** The norms in arrival order: a ring buffer of historySize entries when bounded, else a growing list. */
  history: Float64Array | number[];
  /** The norms of the current window, sorted ascending (first min(count, historySize) entries). */
  sorted: Float64Array | number[];
  /** Threshold used by the last step (the p-th percentile), NaN before the first finite norm. */
  threshold: number;
  /** Global L2 norm before the last step's clipping. */
  normBefore: number;
  /** … and after it. */
  normAfter: number;
  /** Whether the last step was clipped. */
  clipped: boolean;
  /** Steps clipped so far. */
  clipSteps: number;
}

/**
 * NumPy's default ('linear') percentile of the first n sorted values.
 * @example sortedPercentile([1, 2, 3, 4], 4, 50) // 2.5
 */
export function sortedPercentile(sorted: ArrayLike<number>, n: number, p: number): number {
  if (n === 0) return NaN;
  const idx = (p / 100) * (n - 1);
  const lo = Math.floor(idx);
  const hi = Math.min(lo + 1, n - 1);
  const t = idx - lo;
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  const diff = b - a;
  // NumPy's _lerp: interpolate from the nearer end for accuracy.
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

// The helpers below take the new value through the array that holds it, not as a number
// argument: a double passed to (or returned from) a call that is not inlined is boxed, and the
// update is meant to allocate nothing.

/** First index in the sorted prefix a[0..n) whose value is ≥ x. */
function lowerBound(a: ArrayLike<number>, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inserts from[at] into the sorted prefix a[0..n) (a grows by one if it is a list). */
function insertSorted(
  a: Float64Array | number[],
  n: number,
  from: ArrayLike<number>,
  at: number,
): void {
  const x = from[at] as number;
  const pos = lowerBound(a, n, x);
  if (Array.isArray(a)) a.push(0);
  for (let i = n; i > pos; i--) a[i] = a[i - 1] as number;
  a[pos] = x;
}

/** Removes one occurrence of from[at] from the sorted prefix a[0..n). */
function removeSorted(a: Float64Array, n: number, from: ArrayLike<number>, at: number): void {
  const pos = lowerBound(a, n, from[at] as number);
  for (let i = pos; i < n - 1; i++) a[i] = a[i + 1] as number;
}

/**
 * The options of autoClip with their types and ranges: the one declaration its factory checks
 * and the clip registry (configs, the CLI, the playground) reads.
 */
export const AUTO_CLIP_FIELDS = {
  percentile: { type: 'number', min: 0, max: 100 },
  historySize: { type: 'number', integer: true, min: 1 },
} as const satisfies FieldSpecs;

/**
 * AutoClip (Seetharaman et al. 2020): clip the global gradient norm to the p-th percentile of all
 * gradient norms seen so far (including the current one), so the threshold adapts to the model
 * and data instead of being tuned:
 *
 * η_t = percentile_p({‖g_1‖, …, ‖g_t‖});  g ← g·η_t/(‖g_t‖ + 1e-6) if that is below 1
 *
 * With `historySize`, only the last n norms count, in preallocated buffers (no allocation per
 * step); without it the history grows with the run. Non-finite norms are not recorded and not
 * clipped (use skipNonFinite). Sets ctx.events.clipped.
 *
 * @example chain(clip.autoClip({ percentile: 10, historySize: 10_000 }), adam())
 * @see Seetharaman, Wichern, Pardo & Le Roux, "AutoClip: Adaptive Gradient Clipping for Source Separation Networks", MLSP 2020.
 */
export function autoClip(options: AutoClipOptions = {}): GradientTransformation<AutoClipState> {
  const F = AUTO_CLIP_FIELDS;
  checkKeys('autoClip', options, Object.keys(F));
  const p = checkNumber('autoClip', 'percentile', options.percentile, 10, F.percentile);
  const size =
    options.historySize === undefined
      ? null
      : checkNumber('autoClip', 'historySize', options.historySize, undefined, F.historySize);
  const out = resultWriter<AutoClipState>();
  const scratch = new Float64Array(3);
  return {
    init: () => ({
      count: 0,
      history: size === null ? [] : new Float64Array(size),
      sorted: size === null ? [] : new Float64Array(size),
      threshold: NaN,
      normBefore: 0,
      normAfter: 0,
      clipped: false,
      clipSteps: 0,
    }),
    update(updates, state, _params, ctx) {
      globalNormInto(updates, 2, scratch, 0);
      const total = scratch[0] as number;
      state.normBefore = total;
      state.normAfter = total;
      state.clipped = false;
      if (!Number.isFinite(total)) return out(updates, state);
      const h = state.history;
      const s = state.sorted;
      if (size === null || Array.isArray(h)) {
        (h as number[]).push(total);
        insertSorted(s, state.count, h, h.length - 1);
      } else {
        const window = Math.min(state.count, size);
        const slot = state.count % size;
        if (state.count >= size) removeSorted(s as Float64Array, window, h, slot);
        h[slot] = total;
        insertSorted(s, state.count >= size ? window - 1 : window, h, slot);
      }
      state.count = state.count + 1;
      const n = size === null ? state.count : Math.min(state.count, size);
      // sortedPercentile, inlined (see above).
      const idx = (p / 100) * (n - 1);
      const lo = Math.floor(idx);
      const t = idx - lo;
      const a = s[lo] as number;
      const b = s[Math.min(lo + 1, n - 1)] as number;
      const threshold = t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
      state.threshold = threshold;
      const coef = threshold / (total + 1e-6);
      if (coef < 1) {
        scratch[2] = coef;
        scaleAllAt(updates, scratch, 2);
        state.normAfter = total * coef;
        state.clipped = true;
        state.clipSteps = state.clipSteps + 1;
        raiseEvent(ctx, 'clipped');
      }
      return out(updates, state);
    },
  };
}
