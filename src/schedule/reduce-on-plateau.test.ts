import { describe, it, expect } from 'vitest';
import { ConfigError, DataError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import type { Params, StepContext } from '../optim/types.js';
import { reduceOnPlateau, type ReduceOnPlateauOptions } from './reduce-on-plateau.js';
import { readBundledReference } from '../conformance/reference-node.js';

/** Runs the transformation on a one-element update of 1 per step and returns the applied scales. */
function scales(options: ReduceOnPlateauOptions, contexts: (StepContext | undefined)[]): number[] {
  const tx = reduceOnPlateau(options);
  const u = new Tensor(new Float64Array(1), [1]);
  const updates: Params = { w: u };
  let state = tx.init(updates);
  return contexts.map((ctx) => {
    u.data[0] = 1;
    [, state] = tx.update(updates, state, updates, ctx);
    return u.data[0] as number;
  });
}
const losses = (xs: number[]): StepContext[] => xs.map((loss) => ({ loss }));

describe('reduceOnPlateau', () => {
  it('matches PyTorch ReduceLROnPlateau (reference case "plateau", reductions at 24, 29, 34 and the minLr floor at 39)', () => {
    const ref = readBundledReference<{
      schedules: {
        name: string;
        options: ReduceOnPlateauOptions;
        lrs: number[];
        metrics: number[];
      }[];
    }>('torch-optim-reference.json');
    const c = ref.schedules.find((s) => s.name === 'plateau');
    if (!c) throw new Error('no plateau case');
    const base = c.options.baseLr as number;
    const got = scales(c.options, losses(c.metrics)).map((s) => base * s);
    c.lrs.forEach((lr, t) =>
      expect(Math.abs((got[t] as number) - lr)).toBeLessThanOrEqual(1e-10 * lr),
    );
  });

  it('reduces after more than `patience` reports without improvement, effective from the next step', () => {
    // Flat loss, patience 2: report 0 sets best; reports 1, 2, 3 are bad; the third exceeds
    // patience, so the scale halves for step 4 on; bad reports 4, 5, 6 halve it again for step 7.
    const got = scales({ factor: 0.5, patience: 2, threshold: 0 }, losses(Array(9).fill(1)));
    expect(got).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]);
  });

  it('improvements reset the bad count (rel threshold)', () => {
    // threshold 0.1 rel: a loss counts as better only below 0.9·best.
    const seq = [1, 0.95, 0.95, 0.8, 0.79, 0.79, 0.79];
    // 0: best 1. 1: 0.95 ≥ 0.9 bad 1. 2: bad 2 > 1 -> reduce (step 3 on). 3: 0.8 < 0.9 best. 4..6: bad 1, 2 -> reduce at 5 (step 6).
    expect(scales({ factor: 0.5, patience: 1, threshold: 0.1 }, losses(seq))).toEqual([
      1, 1, 1, 0.5, 0.5, 0.5, 0.25,
    ]);
  });

  it('cooldown ignores bad reports after a reduction', () => {
    // Reduce at report 3 as above; cooldown 2 zeroes the bad count at reports 4 and 5; then
    // reports 6, 7, 8 are bad and the third reduces again (effective at step 9).
    const got = scales(
      { factor: 0.5, patience: 2, threshold: 0, cooldown: 2 },
      losses(Array(10).fill(1)),
    );
    expect(got).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25]);
  });

  it('max mode with an absolute threshold (an accuracy)', () => {
    // +0.5 per report is not an improvement when threshold is 1 (needs > best + 1).
    const acc = [0, 0.5, 1, 1.5, 2, 2.5];
    const got = scales(
      { mode: 'max', thresholdMode: 'abs', threshold: 1, factor: 0.1, patience: 0 },
      losses(acc),
    );
    // 0: best 0. 1: 0.5 ≤ 1 bad -> reduce for step 2. 2: 1 ≤ 1 bad -> reduce for step 3. 3: 1.5 > 1 better. 4: 2 ≤ 2.5 bad.
    expect(got.map((x) => Number(x.toPrecision(12)))).toEqual([1, 1, 0.1, 0.01, 0.01, 0.001]);
  });

  it('respects minLr (in lr units via baseLr) and eps', () => {
    const tx = reduceOnPlateau({
      factor: 0.5,
      patience: 0,
      threshold: 0,
      baseLr: 0.1,
      minLr: 0.03,
    });
    const updates: Params = { w: new Tensor(new Float64Array([1]), [1]) };
    const state = tx.init(updates);
    for (let t = 0; t < 6; t++) tx.update(updates, state, updates, { loss: 1 });
    // 0.1 -> 0.05 -> max(0.025, 0.03) = 0.03 -> no further (drop 0 < eps).
    expect(state.scale * 0.1).toBeCloseTo(0.03, 15);
    expect(state.numReductions).toBe(2);
  });

  it('reads a named metric, skipping steps without it', () => {
    const ctx = (v?: number): StepContext => ({
      loss: 0,
      metrics: v === undefined ? {} : { val: v },
    });
    const got = scales({ metric: 'val', factor: 0.5, patience: 0, threshold: 0 }, [
      ctx(1),
      ctx(),
      ctx(),
      ctx(1),
      ctx(),
    ]);
    // Only reports 0 (best) and 3 (bad -> reduce) count; the changing loss is ignored.
    expect(got).toEqual([1, 1, 1, 1, 0.5]);
  });

  it("throws a DataError for a missing metric with onMissing 'throw'", () => {
    const tx = reduceOnPlateau({ metric: 'val', onMissing: 'throw' });
    const u: Params = { w: new Tensor(new Float64Array(1), [1]) };
    expect(() => tx.update(u, tx.init(u), u, { loss: 1 })).toThrow(DataError);
    expect(() => tx.update(u, tx.init(u), u, { loss: 1 })).toThrow(/metrics\["val"\]/);
  });

  it('scales float32 and float64 updates in place and keeps state as plain data', () => {
    const tx = reduceOnPlateau({ factor: 0.5, patience: 0, threshold: 0 });
    const a = new Tensor(new Float32Array([2, -4]), [2]);
    const b = new Tensor(new Float64Array([8]), [1]);
    const updates: Params = { a, b };
    const state = tx.init(updates);
    // Report 0 sets best; report 1 is bad and exceeds patience 0, so step 2 is the first at 0.5.
    tx.update(updates, state, updates, { loss: 1 });
    tx.update(updates, state, updates, { loss: 1 });
    expect(Array.from(a.data)).toEqual([2, -4]);
    const [out, st] = tx.update(updates, state, updates, { loss: 1 });
    expect(out).toBe(updates);
    expect(st).toBe(state);
    expect(Array.from(a.data)).toEqual([1, -2]);
    expect(Array.from(b.data)).toEqual([4]);
    expect(JSON.parse(JSON.stringify({ ...state, best: 0 }))).toEqual({ ...state, best: 0 });
  });

  it('validates options', () => {
    expect(() => reduceOnPlateau({ factor: 1 })).toThrow(ConfigError);
    expect(() => reduceOnPlateau({ factor: 1 })).toThrow(/factor.*\[0, 1\).*got 1/);
    expect(() => reduceOnPlateau({ patience: -1 })).toThrow(/patience.*integer >= 0/);
    expect(() => reduceOnPlateau({ mode: 'minimum' as never })).toThrow(
      /mode.*"min", "max".*"minimum"/,
    );
    expect(() => reduceOnPlateau({ minLr: 0.5, baseLr: 0.1 })).toThrow(/minLr.*<= baseLr/);
    expect(() => reduceOnPlateau({ threshold_mode: 'abs' } as never)).toThrow(
      /unknown option "threshold_mode"/,
    );
  });
});
