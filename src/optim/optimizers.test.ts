import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { allocData } from '../tensor/dtype.js';
import {
  Optimizer,
  adadelta,
  adagrad,
  adam,
  adamax,
  adamw,
  addDecayedWeights,
  chain,
  emaMomentum,
  lamb,
  lion,
  nadam,
  radam,
  rmsprop,
  scale,
  scaleByAdam,
  scaleByLearningRate,
  sgd,
  type GradientTransformation,
  type Params,
} from './index.js';

/**
 * One table drives the property tests of every optimizer: `make` builds it from options (the
 * entry's own plus the test's), `opts` are settings under which it converges on the quadratic
 * below within `steps` steps.
 */
interface Entry {
  name: string;
  make: (o: Record<string, unknown>) => GradientTransformation<unknown>;
  opts: Record<string, unknown>;
  steps: number;
}

const TABLE: Entry[] = [
  { name: 'sgd', make: (o) => sgd(o as never), opts: { lr: 0.1 }, steps: 200 },
  {
    name: 'sgd momentum',
    make: (o) => sgd(o as never),
    opts: { lr: 0.05, momentum: 0.9, dampening: 0.1 },
    steps: 300,
  },
  {
    name: 'sgd nesterov',
    make: (o) => sgd(o as never),
    opts: { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 },
    steps: 300,
  },
  {
    name: 'emaMomentum',
    make: (o) => emaMomentum(o as never),
    opts: { lr: 0.1, beta: 0.9 },
    steps: 300,
  },
  {
    name: 'adagrad',
    make: (o) => adagrad(o as never),
    opts: { lr: 0.5, lrDecay: 1e-3, initialAccumulatorValue: 0.1 },
    steps: 300,
  },
  { name: 'rmsprop', make: (o) => rmsprop(o as never), opts: { lr: 0.01 }, steps: 300 },
  {
    name: 'rmsprop centered momentum',
    make: (o) => rmsprop(o as never),
    opts: { lr: 0.003, centered: true, momentum: 0.9, alpha: 0.9 },
    steps: 300,
  },
  {
    name: 'adadelta',
    make: (o) => adadelta(o as never),
    opts: { lr: 1.0, rho: 0.9, eps: 1e-2 },
    steps: 300,
  },
  { name: 'adam', make: (o) => adam(o as never), opts: { lr: 0.05 }, steps: 300 },
  {
    name: 'adam amsgrad',
    make: (o) => adam(o as never),
    opts: { lr: 0.05, amsgrad: true, weightDecay: 1e-3 },
    steps: 300,
  },
  {
    name: 'adamw',
    make: (o) => adamw(o as never),
    opts: { lr: 0.05, weightDecay: 1e-2 },
    steps: 300,
  },
  { name: 'adamax', make: (o) => adamax(o as never), opts: { lr: 0.05 }, steps: 300 },
  { name: 'nadam', make: (o) => nadam(o as never), opts: { lr: 0.05 }, steps: 300 },
  { name: 'radam', make: (o) => radam(o as never), opts: { lr: 0.05 }, steps: 300 },
  {
    name: 'lion',
    make: (o) => lion(o as never),
    opts: { lr: 0.005, weightDecay: 1e-3 },
    steps: 1000,
  },
  {
    name: 'lamb',
    make: (o) => lamb(o as never),
    opts: { lr: 0.02, weightDecay: 1e-3 },
    steps: 300,
  },
];

const SHAPES = [[4, 3], [3], [2, 2]];

/** f(x) = ½ Σ λᵢ xᵢ², λ in [0.5, 2] (condition number ≤ 4), minimum 0 at x = 0; ∇f = λ ⊙ x. */
function quadratic(dtype: DType, seed: number) {
  const rng = new Rng(seed);
  const params: Params = {};
  const lambdas: Float64Array[] = [];
  SHAPES.forEach((s, i) => {
    const n = s.reduce((a, b) => a * b, 1);
    const data = allocData(dtype, n);
    rng.fillNormal(data);
    params[`t${i}`] = new Tensor(data, s, true);
    lambdas.push(Float64Array.from({ length: n }, () => rng.uniform(0.5, 2)));
  });
  const loss = (): number => {
    let f = 0;
    SHAPES.forEach((_, i) => {
      const x = (params[`t${i}`] as Tensor).data;
      const l = lambdas[i] as Float64Array;
      for (let j = 0; j < x.length; j++) f += 0.5 * (l[j] as number) * (x[j] as number) ** 2;
    });
    return f;
  };
  const setGrads = (sign = 1): void => {
    SHAPES.forEach((s, i) => {
      const p = params[`t${i}`] as Tensor;
      const g = allocData(dtype, p.size);
      const l = lambdas[i] as Float64Array;
      for (let j = 0; j < g.length; j++) g[j] = sign * (l[j] as number) * (p.data[j] as number);
      p.grad = new Tensor(g, s);
    });
  };
  return { params, loss, setGrads };
}

function snapshot(params: Params): number[] {
  return Object.values(params).flatMap((p) => [...p.data]);
}

function bitsEqual(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

describe.each(TABLE)('$name', (entry) => {
  it('converges on a quadratic (loss / 100 within its steps)', () => {
    const q = quadratic('float64', 1);
    const opt = new Optimizer(q.params, entry.make(entry.opts));
    const f0 = q.loss();
    for (let t = 0; t < entry.steps; t++) {
      q.setGrads();
      opt.step();
    }
    expect(q.loss()).toBeLessThan(f0 / 100);
  });

  it('continues bit-exactly after a save/load (JSON round trip) mid-run', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const a = quadratic(dtype, 2);
      const optA = new Optimizer(a.params, entry.make(entry.opts));
      for (let t = 0; t < 10; t++) {
        a.setGrads();
        optA.step();
      }
      const text = JSON.stringify(optA.stateDict());
      const b = quadratic(dtype, 2);
      for (const [k, p] of Object.entries(b.params)) p.data.set((a.params[k] as Tensor).data);
      const optB = new Optimizer(b.params, entry.make(entry.opts));
      optB.loadStateDict(JSON.parse(text));
      expect(optB.stepCount).toBe(10);
      for (let t = 0; t < 10; t++) {
        a.setGrads();
        optA.step();
        b.setGrads();
        optB.step();
      }
      expect(bitsEqual(snapshot(a.params), snapshot(b.params))).toBe(true);
      // And the continued run is not trivially frozen.
      expect(snapshot(a.params)).not.toEqual(snapshot(quadratic(dtype, 2).params));
    }
  });

  it('zero gradients give no NaN and (without weight decay) no movement', () => {
    const opts = { ...entry.opts, weightDecay: 0 };
    const q = quadratic('float32', 3);
    const before = snapshot(q.params);
    const opt = new Optimizer(q.params, entry.make(opts));
    for (let t = 0; t < 5; t++) {
      for (const p of Object.values(q.params))
        p.grad = new Tensor(allocData(p.dtype, p.size), p.shape);
      opt.step();
    }
    const after = snapshot(q.params);
    expect(after.every(Number.isFinite)).toBe(true);
    expect(after).toEqual(before);
    const json = JSON.stringify(opt.stateDict());
    expect(json).not.toContain('NaN');
    expect(json).not.toContain('Infinity');
  });

  it('maximize: ascending f is descending −f (bit for bit), and the first step is reversed', () => {
    const a = quadratic('float64', 4);
    const b = quadratic('float64', 4);
    const optMax = new Optimizer(a.params, entry.make({ ...entry.opts, maximize: true }));
    const optMin = new Optimizer(b.params, entry.make(entry.opts));
    for (let t = 0; t < 8; t++) {
      a.setGrads(1);
      optMax.step();
      b.setGrads(-1);
      optMin.step();
    }
    expect(bitsEqual(snapshot(a.params), snapshot(b.params))).toBe(true);

    const noWd = { ...entry.opts, weightDecay: 0 };
    const c = quadratic('float64', 5);
    const d = quadratic('float64', 5);
    const x0 = snapshot(c.params);
    const f0 = c.loss();
    c.setGrads();
    new Optimizer(c.params, entry.make({ ...noWd, maximize: true })).step();
    d.setGrads();
    new Optimizer(d.params, entry.make(noWd)).step();
    const up = snapshot(c.params).map((x, i) => x - (x0[i] as number));
    const down = snapshot(d.params).map((x, i) => x - (x0[i] as number));
    up.forEach((u, i) => expect(u).toBeCloseTo(-(down[i] as number), 14));
    expect(c.loss()).toBeGreaterThan(f0);
    expect(d.loss()).toBeLessThan(f0);
  });

  it('rejects invalid hyper-parameters at construction, naming option, value and range', () => {
    expect(() => entry.make({ ...entry.opts, lr: -1 })).toThrow(ConfigError);
    expect(() => entry.make({ ...entry.opts, lr: -1 })).toThrow(/lr = -1 .*0 <= lr/);
    expect(() => entry.make({ ...entry.opts, weightDecay: -0.1 })).toThrow(/weightDecay = -0\.1/);
    expect(() => entry.make({ ...entry.opts, bogus: 1 })).toThrow(/unknown option "bogus"/);
    expect(() => entry.make({ ...entry.opts, lr: NaN })).toThrow(ConfigError);
    expect(() => entry.make({ ...entry.opts, lr: (t: number) => 0.1 / (1 + t) })).not.toThrow();
  });
});

describe('hyper-parameter ranges', () => {
  it('betas in [0, 1), eps >= 0, momentum >= 0, nesterov rule', () => {
    expect(() => adam({ b1: 1 })).toThrow(
      /adam: option b1 = 1 is out of range; expected 0 <= b1 < 1/,
    );
    expect(() => adam({ b2: -0.1 })).toThrow(/b2 = -0\.1/);
    expect(() => adamw({ eps: -1e-8 })).toThrow(/eps = -1e-8 .*0 <= eps/);
    expect(() => nadam({ b1: 1.5 })).toThrow(/nadam: option b1/);
    expect(() => radam({ b2: 1 })).toThrow(/radam: option b2/);
    expect(() => adamax({ b1: -1 })).toThrow(/adamax: option b1/);
    expect(() => lion({ b2: 1 })).toThrow(/lion: option b2/);
    expect(() => lamb({ eps: -1 })).toThrow(/lamb: option eps/);
    expect(() => nadam({ momentumDecay: -1 })).toThrow(/momentumDecay/);
    expect(() => sgd({ lr: 0.1, momentum: -0.5 })).toThrow(/momentum = -0\.5/);
    expect(() => sgd({ lr: 0.1, nesterov: true })).toThrow(
      /nesterov = true requires momentum > 0 and dampening = 0/,
    );
    expect(() => sgd({ lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true })).toThrow(
      /dampening = 0\.1/,
    );
    expect(() => sgd({} as never)).toThrow(/sgd: option lr is required/);
    expect(() => emaMomentum({ lr: 0.1, beta: 1 })).toThrow(/beta = 1/);
    expect(() => rmsprop({ alpha: 1.5 })).toThrow(/alpha = 1\.5/);
    expect(() => adadelta({ rho: 2 })).toThrow(/rho = 2/);
    expect(() => adagrad({ initialAccumulatorValue: -1 })).toThrow(/initialAccumulatorValue = -1/);
    expect(() => adagrad({ lrDecay: -1 })).toThrow(/lrDecay = -1/);
    expect(() => adam({ amsgrad: 'yes' as never })).toThrow(/amsgrad = "yes" is not a boolean/);
  });
});

describe('named optimizers are their chains of blocks', () => {
  it('adam / adamw (fused loop) equal the block chains to 1e-14 over 50 steps', () => {
    const cases: [GradientTransformation<unknown>, GradientTransformation<unknown>][] = [
      [
        adam({ lr: 0.01, weightDecay: 0.1, amsgrad: true }),
        chain(addDecayedWeights(0.1), scaleByAdam({ amsgrad: true }), scaleByLearningRate(0.01)),
      ],
      [
        adamw({ lr: 0.01, weightDecay: 0.1 }),
        chain(scaleByAdam(), addDecayedWeights(0.1), scaleByLearningRate(0.01)),
      ],
      [
        adam({ lr: 0.01, maximize: true }),
        chain(scale(-1), scaleByAdam(), scaleByLearningRate(0.01)),
      ],
    ];
    for (const [fused, blocks] of cases) {
      const a = quadratic('float64', 6);
      const b = quadratic('float64', 6);
      const oa = new Optimizer(a.params, fused);
      const ob = new Optimizer(b.params, blocks);
      for (let t = 0; t < 50; t++) {
        a.setGrads();
        oa.step();
        b.setGrads();
        ob.step();
      }
      const xa = snapshot(a.params);
      const xb = snapshot(b.params);
      xa.forEach((x, i) => expect(Math.abs(x - (xb[i] as number))).toBeLessThan(1e-14));
    }
  });

  it('AdamW: PyTorch decays by lr·λ; the paper convention decays by the schedule multiplier η only', () => {
    // One step from p = 1 with g = 0: Adam's direction is 0, so only the decay moves p.
    const p = (): Params => ({ w: new Tensor(new Float64Array([1]), [1]) });
    const zero = (): Params => ({ w: new Tensor(new Float64Array([0]), [1]) });
    const torchStyle = adamw({ lr: 0.1, weightDecay: 0.5 });
    const params = p();
    const [u1] = torchStyle.update(zero(), torchStyle.init(params), params);
    expect(u1.w?.data[0]).toBeCloseTo(-0.1 * 0.5, 15); // −α·λ·p
    const eta = 0.3;
    const paper = chain(
      scaleByAdam(),
      scale(0.1),
      addDecayedWeights(0.5),
      scaleByLearningRate(eta),
    );
    const [u2] = paper.update(zero(), paper.init(params), params);
    expect(u2.w?.data[0]).toBeCloseTo(-eta * 0.5, 15); // −η·λ·p, independent of α
  });
});
