import { describe, expect, it } from 'vitest';
import { Rng } from '../tensor/rng.js';
import { saxe, saxeTarget } from './saxe.js';

describe('E8 saxe', () => {
  it('the target has singular values linspace(3, 0.5, 16): ‖T‖_F² = Σ s_k² and TᵀT has trace and det-free checks', () => {
    const t = saxeTarget(new Rng(7)).data;
    let fro = 0;
    for (const v of t) fro += (v as number) ** 2;
    const s = Array.from({ length: 16 }, (_, k) => 3 - (2.5 * k) / 15);
    expect(fro).toBeCloseTo(
      s.reduce((a, v) => a + v * v, 0),
      10,
    );
    // ‖TᵀT‖_F² = Σ s_k⁴ (the Frobenius norm of the Gram matrix only sees the singular values).
    let g4 = 0;
    for (let i = 0; i < 16; i++) {
      for (let j = 0; j < 16; j++) {
        let g = 0;
        for (let k = 0; k < 16; k++) g += (t[k * 16 + i] as number) * (t[k * 16 + j] as number);
        g4 += g * g;
      }
    }
    expect(g4).toBeCloseTo(
      s.reduce((a, v) => a + v ** 4, 0),
      8,
    );
  });

  it('quick mode passes every criterion', async () => {
    const r = await saxe.run({ quick: true, seeds: saxe.defaultSeeds.quick });
    for (const c of r.criteria)
      expect(c.pass, `${c.name}: ${String(c.measured)} (expected ${c.expected})`).toBe(true);
  });
});
