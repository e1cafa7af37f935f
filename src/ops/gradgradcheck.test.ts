import { describe, expect, it } from 'vitest';
import { gradgradcheck } from '../autograd/gradgradcheck.js';
import { gradcheckCases } from './gradcheck-table.js';

const cases = gradcheckCases();

describe('gradgradcheck: second derivatives of every op in the gradcheck table (float64)', () => {
  for (const { name, f, inputs: make } of cases) {
    it(name, () => {
      const res = gradgradcheck(f, make(), { eps: 1e-6, atol: 1e-6, rtol: 1e-5 });
      expect(res.pass, JSON.stringify(res)).toBe(true);
    });
  }
});
