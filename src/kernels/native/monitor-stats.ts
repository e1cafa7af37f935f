import { dropDetail, sumIsFinal, updateSumsF64, needsFloat64UpdateSums } from '../grad-stats.js';
import type { GradStatsArgs } from '../grad-stats.js';
import type { AdamArgs } from '../types.js';
import type { NativeAddon } from './addon.js';

// The monitor's passes on the native addon (issue 22 item 3, native/src/monitor_stats.c): the
// sum-only gradient statistics and the Adam step that measures its own update, with the bits of
// the wasm kernels and the JS reference. Nothing is allocated per call once the scratch is as
// long as the longest tensor.

/** The parameters before the step (the float64 fallback of the update sums reads them). */
let before = new Float32Array(0);
/** The kernel's three float32-order sums. */
const sums = new Float64Array(3);

/**
 * Kernels.gradStats' sum-only pass (GradStatsArgs.detail false) on the addon: true when done,
 * false when the caller must run the full pass (no native sum in this addon, detail asked for,
 * or a sum `sumIsFinal` does not accept: non-finite or tiny).
 * @example if (!nativeSumSquares(addon, a)) rest.gradStats(a);
 */
export function nativeSumSquares(addon: NativeAddon, a: GradStatsArgs): boolean {
  const fn = addon.sumSquares;
  if (fn === undefined || a.detail !== false || !(a.x instanceof Float32Array)) return false;
  fn(a.x, a.out, a.at);
  if (sumIsFinal(a.x, a.out, a.at)) return true;
  dropDetail(a.out, a.at);
  return false;
}

/**
 * Kernels.adam with AdamArgs.stats on the addon (p given, float32): the fused step and the
 * update sums in one pass; when a float32 sum must be redone in float64 (see UpdateStatsArgs),
 * from the copy of p before the step that the kernel wrote. The bits of every backend. False
 * when this addon has no such kernel.
 * @example if (!nativeAdamStats(addon, a)) rest.adam(a);
 */
export function nativeAdamStats(addon: NativeAddon, a: AdamArgs): boolean {
  const fn = addon.adamStats;
  const p = a.p;
  const out = a.stats;
  if (fn === undefined || p === null || out === undefined || out === null) return false;
  const n = a.g.length;
  if (before.length < n) before = new Float32Array(n);
  fn(p, a.g, a.m, a.v, a.coef, before, sums);
  if (needsFloat64UpdateSums(sums, 0)) updateSumsF64(p, before, out, 0);
  else {
    out[0] = sums[0] as number;
    out[1] = sums[1] as number;
    out[2] = sums[2] as number;
  }
  return true;
}
