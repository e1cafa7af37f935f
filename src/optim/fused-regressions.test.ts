import { describe, expect, it } from 'vitest';
import { allocData, type DType } from '../tensor/dtype.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { byGlobalNorm } from '../clip/by-global-norm.js';
import { applyUpdates } from './apply-updates.js';
import { adam } from './adam.js';
import { adamw } from './adamw.js';
import { chain } from './chain.js';
import type { FusedAdamState } from './fused-adam.js';
import { Optimizer } from './optimizer.js';
import { scaleByAdam } from './scale-by-adam.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { sgd } from './sgd.js';
import type { GradientTransformation, Params } from './types.js';

// Regression tests for issue 14 (defects 1 and 3); each failed on bb16516.

function params(dtype: DType, n: number, seed: number): Params {
  const rng = new Rng(seed);
  const d = allocData(dtype, n);
  for (let i = 0; i < n; i++) d[i] = rng.normal();
  const t = new Tensor(d, [n]);
  t.requiresGrad = true;
  return { w: t };
}

function setGrad(p: Params, rng: Rng): void {
  const w = p['w'] as Tensor;
  const g = allocData(w.dtype, w.size);
  for (let i = 0; i < g.length; i++) g[i] = rng.normal();
  w.grad = new Tensor(g, w.shape);
}

/** One unfused step: update on a copy of the gradients, then applyUpdates. */
function unfusedStep<S>(tx: GradientTransformation<S>, p: Params, s: S): S {
  const w = p['w'] as Tensor;
  const r = tx.update({ w: new Tensor((w.grad as Tensor).data.slice(), w.shape) }, s, p);
  applyUpdates(p, r[0]);
  return r[1];
}

function countDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

describe('issue 14 defect 1: fused and unfused Adam agree', () => {
  it('adamw with a schedule that starts at lr 0 (8,192 float32 params): same moments and parameters', () => {
    // bb16516: update() chose the plain loop at t = 0 (decay = lr·λ = 0) while applyInPlace chose
    // the decay loop (λ ≠ 0): 1,636 elements of m and 4,620 of v differed after step 1.
    const make = (): GradientTransformation<FusedAdamState> =>
      adamw({ lr: (t) => (t === 0 ? 0 : 1e-3), weightDecay: 0.01 });
    const fused = make();
    const plain = make();
    const pf = params('float32', 8192, 1);
    const pp = params('float32', 8192, 1);
    let sf = fused.init(pf);
    let sp = plain.init(pp);
    const rf = new Rng(5);
    const rp = new Rng(5);
    for (let step = 0; step < 3; step++) {
      setGrad(pf, rf);
      setGrad(pp, rp);
      sf = (fused.applyInPlace as NonNullable<typeof fused.applyInPlace>)(pf, sf);
      sp = unfusedStep(plain, pp, sp);
      expect(countDiff(sf.mu['w'] as Float32Array, sp.mu['w'] as Float32Array)).toBe(0);
      expect(countDiff(sf.nu['w'] as Float32Array, sp.nu['w'] as Float32Array)).toBe(0);
      expect(countDiff((pf['w'] as Tensor).data, (pp['w'] as Tensor).data)).toBe(0);
    }
  });

  it('adam() is bit for bit chain(scaleByAdam(), scaleByLearningRate()) in float64 (1,000 elements, 10 steps)', () => {
    // bb16516: adam folded the bias corrections into one division, the chain did not: 90 of
    // 1,000 elements differed by 1 ulp after 10 steps.
    const a = adam({ lr: 1e-3 });
    const c = chain(scaleByAdam(), scaleByLearningRate(1e-3));
    const pa = params('float64', 1000, 2);
    const pc = params('float64', 1000, 2);
    let sa = a.init(pa);
    let sc = c.init(pc);
    const ra = new Rng(3);
    const rc = new Rng(3);
    for (let step = 0; step < 10; step++) {
      setGrad(pa, ra);
      setGrad(pc, rc);
      sa = unfusedStep(a, pa, sa);
      sc = unfusedStep(c, pc, sc);
    }
    expect(countDiff((pa['w'] as Tensor).data, (pc['w'] as Tensor).data)).toBe(0);
    expect(
      countDiff((pa['w'] as Tensor).data, (params('float64', 1000, 2)['w'] as Tensor).data),
    ).toBe(1000);
  });
});

describe('issue 14 defect 3: the fused step of a chain and of sgd', () => {
  it('chain(clip, adam) exposes a fused step because its last link has one, bit-identical to the unfused chain', () => {
    const make = (): GradientTransformation<unknown> =>
      chain(byGlobalNorm(1), adam({ lr: 1e-2 })) as GradientTransformation<unknown>;
    const fused = make();
    expect(fused.applyInPlace).toBeTypeOf('function');
    for (const dtype of ['float32', 'float64'] as const) {
      const pf = params(dtype, 5000, 4);
      const pp = params(dtype, 5000, 4);
      const plain = make();
      let sf = fused.init(pf);
      let sp = plain.init(pp);
      const rf = new Rng(8);
      const rp = new Rng(8);
      for (let step = 0; step < 4; step++) {
        setGrad(pf, rf);
        setGrad(pp, rp);
        const g = Array.from(((pf['w'] as Tensor).grad as Tensor).data);
        sf = (fused.applyInPlace as NonNullable<typeof fused.applyInPlace>)(pf, sf);
        // The fused chain clipped a private copy: .grad still holds the gradients.
        expect(Array.from(((pf['w'] as Tensor).grad as Tensor).data)).toEqual(g);
        sp = unfusedStep(plain, pp, sp);
        expect(countDiff((pf['w'] as Tensor).data, (pp['w'] as Tensor).data)).toBe(0);
      }
    }
  });

  it('the Optimizer runs the fused step of chain(clip, adam)', () => {
    const inner = adam({ lr: 1e-2 }) as GradientTransformation<unknown>;
    let fusedCalls = 0;
    const spy: GradientTransformation<unknown> = {
      ...inner,
      applyInPlace: (p, s, c, g) => {
        fusedCalls++;
        return (inner.applyInPlace as NonNullable<typeof inner.applyInPlace>)(p, s, c, g);
      },
    };
    const p = params('float32', 100, 6);
    const opt = new Optimizer(p, chain(byGlobalNorm(1), spy));
    setGrad(p, new Rng(1));
    opt.step();
    expect(fusedCalls).toBe(1);
  });

  it("sgd's fused step finds its links' states by identity and refuses a state of another layout", () => {
    // bb16516 read the trace and lr states at fixed positions of the chain state: a state in
    // another order was read as the wrong link's (a TypeError deep in the loop at best).
    const tx = sgd({ lr: 0.1, momentum: 0.9 }) as GradientTransformation<unknown[]>;
    const p = params('float64', 10, 7);
    const s = tx.init(p);
    setGrad(p, new Rng(2));
    const swapped = [s[1], s[0]];
    expect(() => (tx.applyInPlace as NonNullable<typeof tx.applyInPlace>)(p, swapped)).toThrow(
      /sgd: .*state/,
    );
  });
});
