import { describe, expect, it } from 'vitest';
import { jsKernels } from './js/backend.js';
import { availableBackends } from './select.js';
import type { Kernels } from './types.js';

// The float32 gate steps on special and extreme pre-activations (NaN, ±∞, ±0, far past tanh's
// fitted interval, σ's underflow, subnormals), with H = 5 (SIMD lanes and a scalar remainder):
// every backend gives the JS reference's values (bits, NaN for NaN). The regular inputs are in
// parity.test.ts.
const SPECIAL = [
  Number.NaN, Infinity, -Infinity, 0, -0, 1e-30, -1e-30, 1e-40, 7.9, 7.91, -7.91, 20, -20,
  90, -90, 103.5, -103.5, 104.5, -104.5, 800, -800, 0.1, -0.1, 0.124, 2.5, -3.5,
]; // prettier-ignore
const [B, H] = [3, 5];

function filled(n: number, shift: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => SPECIAL[(i + shift) % SPECIAL.length]!);
}

function same(got: Float32Array, ref: Float32Array, what: string): void {
  for (let i = 0; i < ref.length; i++) {
    const [g, r] = [got[i] as number, ref[i] as number];
    if (Number.isNaN(r)) expect(g, `${what}[${i}]`).toBeNaN();
    else expect(Object.is(g, r), `${what}[${i}]: ${g} vs ${r}`).toBe(true);
  }
}

function lstm(k: Kernels, shift: number): Float32Array[] {
  const gates = filled(B * 4 * H, shift);
  const cPrev = filled(B * H, shift + 7);
  const c = new Float32Array(B * H);
  const h = new Float32Array(B * H);
  k.lstmGatesForward({ gates, gatesOffset: 0, cPrev, cPrevOffset: 0, c, cOffset: 0, h, hOffset: 0, B, H }); // prettier-ignore
  const dc = filled(B * H, shift + 3);
  const dG = new Float32Array(B * 4 * H);
  const gh = filled(B * H, shift + 5);
  const dh = filled(B * H, shift + 11);
  k.lstmGatesBackward({ gates, gatesOffset: 0, c, cOffset: 0, cPrev, cPrevOffset: 0, gh, ghOffset: 0, dh, dc, dG, dGOffset: 0, B, H }); // prettier-ignore
  return [gates, c, h, dc, dG];
}

function gru(k: Kernels, shift: number): Float32Array[] {
  const gates = filled(B * 3 * H, shift);
  const hp = filled(B * 3 * H, shift + 2);
  const bHh = filled(3 * H, shift + 9);
  const hPrev = filled(B * H, shift + 4);
  const hn = new Float32Array(B * H);
  const h = new Float32Array(B * H);
  k.gruGatesForward({ gates, gatesOffset: 0, hp, bHh, hn, hnOffset: 0, hPrev, hPrevOffset: 0, h, hOffset: 0, B, H }); // prettier-ignore
  const dh = filled(B * H, shift + 6);
  const dXP = new Float32Array(B * 3 * H);
  const dHP = new Float32Array(B * 3 * H);
  const gh = filled(B * H, shift + 8);
  k.gruGatesBackward({ gates, gatesOffset: 0, hn, hnOffset: 0, hPrev, hPrevOffset: 0, gh, ghOffset: 0, dh, dXP, dHP, dOffset: 0, B, H }); // prettier-ignore
  return [gates, hn, h, dh, dXP, dHP];
}

describe.each(availableBackends().map((k) => [k.impl, k] as const))(
  'gate steps on special values: %s backend',
  (_, k) => {
    it.each([0, 1, 5, 13])('LSTM and GRU, inputs rotated by %i', (shift) => {
      lstm(k, shift).forEach((a, i) => same(a, lstm(jsKernels, shift)[i]!, `lstm out ${i}`));
      gru(k, shift).forEach((a, i) => same(a, gru(jsKernels, shift)[i]!, `gru out ${i}`));
    });
  },
);
