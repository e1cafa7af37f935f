import { describe, expect, it } from 'vitest';
import { byGlobalNorm } from '../clip/by-global-norm.js';
import { ADAM_WASM_MIN_SIZE } from '../kernels/backend.js';
import { gradientHealth } from '../monitor/gradient-health.js';
import { allocData, type DType } from '../tensor/dtype.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import type { ScalarOrSchedule } from '../schedule/types.js';
import { applyUpdates } from './apply-updates.js';
import { adam } from './adam.js';
import { adamw } from './adamw.js';
import { chain } from './chain.js';
import { serializeState } from './serialize.js';
import { sgd } from './sgd.js';
import type { GradientTransformation, Params } from './types.js';

// Issue 14's bit-identity matrix: every fused optimizer × constant and scheduled lr (including
// lr 0 and a schedule that starts at 0) × weight decay on/off × float32/float64 × sizes around
// the wasm threshold, bare and as the last link of a chain: the fused step (applyInPlace) and
// the unfused one (update on a copy of the gradients, then applyUpdates) give the same
// parameters and the same state, bit for bit, at every step. Chained: after byGlobalNorm (the
// clip's factor folded into the fused step), after the product's composition
// gradientHealth → byGlobalNorm (one shared statistics pass, the monitor's state compared too),
// and in an order the direct plan cannot run (the monitor after the clip: the copying path).

type Make = (lr: ScalarOrSchedule, wd: number) => GradientTransformation<unknown>;
const tx = <S>(t: GradientTransformation<S>): GradientTransformation<unknown> =>
  t as GradientTransformation<unknown>;

const OPTIMIZERS: [string, Make][] = [
  ['adam', (lr, wd) => tx(adam({ lr, weightDecay: wd }))],
  ['adam amsgrad', (lr, wd) => tx(adam({ lr, weightDecay: wd, amsgrad: true }))],
  ['adamw', (lr, wd) => tx(adamw({ lr, weightDecay: wd }))],
  [
    'adam maximize no-debias',
    (lr, wd) => tx(adam({ lr, weightDecay: wd, maximize: true, debias: false })),
  ],
  ['sgd', (lr, wd) => tx(sgd({ lr, weightDecay: wd }))],
  [
    'sgd momentum dampening',
    (lr, wd) => tx(sgd({ lr, weightDecay: wd, momentum: 0.9, dampening: 0.1 })),
  ],
  [
    'sgd nesterov maximize',
    (lr, wd) => tx(sgd({ lr, weightDecay: wd, momentum: 0.9, nesterov: true, maximize: true })),
  ],
];

const LRS: [string, ScalarOrSchedule][] = [
  ['lr 1e-2', 1e-2],
  ['lr 0', 0],
  ['schedule from 0', (t: number) => (t === 0 ? 0 : 1e-2 / t)],
];
const DECAYS = [0, 0.05];
const DTYPES: DType[] = ['float32', 'float64'];
const SIZES = [ADAM_WASM_MIN_SIZE - 1, ADAM_WASM_MIN_SIZE, ADAM_WASM_MIN_SIZE + 5];

function makeParams(dtype: DType, size: number): Params {
  const rng = new Rng(size);
  const out: Params = {};
  // One tensor at the size under test and one small one (always on the JS loops).
  for (const [name, n] of [
    ['w', size],
    ['b', 3],
  ] as const) {
    const d = allocData(dtype, n);
    for (let i = 0; i < n; i++) d[i] = rng.normal();
    out[name] = new Tensor(d, [n]);
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

function run(make: () => GradientTransformation<unknown>, dtype: DType, size: number): boolean {
  const fused = make();
  const plain = make();
  const fn = fused.applyInPlace;
  if (fn === undefined) throw new Error('no fused step');
  const pf = makeParams(dtype, size);
  const pp = makeParams(dtype, size);
  let sf = fused.init(pf);
  let sp = plain.init(pp);
  const rf = new Rng(11);
  const rp = new Rng(11);
  for (let step = 0; step < 3; step++) {
    // Large gradients at step 1 so that byGlobalNorm clips in the chained cases.
    setGrads(pf, rf, step === 1 ? 50 : 1);
    setGrads(pp, rp, step === 1 ? 50 : 1);
    sf = fn.call(fused, pf, sf);
    const updates: Params = {};
    for (const [k, p] of Object.entries(pp))
      updates[k] = new Tensor((p.grad as Tensor).data.slice(), p.shape);
    const r = plain.update(updates, sp, pp);
    sp = r[1];
    applyUpdates(pp, r[0]);
    for (const k of Object.keys(pf)) {
      const a = (pf[k] as Tensor).data;
      const b = (pp[k] as Tensor).data;
      for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
    }
    if (JSON.stringify(serializeState(sf)) !== JSON.stringify(serializeState(sp))) return false;
  }
  return true;
}

describe('fused = unfused, bit for bit (issue 14 matrix)', () => {
  for (const [name, make] of OPTIMIZERS) {
    for (const [lrName, lr] of LRS) {
      for (const wd of DECAYS) {
        it(`${name}, ${lrName}, weight decay ${wd}: float32/float64 × sizes ${SIZES.join('/')}, bare and chained`, () => {
          for (const dtype of DTYPES) {
            for (const size of SIZES) {
              expect(
                run(() => make(lr, wd), dtype, size),
                `${dtype} ${size} bare`,
              ).toBe(true);
              expect(
                run(() => tx(chain(byGlobalNorm(1), make(lr, wd))), dtype, size),
                `${dtype} ${size} chain`,
              ).toBe(true);
              expect(
                run(() => tx(chain(gradientHealth(), byGlobalNorm(1), make(lr, wd))), dtype, size),
                `${dtype} ${size} chain(monitor, clip, opt)`,
              ).toBe(true);
              expect(
                run(() => tx(chain(gradientHealth(), make(lr, wd))), dtype, size),
                `${dtype} ${size} chain(monitor, opt)`,
              ).toBe(true);
            }
          }
        });
      }
    }
  }
});

describe('chain(gradientHealth(), adam) without a clip: the direct fused path', () => {
  it("the last link steps from the parameters' own .grad (no copy, no scale), with the bits of the unfused chain", () => {
    for (const dtype of DTYPES) {
      for (const size of SIZES) {
        const calls: boolean[] = [];
        const spied = (): GradientTransformation<unknown> => {
          const inner = tx(adam({ lr: 1e-2 }));
          const apply = inner.applyInPlace;
          if (apply === undefined) throw new Error('adam has no fused step');
          return {
            ...inner,
            applyInPlace(params, state, ctx, grads, gradScale) {
              // direct plan: no gradient record (a copy would be passed here) and no clip factor
              calls.push(grads === undefined && gradScale === undefined);
              return apply.call(inner, params, state, ctx, grads, gradScale);
            },
          };
        };
        expect(
          run(() => tx(chain(gradientHealth(), spied())), dtype, size),
          `${dtype} ${size}`,
        ).toBe(true);
        expect(calls.length, `${dtype} ${size}`).toBe(3);
        expect(calls.every((c) => c)).toBe(true);
      }
    }
  });
});

describe('chain orders outside the direct plan take the copying path, same bits', () => {
  it('chain(byGlobalNorm, gradientHealth, adam) and a nested chain(gradientHealth, chain(byGlobalNorm, adamw))', () => {
    for (const dtype of DTYPES) {
      for (const size of SIZES) {
        expect(
          run(() => tx(chain(byGlobalNorm(1), gradientHealth(), adam({ lr: 1e-2 }))), dtype, size),
          `${dtype} ${size} clip before monitor`,
        ).toBe(true);
        expect(
          run(
            () =>
              tx(
                chain(
                  gradientHealth(),
                  chain(byGlobalNorm(1), adamw({ lr: 1e-2, weightDecay: 0.05 })),
                ),
              ),
            dtype,
            size,
          ),
          `${dtype} ${size} nested`,
        ).toBe(true);
      }
    }
  });
});
