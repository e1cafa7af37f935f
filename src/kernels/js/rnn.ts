import { allocData, dtypeOf } from '../../tensor/dtype.js';
import type { InputProjectionArgs, RnnBackwardArgs, RnnForwardArgs } from '../args.js';
import { gemm } from '../backend.js';
import type { GemmCall } from '../types.js';
import { tanhF32 } from './tanh.js';

// The tanh recurrence's reference kernels over the routed gemm entry point (so a float32
// sequence that stays here gives the bits of the unfused steps), and the input projection that
// the LSTM and GRU ops share.

/**
 * XP[rows, gh] = X·W_ihᵀ + b1 (+ b2), rows = T·B: the input projection of every step at once,
 * each bias added in turn left to right in the working precision and rounded once to the dtype.
 * @example inputProjectionJs({ x, wIh, b1: bIh, b2: bHh, rows: T * B, gh: H, inF: I, xp });
 */
export function inputProjectionJs(args: InputProjectionArgs): void {
  const { x, wIh, b1, b2, rows, gh, inF, xp } = args;
  gemm({
    transA: false,
    transB: true,
    m: rows,
    n: gh,
    k: inF,
    alpha: 1,
    a: x,
    aOffset: 0,
    b: wIh,
    bOffset: 0,
    beta: 0,
    c: xp,
    cOffset: 0,
  });
  if (b1 === null) return;
  for (let r = 0; r < rows; r++) {
    const o = r * gh;
    if (b2 === null)
      for (let j = 0; j < gh; j++) xp[o + j] = (xp[o + j] as number) + (b1[j] as number);
    else
      for (let j = 0; j < gh; j++)
        xp[o + j] = (xp[o + j] as number) + (b1[j] as number) + (b2[j] as number);
  }
}

/**
 * hs_t = tanh(X_t·W_ihᵀ + b_ih + b_hh + h_{t−1}·W_hhᵀ) for every step (tanhF32 on float32).
 * See Kernels.rnnTanhForward.
 * @example rnnTanhForwardJs({ x, wIh, bIh: null, bHh: null, whh, h0: null, T, B, I, H, hs });
 * @see J. L. Elman, "Finding Structure in Time", Cognitive Science 14(2), 1990.
 */
export function rnnTanhForwardJs(args: RnnForwardArgs): void {
  const { x, wIh, bIh, bHh, whh, h0, T, B, I, H, hs } = args;
  const bh = B * H;
  // The projection buffer becomes the output: step t's pre-activation is overwritten by h_t.
  inputProjectionJs({
    x,
    wIh,
    b1: bIh ?? bHh,
    b2: bIh !== null ? bHh : null,
    rows: T * B,
    gh: H,
    inF: I,
    xp: hs,
  });
  const f32 = hs instanceof Float32Array;
  // hs_t += h_{t−1}·W_hhᵀ: one options object for every step (no allocation per step).
  const rec: GemmCall = {
    transA: false,
    transB: true,
    m: B,
    n: H,
    k: H,
    alpha: 1,
    a: h0 ?? hs,
    aOffset: 0,
    b: whh,
    bOffset: 0,
    beta: 1,
    c: hs,
    cOffset: 0,
  };
  for (let t = 0; t < T; t++) {
    if (t > 0) {
      rec.a = hs;
      rec.aOffset = (t - 1) * bh;
      rec.cOffset = t * bh;
      gemm(rec);
    } else if (h0 !== null) gemm(rec);
    const o = t * bh;
    if (f32) for (let k = 0; k < bh; k++) hs[o + k] = tanhF32(hs[o + k] as number);
    else for (let k = 0; k < bh; k++) hs[o + k] = Math.tanh(hs[o + k] as number);
  }
}

/**
 * Backpropagation through time of {@link rnnTanhForwardJs}: dPre_t = (g_t + dh_t)·(1 − h_t²),
 * dh_{t−1} = dPre_t·W_hh; with extras, dW_hh (+)= Σ_t dPre_tᵀ·h_{t−1} and the bias sums.
 * See Kernels.rnnTanhBackward.
 * @example rnnTanhBackwardJs({ g, hs, whh, T, B, H, dPre, dh0: null });
 * @see P. J. Werbos, "Backpropagation Through Time: What It Does and How to Do It", Proc. IEEE 78(10), 1990.
 */
export function rnnTanhBackwardJs(args: RnnBackwardArgs): void {
  const { g, hs, whh, T, B, H, dPre, dh0, extras } = args;
  const bh = B * H;
  const dh = dh0 ?? allocData(dtypeOf(g), bh);
  if (dh0 !== null) dh0.fill(0);
  // dh = dPre_t·W_hh: one options object for every step.
  const back: GemmCall = {
    transA: false,
    transB: false,
    m: B,
    n: H,
    k: H,
    alpha: 1,
    a: dPre,
    aOffset: 0,
    b: whh,
    bOffset: 0,
    beta: 0,
    c: dh,
    cOffset: 0,
  };
  for (let t = T - 1; t >= 0; t--) {
    const o = t * bh;
    for (let k = 0; k < bh; k++) {
      const h = hs[o + k] as number;
      dPre[o + k] = ((g[o + k] as number) + (dh[k] as number)) * (1 - h * h);
    }
    if (t > 0 || dh0 !== null) {
      back.aOffset = o;
      gemm(back);
    }
  }
  if (extras === undefined) return;
  const d = extras.dWhh;
  if (d !== null) {
    // Steps 1..T−1 read h_0..h_{T−2}, contiguous in hs: one GEMM for all of them.
    const later = (T - 1) * B;
    const dW: GemmCall = {
      transA: true,
      transB: false,
      m: H,
      n: H,
      k: later,
      alpha: 1,
      a: dPre,
      aOffset: bh,
      b: hs,
      bOffset: 0,
      beta: extras.accumulate ? 1 : 0,
      c: d,
      cOffset: 0,
    };
    if (later > 0) gemm(dW);
    if (extras.h0 !== null) {
      dW.k = B;
      dW.aOffset = 0;
      dW.b = extras.h0;
      dW.beta = later > 0 || extras.accumulate ? 1 : 0;
      gemm(dW);
    } else if (later === 0 && !extras.accumulate) d.fill(0);
  }
  const sums = extras.biasSums;
  if (sums !== null) {
    for (let r = 0; r < T * B; r++) {
      const o = r * H;
      for (let j = 0; j < H; j++) sums[j] = (sums[j] as number) + (dPre[o + j] as number);
    }
  }
}
