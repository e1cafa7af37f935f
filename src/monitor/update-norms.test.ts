import { afterEach, describe, expect, it } from 'vitest';
import { byGlobalNorm } from '../clip/index.js';
import { availableBackends } from '../kernels/select.js';
import { setKernels } from '../kernels/backend.js';
import { adam, adamw, chain, Optimizer, sgd } from '../optim/index.js';
import type { GradientTransformation, Params, StepContext } from '../optim/types.js';
import type { DType } from '../tensor/dtype.js';
import { allocData } from '../tensor/dtype.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { gradientHealth, type GradientHealth } from './gradient-health.js';
import type { HealthState } from './state.js';

// The monitor's update ratio ‖Δp‖/‖p_before‖ comes from adam's fused step when a chain offers it
// (StepContext.updateNorms: no copy of the parameters), else from the monitor's snapshot of the
// parameters. Both must give the same bits in every record, and the same parameters: here the
// same training run twice, once fused (the offer) and once through chain.update (no fused step,
// hence the snapshot), compared check by check. The big tensor (≥ ADAM_WASM_MIN_SIZE elements)
// runs the measuring wasm/native kernel, the small ones the copy-and-updateStats fallback.

const SHAPES: Record<string, number[]> = {
  '0.weight': [96, 64],
  '0.bias': [96],
  '1.weight': [10, 96],
  '1.bias': [10],
};

function makeParams(dtype: DType): Params {
  const rng = new Rng(7);
  const out: Params = {};
  for (const [name, shape] of Object.entries(SHAPES)) {
    const n = shape.reduce((a, c) => a * c, 1);
    out[name] = new Tensor(rng.fillNormal(allocData(dtype, n), 0, 0.1), shape, true);
  }
  return out;
}

function setGrads(params: Params, rng: Rng, step: number): void {
  for (const p of Object.values(params)) {
    const g = allocData(p.dtype, p.size);
    // a spike at step 7 so that the clip scales (the factor folded into the fused step)
    rng.fillNormal(g, 0, step === 7 ? 5 : 0.05);
    p.grad = new Tensor(g, p.shape);
  }
}

/** The numbers a check records, per check. */
function observe(s: HealthState): number[] {
  const st = s.stats;
  return [
    ...st.updateRatio,
    ...st.layerUpdateRatio,
    ...st.paramNorm,
    ...st.layerParamNorm,
    ...st.gradNorm,
    st.totalUpdateRatio,
    st.totalUpdateNorm,
    st.totalBeforeNorm,
    st.totalParamNorm,
    st.updateGradNorm,
    st.updateFresh ? 1 : 0,
  ];
}

/** Hides the fused step: the Optimizer then runs chain.update on a copy of the gradients. */
function unfused<S>(tx: GradientTransformation<S>): GradientTransformation<S> {
  return { init: (p) => tx.init(p), update: (u, s, p, c) => tx.update(u, s, p, c) };
}

function run(
  dtype: DType,
  fused: boolean,
  opt: () => GradientTransformation<unknown>,
  paramEvery: number,
  every = 1,
): { checks: number[][]; params: number[][]; health: GradientHealth } {
  const params = makeParams(dtype);
  const health = gradientHealth({ paramEvery, every });
  const tx = chain(health, byGlobalNorm(1), opt()) as GradientTransformation<unknown>;
  const o = new Optimizer(params, fused ? tx : unfused(tx));
  const rng = new Rng(11);
  const checks: number[][] = [];
  for (let step = 0; step < 24; step++) {
    setGrads(params, rng, step);
    o.step({ loss: 1 } as StepContext);
    checks.push(observe(health.state as HealthState));
  }
  return { checks, params: Object.values(params).map((p) => Array.from(p.data)), health };
}

afterEach(() => setKernels('auto'));

describe('the update ratio measured by the optimizer (StepContext.updateNorms)', () => {
  const opts: [string, () => GradientTransformation<unknown>][] = [
    ['adam', () => adam({ lr: 1e-2 }) as GradientTransformation<unknown>],
    ['adamw', () => adamw({ lr: 1e-2, weightDecay: 0.1 }) as GradientTransformation<unknown>],
    ['amsgrad', () => adam({ lr: 1e-2, amsgrad: true }) as GradientTransformation<unknown>],
  ];
  // every combination under 'auto'; each backend on the float32 kernel path
  for (const impl of ['auto', ...availableBackends().map((k) => k.impl)] as const) {
    const all = impl === 'auto';
    for (const dtype of all ? (['float32', 'float64'] as const) : (['float32'] as const)) {
      for (const [name, opt] of all ? opts : opts.slice(0, 1)) {
        for (const [paramEvery, every] of all
          ? ([
              [3, 1],
              [1, 1],
              [2, 2],
            ] as const)
          : ([[3, 1]] as const)) {
          it(`${impl}, ${dtype}, ${name}, paramEvery ${paramEvery}, every ${every}: the same bits as from the snapshot`, () => {
            setKernels(impl);
            const a = run(dtype, true, opt, paramEvery, every);
            const b = run(dtype, false, opt, paramEvery, every);
            expect(a.params).toEqual(b.params);
            expect(a.checks).toEqual(b.checks);
            // the update ratio was measured (not left unknown) at the checks that read parameters
            expect(a.checks.filter((c) => c[c.length - 1] === 1).length).toBeGreaterThan(3);
            // and the fused run took it from the optimizer (no snapshot: 1 = measured)
            const st = (a.health.state as HealthState).stats;
            expect(st.updateSums[st.updateSums.length - 1]).not.toBe(-1);
          });
        }
      }
    }
  }

  it('without an offer (sgd has no measuring fused step) the monitor keeps its snapshot', () => {
    const params = makeParams('float32');
    const health = gradientHealth({ paramEvery: 2 });
    const o = new Optimizer(params, chain(health, sgd({ lr: 0.1 })));
    const rng = new Rng(3);
    for (let step = 0; step < 6; step++) {
      setGrads(params, rng, step);
      o.step();
    }
    const st = (health.state as HealthState).stats;
    expect(st.updateSums[st.updateSums.length - 1]).toBe(-1);
    expect(Number.isFinite(st.totalUpdateRatio)).toBe(true);
  });

  it('adam outside a chain ignores an absent request; a wrong-sized one is a clear error', () => {
    const params = makeParams('float32');
    const tx = adam({ lr: 1e-3 });
    const state = tx.init(params);
    setGrads(params, new Rng(1), 0);
    expect(() =>
      tx.applyInPlace!(params, state, { updateNorms: { out: new Float64Array(2) } }),
    ).toThrow(/updateNorms\.out has 2 entries, expected 13/);
  });
});
