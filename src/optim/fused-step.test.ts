import { describe, expect, it } from 'vitest';
import type { DType } from '../tensor/dtype.js';
import { allocData } from '../tensor/dtype.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { ADAM_WASM_MIN_SIZE } from '../kernels/backend.js';
import { getKernels, setKernels, wasmKernelsAvailable } from '../kernels/index.js';
import { applyUpdates } from './apply-updates.js';
import { adam } from './adam.js';
import { adamw } from './adamw.js';
import { chain } from './chain.js';
import { scale } from './scale.js';
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

  it('a chain has a fused path exactly when its last link has one (issue 14: was never)', () => {
    expect(chain(adam({ lr: 0.1 })).applyInPlace).toBeTypeOf('function');
    expect(chain(sgd({ lr: 0.1 }), scale(0.5)).applyInPlace).toBeUndefined();
  });
});

describe('Adam on the wasm SIMD kernel (float32 tensors of ≥ ADAM_WASM_MIN_SIZE elements)', () => {
  const shape = [64, 80]; // 5120 elements: over the threshold, and not a multiple of 8 rows of 4
  const make = (seed: number): Params => {
    const rng = new Rng(seed);
    const d = new Float32Array(64 * 80 + 3); // +3: the kernel's scalar tail runs too
    for (let i = 0; i < d.length; i++) d[i] = rng.normal();
    const t = new Tensor(d, [d.length]);
    t.requiresGrad = true;
    return { w: t };
  };
  const run = (fused: boolean, kernels: 'auto' | 'js'): number[] => {
    const prev = getKernels();
    setKernels(kernels);
    try {
      const params = make(2);
      const tx = adam({ lr: 1e-2 }) as GradientTransformation<unknown>;
      let state = tx.init(params);
      const rng = new Rng(9);
      for (let step = 0; step < 5; step++) {
        setGrads(params, rng, 1 + step);
        if (fused) state = (tx.applyInPlace as NonNullable<typeof tx.applyInPlace>)(params, state);
        else {
          const p = params['w'] as Tensor;
          const r = tx.update(
            { w: new Tensor((p.grad as Tensor).data.slice(), p.shape) },
            state,
            params,
          );
          state = r[1];
          applyUpdates(params, r[0]);
        }
      }
      return Array.from((params['w'] as Tensor).data);
    } finally {
      setKernels(prev);
    }
  };

  it('fused and unfused paths agree bit for bit on the kernel', () => {
    expect(wasmKernelsAvailable()).toBe(true);
    expect(shape[0]! * shape[1]! + 3).toBeGreaterThanOrEqual(ADAM_WASM_MIN_SIZE);
    expect(run(true, 'auto')).toEqual(run(false, 'auto'));
  });

  it('agrees with the float64-arithmetic JS loop to float32 rounding (5 steps)', () => {
    // The kernel does every operation in float32; the JS loop in double precision with float32
    // storage. Each Adam step moves a parameter by ≈ lr = 1e-2, so after 5 steps the two may
    // differ by a few float32 ulps of the parameter plus a few ulps of each step.
    const wasm = run(true, 'auto');
    const js = run(true, 'js');
    let worst = 0;
    for (let i = 0; i < js.length; i++) {
      worst = Math.max(worst, Math.abs((wasm[i] as number) - (js[i] as number)));
    }
    expect(worst).toBeLessThan(2e-6);
    const init = Array.from((make(2)['w'] as Tensor).data);
    expect(wasm).not.toEqual(init);
  });
});
