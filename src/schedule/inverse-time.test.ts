import { describe, it, expect } from 'vitest';
import { inverseTime } from './inverse-time.js';
import { inverseSqrt } from './inverse-sqrt.js';

describe('inverseTime', () => {
  it('is baseLr / (1 + decayRate · t / decaySteps)', () => {
    const s = inverseTime({ baseLr: 0.1, decayRate: 0.5 });
    expect(s(0)).toBe(0.1);
    expect(s(2)).toBeCloseTo(0.1 / 2, 15); // 1 + 0.5·2 = 2
    expect(s(6)).toBeCloseTo(0.1 / 4, 15); // 1 + 0.5·6 = 4
  });

  it('staircase decays in whole units of decaySteps', () => {
    const s = inverseTime({ baseLr: 1, decayRate: 1, decaySteps: 4, staircase: true });
    // ⌊t/4⌋ = 0 for t < 4, 1 for 4 <= t < 8.
    expect([0, 3, 4, 7, 8].map(s)).toEqual([1, 1, 0.5, 0.5, 1 / 3]);
  });

  it('validates options', () => {
    expect(() => inverseTime({ baseLr: 1, decayRate: -1 })).toThrow(/decayRate.*>= 0.*-1/);
    expect(() => inverseTime({ baseLr: 1, decayRate: 1, decaySteps: 0 })).toThrow(
      /decaySteps.*> 0/,
    );
    expect(() => inverseTime({ baseLr: 1, decayRate: 1, staircase: 'yes' as never })).toThrow(
      /staircase.*true or false/,
    );
  });
});

describe('inverseSqrt', () => {
  it('is α/√(t+1): the Adam paper α/√t with its 1-based t = our t + 1', () => {
    const s = inverseSqrt({ baseLr: 0.3 });
    expect(s(0)).toBe(0.3); // paper t = 1
    expect(s(3)).toBe(0.15); // paper t = 4: α/2
    expect(s(8)).toBeCloseTo(0.1, 15); // paper t = 9: α/3
  });

  it('validates baseLr', () => {
    expect(() => inverseSqrt({ baseLr: Infinity })).toThrow(/baseLr.*Infinity/);
    expect(() => inverseSqrt({ baseLr: 1, warmup: 3 } as never)).toThrow(/unknown option "warmup"/);
  });
});
