import { describe, it, expect } from 'vitest';
import { ConfigError } from '../errors.js';
import { constant } from './constant.js';
import { readBundledReference } from '../conformance/reference-node.js';

interface RefCase {
  name: string;
  options: Record<string, number>;
  lrs: number[];
}
const ref = readBundledReference<{ schedules: RefCase[] }>('torch-optim-reference.json');
const refCase = (name: string): RefCase => {
  const c = ref.schedules.find((s) => s.name === name);
  if (!c) throw new Error(`no reference case ${name}`);
  return c;
};

describe('constant', () => {
  it('matches PyTorch ConstantLR (reference case "constant")', () => {
    const c = refCase('constant');
    const s = constant({
      baseLr: c.options.baseLr as number,
      factor: c.options.factor,
      totalIters: c.options.totalIters,
    });
    c.lrs.forEach((lr, t) => expect(Math.abs(s(t) - lr)).toBeLessThanOrEqual(1e-10 * lr));
  });

  it('is baseLr·factor before totalIters and baseLr from totalIters on', () => {
    const s = constant({ baseLr: 0.2, factor: 0.5, totalIters: 3 });
    expect([0, 1, 2, 3, 4, 100].map(s)).toEqual([0.1, 0.1, 0.1, 0.2, 0.2, 0.2]);
  });

  it('defaults to a plain constant', () => {
    const s = constant({ baseLr: 0.3 });
    expect([0, 1, 1e6].map(s)).toEqual([0.3, 0.3, 0.3]);
  });

  it('rejects invalid options naming option, value and range', () => {
    expect(() => constant({ baseLr: 0.1, factor: 1.5 })).toThrow(ConfigError);
    expect(() => constant({ baseLr: 0.1, factor: 1.5 })).toThrow(/factor.*\[0, 1\].*1\.5/);
    expect(() => constant({ baseLr: -1 })).toThrow(/baseLr.*>= 0.*-1/);
    expect(() => constant({ baseLr: 0.1, totalIters: 2.5 })).toThrow(/totalIters.*integer.*2\.5/);
    // A misspelt option is an error, not a silently used default.
    expect(() => constant({ baseLr: 0.1, fator: 0.5 } as never)).toThrow(/unknown option "fator"/);
  });
});
