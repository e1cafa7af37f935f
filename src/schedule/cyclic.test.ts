import { describe, it, expect } from 'vitest';
import { cyclic } from './cyclic.js';
import { readBundledReference } from '../conformance/reference-node.js';

interface RefCase {
  name: string;
  options: Record<string, unknown>;
  lrs: number[];
}
const ref = readBundledReference<{ schedules: RefCase[] }>('torch-optim-reference.json');

describe('cyclic', () => {
  for (const name of ['cyclic_triangular', 'cyclic_triangular2', 'cyclic_exp_range']) {
    it(`matches PyTorch CyclicLR (reference case "${name}")`, () => {
      const c = ref.schedules.find((s) => s.name === name) as RefCase;
      const s = cyclic(c.options as never);
      c.lrs.forEach((lr, t) => expect(Math.abs(s(t) - lr)).toBeLessThanOrEqual(1e-10 * lr));
    });
  }

  it('triangular: base at 0, max at stepSizeUp, base again after a full cycle', () => {
    const s = cyclic({ baseLr: 1, maxLr: 5, stepSizeUp: 4 });
    expect([0, 2, 4, 6, 8, 12].map(s)).toEqual([1, 3, 5, 3, 1, 5]);
  });

  it('asymmetric cycle with stepSizeDown', () => {
    const s = cyclic({ baseLr: 0, maxLr: 1, stepSizeUp: 2, stepSizeDown: 4 });
    // Up over 2 steps, down over 4: 0, 0.5, 1, 0.75, 0.5, 0.25, 0.
    const want = [0, 0.5, 1, 0.75, 0.5, 0.25, 0];
    // t/6 is not exact in binary, so allow rounding (absolute, as the values are O(1)).
    want.forEach((w, t) => expect(Math.abs(s(t) - w)).toBeLessThanOrEqual(1e-15));
  });

  it('triangular2 halves the amplitude every cycle', () => {
    const s = cyclic({ baseLr: 1, maxLr: 5, stepSizeUp: 4, mode: 'triangular2' });
    expect([4, 12, 20].map(s)).toEqual([5, 3, 2]);
  });

  it('expRange scales the amplitude by gamma^t', () => {
    const s = cyclic({ baseLr: 1, maxLr: 5, stepSizeUp: 4, mode: 'expRange', gamma: 0.5 });
    expect(s(4)).toBe(1 + 4 * 0.5 ** 4);
    expect(s(12)).toBe(1 + 4 * 0.5 ** 12);
  });

  it('custom scaleFn by cycle or by iteration', () => {
    const byCycle = cyclic({ baseLr: 0, maxLr: 1, stepSizeUp: 2, scaleFn: (c) => 1 / c });
    expect([2, 6].map(byCycle)).toEqual([1, 0.5]);
    const byIter = cyclic({
      baseLr: 0,
      maxLr: 1,
      stepSizeUp: 2,
      scaleFn: (t) => 1 / (1 + t),
      scaleMode: 'iterations',
    });
    expect([2, 6].map(byIter)).toEqual([1 / 3, 1 / 7]);
  });

  it('validates options', () => {
    expect(() => cyclic({ baseLr: 0, maxLr: 1, mode: 'exp_range' as never })).toThrow(
      /mode.*"expRange".*"exp_range"/,
    );
    expect(() => cyclic({ baseLr: 0, maxLr: 1, mode: 'triangular', scaleFn: () => 1 })).toThrow(
      /mode and scaleFn/,
    );
    expect(() => cyclic({ baseLr: 0, maxLr: 1, scaleMode: 'cycle' })).toThrow(
      /scaleMode only applies/,
    );
    expect(() => cyclic({ baseLr: 0, maxLr: 1, stepSizeUp: 0 })).toThrow(/stepSizeUp.*> 0.*got 0/);
    expect(() => cyclic({ baseLr: 0, maxLr: 1, gamma: 1.5 })).toThrow(/gamma.*\(0, 1\].*1\.5/);
  });
});
