import { describe, expect, it } from 'vitest';
import { gaussianExpectation, gaussianExpectation2 } from './gaussian-expectation.js';
import {
  chi1,
  chiC,
  correlationMap,
  criticalSigmaW2,
  lengthMap,
  meanField,
  qStar,
} from './mean-field.js';

describe('Gaussian expectations', () => {
  it('integrates moments and a smooth function to float64 accuracy', () => {
    expect(gaussianExpectation((z) => z * z)).toBeCloseTo(1, 13);
    expect(gaussianExpectation((z) => z ** 4)).toBeCloseTo(3, 12);
    // E[cos z] = e^{−1/2} (the characteristic function at 1).
    expect(gaussianExpectation(Math.cos)).toBeCloseTo(Math.exp(-0.5), 14);
    // A jump at 0 falls between nodes: P(z > 0) = 1/2.
    expect(gaussianExpectation((z) => (z > 0 ? 1 : 0))).toBeCloseTo(0.5, 14);
    expect(gaussianExpectation2((a, b) => a * a * b * b)).toBeCloseTo(1, 12);
    expect(gaussianExpectation2((a, b) => Math.cos(a + b))).toBeCloseTo(Math.exp(-1), 12);
  });
});

describe('mean-field theory (Poole et al. 2016; Schoenholz et al. 2017)', () => {
  it('linear and ReLU networks: q* and χ₁ in closed form', () => {
    // Linear: q* = σ_w² q* + σ_b² → q* = σ_b² / (1 − σ_w²); χ₁ = σ_w².
    expect(qStar(0.5, 0.1, 'linear')).toBeCloseTo(0.2, 12);
    expect(chi1(0.5, 0.1, 'linear')).toBeCloseTo(0.5, 12);
    // ReLU: E[relu(√q z)²] = q/2 → q* = σ_b² / (1 − σ_w²/2); E[relu'²] = 1/2 → χ₁ = σ_w²/2.
    expect(qStar(1.5, 0.1, 'relu')).toBeCloseTo(0.1 / (1 - 0.75), 12);
    expect(chi1(1.5, 0.1, 'relu')).toBeCloseTo(0.75, 12);
    expect(chi1(2, 0, 'relu')).toBeCloseTo(1, 12); // He initialization is critical
    expect(qStar(2.5, 0.1, 'relu')).toBe(Infinity);
  });

  it('ReLU correlation map: the arc-cosine kernel (Cho & Saul 2009)', () => {
    // E[relu(u₁) relu(u₂)] = q/(2π) (√(1−c²) + (π − arccos c) c) for unit-correlation-c Gaussians of variance q.
    const sw2 = 1.5;
    const sb2 = 0.1;
    const qs = qStar(sw2, sb2, 'relu');
    for (const c of [0, 0.3, 0.9]) {
      const k = (qs / (2 * Math.PI)) * (Math.sqrt(1 - c * c) + (Math.PI - Math.acos(c)) * c);
      // The kink along u₂ = 0 is oblique to the 2-D grid: O(h²) error, measured < 2e-5 at h = 0.05.
      expect(correlationMap(c, qs, sw2, sb2, 'relu')).toBeCloseTo((sw2 * k + sb2) / qs, 4);
    }
  });

  it('tanh with σ_b² = 0: the order–chaos transition at σ_w² = 1', () => {
    // q* = 0 for σ_w² ≤ 1, so χ₁ = σ_w² φ'(0)² = σ_w².
    expect(qStar(0.8, 0, 'tanh')).toBe(0);
    expect(chi1(0.8, 0, 'tanh')).toBeCloseTo(0.8, 12);
    expect(qStar(1.5, 0, 'tanh')).toBeGreaterThan(0.1);
    expect(criticalSigmaW2(0, 'tanh')).toBeCloseTo(1, 6);
  });

  it('tanh with σ_b² = 0.05: critical σ_w² ≈ 1.76 (Schoenholz et al. 2017, Fig. 1)', () => {
    const w = criticalSigmaW2(0.05, 'tanh');
    expect(Math.abs(w - 1.76)).toBeLessThan(0.005);
    expect(w).toBeCloseTo(1.76095, 4); // this implementation's value, to catch regressions
    const qs = qStar(w, 0.05, 'tanh');
    expect(lengthMap(qs, w, 0.05, 'tanh')).toBeCloseTo(qs, 13); // a fixed point
    expect(chi1(w, 0.05, 'tanh')).toBeCloseTo(1, 9);
  });

  it('ordered phase: c* = 1 and ξ_c = −1/ln χ₁; chaotic phase: c* < 1 with χ_c = ∂c_{l+1}/∂c_l', () => {
    const ordered = meanField(1.5, 0.05, 'tanh');
    expect(ordered.phase).toBe('ordered');
    expect(ordered.cStar).toBe(1);
    expect(ordered.xiC).toBeCloseTo(-1 / Math.log(ordered.chi1), 12);
    expect(correlationMap(1, ordered.qStar, 1.5, 0.05, 'tanh')).toBeCloseTo(1, 10);

    const chaotic = meanField(2.5, 0.05, 'tanh');
    expect(chaotic.phase).toBe('chaotic');
    expect(chaotic.chi1).toBeGreaterThan(1);
    expect(chaotic.cStar).toBeGreaterThan(0);
    expect(chaotic.cStar).toBeLessThan(1);
    const m = (c: number): number => correlationMap(c, chaotic.qStar, 2.5, 0.05, 'tanh');
    expect(m(chaotic.cStar)).toBeCloseTo(chaotic.cStar, 10);
    // χ_c is the slope of the correlation map (central difference, float64).
    const d = 1e-4;
    const slope = (m(chaotic.cStar + d) - m(chaotic.cStar - d)) / (2 * d);
    expect(Math.abs(slope - chaotic.chiC) / chaotic.chiC).toBeLessThan(1e-6);
    expect(chiC(1, chaotic.qStar, 2.5, 'tanh')).toBeCloseTo(chaotic.chi1, 10);
    expect(chaotic.chiC).toBeLessThan(1); // c* is stable
    expect(chaotic.xiC).toBeCloseTo(-1 / Math.log(chaotic.chiC), 12);
  });

  it('ξ_c diverges at the critical line and falls off on both sides', () => {
    const w = criticalSigmaW2(0.05, 'tanh');
    const xi = (sw2: number): number => meanField(sw2, 0.05, 'tanh').xiC;
    const near = [xi(w - 0.01), xi(w + 0.01)];
    const far = [xi(w - 0.5), xi(w + 0.5)];
    expect(Math.min(...near)).toBeGreaterThan(100);
    expect(far[0]).toBeLessThan(near[0] as number);
    expect(far[1]).toBeLessThan(near[1] as number);
    expect(xi(1)).toBeLessThan(xi(1.5));
    expect(xi(4)).toBeLessThan(xi(2.5));
  }, 60_000);
});
