import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, DataError, DtypeError, ShapeError } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import {
  closeMismatch,
  gradcheckMismatches,
  randomTensor,
  refCaseMismatches,
  type RefCase,
} from '../../test/op-test-utils.js';
import { bceWithLogits, crossEntropy, huber, mse, nllLoss } from './losses.js';
import { readBundledReference } from '../conformance/reference-node.js';
import { setKernels } from '../kernels/backend.js';
import { availableBackends } from '../kernels/select.js';

const ref = readBundledReference<{ cases: RefCase[] }>('torch-ops-reference.json');

function f64(values: number[], shape: number[] = [values.length], requiresGrad = false): Tensor {
  return new Tensor(Float64Array.from(values), shape, requiresGrad);
}

/** Row-wise log-softmax written out independently of crossEntropy, for cross-checks. */
function logSoftmaxRows(x: Tensor): Tensor {
  const [n, c] = x.shape as [number, number];
  const out = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < c; k++) s += Math.exp(x.data[i * c + k]!);
    for (let k = 0; k < c; k++) out[i * c + k] = x.data[i * c + k]! - Math.log(s);
  }
  return new Tensor(out, x.shape);
}

const runners: Record<string, (c: RefCase) => (i: Tensor[]) => Tensor> = {
  crossEntropy: (c) => (i) =>
    crossEntropy(i[0]!, c.targets!, { reduction: c.args.reduction as 'mean' }),
  mse: (c) => (i) => mse(i[0]!, i[1]!, { reduction: c.args.reduction as 'mean' }),
  bceWithLogits: (c) => (i) =>
    bceWithLogits(i[0]!, i[1]!, { reduction: c.args.reduction as 'mean' }),
};

describe('losses: PyTorch reference', () => {
  const cases = ref.cases.filter((c) => c.op in runners);
  it('covers crossEntropy, mse and bceWithLogits', () => {
    expect(new Set(cases.map((c) => c.op))).toEqual(new Set(Object.keys(runners)));
  });
  for (const c of cases) {
    const run = runners[c.op]!(c);
    it(`${c.name} float64`, () =>
      expect(refCaseMismatches(c, 'float64', 1e-9, 1e-12, run)).toEqual([]));
    it(`${c.name} float32`, () =>
      expect(refCaseMismatches(c, 'float32', 1e-4, 1e-5, run)).toEqual([]));
  }
});

describe('crossEntropy', () => {
  it('label smoothing: value worked out by hand', () => {
    // logits [ln 3, 0] -> p = [3/4, 1/4]; target 1, ε = 0.2, C = 2:
    // ℓ = 0.8·(−ln ¼) + (0.2/2)·(−ln ¾ − ln ¼) = 0.8 ln 4 + 0.1 (ln 4/3 + ln 4)
    const l = crossEntropy(f64([Math.log(3), 0], [1, 2]), [1], { labelSmoothing: 0.2 });
    expect(l.shape).toEqual([]);
    expect(l.item()).toBeCloseTo(0.8 * Math.log(4) + 0.1 * (Math.log(4 / 3) + Math.log(4)), 14);
  });

  it('ε = 0 per-row losses equal −log softmax at the target; mean over non-ignored rows', () => {
    const rng = new Rng(5);
    const x = randomTensor([4, 3], rng);
    const lp = logSoftmaxRows(x);
    const none = crossEntropy(x, [2, 0, -100, 1], { reduction: 'none' });
    expect(Array.from(none.data)).toEqual(
      [0, 0, 0, 0]
        .map((_, i) => (i === 2 ? 0 : -lp.data[i * 3 + [2, 0, 0, 1][i]!]!))
        .map((v) => expect.closeTo(v, 12)),
    );
    const mean = crossEntropy(x, [2, 0, -100, 1]);
    expect(mean.item()).toBeCloseTo((none.data[0]! + none.data[1]! + none.data[3]!) / 3, 12);
  });

  it('class weights: mean divides by the summed weight of the targets (smoothing included)', () => {
    const rng = new Rng(6);
    const x = randomTensor([3, 2], rng);
    const w = f64([2, 0.5]);
    const none = crossEntropy(x, [0, 1, 1], { reduction: 'none', weight: w, labelSmoothing: 0.3 });
    const lp = logSoftmaxRows(x);
    // ℓᵢ = 0.7·w_y·(−log p_y) + 0.15·Σ_c w_c (−log p_c)
    const t = [0, 1, 1];
    for (let i = 0; i < 3; i++) {
      const y = t[i]!;
      const expected =
        0.7 * w.data[y]! * -lp.data[i * 2 + y]! +
        0.15 * (2 * -lp.data[i * 2]! + 0.5 * -lp.data[i * 2 + 1]!);
      expect(none.data[i]).toBeCloseTo(expected, 12);
    }
    const mean = crossEntropy(x, [0, 1, 1], { weight: w, labelSmoothing: 0.3 });
    expect(mean.item()).toBeCloseTo(
      (none.data[0]! + none.data[1]! + none.data[2]!) / (2 + 0.5 + 0.5),
      12,
    );
    const sum = crossEntropy(x, [0, 1, 1], { reduction: 'sum', weight: w, labelSmoothing: 0.3 });
    expect(sum.item()).toBeCloseTo(none.data[0]! + none.data[1]! + none.data[2]!, 12);
  });

  it('is stable for huge logits', () => {
    const l = crossEntropy(f64([1000, -1000, 0], [1, 3]), [1], { reduction: 'sum' });
    expect(l.item()).toBeCloseTo(2000, 9); // −log p₁ = lse − z₁ ≈ 1000 − (−1000)
  });

  const configs: [string, Parameters<typeof crossEntropy>[2]][] = [
    ['mean', {}],
    ['sum + smoothing', { reduction: 'sum', labelSmoothing: 0.1 }],
    [
      'none + smoothing + weight',
      { reduction: 'none', labelSmoothing: 0.25, weight: f64([0.5, 1, 2, 1.5]) },
    ],
    [
      'mean + ignoreIndex + weight + smoothing',
      { labelSmoothing: 0.4, ignoreIndex: 3, weight: f64([0.5, 1, 2, 1.5]) },
    ],
  ];
  for (const [name, o] of configs) {
    it(`gradient matches finite differences (${name})`, () => {
      const rng = new Rng(7);
      const x = randomTensor([5, 4], rng, 'float64', true, 2);
      const targets = Int32Array.from([3, 0, 2, 1, 3]);
      expect(gradcheckMismatches((i) => crossEntropy(i[0]!, targets, o), [x], rng)).toEqual([]);
    });
  }

  it('accepts targets as a Tensor of class indices', () => {
    const rng = new Rng(8);
    const x = randomTensor([3, 4], rng);
    expect(crossEntropy(x, f64([1, 2, 3])).item()).toBeCloseTo(
      crossEntropy(x, [1, 2, 3]).item(),
      14,
    );
  });

  it('rejects bad targets and options', () => {
    const x = randomTensor([3, 4], new Rng(9));
    expect(() => crossEntropy(x, [0, 4, 1])).toThrow(DataError);
    expect(() => crossEntropy(x, [0, 4, 1])).toThrow(/targets\[1\] = 4/);
    expect(() => crossEntropy(x, [0, -1, 1])).toThrow(/targets\[1\] = -1/);
    expect(() => crossEntropy(x, [0, 1.5, 1])).toThrow(DataError);
    expect(() => crossEntropy(x, [0, 1])).toThrow(ShapeError);
    expect(() => crossEntropy(x, f64([0, 1, 2, 3, 0, 1], [3, 2]))).toThrow(ShapeError);
    expect(() => crossEntropy(randomTensor([12], new Rng(1)), [0])).toThrow(/logits must be 2-D/);
    expect(() => crossEntropy(x, [0, 1, 2], { labelSmoothing: 1.5 })).toThrow(ConfigError);
    expect(() => crossEntropy(x, [0, 1, 2], { reduction: 'avg' as 'mean' })).toThrow(ConfigError);
    expect(() => crossEntropy(x, [0, 1, 2], { weight: f64([1, 1]) })).toThrow(
      /weight must have shape \[4\]/,
    );
    expect(() =>
      crossEntropy(x, [0, 1, 2], { weight: new Tensor(new Float32Array(4), [4]) }),
    ).toThrow(DtypeError);
  });
});

describe('nllLoss', () => {
  it('equals crossEntropy on log-softmax inputs', () => {
    const rng = new Rng(10);
    const x = randomTensor([4, 5], rng);
    const lp = logSoftmaxRows(x);
    const w = f64([1, 2, 3, 0.5, 1]);
    const a = nllLoss(lp, [4, 0, 2, 2], { weight: w });
    const b = crossEntropy(x, [4, 0, 2, 2], { weight: w });
    expect(a.item()).toBeCloseTo(b.item(), 12);
  });

  it('picks −w_y·logp at the target', () => {
    const lp = f64([-1, -2, -3, -4, -5, -6], [2, 3]);
    expect(Array.from(nllLoss(lp, [2, 0], { reduction: 'none' }).data)).toEqual([3, 4]);
    expect(nllLoss(lp, [2, 0], { reduction: 'sum', weight: f64([10, 1, 2]) }).item()).toBe(
      3 * 2 + 4 * 10,
    );
    expect(nllLoss(lp, [2, -100]).item()).toBe(3);
  });

  for (const reduction of ['mean', 'sum', 'none'] as const) {
    it(`gradient matches finite differences (${reduction}, weights, ignoreIndex)`, () => {
      const rng = new Rng(11);
      const lp = randomTensor([4, 3], rng, 'float64', true);
      expect(
        gradcheckMismatches(
          (i) =>
            nllLoss(i[0]!, [1, 0, 7, 2], { reduction, ignoreIndex: 7, weight: f64([0.2, 1, 3]) }),
          [lp],
          rng,
        ),
      ).toEqual([]);
    });
  }

  it('rejects out-of-range targets naming index and value', () => {
    expect(() => nllLoss(randomTensor([2, 3], new Rng(1)), [0, 3])).toThrow(/targets\[1\] = 3/);
  });
});

describe('mse', () => {
  it('value: mean of squared differences', () => {
    // ((1−0)² + (2−4)²)/2 = 2.5
    expect(mse(f64([1, 2]), f64([0, 4])).item()).toBe(2.5);
    expect(mse(f64([1, 2]), f64([0, 4]), { reduction: 'sum' }).item()).toBe(5);
    expect(Array.from(mse(f64([1, 2]), f64([0, 4]), { reduction: 'none' }).data)).toEqual([1, 4]);
  });
  for (const reduction of ['sum', 'none'] as const) {
    it(`gradient matches finite differences (${reduction})`, () => {
      const rng = new Rng(12);
      const a = randomTensor([3, 4], rng, 'float64', true);
      const b = randomTensor([3, 4], rng, 'float64', true);
      expect(gradcheckMismatches((i) => mse(i[0]!, i[1]!, { reduction }), [a, b], rng)).toEqual([]);
    });
  }
  it('rejects mismatched shapes and dtypes', () => {
    expect(() => mse(f64([1, 2]), f64([1, 2, 3]))).toThrow(
      /target must have the shape of pred \[2\], got \[3\]/,
    );
    expect(() => mse(f64([1, 2]), new Tensor(new Float32Array(2), [2]))).toThrow(DtypeError);
  });
});

describe('bceWithLogits', () => {
  it('is finite for huge logits (stable form)', () => {
    // x = 1000, y = 0: ℓ = max(x,0) − 0 + log(1 + e^−1000) = 1000; x = −1000, y = 1: ℓ = 0 + 1000 + ~0
    const x = f64([1000, -1000], [2], true);
    const l = bceWithLogits(x, f64([0, 1]), { reduction: 'none' });
    expect(Array.from(l.data)).toEqual([1000, 1000]);
    const s = bceWithLogits(x, f64([0, 1]), { reduction: 'sum' });
    s.backward();
    // ∂ℓ/∂x = σ(x) − y = 1 − 0 and 0 − 1
    expect(Array.from(x.grad!.data)).toEqual([1, -1]);
  });

  it('posWeight scales the positive term', () => {
    // x = 0.3, y = 1, p = 3: ℓ = 3·softplus(−0.3) = 3·log(1 + e^−0.3)
    const l = bceWithLogits(f64([0.3]), f64([1]), { posWeight: f64([3]) });
    expect(l.item()).toBeCloseTo(3 * Math.log(1 + Math.exp(-0.3)), 14);
  });

  for (const reduction of ['mean', 'sum', 'none'] as const) {
    it(`gradient wrt logits, soft targets and posWeight matches finite differences (${reduction})`, () => {
      const rng = new Rng(13);
      const x = randomTensor([3, 4], rng, 'float64', true, 3);
      const y = new Tensor(rng.fillUniform(new Float64Array(12)), [3, 4], true);
      const p = new Tensor(rng.fillUniform(new Float64Array(4), 0.5, 3), [4], true);
      expect(
        gradcheckMismatches(
          (i) => bceWithLogits(i[0]!, i[1]!, { reduction, posWeight: i[2]! }),
          [x, y, p],
          rng,
        ),
      ).toEqual([]);
    });
  }

  it('rejects a posWeight that does not broadcast', () => {
    expect(() =>
      bceWithLogits(f64([1, 2, 3, 4], [2, 2]), f64([1, 0, 1, 0], [2, 2]), {
        posWeight: f64([1, 2, 3]),
      }),
    ).toThrow(ShapeError);
  });
});

describe('huber', () => {
  it('values in both regimes', () => {
    // d = 0.5 < δ = 1: ½·0.25 = 0.125; d = −3: 1·(3 − 0.5) = 2.5
    const l = huber(f64([0.5, -3]), f64([0, 0]), { reduction: 'none' });
    expect(Array.from(l.data)).toEqual([0.125, 2.5]);
    expect(huber(f64([0.5, -3]), f64([0, 0]), { delta: 2 }).item()).toBeCloseTo(
      (0.125 + 2 * (3 - 1)) / 2,
      14,
    );
  });
  it('gradient matches finite differences away from the kink', () => {
    const rng = new Rng(14);
    const a = randomTensor([10], rng, 'float64', true, 2);
    const b = randomTensor([10], rng, 'float64', true, 2);
    for (let i = 0; i < 10; i++) {
      const d = Math.abs(a.data[i]! - b.data[i]!);
      if (Math.abs(d - 0.7) < 1e-3) a.data[i] = a.data[i]! + 0.1;
    }
    expect(
      gradcheckMismatches(
        (i) => huber(i[0]!, i[1]!, { delta: 0.7, reduction: 'sum' }),
        [a, b],
        rng,
      ),
    ).toEqual([]);
  });
  it('rejects delta <= 0', () => {
    expect(() => huber(f64([1]), f64([1]), { delta: 0 })).toThrow(ConfigError);
  });
  it('closeMismatch helper reports mismatches (sanity of the test tooling)', () => {
    expect(closeMismatch([1, 2], [1, 2.1], 1e-9, 1e-12)).toMatch(/element 1/);
    expect(closeMismatch([1, NaN], [1, 1], 1e-9, 1e-12)).toMatch(/element 1/);
  });
});

// crossEntropy runs on the loss kernels (Kernels.crossEntropyForward/Backward, kernels/select.ts
// lossKernelsFor): native C for float32 when the addon is loaded, the JS reference otherwise;
// every backend gives the JS reference's bits, and the edge cases behave as before the kernels
// (NaN and +∞ logits poison their row, −∞ is a class of probability 0).
describe('crossEntropy on every backend', () => {
  afterEach(() => setKernels('auto'));
  const bitsOf = (t: Tensor): number[] =>
    Array.from(t.data instanceof Float32Array ? new Uint32Array(t.data.buffer) : t.data);
  const impls = availableBackends().map((k) => k.impl);

  it.each(impls)(
    '%s: float32 loss and gradient bits equal the JS reference (W1: 128 × 10)',
    (impl) => {
      const run = (choice: 'js' | typeof impl): number[][] => {
        setKernels(choice);
        const x = new Tensor(
          randomTensor([128, 10], new Rng(5)).data.map((v) => 3 * v),
          [128, 10],
        );
        const z = new Tensor(Float32Array.from(x.data), [128, 10], true);
        const targets = Array.from({ length: 128 }, (_, i) => (i * 7) % 10);
        const loss = crossEntropy(z, targets, { labelSmoothing: 0.05 });
        loss.backward();
        return [bitsOf(loss), bitsOf(z.grad!)];
      };
      expect(run(impl)).toEqual(run('js'));
    },
  );

  it.each(impls)('%s: NaN, +∞ and −∞ logits behave as the unfused formula', (impl) => {
    setKernels(impl);
    for (const A of [Float32Array, Float64Array]) {
      const lossAndGrad = (v: number[]): [number, number[]] => {
        const z = new Tensor(A.from(v), [2, 3], true);
        const l = crossEntropy(z, [1, 2]);
        l.backward();
        return [l.item(), Array.from(z.grad!.data)];
      };
      // a NaN or +∞ logit, or a row of −∞ only: that row's loss and gradient are NaN, the mean
      // is NaN, the other row's gradient stays finite
      for (const row of [
        [NaN, 1, 2],
        [Infinity, 1, 2],
        [-Infinity, -Infinity, -Infinity],
      ]) {
        const [l, g] = lossAndGrad([...row, 0, 1, 2]);
        expect(l).toBeNaN();
        expect(g.slice(0, 3).every(Number.isNaN)).toBe(true);
        expect(g.slice(3).every(Number.isFinite)).toBe(true);
      }
      // −∞ at a non-target: probability 0 (gradient 0 there); at the target: loss +∞
      const [l1, g1] = lossAndGrad([-Infinity, 1, 2, 0, 1, 2]);
      expect(l1).toBeCloseTo(
        (Math.log(Math.E + Math.E ** 2) - 1 + Math.log(1 + Math.E + Math.E ** 2) - 2) / 2,
        6,
      );
      expect(g1[0]).toBe(0);
      const [l2] = lossAndGrad([1, -Infinity, 2, 0, 1, 2]);
      expect(l2).toBe(Infinity);
    }
  });
});
