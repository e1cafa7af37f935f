import { describe, expect, it } from 'vitest';
import '../autograd/backward.js';
import {
  EOS_CRITERIA,
  edgeOfStability,
  eosData,
  eosModel,
  sharpness,
  summarize,
  type EosRun,
} from './edge-of-stability.js';

describe('E16 edge-of-stability', () => {
  it('data: 14×14 pooled digits, centred, one-hot targets', async () => {
    const d = await eosData(100);
    expect(d.x.shape).toEqual([100, 196]);
    expect(d.y.shape).toEqual([100, 10]);
    for (let c = 0; c < 196; c += 13) {
      let m = 0;
      for (let r = 0; r < 100; r++) m += d.x.data[r * 196 + c] as number;
      expect(Math.abs(m / 100)).toBeLessThan(1e-12);
    }
    for (let r = 0; r < 100; r++) expect(d.y.data[r * 10 + (d.labels[r] as number)]).toBe(1);
  });

  it('sharpness of the linear model (no hidden layer) is the top eigenvalue of the input covariance', async () => {
    // ½‖Wx + b − y‖² averaged over the n digits: the Hessian is I₁₀ ⊗ Σ with Σ = (1/n)·x̃ᵀx̃,
    // x̃ = [x, 1]; x is centred, so Σ = diag(C, 1) with C = (1/n)·xᵀx. λmax(C) by plain power
    // iteration on the 196×196 matrix, independently of the Lanczos/HVP path.
    const d = await eosData(100);
    const n = 100;
    const C = new Float64Array(196 * 196);
    for (let r = 0; r < n; r++)
      for (let i = 0; i < 196; i++) {
        const xi = d.x.data[r * 196 + i] as number;
        for (let j = 0; j < 196; j++)
          C[i * 196 + j] =
            (C[i * 196 + j] as number) + (xi * (d.x.data[r * 196 + j] as number)) / n;
      }
    let v = new Float64Array(196).fill(1);
    let lam = 0;
    for (let it = 0; it < 500; it++) {
      const w = new Float64Array(196);
      for (let i = 0; i < 196; i++)
        for (let j = 0; j < 196; j++)
          w[i] = (w[i] as number) + (C[i * 196 + j] as number) * (v[j] as number);
      lam = Math.hypot(...w);
      v = w.map((x) => x / lam);
    }
    const expected = Math.max(lam, 1);
    const got = sharpness(eosModel({ hidden: [] }, 0), d, 40);
    expect(Math.abs(got - expected) / expected).toBeLessThan(1e-6);
  });

  it('summarize reads the crossing, the end band and the loss increases', () => {
    const r: EosRun = {
      eta: 0.5, // 2/η = 4
      seed: 0,
      control: false,
      losses: Float64Array.of(1, 0.9, 0.8, 0.85, 0.7, 0.75, 0.6),
      sharpSteps: [0, 2, 4, 6],
      sharp: [1, 3, 4.2, 4.4],
      verdicts: [],
    };
    const s = summarize(r);
    expect(s.initRatio).toBe(0.25);
    expect(s.crossing).toBe(4);
    expect(s.endRatio).toBeCloseTo(1.1, 12); // last fifth of 4 measurements: the last one
    expect(s.increasesAfter).toBe(1); // 0.7 → 0.75
    expect(s.lossAtCrossing).toBe(0.7);
    expect(s.finalLoss).toBe(0.6);
    expect(EOS_CRITERIA.endBand[0]).toBeLessThan(1);
  });

  it('quick mode (η = 0.4 and the control, 500 steps) passes every criterion', async () => {
    const r = await edgeOfStability.run({ quick: true, seeds: edgeOfStability.defaultSeeds.quick });
    for (const c of r.criteria)
      expect(c.pass, `${c.name}: ${String(c.measured)} (expected ${c.expected})`).toBe(true);
    expect(r.charts.map((c) => c.id)).toEqual(['sharpness-eta-0.4', 'sharpness-all', 'loss']);
  }, 600_000);
});
