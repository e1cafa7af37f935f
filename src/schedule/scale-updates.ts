import type { Params } from '../optim/types.js';

/**
 * Multiplies every updates tensor by `s` in place (one pass, no allocation). A scale of exactly
 * 1 is skipped: x · 1 = x bit for bit, so skipping changes nothing but the time.
 * @internal
 */
export function scaleUpdatesInPlace(updates: Params, s: number): void {
  if (s === 1) return;
  for (const key in updates) {
    const t = updates[key];
    if (t === undefined) continue;
    const d = t.data;
    for (let i = 0; i < d.length; i++) d[i] = (d[i] as number) * s;
  }
}

/**
 * A reusable result pair for `update`: the transformations here mutate their state in place and
 * return the same array each step, so a steady-state step allocates nothing. Callers destructure
 * the pair immediately (as `chain` does); holding on to it across steps sees later values.
 * @internal
 */
export class ResultPair<S> {
  private pair: [Params, S] | null = null;

  /** Returns the shared pair set to (updates, state). */
  set(updates: Params, state: S): [Params, S] {
    const p = this.pair;
    if (p === null) {
      this.pair = [updates, state];
      return this.pair;
    }
    p[0] = updates;
    p[1] = state;
    return p;
  }
}
