import type {
  GruGatesArgs,
  GruGatesBackwardArgs,
  LstmGatesArgs,
  LstmGatesBackwardArgs,
} from '../args.js';
import { alignBytes as align } from './heap.js';
import type { WasmRuntime } from './runtime.js';

// The LSTM/GRU gate steps on the wasm runtime (assembly/gates.ts): one time step's slices are
// copied into the scratch (or used in place when they live in this memory), the kernel runs, the
// outputs are copied back. The bits of the JS reference (kernels/js/rnn-gates.ts, float32).

/** Byte address of n floats of `arr` from `off` for the kernel: in place, or copied to `ptr`. */
function place(rt: WasmRuntime, arr: Float32Array, off: number, n: number, ptr: number): number {
  const a = rt.addressOf(arr, off);
  if (a >= 0) return a;
  rt.heap.set(arr.subarray(off, off + n), ptr >> 2);
  return ptr;
}

/** Copies n floats at `ptr` back to arr[off…] unless the kernel wrote arr in place. */
function back(rt: WasmRuntime, ptr: number, arr: Float32Array, off: number, n: number): void {
  if (rt.addressOf(arr, off) !== ptr) arr.set(rt.heap.subarray(ptr >> 2, (ptr >> 2) + n), off);
}

/** Byte address for an output of n floats at arr[off…]: in place, or `ptr` (not filled). */
function outAt(rt: WasmRuntime, arr: Float32Array, off: number, ptr: number): number {
  const a = rt.addressOf(arr, off);
  return a >= 0 ? a : ptr;
}

/**
 * One float32 LSTM step (Kernels.lstmGatesForward) with the SIMD kernel: the same bits as
 * lstmGatesForwardJs.
 * @example lstmGatesForwardF32(rt, { gates, gatesOffset: 0, cPrev: null, cPrevOffset: 0, c, cOffset: 0, h, hOffset: 0, B, H });
 * @see S. Hochreiter, J. Schmidhuber, "Long Short-Term Memory", Neural Computation 9(8), 1997.
 */
export function lstmGatesForwardF32(rt: WasmRuntime, a: LstmGatesArgs<Float32Array>): void {
  const { gates, gatesOffset, cPrev, cPrevOffset, c, cOffset, h, hOffset, B, H } = a;
  const bh = B * H;
  const gP = rt.scratchBase;
  const cpP = align(gP + 16 * bh);
  const cP = align(cpP + 4 * bh);
  const hP = align(cP + 4 * bh);
  rt.ensureBytes(align(hP + 4 * bh));
  const g = place(rt, gates, gatesOffset, 4 * bh, gP);
  const cp = cPrev === null ? 0 : place(rt, cPrev, cPrevOffset, bh, cpP);
  const cc = outAt(rt, c, cOffset, cP);
  const hh = outAt(rt, h, hOffset, hP);
  rt.ex.lstmGatesFwdF32(g, cp, cPrev === null ? 0 : 1, cc, hh, B, H);
  back(rt, g, gates, gatesOffset, 4 * bh);
  back(rt, cc, c, cOffset, bh);
  back(rt, hh, h, hOffset, bh);
}

/**
 * One float32 LSTM step backward (Kernels.lstmGatesBackward): the bits of lstmGatesBackwardJs.
 * @example lstmGatesBackwardF32(rt, { gates, gatesOffset, c, cOffset, cPrev, cPrevOffset, gh, ghOffset, dh, dc, dG, dGOffset, B, H });
 */
export function lstmGatesBackwardF32(
  rt: WasmRuntime,
  a: LstmGatesBackwardArgs<Float32Array>,
): void {
  const { gates, gatesOffset, c, cOffset, cPrev, cPrevOffset, gh, ghOffset, dh, dc } = a;
  const { dG, dGOffset, B, H } = a;
  const bh = B * H;
  const gP = rt.scratchBase;
  const cP = align(gP + 16 * bh);
  const cpP = align(cP + 4 * bh);
  const ghP = align(cpP + 4 * bh);
  const dhP = align(ghP + 4 * bh);
  const dcP = align(dhP + 4 * bh);
  const dGP = align(dcP + 4 * bh);
  rt.ensureBytes(align(dGP + 16 * bh));
  const g = place(rt, gates, gatesOffset, 4 * bh, gP);
  const cc = place(rt, c, cOffset, bh, cP);
  const cp = cPrev === null ? 0 : place(rt, cPrev, cPrevOffset, bh, cpP);
  const ghA = place(rt, gh, ghOffset, bh, ghP);
  const dhA = place(rt, dh, 0, bh, dhP);
  const dcA = place(rt, dc, 0, bh, dcP);
  const dGA = outAt(rt, dG, dGOffset, dGP);
  rt.ex.lstmGatesBwdF32(g, cc, cp, cPrev === null ? 0 : 1, ghA, dhA, dcA, dGA, B, H);
  back(rt, dGA, dG, dGOffset, 4 * bh);
  back(rt, dcA, dc, 0, bh);
}

/**
 * One float32 GRU step (Kernels.gruGatesForward): the bits of gruGatesForwardJs.
 * @example gruGatesForwardF32(rt, { gates, gatesOffset, hp, bHh, hn, hnOffset, hPrev: null, hPrevOffset: 0, h, hOffset, B, H });
 * @see K. Cho et al., "Learning Phrase Representations using RNN Encoder–Decoder", EMNLP 2014.
 */
export function gruGatesForwardF32(rt: WasmRuntime, a: GruGatesArgs<Float32Array>): void {
  const { gates, gatesOffset, hp, bHh, hn, hnOffset, hPrev, hPrevOffset, h, hOffset, B, H } = a;
  const bh = B * H;
  const gP = rt.scratchBase;
  const hpP = align(gP + 12 * bh);
  const bP = align(hpP + 12 * bh);
  const hnP = align(bP + 12 * H);
  const hPrevP = align(hnP + 4 * bh);
  const hP = align(hPrevP + 4 * bh);
  rt.ensureBytes(align(hP + 4 * bh));
  const g = place(rt, gates, gatesOffset, 3 * bh, gP);
  const hpA = place(rt, hp, 0, 3 * bh, hpP);
  const bA = bHh === null ? 0 : place(rt, bHh, 0, 3 * H, bP);
  const hnA = outAt(rt, hn, hnOffset, hnP);
  const hPrevA = hPrev === null ? 0 : place(rt, hPrev, hPrevOffset, bh, hPrevP);
  const hA = outAt(rt, h, hOffset, hP);
  rt.ex.gruGatesFwdF32(g, hpA, bA, bHh === null ? 0 : 1, hnA, hPrevA, hPrev === null ? 0 : 1, hA, B, H); // prettier-ignore
  back(rt, g, gates, gatesOffset, 3 * bh);
  back(rt, hnA, hn, hnOffset, bh);
  back(rt, hA, h, hOffset, bh);
}

/**
 * One float32 GRU step backward (Kernels.gruGatesBackward): the bits of gruGatesBackwardJs.
 * @example gruGatesBackwardF32(rt, { gates, gatesOffset, hn, hnOffset, hPrev, hPrevOffset, gh, ghOffset, dh, dXP, dHP, dOffset, B, H });
 */
export function gruGatesBackwardF32(rt: WasmRuntime, a: GruGatesBackwardArgs<Float32Array>): void {
  const { gates, gatesOffset, hn, hnOffset, hPrev, hPrevOffset, gh, ghOffset, dh } = a;
  const { dXP, dHP, dOffset, B, H } = a;
  const bh = B * H;
  const gP = rt.scratchBase;
  const hnP = align(gP + 12 * bh);
  const hPrevP = align(hnP + 4 * bh);
  const ghP = align(hPrevP + 4 * bh);
  const dhP = align(ghP + 4 * bh);
  const dXPP = align(dhP + 4 * bh);
  const dHPP = align(dXPP + 12 * bh);
  rt.ensureBytes(align(dHPP + 12 * bh));
  const g = place(rt, gates, gatesOffset, 3 * bh, gP);
  const hnA = place(rt, hn, hnOffset, bh, hnP);
  const hPrevA = hPrev === null ? 0 : place(rt, hPrev, hPrevOffset, bh, hPrevP);
  const ghA = place(rt, gh, ghOffset, bh, ghP);
  const dhA = place(rt, dh, 0, bh, dhP);
  const dXPA = outAt(rt, dXP, dOffset, dXPP);
  const dHPA = outAt(rt, dHP, dOffset, dHPP);
  rt.ex.gruGatesBwdF32(g, hnA, hPrevA, hPrev === null ? 0 : 1, ghA, dhA, dXPA, dHPA, B, H);
  back(rt, dXPA, dXP, dOffset, 3 * bh);
  back(rt, dHPA, dHP, dOffset, 3 * bh);
  back(rt, dhA, dh, 0, bh);
}
