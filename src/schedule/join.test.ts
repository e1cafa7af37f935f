import { describe, it, expect } from 'vitest';
import { ConfigError } from '../errors.js';
import { joinSchedules, sequence } from './join.js';
import { linear } from './linear.js';
import { cosine } from './cosine.js';

const a = (t: number): number => t;
const b = (t: number): number => 100 + t;
const c = (t: number): number => 1000 + t;

describe('joinSchedules', () => {
  it('switches at each boundary and restarts the next schedule at its own step 0', () => {
    const s = joinSchedules([a, b, c], [3, 5]);
    expect([0, 2, 3, 4, 5, 8].map(s)).toEqual([0, 2, 100, 101, 1000, 1003]);
  });

  it('composes a linear warmup with a cosine decay continuously', () => {
    const warm = linear({ baseLr: 0.1, startFactor: 0.1, totalIters: 10 });
    const s = joinSchedules([warm, cosine({ baseLr: 0.1, tMax: 90 })], [10]);
    expect(s(0)).toBeCloseTo(0.01, 15);
    expect(s(10)).toBe(0.1); // cosine's step 0
    expect(s(100)).toBe(0); // cosine's tMax
    // Next to the boundary the steps are one warmup increment (0.009) and one cosine step.
    expect(Math.abs(s(10) - s(9))).toBeLessThanOrEqual(0.009 + 1e-15);
  });

  it('accepts constants as schedules', () => {
    const s = joinSchedules([0.5, a], [2]);
    expect([0, 1, 2, 3].map(s)).toEqual([0.5, 0.5, 0, 1]);
  });

  it('validates schedules and boundaries', () => {
    expect(() => joinSchedules([a, b], [])).toThrow(ConfigError);
    expect(() => joinSchedules([a, b], [])).toThrow(/boundaries must be an array of 1 step/);
    expect(() => joinSchedules([a, b, c], [5, 3])).toThrow(/non-decreasing.*\[5, 3\]/);
    expect(() => joinSchedules([a, b], [-1])).toThrow(/boundaries\[0\].*>= 0.*-1/);
    expect(() => joinSchedules([], [])).toThrow(/non-empty/);
    expect(() => joinSchedules([a, 'x' as never], [1])).toThrow(/schedules\[1\].*"x"/);
  });
});

describe('sequence', () => {
  it('runs segments for their durations, each from its own step 0', () => {
    const s = sequence([{ schedule: a, steps: 3 }, { schedule: b, steps: 2 }, { schedule: c }]);
    expect([0, 2, 3, 4, 5, 9].map(s)).toEqual([0, 2, 100, 101, 1000, 1004]);
  });

  it('holds the last value when the last segment has a length', () => {
    const s = sequence([
      { schedule: a, steps: 2 },
      { schedule: b, steps: 3 },
    ]);
    // b runs for steps 2, 3, 4 (its 0, 1, 2); from step 5 on its value at 2 is held.
    expect([2, 4, 5, 50].map(s)).toEqual([100, 102, 102, 102]);
  });

  it('validates segments', () => {
    expect(() => sequence([{ schedule: a }, { schedule: b }])).toThrow(
      /segments\[0\]\.steps.*integer >= 1.*undefined/,
    );
    expect(() => sequence([{ schedule: a, step: 3 } as never])).toThrow(/unknown option "step"/);
    expect(() => sequence([])).toThrow(/non-empty/);
  });
});
