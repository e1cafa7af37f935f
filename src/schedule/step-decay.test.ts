import { describe, it, expect } from 'vitest';
import { ConfigError } from '../errors.js';
import { step } from './step-decay.js';
import { multiStep } from './multi-step.js';
import { exponential } from './exponential.js';
import { readBundledReference } from '../conformance/reference-node.js';

interface RefCase {
  name: string;
  options: Record<string, unknown>;
  lrs: number[];
}
const ref = readBundledReference<{ schedules: RefCase[] }>('torch-optim-reference.json');
const refCase = (name: string): RefCase => {
  const c = ref.schedules.find((s) => s.name === name);
  if (!c) throw new Error(`no reference case ${name}`);
  return c;
};
const close = (s: (t: number) => number, lrs: number[]): void =>
  lrs.forEach((lr, t) => expect(Math.abs(s(t) - lr)).toBeLessThanOrEqual(1e-10 * Math.abs(lr)));

describe('step', () => {
  it('matches PyTorch StepLR (reference case "step")', () => {
    const o = refCase('step').options;
    close(
      step({
        baseLr: o.baseLr as number,
        stepSize: o.stepSize as number,
        gamma: o.gamma as number,
      }),
      refCase('step').lrs,
    );
  });

  it('decays by gamma exactly at multiples of stepSize', () => {
    const s = step({ baseLr: 1, stepSize: 3, gamma: 0.5 });
    // ⌊t/3⌋ = 0,0,0,1,1,1,2 -> 1, 1, 1, 0.5, 0.5, 0.5, 0.25 (powers of two are exact).
    expect([0, 1, 2, 3, 4, 5, 6].map(s)).toEqual([1, 1, 1, 0.5, 0.5, 0.5, 0.25]);
  });

  it('validates stepSize and gamma', () => {
    expect(() => step({ baseLr: 0.1, stepSize: 0 })).toThrow(ConfigError);
    expect(() => step({ baseLr: 0.1, stepSize: 0 })).toThrow(/stepSize.*integer >= 1.*got 0/);
    expect(() => step({ baseLr: 0.1, stepSize: 2, gamma: 0 })).toThrow(/gamma.*> 0/);
    expect(() => step({ baseLr: 0.1, stepSize: Number.NaN })).toThrow(/stepSize.*NaN/);
  });
});

describe('multiStep', () => {
  it('matches PyTorch MultiStepLR (reference case "multistep")', () => {
    const c = refCase('multistep');
    close(multiStep(c.options as never), c.lrs);
  });

  it('decays at each milestone, twice at a repeated one (PyTorch counts them)', () => {
    const s = multiStep({ baseLr: 1, milestones: [2, 4, 4], gamma: 0.5 });
    expect([0, 1, 2, 3, 4, 5].map(s)).toEqual([1, 1, 0.5, 0.5, 0.125, 0.125]);
  });

  it('validates milestones', () => {
    expect(() => multiStep({ baseLr: 1, milestones: [5, 3] })).toThrow(
      /milestones must be non-decreasing/,
    );
    expect(() => multiStep({ baseLr: 1, milestones: [1.5] })).toThrow(/milestones\[0\].*integer/);
    expect(() => multiStep({ baseLr: 1, milestones: 3 as never })).toThrow(
      /milestones must be an array/,
    );
  });
});

describe('exponential', () => {
  it('matches PyTorch ExponentialLR (reference case "exponential")', () => {
    const c = refCase('exponential');
    close(exponential(c.options as never), c.lrs);
  });

  it('is baseLr·gamma^t', () => {
    const s = exponential({ baseLr: 2, gamma: 0.5 });
    expect([0, 1, 2, 10].map(s)).toEqual([2, 1, 0.5, 2 / 1024]);
  });

  it('validates gamma', () => {
    expect(() => exponential({ baseLr: 1, gamma: -0.5 })).toThrow(/gamma.*> 0.*-0\.5/);
    expect(() => exponential({ baseLr: 1 } as never)).toThrow(/gamma.*undefined/);
  });
});
