import { describe, expect, it } from 'vitest';
import { readBundledReference } from './reference-node.js';
import { runConformanceFile } from './run.js';
import { HVP_TOLERANCES, runHvpConformance, type HvpCase } from './hvp.js';

const file = readBundledReference<{ format: string; cases: HvpCase[] }>('torch-hvp-reference.json');

describe('torch-hvp-reference.json (torch.autograd.functional.hvp, float64)', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    it(`every case passes in ${dtype} (value, gradient and Hv per block, rtol ${HVP_TOLERANCES[dtype]})`, () => {
      const results = runConformanceFile(file, dtype);
      expect(results.length).toBe(file.cases.length);
      expect(results.length).toBeGreaterThanOrEqual(14);
      for (const r of results) {
        expect(r.section).toBe('hvp');
        expect(r.pass, JSON.stringify(r)).toBe(true);
      }
    });
  }

  it('a wrong Hv element fails the case (the check is not vacuous)', () => {
    const c = structuredClone(file.cases[4] as HvpCase);
    const k = c.paramOrder[0] as string;
    const h = c.hvp[k] as { data: number[] };
    h.data[0] = (h.data[0] as number) * (1 + 1e-8);
    const [r] = runHvpConformance({ format: file.format, cases: [c] }, 'float64');
    expect(r?.pass).toBe(false);
    expect(r?.detail).toMatch(/^hvp\./);
  });

  it('an unknown function is a failed case naming it', () => {
    const c = { ...(file.cases[0] as HvpCase), fn: 'nope' };
    const [r] = runHvpConformance({ cases: [c] }, 'float64');
    expect(r?.pass).toBe(false);
    expect(r?.error).toMatch(/unknown function "nope"/);
  });
});
