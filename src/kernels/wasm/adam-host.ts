import { ShapeError } from '../../errors.js';
import { alignBytes as align } from './heap.js';
import { needsFloat64UpdateSums } from '../grad-stats.js';
import type { AdamArgs } from '../types.js';
import type { WasmRuntime } from './runtime.js';

// The Adam family on the wasm runtime: one fused float32 Adam step (assembly/adam.ts).

/**
 * One float32 Adam step over n = g.length elements with the SIMD kernel (assembly/adam.ts):
 * copies g, m, v (and p when given) into scratch memory, runs, and copies m, v and then p
 * (p ← p + u, the fused step) or g (g ← u, the update) back. With `stats` (and p) the kernel
 * adamStatsF32 also measures the update (see AdamArgs.stats). `coef` holds the float32
 * coefficients [sign, β1, 1−β1, β2, 1−β2, stepScaled, epsScaled], stepScaled =
 * −α·√(1−β2^t)/(1−β1^t), epsScaled = ε·√(1−β2^t).
 * @example adamF32(rt, { p, g, m, v, coef }); // p += Adam update, m and v advanced
 * @see Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.
 */
export function adamF32(rt: WasmRuntime, a: AdamArgs): void {
  const { p, g, m, v, coef } = a;
  const n = g.length;
  if (m.length !== n || v.length !== n || (p !== null && p.length !== n) || coef.length < 8) {
    throw new ShapeError(
      `WasmKernels.adamF32: g, m, v${p ? ', p' : ''} must have the same length and coef 8 values, got ${n}, ${m.length}, ${v.length}${p ? `, ${p.length}` : ''} and ${coef.length}`,
    );
  }
  const coefPtr = rt.scratchBase;
  // the 8 coefficients, then (with stats) the kernel's six float64 sums
  const outPtr = align(coefPtr + 32);
  const gPtr = align(outPtr + 48);
  const mPtr = align(gPtr + n * 4);
  const vPtr = align(mPtr + n * 4);
  const pPtr = align(vPtr + n * 4);
  rt.ensureBytes(align(pPtr + (p === null ? 0 : n * 4)));
  rt.heap.set(coef.subarray(0, 8), coefPtr >> 2);
  // Resident arrays (a parameter arena, Adam moments from allocResident) are used in place.
  const gA = rt.target(g, n, gPtr, true);
  const mA = rt.target(m, n, mPtr, true);
  const vA = rt.target(v, n, vPtr, true);
  const pA = p === null ? pPtr : rt.target(p, n, pPtr, true);
  const stats = p === null ? null : (a.stats ?? null);
  if (stats === null) rt.ex.adamF32(pA, gA, mA, vA, n, coefPtr, p === null ? 0 : 1);
  else {
    // the float32-order sums, then the float64 ones: the fallback of finishUpdateStats
    rt.ex.adamStatsF32(pA, gA, mA, vA, n, coefPtr, outPtr);
    const f64 = rt.heap64;
    const o = outPtr >> 3;
    const fallback = needsFloat64UpdateSums(f64, o);
    for (let j = 0; j < 3; j++) stats[j] = f64[o + j + (fallback ? 3 : 0)] as number;
  }
  rt.output(mA, m, n);
  rt.output(vA, v, n);
  if (p !== null) rt.output(pA, p, n);
  else rt.output(gA, g, n);
}
