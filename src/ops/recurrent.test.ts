import { describe, expect, it } from 'vitest';
import { DtypeError, ShapeError } from '../errors.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import {
  closeMismatch,
  gradcheckMismatches,
  numericVjp,
  randomTensor,
  refCaseMismatches,
  type RefCase,
} from '../../test/op-test-utils.js';
import { setKernels } from '../kernels/index.js';
import { RNN } from '../nn/recurrent.js';
import { add, mul } from './elementwise.js';
import { sum } from './reduce.js';
import { gru, lstm, rnnTanh, type RnnResult } from './recurrent.js';
import { readBundledReference } from '../conformance/reference-node.js';

const ref = readBundledReference<{ cases: RefCase[] }>('torch-ops-reference.json');

type Opt = Tensor | null | undefined;
/** One calling convention for the three cells (c0 is ignored by rnnTanh and gru). */
type Cell = (
  x: Tensor,
  wIh: Tensor,
  wHh: Tensor,
  bIh?: Opt,
  bHh?: Opt,
  h0?: Opt,
  c0?: Opt,
) => RnnResult;
const cells: Record<string, { fn: Cell; gates: number }> = {
  rnnTanh: { fn: (x, a, b, c, d, h0) => rnnTanh(x, a, b, c, d, h0), gates: 1 },
  lstm: { fn: lstm, gates: 4 },
  gru: { fn: (x, a, b, c, d, h0) => gru(x, a, b, c, d, h0), gates: 3 },
};

describe('recurrent: PyTorch reference (zero initial state, loss on output)', () => {
  const cases = ref.cases.filter((c) => c.op in cells);
  it('covers rnnTanh, lstm and gru', () => {
    expect(new Set(cases.map((c) => c.op))).toEqual(new Set(Object.keys(cells)));
  });
  for (const c of cases) {
    const fn = cells[c.op]!.fn;
    const run = (i: Tensor[]): Tensor => fn(i[0]!, i[1]!, i[2]!, i[3], i[4]).output;
    it(`${c.name} float64`, () =>
      expect(refCaseMismatches(c, 'float64', 1e-9, 1e-12, run)).toEqual([]));
    it(`${c.name} float32`, () =>
      expect(refCaseMismatches(c, 'float32', 1e-4, 1e-5, run)).toEqual([]));
  }
});

/** Random weights for a cell with G gates: [x, wIh, wHh, bIh, bHh, h0, c0]. */
function setup(
  gates: number,
  T: number,
  B: number,
  I: number,
  H: number,
  seed: number,
): { rng: Rng; t: Tensor[] } {
  const rng = new Rng(seed);
  const t = [
    randomTensor([T, B, I], rng, 'float64', true),
    randomTensor([gates * H, I], rng, 'float64', true, 0.6),
    randomTensor([gates * H, H], rng, 'float64', true, 0.6),
    randomTensor([gates * H], rng, 'float64', true, 0.3),
    randomTensor([gates * H], rng, 'float64', true, 0.3),
    randomTensor([B, H], rng, 'float64', true),
    randomTensor([B, H], rng, 'float64', true),
  ];
  return { rng, t };
}

describe('recurrent: finite-difference gradients', () => {
  for (const [name, { fn, gates }] of Object.entries(cells)) {
    const isLstm = name === 'lstm';
    const inputsOf = (t: Tensor[]): Tensor[] => (isLstm ? t : t.slice(0, 6));

    it(`${name}: loss on output with initial states (all 6–7 inputs)`, () => {
      const { rng, t } = setup(gates, 4, 2, 3, 3, 11);
      expect(
        gradcheckMismatches(
          (i) => fn(i[0]!, i[1]!, i[2]!, i[3], i[4], i[5], i[6]).output,
          inputsOf(t),
          rng,
        ),
      ).toEqual([]);
    });

    it(`${name}: loss on hLast only, with initial states`, () => {
      const { rng, t } = setup(gates, 3, 2, 2, 3, 12);
      expect(
        gradcheckMismatches(
          (i) => fn(i[0]!, i[1]!, i[2]!, i[3], i[4], i[5], i[6]).hLast,
          inputsOf(t),
          rng,
        ),
      ).toEqual([]);
    });

    it(`${name}: loss on output and hLast together (T = 1, no biases, no initial state)`, () => {
      const { rng, t } = setup(gates, 1, 3, 2, 2, 13);
      const x = t[0]!;
      const wIh = t[1]!;
      const wHh = t[2]!;
      // L = Σ output·A + Σ hLast·B', differentiated numerically as one function of the inputs.
      const a = randomTensor([1, 3, 2], rng);
      const bc = randomTensor([3, 2], rng);
      const loss = (): number => {
        const r = fn(x, wIh, wHh, null, null);
        let s = 0;
        for (let k = 0; k < 6; k++)
          s += r.output.data[k]! * a.data[k]! + r.hLast.data[k]! * bc.data[k]!;
        return s;
      };
      const r = fn(x, wIh, wHh, null, null);
      r.output.backward(a, { retainGraph: true });
      r.hLast.backward(bc);
      for (const p of [x, wIh, wHh]) {
        const num = numericVjp(() => new Tensor(Float64Array.of(loss()), [1]), p, [1]);
        expect(closeMismatch(p.grad!.data, num, 1e-6, 1e-8)).toBeNull();
      }
    });

    it(`${name}: hLast equals the last step of output; h0 of shape [1, B, H] is accepted`, () => {
      const { t } = setup(gates, 3, 2, 2, 3, 14);
      const h0 = new Tensor(t[5]!.data, [1, 2, 3], true);
      const r = fn(t[0]!, t[1]!, t[2]!, t[3], t[4], h0, isLstm ? t[6] : undefined);
      expect(r.hLast.shape).toEqual([2, 3]);
      expect(Array.from(r.hLast.data)).toEqual(Array.from(r.output.data.subarray(2 * 6, 3 * 6)));
      r.hLast.backward(randomTensor([2, 3], new Rng(1)));
      expect(h0.grad?.shape).toEqual([1, 2, 3]);
    });
  }

  it('lstm: loss on cLast only, and on cLast + hLast', () => {
    const { rng, t } = setup(4, 3, 2, 2, 3, 15);
    const run = (i: Tensor[]): ReturnType<typeof lstm> =>
      lstm(i[0]!, i[1]!, i[2]!, i[3], i[4], i[5], i[6]);
    expect(gradcheckMismatches((i) => run(i).cLast, t, rng)).toEqual([]);
    // L = Σ cLast·u + Σ hLast·v: seed both views and compare with differences of the sum.
    const u = randomTensor([2, 3], rng);
    const v = randomTensor([2, 3], rng);
    for (const p of t) p.grad = null;
    const r = run(t);
    r.cLast.backward(u, { retainGraph: true });
    r.hLast.backward(v);
    const both = (): Tensor => {
      const q = run(t);
      let s = 0;
      for (let k = 0; k < 6; k++)
        s += q.cLast.data[k]! * u.data[k]! + q.hLast.data[k]! * v.data[k]!;
      return new Tensor(Float64Array.of(s), [1]);
    };
    for (const p of t)
      expect(closeMismatch(p.grad!.data, numericVjp(both, p, [1]), 1e-6, 1e-8)).toBeNull();
  });

  it('lstm: hand-computed single step', () => {
    // T = B = H = I = 1, zero weights except the gate biases b_ih = [bi, bf, bg, bo]:
    // i = σ(bi), g = tanh(bg), c = i·g (c0 = 0), h = σ(bo)·tanh(c).
    const z = (n: number): Tensor => new Tensor(new Float64Array(n), [n, 1]);
    const b = new Tensor(Float64Array.from([0.5, -1, 0.3, 2]), [4]);
    const r = lstm(new Tensor(Float64Array.of(7), [1, 1, 1]), z(4), z(4), b, null);
    const sg = (v: number): number => 1 / (1 + Math.exp(-v));
    const c = sg(0.5) * Math.tanh(0.3);
    expect(r.cLast.item()).toBeCloseTo(c, 15);
    expect(r.hLast.item()).toBeCloseTo(sg(2) * Math.tanh(c), 15);
  });

  it('gru: hand-computed single step with h0 (b_hn inside r⊙(·))', () => {
    // H = I = 1, zero weights, b_ih = [ar, az, an], b_hh = [cr, cz, cn], h0 = 0.4:
    // r = σ(ar + cr), z = σ(az + cz), n = tanh(an + r·cn), h = (1 − z)n + z·h0.
    const z = (n: number): Tensor => new Tensor(new Float64Array(n), [n, 1]);
    const bi = new Tensor(Float64Array.from([0.1, 0.2, 0.3]), [3]);
    const bh = new Tensor(Float64Array.from([-0.5, 0.7, 1.1]), [3]);
    const h0 = new Tensor(Float64Array.of(0.4), [1, 1]);
    const r = gru(new Tensor(Float64Array.of(3), [1, 1, 1]), z(3), z(3), bi, bh, h0);
    const sg = (v: number): number => 1 / (1 + Math.exp(-v));
    const rr = sg(0.1 - 0.5);
    const zz = sg(0.2 + 0.7);
    const nn = Math.tanh(0.3 + rr * 1.1);
    expect(r.hLast.item()).toBeCloseTo((1 - zz) * nn + zz * 0.4, 15);
  });
});

describe('recurrent: bad inputs', () => {
  const rng = new Rng(20);
  const x = randomTensor([3, 2, 4], rng);
  it('rejects mismatched shapes with both shapes in the message', () => {
    expect(() =>
      rnnTanh(randomTensor([2, 4], rng), randomTensor([5, 4], rng), randomTensor([5, 5], rng)),
    ).toThrow(/input must be \[T, B, I\]/);
    expect(() => lstm(x, randomTensor([20, 3], rng), randomTensor([20, 5], rng))).toThrow(
      /weightIh must be \[20, 4\].*got \[20, 3\]/,
    );
    expect(() => gru(x, randomTensor([15, 4], rng), randomTensor([20, 5], rng))).toThrow(
      /weightHh must be \[3·H, H\]/,
    );
    expect(() =>
      gru(x, randomTensor([15, 4], rng), randomTensor([15, 5], rng), randomTensor([5], rng)),
    ).toThrow(/biasIh must have shape \[15\]/);
    expect(() =>
      rnnTanh(
        x,
        randomTensor([5, 4], rng),
        randomTensor([5, 5], rng),
        null,
        null,
        randomTensor([3, 5], rng),
      ),
    ).toThrow(/h0 must have shape \[2, 5\]/);
    expect(() =>
      lstm(
        x,
        randomTensor([20, 4], rng),
        randomTensor([20, 5], rng),
        null,
        null,
        null,
        randomTensor([2, 4], rng),
      ),
    ).toThrow(ShapeError);
    expect(() =>
      rnnTanh(randomTensor([0, 2, 4], rng), randomTensor([5, 4], rng), randomTensor([5, 5], rng)),
    ).toThrow(/T >= 1/);
  });
  it('rejects mixed dtypes', () => {
    expect(() =>
      rnnTanh(x, randomTensor([5, 4], rng, 'float32'), randomTensor([5, 5], rng)),
    ).toThrow(DtypeError);
  });
});

describe('rnnTanh float32 on the wasm sequence kernels', () => {
  // B·H·H ≥ the wasm GEMM threshold, so 'auto' and 'wasm' run the whole sequence in wasm
  // (kernels/recurrence.test.ts checks those bits against the step-by-step loops). Here the
  // op around them: every gradient against the float64 op, with and without h0, and the
  // parameter-arena accumulation.
  const f32 = (t: Tensor, grad: boolean): Tensor =>
    new Tensor(Float32Array.from(t.data), t.shape, grad);
  for (const withH0 of [false, true]) {
    it(`matches float64 in output and all gradients (${withH0 ? 'with' : 'without'} h0)`, () => {
      setKernels('wasm');
      try {
        const { rng, t } = setup(1, 6, 7, 5, 24, withH0 ? 31 : 32);
        const inputs = withH0 ? t.slice(0, 6) : t.slice(0, 5);
        const c = randomTensor([6, 7, 24], rng, 'float64');
        const run = (xs: Tensor[], cc: Tensor): Tensor => {
          const { output, hLast } = rnnTanh(xs[0]!, xs[1]!, xs[2]!, xs[3], xs[4], xs[5]);
          return add(sum(mul(output, cc)), sum(hLast));
        };
        run(inputs, c).backward();
        const lo = inputs.map((x) => f32(x, true));
        run(lo, f32(c, false)).backward();
        inputs.forEach((x, k) => {
          const got = lo[k]!.grad!.data;
          const want = x.grad!.data;
          const scale = Math.max(...Array.from(want, Math.abs));
          for (let i = 0; i < want.length; i++) {
            expect(
              Math.abs((got[i] as number) - (want[i] as number)),
              `input ${k}[${i}]`,
            ).toBeLessThan(2e-5 * scale + 1e-6);
          }
        });
      } finally {
        setKernels('auto');
      }
    });
  }

  it('float32 module gradients accumulate into the arena like fresh leaves', () => {
    const layer = new RNN(5, 24, { seed: 4 });
    const rng = new Rng(8);
    const x = randomTensor([6, 7, 5], rng, 'float32');
    const c = randomTensor([6, 7, 24], rng, 'float32');
    const params = layer.namedParameters();
    const names = Object.keys(params);
    layer.zeroGrad();
    sum(mul(layer.forward(x).output, c)).backward();
    const arena = names.map((n) => Float32Array.from((params[n] as Tensor).grad!.data));
    const copies = names.map((n) => f32(params[n] as Tensor, true));
    const [wIh, wHh, bIh, bHh] = copies as [Tensor, Tensor, Tensor, Tensor];
    sum(mul(rnnTanh(x, wIh, wHh, bIh, bHh).output, c)).backward();
    // Same kernels, same order: the arena and the fresh leaves agree bit for bit.
    copies.forEach((t, k) => expect(arena[k]).toEqual(t.grad!.data));
    sum(mul(layer.forward(x).output, c)).backward();
    names.forEach((n, k) =>
      expect((params[n] as Tensor).grad!.data).toEqual(arena[k]!.map((v) => 2 * v)),
    );
  });
});
