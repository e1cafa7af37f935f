import { alignBytes as align } from './heap.js';
import type { WasmRuntime } from './runtime.js';

// The gradient-health statistics on the wasm runtime: one SIMD pass each
// (assembly/grad-stats.ts).

/**
 * The fast pass of the gradient statistics over float32 `x` (assembly/grad-stats.ts): reads x in
 * place when it is resident (a parameter arena's gradient), else copies it into scratch, and
 * writes Σx², max |x| and the number of exact zeros to out[at], out[at + 1], out[at + 2].
 * @example gradStatsF32(rt, g, out, 0);
 */
export function gradStatsF32(
  rt: WasmRuntime,
  x: Float32Array,
  out: Float64Array,
  at: number,
): void {
  const n = x.length;
  const outPtr = rt.scratchBase;
  const xPtr = align(outPtr + 32);
  const resident = rt.addressOf(x, 0) >= 0;
  rt.ensureBytes(align(resident ? xPtr : xPtr + n * 4));
  const xA = rt.input(x, n, xPtr);
  rt.ex.gradStatsF32(xA, n, outPtr);
  const f64 = rt.heap64;
  const o = outPtr >> 3;
  out[at] = f64[o] as number;
  out[at + 1] = f64[o + 1] as number;
  out[at + 2] = f64[o + 2] as number;
}

/**
 * Σx² of float32 `x` alone (assembly/grad-stats.ts sumSquaresF32: the bits of gradStatsF32's
 * sum, half its SIMD work), read in place when resident, else copied into scratch; written to
 * out[at].
 * @example sumSquaresF32(rt, g, out, 0);
 */
export function sumSquaresF32(
  rt: WasmRuntime,
  x: Float32Array,
  out: Float64Array,
  at: number,
): void {
  const n = x.length;
  const outPtr = rt.scratchBase;
  const xPtr = align(outPtr + 32);
  const resident = rt.addressOf(x, 0) >= 0;
  rt.ensureBytes(align(resident ? xPtr : xPtr + n * 4));
  const xA = rt.input(x, n, xPtr);
  rt.ex.sumSquaresF32(xA, n, outPtr);
  out[at] = rt.heap64[outPtr >> 3] as number;
}

/**
 * Σp², Σ(p − q)², Σq² of float32 p and q (assembly/grad-stats.ts updateStatsF32), read in place
 * when resident, else copied into scratch, written to out[at … at + 2].
 * @example updateStatsF32(rt, p, snapshot, out, 0);
 */
export function updateStatsF32(
  rt: WasmRuntime,
  p: Float32Array,
  q: Float32Array,
  out: Float64Array,
  at: number,
): void {
  const n = p.length;
  const outPtr = rt.scratchBase;
  const pPtr = align(outPtr + 32);
  const qPtr = align(pPtr + (rt.addressOf(p, 0) >= 0 ? 0 : n * 4));
  rt.ensureBytes(align(qPtr + (rt.addressOf(q, 0) >= 0 ? 0 : n * 4)));
  const pA = rt.input(p, n, pPtr);
  const qA = rt.input(q, n, qPtr);
  rt.ex.updateStatsF32(pA, qA, n, outPtr);
  const f64 = rt.heap64;
  const o = outPtr >> 3;
  out[at] = f64[o] as number;
  out[at + 1] = f64[o + 1] as number;
  out[at + 2] = f64[o + 2] as number;
}

/**
 * dst ← src for float32 arrays of one length: memory.copy (the engine's memmove) when both are
 * resident, else TypedArray.set (a copy between shared-memory views is much slower: V8 copies
 * shared buffers element by element).
 * @example copyF32(rt, snapshot, p);
 */
export function copyF32(rt: WasmRuntime, dst: Float32Array, src: Float32Array): void {
  const d = rt.addressOf(dst, 0);
  const s = rt.addressOf(src, 0);
  if (d >= 0 && s >= 0) rt.ex.copyF32(d, s, src.length);
  else dst.set(src);
}
