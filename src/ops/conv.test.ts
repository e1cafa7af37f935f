import { describe, expect, it } from 'vitest';
import { ConfigError, DtypeError, ShapeError } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { avgPool2d, conv2d, maxPool2d, type Conv2dOptions } from './conv.js';
import { mul } from './elementwise.js';
import { sum } from './reduce.js';
import { relu } from './unary.js';
import { col2im, im2col } from '../kernels/backend.js';
import { convGeometry } from '../kernels/conv-geometry.js';
import { setKernels } from '../kernels/backend.js';
import { availableBackends } from '../kernels/select.js';
import type { KernelChoice } from '../kernels/types.js';
import {
  dot,
  gradcheckMismatches,
  randomTensor,
  refCaseMismatches,
  type RefCase,
} from '../../test/op-test-utils.js';
import { readBundledReference } from '../conformance/reference-node.js';

const ref = readBundledReference<{ cases: RefCase[] }>('torch-ops-reference.json');

const runners: Record<string, (c: RefCase) => (i: Tensor[]) => Tensor> = {
  conv2d: (c) => (i) =>
    conv2d(i[0]!, i[1]!, i[2], {
      stride: c.args.stride as number,
      padding: c.args.padding as number,
    }),
  maxPool2d: (c) => (i) =>
    maxPool2d(i[0]!, { kernel: c.args.kernel as number, stride: c.args.stride as number }),
};

describe('conv: PyTorch reference', () => {
  const cases = ref.cases.filter((c) => c.op in runners);
  it('covers conv2d and maxPool2d', () => {
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

describe('im2col / col2im', () => {
  it('col2im is the adjoint of im2col: <im2col(x), c> = <x, col2im(c)>', () => {
    const rng = new Rng(1);
    for (const [C, H, W, kh, kw, sh, sw, ph, pw] of [
      [2, 5, 6, 3, 2, 2, 1, 1, 0],
      [1, 4, 4, 3, 3, 1, 1, 2, 2],
      [3, 7, 5, 2, 3, 3, 2, 1, 1],
    ] as const) {
      const g = convGeometry({
        channels: C,
        height: H,
        width: W,
        kernelH: kh,
        kernelW: kw,
        strideH: sh,
        strideW: sw,
        padH: ph,
        padW: pw,
      });
      const x = rng.fillNormal(new Float64Array(7 + C * H * W)); // offset 7 exercises xOff
      const cols = new Float64Array(g.colSize);
      im2col({ x, xOffset: 7, g, col: cols, colOffset: 0, batch: 1 });
      const cot = rng.fillNormal(new Float64Array(cols.length));
      const back = new Float64Array(7 + C * H * W);
      col2im({ x: back, xOffset: 7, g, col: cot, colOffset: 0, batch: 1 });
      expect(dot(cols, cot)).toBeCloseTo(dot(x.subarray(7), back.subarray(7)), 10);
      expect(Array.from(back.subarray(0, 7))).toEqual([0, 0, 0, 0, 0, 0, 0]);
    }
  });

  it('reads the padded window: x[c, oh·sh − ph + i, ow·sw − pw + j]', () => {
    // 1×3×3 image 0..8, 2×2 kernel, stride 1, padding 1 -> 4×4 windows; row (i=1, j=1) at
    // output (0, 0) reads x[0, 0] = 0, at (1, 2) reads x[1, 2] = 5; row (0, 0) at (0, 0) is padding.
    const x = Float64Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const cols = new Float64Array(4 * 16).fill(NaN);
    const g = { channels: 1, height: 3, width: 3, kernelH: 2, kernelW: 2, padH: 1, padW: 1 };
    im2col({ x, xOffset: 0, g: convGeometry(g), col: cols, colOffset: 0, batch: 1 });
    expect(cols[3 * 16 + 0]).toBe(0);
    expect(cols[3 * 16 + 1 * 4 + 2]).toBe(5);
    expect(cols[0]).toBe(0);
    expect(cols.every((v) => !Number.isNaN(v))).toBe(true);
  });
});

describe('conv2d', () => {
  const configs: [string, number[], number[], Conv2dOptions, boolean][] = [
    ['stride 2, padding 1, 3×3', [2, 2, 5, 6], [3, 2, 3, 3], { stride: 2, padding: 1 }, true],
    [
      'non-square kernel 2×3, stride [2, 1], padding [1, 0]',
      [2, 3, 5, 5],
      [2, 3, 2, 3],
      { stride: [2, 1], padding: [1, 0] },
      true,
    ],
    ['1×1 direct path, no bias', [2, 3, 3, 4], [4, 3, 1, 1], {}, false],
    ['kernel = whole image, padding 2', [1, 2, 3, 3], [2, 2, 3, 3], { padding: 2 }, true],
  ];
  for (const [name, xs, ws, o, withBias] of configs) {
    it(`gradients match finite differences (${name})`, () => {
      const rng = new Rng(2);
      const x = randomTensor(xs, rng, 'float64', true);
      const w = randomTensor(ws, rng, 'float64', true);
      const inputs = [x, w];
      if (withBias) inputs.push(randomTensor([ws[0]!], rng, 'float64', true));
      expect(gradcheckMismatches((i) => conv2d(i[0]!, i[1]!, i[2], o), inputs, rng)).toEqual([]);
    });
  }

  it('output size ⌊(H + 2p − k)/s⌋ + 1 and a hand-computed value', () => {
    // x 1×1×4×4 of ones, weight 1×1×3×3 of ones, padding 1, stride 2: out 2×2;
    // out[0,0] covers rows −1..1, cols −1..1: 2×2 in-bounds ones = 4; out[1,1] rows 1..3: 9.
    const x = new Tensor(new Float64Array(16).fill(1), [1, 1, 4, 4]);
    const w = new Tensor(new Float64Array(9).fill(1), [1, 1, 3, 3]);
    const y = conv2d(x, w, null, { stride: 2, padding: 1 });
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(Array.from(y.data)).toEqual([4, 6, 6, 9]);
  });

  it('rejects bad shapes, options and dtypes', () => {
    const rng = new Rng(3);
    const x = randomTensor([1, 2, 4, 4], rng);
    expect(() => conv2d(randomTensor([2, 4, 4], rng), randomTensor([1, 2, 3, 3], rng))).toThrow(
      /x must be 4-D/,
    );
    expect(() => conv2d(x, randomTensor([1, 3, 3, 3], rng))).toThrow(
      /weight must be \[O, 2, kh, kw\].*got \[1, 3, 3, 3\]/,
    );
    expect(() => conv2d(x, randomTensor([2, 2, 3, 3], rng), randomTensor([3], rng))).toThrow(
      /bias must have shape \[2\]/,
    );
    expect(() => conv2d(x, randomTensor([1, 2, 5, 5], rng))).toThrow(ShapeError);
    expect(() => conv2d(x, randomTensor([1, 2, 3, 3], rng), null, { stride: 0 })).toThrow(
      ConfigError,
    );
    expect(() => conv2d(x, randomTensor([1, 2, 3, 3], rng), null, { padding: [1, -1] })).toThrow(
      /padding must be an integer >= 0/,
    );
    expect(() => conv2d(x, randomTensor([1, 2, 3, 3], rng, 'float32'))).toThrow(DtypeError);
    expect(() =>
      conv2d(x, randomTensor([1, 2, 3, 3], rng), null, {
        activation: 'tanh' as unknown as 'relu',
      }),
    ).toThrow(/activation must be 'relu' or null, got "tanh"/);
  });

  for (const dtype of ['float64', 'float32'] as const) {
    it(`activation 'relu' equals relu(conv2d(·)) in value and gradients (${dtype}, NaN kept)`, () => {
      const rng = new Rng(7);
      const x = randomTensor([3, 2, 6, 6], rng, dtype, true);
      x.data[4] = NaN; // NaN stays NaN through the fused ReLU, as through relu()
      const w = randomTensor([4, 2, 3, 3], rng, dtype, true);
      const b = randomTensor([4], rng, dtype, true);
      const c = randomTensor([3, 4, 6, 6], rng, dtype);
      const run = (fused: boolean): [number[], number[][]] => {
        for (const t of [x, w, b]) t.grad = null;
        const y = fused
          ? conv2d(x, w, b, { padding: 1, activation: 'relu' })
          : relu(conv2d(x, w, b, { padding: 1 }));
        sum(mul(y, c)).backward(); // NaN where the NaN pixel reaches, the same in both
        return [Array.from(y.data), [x, w, b].map((t) => Array.from(t.grad!.data))];
      };
      const fused = run(true);
      expect(fused[0].some(Number.isNaN)).toBe(true);
      expect(fused).toEqual(run(false));
    });
  }
});

describe('maxPool2d', () => {
  it('overlapping windows with padding: gradient matches finite differences', () => {
    const rng = new Rng(4);
    const x = randomTensor([2, 2, 5, 6], rng, 'float64', true);
    expect(
      gradcheckMismatches(
        (i) => maxPool2d(i[0]!, { kernel: [3, 2], stride: [2, 1], padding: [1, 1] }),
        [x],
        rng,
      ),
    ).toEqual([]);
  });

  it('ties: the gradient goes to the first maximum in row-major window order', () => {
    // 1×1×2×4, kernel 2: window 0 is all 5s -> its grad goes to (0, 0);
    // window 1 has max 7 at (0, 3) and (1, 2) -> first in row-major order is (0, 3).
    const x = new Tensor(Float64Array.from([5, 5, 1, 7, 5, 5, 7, 2]), [1, 1, 2, 4], true);
    const y = maxPool2d(x, { kernel: 2 });
    expect(Array.from(y.data)).toEqual([5, 7]);
    y.backward(new Tensor(Float64Array.from([10, 20]), [1, 1, 1, 2]));
    expect(Array.from(x.grad!.data)).toEqual([10, 0, 0, 20, 0, 0, 0, 0]);
  });

  it('2×2 stride 2 (the fast path) on odd sizes equals a brute-force window max; NaN propagates', () => {
    // y[p, i, j] = max over x[p, 2i..2i+1, 2j..2j+1] (floor mode drops the last row/column).
    const rng = new Rng(9);
    const x = randomTensor([2, 3, 5, 7], rng, 'float32', true);
    x.data[3 * 35 + 7 + 2] = NaN; // plane 3, row 1, col 2 -> output (1, 0, 1) is NaN
    const y = maxPool2d(x, { kernel: 2 });
    expect(y.shape).toEqual([2, 3, 2, 3]);
    for (let p = 0; p < 6; p++) {
      for (let i = 0; i < 2; i++) {
        for (let j = 0; j < 3; j++) {
          const win = [0, 1, 7, 8].map((d) => x.data[p * 35 + 2 * i * 7 + 2 * j + d]!);
          const want = win.some(Number.isNaN) ? NaN : Math.max(...win);
          expect(y.data[(p * 2 + i) * 3 + j]).toBe(want);
        }
      }
    }
    expect(Number.isNaN(y.data[(3 * 2 + 0) * 3 + 1]!)).toBe(true);
    // The NaN's gradient goes to the NaN pixel itself.
    y.backward(new Tensor(new Float32Array(36).fill(1), y.shape));
    expect(x.grad!.data[3 * 35 + 7 + 2]).toBe(1);
  });

  it('padding counts as −∞ (all-negative input)', () => {
    const x = new Tensor(Float64Array.from([-1, -2, -3, -4]), [1, 1, 2, 2]);
    const y = maxPool2d(x, { kernel: 2, stride: 1, padding: 1 });
    expect(y.shape).toEqual([1, 1, 3, 3]);
    expect(Array.from(y.data)).toEqual([-1, -1, -2, -1, -1, -2, -3, -3, -4]);
  });

  it.each(availableBackends().map((k) => k.impl))(
    "setKernels('%s'): the values and gradient bits of the JS reference; float64 gradcheck passes",
    (impl) => {
      // 64 planes of 12×12 (9,216 elements: past the native threshold) with ties and a NaN
      const run = (choice: KernelChoice, dtype: 'float32' | 'float64'): number[][] => {
        setKernels(choice);
        try {
          const x = randomTensor([4, 16, 12, 12], new Rng(21), dtype, true);
          for (let i = 0; i < x.size; i += 3) x.data[i] = 0;
          x.data[77] = NaN;
          const y = maxPool2d(x, { kernel: 2 });
          y.backward(randomTensor(y.shape, new Rng(22), dtype));
          return [Array.from(y.data), Array.from(x.grad!.data)];
        } finally {
          setKernels('auto');
        }
      };
      for (const dtype of ['float32', 'float64'] as const)
        expect(run(impl, dtype)).toEqual(run('js', dtype));
      setKernels(impl);
      try {
        const rng = new Rng(4);
        const x = randomTensor([2, 2, 5, 6], rng, 'float64', true);
        const f = (i: Tensor[]): Tensor =>
          maxPool2d(i[0]!, { kernel: [3, 2], stride: [2, 1], padding: [1, 1] });
        expect(gradcheckMismatches(f, [x], rng)).toEqual([]);
      } finally {
        setKernels('auto');
      }
    },
  );

  it('rejects padding above half the kernel and missing kernel', () => {
    const x = randomTensor([1, 1, 4, 4], new Rng(5));
    expect(() => maxPool2d(x, { kernel: 2, padding: 2 })).toThrow(/at most half the kernel/);
    expect(() => maxPool2d(x, {} as { kernel: number })).toThrow(ConfigError);
  });
});

describe('avgPool2d', () => {
  it('count_include_pad: divides by kh·kw even at the border', () => {
    // ones 2×2, kernel 2, stride 1, padding 1 -> 3×3: corners see 1 pixel (¼), edges 2 (½), center 4 (1).
    const x = new Tensor(new Float64Array(4).fill(1), [1, 1, 2, 2]);
    const y = avgPool2d(x, { kernel: 2, stride: 1, padding: 1 });
    expect(Array.from(y.data)).toEqual([0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25]);
  });

  it('gradient matches finite differences (non-square kernel, stride, padding)', () => {
    const rng = new Rng(6);
    const x = randomTensor([2, 2, 5, 7], rng, 'float64', true);
    expect(
      gradcheckMismatches(
        (i) => avgPool2d(i[0]!, { kernel: [2, 3], stride: [1, 2], padding: [1, 1] }),
        [x],
        rng,
      ),
    ).toEqual([]);
  });

  it('rejects a non-4-D input', () => {
    expect(() => avgPool2d(randomTensor([4, 4], new Rng(7)), { kernel: 2 })).toThrow(ShapeError);
  });
});
