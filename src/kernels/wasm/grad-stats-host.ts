import { alignBytes as align } from './heap.js';
import type { WasmRuntime } from './runtime.js';

// The gradient statistics on the wasm runtime: one SIMD pass (assembly/grad-stats.ts).

/**
 * The fast pass of the gradient statistics over float32 `x` (assembly/grad-stats.ts): reads x in
 * place when it is resident (a parameter arena's gradient), else copies it into scratch, and
 * writes Σx², max |x| and the number of exact zeros to out[at], out[at + 1], out[at + 2].
 * @example gradStatsF32(rt, g, out, 0);
 */
export function gradStatsF32(rt: WasmRuntime, x: Float32Array, out: Float64Array, at: number): void {
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
