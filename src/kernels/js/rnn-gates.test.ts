import { describe, expect, it } from 'vitest';
import {
  gruGatesBackwardJs,
  gruGatesForwardJs,
  lstmGatesBackwardJs,
  lstmGatesForwardJs,
} from './rnn-gates.js';

// One step with B = H = 1 and every pre-activation 0, worked by hand (float64):
// σ(0) = 1/2, tanh(0) = 0. The op-level tests (ops/recurrent.test.ts) check whole sequences
// against PyTorch and finite differences; kernels/parity.test.ts checks the backends agree.
describe('LSTM/GRU gate steps (JS reference)', () => {
  it('LSTM: i = f = o = 1/2, g = 0; c = c_prev/2, h = tanh(c)/2; and the VJP', () => {
    const gates = new Float64Array(4); // i, f, g, o pre-activations
    const c = new Float64Array(1);
    const h = new Float64Array(1);
    const cPrev = Float64Array.of(9, 2); // offset 1 picks 2
    const step = { gates, gatesOffset: 0, cPrev, cPrevOffset: 1, c, cOffset: 0, h, hOffset: 0 };
    lstmGatesForwardJs({ ...step, B: 1, H: 1 });
    expect(Array.from(gates)).toEqual([0.5, 0.5, 0, 0.5]);
    expect(c[0]).toBe(1); // f·c_prev + i·g = 0.5·2 + 0
    expect(h[0]).toBe(0.5 * Math.tanh(1));
    // gh = 1, nothing through the recurrence: dc_t = 1·o·(1 − tanh²1) = (1 − tanh²1)/2
    const dc = new Float64Array(1);
    const dG = new Float64Array(4);
    const t1 = Math.tanh(1);
    const dct = 0.5 * (1 - t1 * t1);
    lstmGatesBackwardJs({
      gates,
      gatesOffset: 0,
      c,
      cOffset: 0,
      cPrev,
      cPrevOffset: 1,
      gh: Float64Array.of(1),
      ghOffset: 0,
      dh: new Float64Array(1),
      dc,
      dG,
      dGOffset: 0,
      B: 1,
      H: 1,
    });
    // di = dc·g·i(1−i) = 0, df = dc·c_prev·f(1−f) = dc/2, dg = dc·i·(1−g²) = dc/2,
    // do = tanh(c)·o(1−o) = tanh(1)/4; dc_{t−1} = dc·f = dc/2
    expect(Array.from(dG)).toEqual([0, dct * 2 * 0.25, dct * 0.5, t1 * 0.25]);
    expect(dc[0]).toBe(dct * 0.5);
  });

  it('GRU: r = z = 1/2, n = 0; h = h_prev/2; and the VJP', () => {
    const gates = new Float64Array(3); // r, z, n input-side pre-activations
    const hn = new Float64Array(1);
    const h = new Float64Array(1);
    const hPrev = Float64Array.of(2);
    gruGatesForwardJs({
      gates,
      gatesOffset: 0,
      hp: new Float64Array(3),
      bHh: null,
      hn,
      hnOffset: 0,
      hPrev,
      hPrevOffset: 0,
      h,
      hOffset: 0,
      B: 1,
      H: 1,
    });
    expect(Array.from(gates)).toEqual([0.5, 0.5, 0]);
    expect(h[0]).toBe(1); // (1 − z)·n + z·h_prev = 0 + 0.5·2
    const dh = new Float64Array(1);
    const dXP = new Float64Array(3);
    const dHP = new Float64Array(3);
    gruGatesBackwardJs({
      gates,
      gatesOffset: 0,
      hn,
      hnOffset: 0,
      hPrev,
      hPrevOffset: 0,
      gh: Float64Array.of(1),
      ghOffset: 0,
      dh,
      dXP,
      dHP,
      dOffset: 0,
      B: 1,
      H: 1,
    });
    // dn = 1·(1−z)·(1−n²) = 1/2, dr = dn·hn·r(1−r) = 0, dz = (h_prev − n)·z(1−z) = 1/2;
    // dHP's n entry is dn·r = 1/4; the direct path dh·z = 1/2
    expect(Array.from(dXP)).toEqual([0, 0.5, 0.5]);
    expect(Array.from(dHP)).toEqual([0, 0.5, 0.25]);
    expect(dh[0]).toBe(0.5);
  });
});
