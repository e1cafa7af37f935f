import type { RnnForwardArgs, RnnBackwardArgs } from '../args.js';
import { alignBytes as align } from './heap.js';
import type { WasmRuntime } from './runtime.js';

// The tanh recurrence family on the wasm runtime: a whole sequence's forward pass and its
// backward pass through time, with W_hh packed once per sequence.

/**
 * The forward pass of a tanh RNN over a whole sequence on float32 data (see rnnTanh in
 * ops/recurrent.ts): hs[t] = tanh(X_t·W_ihᵀ + b_ih + b_hh + h_{t−1}·W_hhᵀ) for t < T, h_{−1} = h0
 * (zero when null), written to `hs` ([T, B, H]). Everything runs in wasm memory: the input
 * projection of all steps at once, then per step one GEMM against W_hhᵀ packed once for the
 * whole sequence and one SIMD tanh pass. Same bits as the JS path of that op on the wasm GEMM
 * (same tiles and order; the biases added in doubles; tanh evaluated as tanhF32 does).
 * @example rnnTanhForwardF32(rt, { x, wIh, bIh, bHh, whh, h0: null, T, B, I, H, hs });
 * @see J. L. Elman, "Finding Structure in Time", Cognitive Science 14(2), 1990.
 */
export function rnnTanhForwardF32(rt: WasmRuntime, args: RnnForwardArgs<Float32Array>): void {
  const { x, wIh, bIh, bHh, whh, h0, T, B, I, H, hs } = args;
  const bh = B * H;
  const xPtr = rt.scratchTop(T * B * H * I);
  const wIhPtr = align(xPtr + T * B * I * 4);
  const biasPtr = align(wIhPtr + H * I * 4);
  const bias2Ptr = align(biasPtr + H * 4);
  const whhPtr = align(bias2Ptr + H * 4);
  const h0Ptr = align(whhPtr + H * H * 4);
  const hsPtr = align(h0Ptr + bh * 4);
  const packedPtr = align(hsPtr + T * bh * 4);
  rt.ensureBytes(align(packedPtr + rt.ex.packedBBytes(H, H)));
  const heap = rt.heap;
  heap.set(x.subarray(0, T * B * I), xPtr >> 2);
  const wIhA = rt.input(wIh, H * I, wIhPtr);
  const whhA = rt.input(whh, H * H, whhPtr);
  // The biases in the JS loop's order: (x·W_ihᵀ + b_ih) + b_hh, in doubles, rounded once.
  const b1 = bIh ?? bHh;
  const b2 = bIh !== null ? bHh : null;
  const b1A = b1 === null ? biasPtr : rt.input(b1, H, biasPtr);
  const b2A = b2 === null ? bias2Ptr : rt.input(b2, H, bias2Ptr);
  if (h0 !== null) heap.set(h0.subarray(0, bh), h0Ptr >> 2);
  const ex = rt.ex;
  rt.compute(0, 1, T * B, H, I, 1, xPtr, wIhA, 0, hsPtr);
  if (b1 !== null) ex.addRowsF32(hsPtr, T * B, H, b1A, b2A, b2 !== null ? 1 : 0);
  ex.packBAllF32(1, whhA, H, H, H, packedPtr);
  for (let t = 0; t < T; t++) {
    const cur = hsPtr + t * bh * 4;
    const prev = t > 0 ? cur - bh * 4 : h0 !== null ? h0Ptr : -1;
    if (prev >= 0) ex.gemmPackedBF32(0, B, H, H, prev, H, packedPtr, 1, cur, H, rt.work);
    if (ex.tanhF32(cur, bh) > 0) rt.finishTanh(cur, bh);
  }
  hs.set(heap.subarray(hsPtr >> 2, (hsPtr >> 2) + T * bh));
}

/**
 * The backward pass of {@link rnnTanhForwardF32}: given dL/dhs (`g`, [T, B, H])
 * and the hidden states `hs`, writes dpre_t = (g_t + dh_t)·(1 − h_t²) to `dPre` for t = T−1…0
 * with dh_{t−1} = dpre_t·W_hh (dh_T = 0), and dh_{−1} (the gradient of h0) to `dh0` when it is
 * given. W_hh is packed once for the sequence. While dpre is in wasm memory it also computes,
 * when asked (`extras`): dW_hh = Σ_t dpre_tᵀ·h_{t−1} (h_{−1} = extras.h0; added to dWhh's
 * contents when `accumulate`) and the bias gradient Σ_rows dpre in float64 (added to
 * biasSums). Same bits as the op's JS path on the wasm GEMM.
 * @example rnnTanhBackwardF32(rt, { g, hs, whh, T, B, H, dPre, dh0: null });
 * @see P. J. Werbos, "Backpropagation Through Time: What It Does and How to Do It", Proc. IEEE 78(10), 1990.
 */
export function rnnTanhBackwardF32(rt: WasmRuntime, args: RnnBackwardArgs<Float32Array>): void {
  const { g, hs, whh, T, B, H, dPre, dh0, extras } = args;
  const bh = B * H;
  const dWhh = extras?.dWhh ?? null;
  const h0 = extras?.h0 ?? null;
  const sums = extras?.biasSums ?? null;
  const gPtr = rt.scratchTop(dWhh === null ? 0 : H * H * T * B);
  const hsPtr = align(gPtr + T * bh * 4);
  const whhPtr = align(hsPtr + T * bh * 4);
  const dhPtr = align(whhPtr + H * H * 4);
  const h0Ptr = align(dhPtr + bh * 4);
  const dwPtr = align(h0Ptr + bh * 4);
  const sumsPtr = align(dwPtr + H * H * 4);
  const packedPtr = align(sumsPtr + H * 8);
  rt.ensureBytes(align(packedPtr + rt.ex.packedBBytes(H, H)));
  const heap = rt.heap;
  heap.set(g.subarray(0, T * bh), gPtr >> 2);
  heap.set(hs.subarray(0, T * bh), hsPtr >> 2);
  const whhA = rt.input(whh, H * H, whhPtr);
  heap.fill(0, dhPtr >> 2, (dhPtr >> 2) + bh);
  const ex = rt.ex;
  ex.packBAllF32(0, whhA, H, H, H, packedPtr);
  for (let t = T - 1; t >= 0; t--) {
    const o = t * bh * 4;
    // dpre_t overwrites g_t (read once, just here).
    ex.tanhGradF32(gPtr + o, dhPtr, hsPtr + o, gPtr + o, bh);
    if (t > 0 || dh0 !== null) {
      ex.gemmPackedBF32(0, B, H, H, gPtr + o, H, packedPtr, 0, dhPtr, H, rt.work);
    }
  }
  dPre.set(heap.subarray(gPtr >> 2, (gPtr >> 2) + T * bh));
  if (dh0 !== null) dh0.set(heap.subarray(dhPtr >> 2, (dhPtr >> 2) + bh));
  const later = (T - 1) * B;
  if (dWhh !== null && later === 0 && h0 === null) {
    if (extras?.accumulate !== true) dWhh.fill(0); // T = 1 from a zero state: dW_hh = 0
  } else if (dWhh !== null) {
    // As the op's JS path: steps 1..T−1 read h_0..h_{T−2} (contiguous), then h0's term.
    const accumulate = extras?.accumulate === true;
    const dwA = rt.target(dWhh, H * H, dwPtr, accumulate);
    if (later > 0) {
      rt.compute(1, 0, H, H, later, 1, gPtr + bh * 4, hsPtr, accumulate ? 1 : 0, dwA);
    }
    if (h0 !== null) {
      const h0A = rt.input(h0, bh, h0Ptr);
      rt.compute(1, 0, H, H, B, 1, gPtr, h0A, later > 0 || accumulate ? 1 : 0, dwA);
    }
    rt.output(dwA, dWhh, H * H);
  }
  if (sums !== null) {
    const f64 = new Float64Array(rt.mem.buffer, sumsPtr, H);
    f64.set(sums.subarray(0, H));
    ex.colSumsF64(gPtr, T * B, H, sumsPtr);
    sums.set(f64);
  }
}
