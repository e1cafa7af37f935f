import { describe, expect, it } from 'vitest';
import type { DType } from '../tensor/dtype.js';
import { allocData } from '../tensor/dtype.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { applyUpdates } from './apply-updates.js';
import { adam } from './adam.js';
import { adamw } from './adamw.js';
import { chain } from './chain.js';
import { Optimizer } from './optimizer.js';
import { sgd } from './sgd.js';
import type { GradientTransformation, Params } from './types.js';

// The fused path (applyInPlace: read .grad, update p in one pass) must reproduce the unfused
// path (update() on a copy of the gradients, then applyUpdates) bit for bit, parameters and
// state, in both dtypes: a checkpoint must not depend on which one ran.

const SHAPES: Record<string, number[]> = { w: [5, 7], b: [7], v: [3] };

function makeParams(dtype: DType, seed: number): Params {
  const rng = new Rng(seed);
  const out: Params = {};
  for (const [name, shape] of Object.entries(SHAPES)) {
    const n = shape.reduce((a, c) => a * c, 1);
    const d = allocData(dtype, n);
    for (let i = 0; i < n; i++) d[i] = rng.normal();
    const t = new Tensor(d, shape);
    t.requiresGrad = true;
    out[name] = t;
  }
  return out;
}

function setGrads(params: Params, rng: Rng, scale: number): void {
  for (const p of Object.values(params)) {
    const g = allocData(p.dtype, p.size);
    for (let i = 0; i < g.length; i++) g[i] = scale * rng.normal();
    p.grad = new Tensor(g, p.shape);
  }
}

function bits(params: Params): number[][] {
  return Object.values(params).map((p) => Array.from(p.data));
}

const CASES: [string, () => GradientTransformation<unknown>][] = [
  ['sgd', () => sgd({ lr: 0.1 }) as GradientTransformation<unknown>],
  ['sgd momentum', () => sgd({ lr: 0.05, momentum: 0.9 }) as GradientTransformation<unknown>],
  [
    'sgd nesterov + L2',
    () =>
      sgd({
        lr: 0.05,
        momentum: 0.9,
        nesterov: true,
        weightDecay: 1e-2,
      }) as GradientTransformation<unknown>,
  ],
  [
    'sgd dampening + maximize + schedule',
    () =>
      sgd({
        lr: (t: number) => 0.1 / (1 + t),
        momentum: 0.8,
        dampening: 0.3,
        maximize: true,
      }) as GradientTransformation<unknown>,
  ],
  ['adam', () => adam({ lr: 1e-2 }) as GradientTransformation<unknown>],
  [
    'adam L2 + amsgrad',
    () => adam({ lr: 1e-2, weightDecay: 0.1, amsgrad: true }) as GradientTransformation<unknown>,
  ],
  ['adamw', () => adamw({ lr: 1e-2, weightDecay: 0.05 }) as GradientTransformation<unknown>],
  [
    'adam maximize, no debias',
    () => adam({ lr: 3e-3, maximize: true, debias: false }) as GradientTransformation<unknown>,
  ],
];

describe('fused optimizer step (applyInPlace) equals update + applyUpdates', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const [name, make] of CASES) {
      it(`${name} (${dtype}), 6 steps`, () => {
        const fusedTx = make();
        expect(fusedTx.applyInPlace).toBeTypeOf('function');
        const plainTx = make();
        const pf = makeParams(dtype, 1);
        const pp = makeParams(dtype, 1);
        let sf = fusedTx.init(pf);
        let sp = plainTx.init(pp);
        const rf = new Rng(7);
        const rp = new Rng(7);
        for (let step = 0; step < 6; step++) {
          setGrads(pf, rf, 1 + step);
          setGrads(pp, rp, 1 + step);
          sf = (fusedTx.applyInPlace as NonNullable<typeof fusedTx.applyInPlace>)(pf, sf);
          const updates: Params = {};
          for (const [k, p] of Object.entries(pp)) {
            updates[k] = new Tensor((p.grad as Tensor).data.slice(), p.shape);
          }
          const r = plainTx.update(updates, sp, pp);
          sp = r[1];
          applyUpdates(pp, r[0]);
          expect(bits(pf)).toEqual(bits(pp));
        }
        expect(
          JSON.stringify(sf, (_k, v: unknown) =>
            ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v,
          ),
        ).toEqual(
          JSON.stringify(sp, (_k, v: unknown) =>
            ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v,
          ),
        );
        // The fused step moved the parameters (a test that cannot pass vacuously).
        expect(bits(pf)).not.toEqual(bits(makeParams(dtype, 1)));
      });
    }
  }

  it('Optimizer uses the fused path only when every parameter has a gradient', () => {
    const params = makeParams('float32', 3);
    const tx = adam({ lr: 0.1 }) as GradientTransformation<unknown>;
    let fusedCalls = 0;
    const spy: GradientTransformation<unknown> = {
      ...tx,
      applyInPlace: (p, s, c) => {
        fusedCalls++;
        return (tx.applyInPlace as NonNullable<typeof tx.applyInPlace>)(p, s, c);
      },
    };
    const opt = new Optimizer(params, spy);
    setGrads(params, new Rng(1), 1);
    opt.step();
    expect(fusedCalls).toBe(1);
    (params['b'] as Tensor).grad = null;
    const before = Array.from((params['b'] as Tensor).data);
    opt.step();
    expect(fusedCalls).toBe(1);
    // Without a gradient, b is still moved by its Adam momentum (the unfused path's semantics).
    expect(Array.from((params['b'] as Tensor).data)).not.toEqual(before);
    expect(opt.stepCount).toBe(2);
  });

  it('a chain has no fused path (its links may read the updates in between)', () => {
    const tx = chain(adam({ lr: 0.1 }));
    expect(tx.applyInPlace).toBeUndefined();
  });
});
