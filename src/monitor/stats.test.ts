import { describe, expect, it } from 'vitest';
import type { Params } from '../optim/types.js';
import { Tensor } from '../tensor/tensor.js';
import { createStats, measureGradients, quickNonFinite, snapshotParams } from './stats.js';

function t(values: number[], shape: number[], dtype: 'float32' | 'float64' = 'float64'): Tensor {
  return new Tensor(
    dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values),
    shape,
  );
}

describe('measureGradients', () => {
  it('computes per-parameter and per-layer statistics in one pass', () => {
    // 0.weight: p = [1, 2, 2, 4] (‖p‖ = 5), g = [3, 0, −4, 0] (‖g‖ = 5, rms = 5/2, max 4, half zeros)
    // 0.bias:   p = [0, 3, 4] (‖p‖ = 5),   g = [0, 1, 2·1e-3]
    // 2.weight: p = [12] (‖p‖ = 12),       g = [5]
    const params: Params = {
      '0.weight': t([1, 2, 2, 4], [2, 2], 'float32'),
      '0.bias': t([0, 3, 4], [3]),
      '2.weight': t([12], [1, 1]),
    };
    const grads: Params = {
      '0.weight': t([3, 0, -4, 0], [2, 2], 'float32'),
      '0.bias': t([0, 1, 2e-3], [3]),
      '2.weight': t([5], [1, 1]),
    };
    const s = createStats(params);
    measureGradients(s, grads, params, { withUpdate: false, takeSnapshot: false });
    expect(s.layerNames).toEqual(['0', '2']);
    expect(s.gradNorm[0]).toBe(5);
    expect(s.gradRms[0]).toBe(2.5);
    expect(s.gradMaxAbs[0]).toBe(4);
    expect(s.zeroFraction[0]).toBe(0.5);
    expect(s.paramNorm[0]).toBe(5);
    expect(s.zeroFraction[1]).toBeCloseTo(1 / 3, 15);
    // layer 0: ‖g‖² = 25 + 1 + 4e-6, ‖p‖² = 50; layer 2: ‖g‖ = 5, ‖p‖ = 12
    expect(s.layerGradNorm[0]).toBeCloseTo(Math.sqrt(26 + 4e-6), 12);
    expect(s.layerParamNorm[0]).toBeCloseTo(Math.sqrt(50), 12);
    expect(s.layerGradNorm[1]).toBe(5);
    expect(s.totalGradNorm).toBeCloseTo(Math.sqrt(51 + 4e-6), 12);
    expect(s.totalParamNorm).toBeCloseTo(Math.sqrt(194), 12);
    expect(s.totalNonFinite).toBe(0);
    expect(s.firstNonFinite).toBe(-1);
    expect(Number.isNaN(s.totalUpdateRatio)).toBe(true);
  });

  it('counts NaN/Inf, names the first parameter holding one, and keeps max |g| finite', () => {
    const params: Params = { a: t([1, 1], [2]), b: t([1, 1, 1], [3]), c: t([1], [1]) };
    const grads: Params = {
      a: t([1, 2], [2]),
      b: t([NaN, -3, Infinity], [3]),
      c: t([-Infinity], [1]),
    };
    const s = createStats(params);
    measureGradients(s, grads, params, { withUpdate: false, takeSnapshot: false });
    expect(Array.from(s.nonFiniteCount)).toEqual([0, 2, 1]);
    expect(s.totalNonFinite).toBe(3);
    expect(s.firstNonFinite).toBe(1);
    expect(s.gradMaxAbs[1]).toBe(3);
    expect(quickNonFinite(s, grads)).toBe(2);
  });

  it('measures the previous update ‖Δp‖/‖p‖ from a snapshot, and the cosine of successive gradients', () => {
    const params: Params = { w: t([3, 4], [2]) };
    const s = createStats(params, true);
    measureGradients(s, { w: t([1, 0], [2]) }, params, { withUpdate: false, takeSnapshot: true });
    s.prevGradStep = 0;
    // the optimizer moves p = (3, 4) by Δ = (0, −1.2) to (3, 2.8): ‖Δ‖/‖p_before‖ = 1.2/5
    (params['w'] as Tensor).data[1] = 2.8;
    measureGradients(s, { w: t([-2, 0], [2]) }, params, {
      withUpdate: true,
      takeSnapshot: false,
      prevValid: true,
    });
    expect(s.updateRatio[0]).toBeCloseTo(0.24, 14);
    expect(s.totalUpdateRatio).toBeCloseTo(0.24, 14);
    expect(s.layerUpdateRatio[0]).toBeCloseTo(0.24, 14);
    expect(s.totalUpdateNorm).toBeCloseTo(1.2, 12);
    // g_prev = (1, 0), g = (−2, 0): cos = −1
    expect(s.cosine).toBeCloseTo(-1, 15);
    snapshotParams(s, params);
    expect(Array.from(s.snapshot)).toEqual([3, 2.8]);
  });
});
