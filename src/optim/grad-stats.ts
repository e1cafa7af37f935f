import {
  GRAD_STATS_MAX_ABS,
  GRAD_STATS_NON_FINITE,
  GRAD_STATS_SUM_SQ,
  GRAD_STATS_WIDTH,
  GRAD_STATS_ZEROS,
} from '../kernels/grad-stats.js';
import { copyKernelsFor, gradStatsKernelsFor, updateStatsKernelsFor } from '../kernels/select.js';
import type { TypedArray } from '../tensor/dtype.js';
import type { StepContext } from './types.js';

export { GRAD_STATS_MAX_ABS, GRAD_STATS_NON_FINITE, GRAD_STATS_SUM_SQ, GRAD_STATS_ZEROS };

/** Arrays remembered before the slot table starts over (bounds memory when arrays change every step). */
const MAX_SLOTS = 4096;

/**
 * The gradient statistics of one step, computed once per array and shared by the links of a
 * chain that read them (the gradient-health monitor's per-parameter ‖g‖, max |g|, zeros and
 * NaN/Inf count; byGlobalNorm's norm): one kernels pass (Kernels.gradStats, wasm SIMD for
 * float32) per gradient per step instead of one per reader.
 *
 * Entries are keyed by the array's identity and valid until {@link GradStatsCache.invalidate},
 * which the outermost chain calls at the start of each step and after every link that may write
 * the updates (every link not marked `observesOnly`). Steady state allocates nothing: an array
 * keeps its slot from step to step.
 * @example const at = cache.of(g.data); const sumSq = cache.values[at + GRAD_STATS_SUM_SQ];
 */
export class GradStatsCache {
  /** The statistics, GRAD_STATS_WIDTH slots per array (read at the offset {@link of} returns). */
  values = new Float64Array(16 * GRAD_STATS_WIDTH);
  private slots = new WeakMap<TypedArray, number>();
  private stamps = new Float64Array(16);
  // the generation whose max |x| and zeros are in values (a sum-only pass leaves them NaN)
  private detailStamps = new Float64Array(16);
  private count = 0;
  private generation = 1;
  // one argument record, reused (an object literal per call would allocate)
  private readonly args: { x: TypedArray; out: Float64Array; at: number; detail: boolean } = {
    x: new Float32Array(0),
    out: this.values,
    at: 0,
    detail: true,
  };

  /** Forgets every entry: the next {@link of} of any array computes afresh. */
  invalidate(): void {
    this.generation++;
  }

  /**
   * The offset in {@link values} of x's statistics (Σx², max |x| over finite entries, zeros,
   * NaN/±Inf count at the GRAD_STATS_* slots), computed now unless already valid. With `detail`
   * false the caller reads only Σx² and the NaN/±Inf count: a sum-only pass (GradStatsArgs.detail,
   * the same bits, about half the work) serves it, and max |x| and the zeros may be NaN; a later
   * call with `detail` true in the same generation runs the full pass.
   * @example const at = cache.of(g); cache.values[at + GRAD_STATS_ZEROS]
   */
  of(x: TypedArray, detail = true): number {
    let slot = this.slots.get(x);
    if (slot === undefined) slot = this.newSlot(x);
    const at = slot * GRAD_STATS_WIDTH;
    const gen = this.generation;
    if (this.stamps[slot] !== gen || (detail && this.detailStamps[slot] !== gen)) {
      const a = this.args;
      a.x = x;
      a.out = this.values;
      a.at = at;
      a.detail = detail;
      gradStatsKernelsFor(x).gradStats(a);
      a.x = EMPTY;
      this.stamps[slot] = gen;
      this.detailStamps[slot] = detail ? gen : 0;
    }
    return at;
  }

  private newSlot(x: TypedArray): number {
    if (this.count >= MAX_SLOTS) {
      this.slots = new WeakMap();
      this.count = 0;
    }
    const slot = this.count++;
    if (slot >= this.stamps.length) {
      const stamps = new Float64Array(this.stamps.length * 2);
      stamps.set(this.stamps);
      this.stamps = stamps;
      const detailStamps = new Float64Array(stamps.length);
      detailStamps.set(this.detailStamps);
      this.detailStamps = detailStamps;
      const values = new Float64Array(stamps.length * GRAD_STATS_WIDTH);
      values.set(this.values);
      this.values = values;
    }
    this.stamps[slot] = 0;
    this.detailStamps[slot] = 0;
    this.slots.set(x, slot);
    return slot;
  }
}

const EMPTY = new Float32Array(0);

/**
 * The gradient-statistics cache a reading link uses in this call: the step's shared one
 * (`ctx.gradStats`, installed by the chain while it runs a link that reads statistics), or,
 * outside a chain, the link's own `own`, emptied first (so nothing is reused across calls).
 * @example const cache = gradStatsFor(ctx, own); const at = cache.of(g.data);
 */
export function gradStatsFor(ctx: StepContext | undefined, own: GradStatsCache): GradStatsCache {
  const shared = ctx?.gradStats;
  if (shared !== undefined) return shared;
  own.invalidate();
  return own;
}

// one argument record for updateStatsInto, reused (no allocation per call)
const updateArgs: { p: TypedArray; q: TypedArray; out: Float64Array; at: number } = {
  p: new Float32Array(0),
  q: new Float32Array(0),
  out: new Float64Array(0),
  at: 0,
};

/**
 * Σp², Σ(p − q)², Σq² of a parameter and its earlier value q (Kernels.updateStats: one wasm SIMD
 * pass for float32 data, read in place when resident), written to out[at … at + 2]. Allocates
 * nothing.
 * @example updateStatsInto(p.data, snapshotView, acc, 0); // [‖p‖², ‖Δp‖², ‖p_before‖²]
 */
export function updateStatsInto(p: TypedArray, q: TypedArray, out: Float64Array, at: number): void {
  const a = updateArgs;
  a.p = p;
  a.q = q;
  a.out = out;
  a.at = at;
  updateStatsKernelsFor(p, q).updateStats(a);
  a.p = EMPTY;
  a.q = EMPTY;
}

/**
 * dst ← src for a long-lived buffer (Kernels.copy: memory.copy between resident float32 arrays,
 * which V8's TypedArray.set copies element by element when they share a memory).
 * @example copyArray(snapshotView, p.data);
 */
export function copyArray(dst: TypedArray, src: TypedArray): void {
  copyKernelsFor(src).copy(dst, src);
}
