import { describe, expect, it } from 'vitest';
import {
  GRAD_STATS_MAX_ABS,
  GRAD_STATS_NON_FINITE,
  GRAD_STATS_SUM_SQ,
  GRAD_STATS_ZEROS,
  GradStatsCache,
} from './grad-stats.js';

describe('GradStatsCache', () => {
  it('a sum-only read leaves max |x| and zeros NaN; a detailed read in the same step computes them, with the same Σx²', () => {
    const cache = new GradStatsCache();
    const x = Float64Array.of(3, 0, -4, 0); // Σx² = 25, max |x| = 4, 2 zeros
    let at = cache.of(x, false);
    expect(cache.values[at + GRAD_STATS_SUM_SQ]).toBe(25);
    expect(cache.values[at + GRAD_STATS_NON_FINITE]).toBe(0);
    expect(cache.values[at + GRAD_STATS_MAX_ABS]).toBeNaN();
    at = cache.of(x); // detail: recomputed although the entry is valid for sums
    expect(Array.from(cache.values.subarray(at, at + 4))).toEqual([25, 4, 2, 0]);
    x[0] = 5; // not seen until invalidated: the entry is the step's
    expect(cache.values[cache.of(x, false) + GRAD_STATS_ZEROS]).toBe(2);
    cache.invalidate();
    at = cache.of(x, false);
    expect(cache.values[at + GRAD_STATS_SUM_SQ]).toBe(41);
    expect(cache.values[at + GRAD_STATS_ZEROS]).toBeNaN();
  });
});
