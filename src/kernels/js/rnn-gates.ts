import type {
  GruGatesArgs,
  GruGatesBackwardArgs,
  LstmGatesArgs,
  LstmGatesBackwardArgs,
} from '../args.js';
import { sigmoidF32, tanhGateF32 } from './gate-math.js';

// The LSTM and GRU gate steps' reference kernels: the pointwise part of one time step, on the
// pre-activations the GEMMs produced (ops/recurrent.ts runs the GEMMs).
//
// float64 data: Math.exp and Math.tanh, one loop per step. float32 data: sigmoidF32 and
// tanhGateF32 (gate-math.ts: IEEE double operations only), in passes: first the activated gates
// of a row are computed in double precision and stored (rounded to float32), then the cell reads
// them back. The WebAssembly (wasm/assembly/gates.ts) and native (native/src/rnn_gates.c)
// kernels evaluate the same operations in the same order: every backend gives these bits.
// Values that are not stored stay in double precision within an expression.

/** σ(v) = 1/(1 + e^−v) with Math.exp (float64 data), written so that e^x never overflows. */
function sigmoid(v: number): number {
  return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
}

/** a[i] ← σ(a[i]) for i in [from, from + n) (float32: one rounding per value). */
function sigmoidRunF32(a: Float32Array, from: number, n: number): void {
  for (let i = from; i < from + n; i++) a[i] = sigmoidF32(a[i] as number);
}

/** a[i] ← tanh(a[i]) for i in [from, from + n) (float32). */
function tanhRunF32(a: Float32Array, from: number, n: number): void {
  for (let i = from; i < from + n; i++) a[i] = tanhGateF32(a[i] as number);
}

/** The float32 LSTM step: per row σ over i and f, tanh over g, σ over o (stored), then the cell. */
function lstmForwardF32(args: LstmGatesArgs<Float32Array>): void {
  const { gates, gatesOffset, cPrev, cPrevOffset, c, cOffset, h, hOffset, B, H } = args;
  const g4 = 4 * H;
  for (let bi = 0; bi < B; bi++) {
    const r = gatesOffset + bi * g4;
    sigmoidRunF32(gates, r, 2 * H);
    tanhRunF32(gates, r + 2 * H, H);
    sigmoidRunF32(gates, r + 3 * H, H);
    for (let j = 0; j < H; j++) {
      const k = bi * H + j;
      const cp = cPrev !== null ? (cPrev[cPrevOffset + k] as number) : 0;
      const cv =
        (gates[r + H + j] as number) * cp +
        (gates[r + j] as number) * (gates[r + 2 * H + j] as number);
      c[cOffset + k] = cv;
      h[hOffset + k] = (gates[r + 3 * H + j] as number) * tanhGateF32(cv);
    }
  }
}

/** The float32 GRU step: per row σ over r and z (stored), then n, hn and h. */
function gruForwardF32(args: GruGatesArgs<Float32Array>): void {
  const { gates, gatesOffset, hp, bHh, hn, hnOffset, hPrev, hPrevOffset, h, hOffset } = args;
  const { B, H } = args;
  const g3 = 3 * H;
  for (let bi = 0; bi < B; bi++) {
    const r0 = gatesOffset + bi * g3;
    const p0 = bi * g3;
    for (let j = 0; j < 2 * H; j++) {
      const hv = (hp[p0 + j] as number) + (bHh ? (bHh[j] as number) : 0);
      gates[r0 + j] = sigmoidF32((gates[r0 + j] as number) + hv);
    }
    for (let j = 0; j < H; j++) {
      const k = bi * H + j;
      const hnv = (hp[p0 + 2 * H + j] as number) + (bHh ? (bHh[2 * H + j] as number) : 0);
      const zg = gates[r0 + H + j] as number;
      const ng = tanhGateF32((gates[r0 + 2 * H + j] as number) + (gates[r0 + j] as number) * hnv);
      gates[r0 + 2 * H + j] = ng;
      hn[hnOffset + k] = hnv;
      const hPrevV = hPrev !== null ? (hPrev[hPrevOffset + k] as number) : 0;
      h[hOffset + k] = (1 - zg) * ng + zg * hPrevV;
    }
  }
}

/**
 * One LSTM step: i, f, o = σ(·), g = tanh(·) of the pre-activations (overwritten with the
 * activated gates), c_t = f⊙c_{t−1} + i⊙g, h_t = o⊙tanh(c_t). See Kernels.lstmGatesForward.
 * @example lstmGatesForwardJs({ gates, gatesOffset: 0, cPrev: null, cPrevOffset: 0, c, cOffset: 0, h, hOffset: 0, B, H });
 * @see S. Hochreiter, J. Schmidhuber, "Long Short-Term Memory", Neural Computation 9(8), 1997.
 */
export function lstmGatesForwardJs(args: LstmGatesArgs): void {
  if (args.gates instanceof Float32Array) {
    lstmForwardF32(args as LstmGatesArgs<Float32Array>);
    return;
  }
  const { gates, gatesOffset, cPrev, cPrevOffset, c, cOffset, h, hOffset, B, H } = args;
  const g4 = 4 * H;
  for (let bi = 0; bi < B; bi++) {
    const r = gatesOffset + bi * g4;
    for (let j = 0; j < H; j++) {
      const ig = sigmoid(gates[r + j] as number);
      const fg = sigmoid(gates[r + H + j] as number);
      const gv = gates[r + 2 * H + j] as number;
      const gg = Math.tanh(gv);
      const og = sigmoid(gates[r + 3 * H + j] as number);
      gates[r + j] = ig;
      gates[r + H + j] = fg;
      gates[r + 2 * H + j] = gg;
      gates[r + 3 * H + j] = og;
      const k = bi * H + j;
      const cp = cPrev !== null ? (cPrev[cPrevOffset + k] as number) : 0;
      const cv = fg * cp + ig * gg;
      c[cOffset + k] = cv;
      h[hOffset + k] = og * Math.tanh(cv);
    }
  }
}

/**
 * One LSTM step backward: dh = gh + dh_rec, dc_t = dc + dh·o·(1 − tanh²c_t); the pre-activation
 * gradients di = dc_t·g·i(1−i), df = dc_t·c_{t−1}·f(1−f), dg = dc_t·i·(1−g²), do = dh·tanh(c_t)·o(1−o);
 * then dc ← dc_t·f. See Kernels.lstmGatesBackward.
 * @example lstmGatesBackwardJs({ gates, gatesOffset, c, cOffset, cPrev, cPrevOffset, gh, ghOffset, dh, dc, dG, dGOffset, B, H });
 */
export function lstmGatesBackwardJs(args: LstmGatesBackwardArgs): void {
  const { gates, gatesOffset, c, cOffset, cPrev, cPrevOffset, gh, ghOffset, dh, dc } = args;
  const { dG, dGOffset, B, H } = args;
  const f32 = gates instanceof Float32Array;
  const g4 = 4 * H;
  for (let bi = 0; bi < B; bi++) {
    const r = gatesOffset + bi * g4;
    const d = dGOffset + bi * g4;
    for (let j = 0; j < H; j++) {
      const k = bi * H + j;
      const ig = gates[r + j] as number;
      const fg = gates[r + H + j] as number;
      const gg = gates[r + 2 * H + j] as number;
      const og = gates[r + 3 * H + j] as number;
      const cv = c[cOffset + k] as number;
      const tc = f32 ? tanhGateF32(cv) : Math.tanh(cv);
      const dhv = (gh[ghOffset + k] as number) + (dh[k] as number);
      const dcv = (dc[k] as number) + dhv * og * (1 - tc * tc);
      const cp = cPrev !== null ? (cPrev[cPrevOffset + k] as number) : 0;
      dG[d + j] = dcv * gg * ig * (1 - ig);
      dG[d + H + j] = dcv * cp * fg * (1 - fg);
      dG[d + 2 * H + j] = dcv * ig * (1 - gg * gg);
      dG[d + 3 * H + j] = dhv * tc * og * (1 - og);
      dc[k] = dcv * fg;
    }
  }
}

/**
 * One GRU step: with hp = h_{t−1}·W_hhᵀ (+ b_hh), r = σ(x_r + hp_r), z = σ(x_z + hp_z),
 * n = tanh(x_n + r⊙hp_n), h_t = (1 − z)⊙n + z⊙h_{t−1}; the gates are overwritten with r, z, n
 * and hp_n is saved to hn. See Kernels.gruGatesForward.
 * @example gruGatesForwardJs({ gates, gatesOffset, hp, bHh, hn, hnOffset, hPrev: null, hPrevOffset: 0, h, hOffset, B, H });
 * @see K. Cho et al., "Learning Phrase Representations using RNN Encoder–Decoder", EMNLP 2014.
 */
export function gruGatesForwardJs(args: GruGatesArgs): void {
  if (args.gates instanceof Float32Array) {
    gruForwardF32(args as GruGatesArgs<Float32Array>);
    return;
  }
  const { gates, gatesOffset, hp, bHh, hn, hnOffset, hPrev, hPrevOffset, h, hOffset } = args;
  const { B, H } = args;
  const g3 = 3 * H;
  for (let bi = 0; bi < B; bi++) {
    const r0 = gatesOffset + bi * g3;
    const p0 = bi * g3;
    for (let j = 0; j < H; j++) {
      const k = bi * H + j;
      const hr = (hp[p0 + j] as number) + (bHh ? (bHh[j] as number) : 0);
      const hz = (hp[p0 + H + j] as number) + (bHh ? (bHh[H + j] as number) : 0);
      const hnv = (hp[p0 + 2 * H + j] as number) + (bHh ? (bHh[2 * H + j] as number) : 0);
      const rg = sigmoid((gates[r0 + j] as number) + hr);
      const zg = sigmoid((gates[r0 + H + j] as number) + hz);
      const nv = (gates[r0 + 2 * H + j] as number) + rg * hnv;
      const ng = Math.tanh(nv);
      gates[r0 + j] = rg;
      gates[r0 + H + j] = zg;
      gates[r0 + 2 * H + j] = ng;
      hn[hnOffset + k] = hnv;
      const hPrevV = hPrev !== null ? (hPrev[hPrevOffset + k] as number) : 0;
      h[hOffset + k] = (1 - zg) * ng + zg * hPrevV;
    }
  }
}

/**
 * One GRU step backward: dh = gh + dh_rec, dn = dh·(1−z)·(1−n²), dr = dn·hn·r(1−r),
 * dz = dh·(h_{t−1} − n)·z(1−z); dXP = (dr, dz, dn), dHP = (dr, dz, dn·r); dh ← dh·z (the
 * direct path; the caller adds dHP·W_hh). See Kernels.gruGatesBackward.
 * @example gruGatesBackwardJs({ gates, gatesOffset, hn, hnOffset, hPrev, hPrevOffset, gh, ghOffset, dh, dXP, dHP, dOffset, B, H });
 */
export function gruGatesBackwardJs(args: GruGatesBackwardArgs): void {
  const { gates, gatesOffset, hn, hnOffset, hPrev, hPrevOffset, gh, ghOffset, dh } = args;
  const { dXP, dHP, dOffset, B, H } = args;
  const g3 = 3 * H;
  for (let bi = 0; bi < B; bi++) {
    const r0 = gatesOffset + bi * g3;
    const d0 = dOffset + bi * g3;
    for (let j = 0; j < H; j++) {
      const k = bi * H + j;
      const rg = gates[r0 + j] as number;
      const zg = gates[r0 + H + j] as number;
      const ng = gates[r0 + 2 * H + j] as number;
      const hPrevV = hPrev !== null ? (hPrev[hPrevOffset + k] as number) : 0;
      const dhv = (gh[ghOffset + k] as number) + (dh[k] as number);
      const dnPre = dhv * (1 - zg) * (1 - ng * ng);
      const drPre = dnPre * (hn[hnOffset + k] as number) * rg * (1 - rg);
      const dzPre = dhv * (hPrevV - ng) * zg * (1 - zg);
      dXP[d0 + j] = drPre;
      dXP[d0 + H + j] = dzPre;
      dXP[d0 + 2 * H + j] = dnPre;
      dHP[d0 + j] = drPre;
      dHP[d0 + H + j] = dzPre;
      dHP[d0 + 2 * H + j] = dnPre * rg;
      dh[k] = dhv * zg;
    }
  }
}
