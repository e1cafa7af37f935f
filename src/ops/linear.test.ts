import { describe, expect, it } from 'vitest';
import { DtypeError, ShapeError } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import {
  gradcheckMismatches,
  randomTensor,
  refCaseMismatches,
  type RefCase,
} from '../../test/op-test-utils.js';
import { linear } from './linear.js';
import { readBundledReference } from '../conformance/reference-node.js';

const ref = readBundledReference<{ cases: RefCase[] }>('torch-ops-reference.json');
const cases = ref.cases.filter((c) => c.op === 'linear');

describe('linear', () => {
  it('has reference cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  for (const c of cases) {
    it(`${c.name} matches PyTorch in float64`, () => {
      expect(
        refCaseMismatches(c, 'float64', 1e-9, 1e-12, (i) => linear(i[0]!, i[1]!, i[2])),
      ).toEqual([]);
    });
    it(`${c.name} matches PyTorch in float32`, () => {
      expect(
        refCaseMismatches(c, 'float32', 1e-4, 1e-5, (i) => linear(i[0]!, i[1]!, i[2])),
      ).toEqual([]);
    });
  }

  it('gradients with leading batch axes match finite differences', () => {
    const rng = new Rng(1);
    const x = randomTensor([2, 3, 4], rng, 'float64', true);
    const w = randomTensor([5, 4], rng, 'float64', true);
    const b = randomTensor([5], rng, 'float64', true);
    expect(gradcheckMismatches((i) => linear(i[0]!, i[1]!, i[2]), [x, w, b], rng)).toEqual([]);
    const y = linear(x, w, b);
    expect(y.shape).toEqual([2, 3, 5]);
  });

  it('works without bias and on a 1-D input', () => {
    const rng = new Rng(2);
    const x = randomTensor([4], rng, 'float64', true);
    const w = randomTensor([3, 4], rng, 'float64', true);
    expect(gradcheckMismatches((i) => linear(i[0]!, i[1]!), [x, w], rng)).toEqual([]);
    // y_j = Σ_k w[j,k] x[k]
    const y = linear(x, w);
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += w.data[j * 4 + k]! * x.data[k]!;
      expect(y.data[j]).toBeCloseTo(s, 12);
    }
  });

  it('rejects bad shapes and mixed dtypes', () => {
    const rng = new Rng(3);
    const x = randomTensor([2, 4], rng);
    expect(() => linear(x, randomTensor([3, 5], rng))).toThrow(ShapeError);
    expect(() => linear(x, randomTensor([3, 5], rng))).toThrow(
      /x must have shape \[\.\.\., 5\].*got \[2, 4\]/,
    );
    expect(() => linear(x, randomTensor([12], rng))).toThrow(/weight must be 2-D/);
    expect(() => linear(x, randomTensor([3, 4], rng), randomTensor([4], rng))).toThrow(
      /bias must have shape \[3\]/,
    );
    expect(() => linear(x, randomTensor([3, 4], rng, 'float32'))).toThrow(DtypeError);
  });
});
