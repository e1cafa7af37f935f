import type { CrossEntropyBackwardArgs, CrossEntropyForwardArgs } from '../args.js';
import { expNonPositive } from './gate-math.js';
import { logPositive } from './log-positive.js';

// The softmax cross-entropy kernels' JS reference (ops/losses.ts crossEntropy runs on them):
// every value in double precision, rounded to the dtype once where it is stored. float32 uses
// exp and log built from IEEE double operations (gate-math.ts expNonPositive, log-positive.ts),
// which the native kernel (native/src/losses.c) reproduces bit for bit; float64 keeps Math.exp
// and Math.log (their full double accuracy; float64 runs here on every backend).

type Exp = (x: number) => number;

/**
 * Softmax cross-entropy forward over [n, c] logits (Kernels.crossEntropyForward): per row,
 * m = max_k z_k (0 when all are −∞), lse = m + ln Σ_k e^(z_k − m) (k in order), and for a
 * non-ignored row ℓ = (1 − ε)·w_y·(lse − z_y) + (ε/c)·Σ_k w_k·(lse − z_k); sums[0] = Σ ℓ and
 * sums[1] = Σ w_y over the non-ignored rows, in row order.
 * @example crossEntropyForwardJs({ z, targets, n, c, ignoreIndex: -100, weight: null, labelSmoothing: 0, lse, perRow: null, sums });
 */
export function crossEntropyForwardJs(a: CrossEntropyForwardArgs): void {
  const f32 = a.z instanceof Float32Array;
  const exp: Exp = f32 ? expNonPositive : Math.exp;
  const log: Exp = f32 ? logPositive : Math.log;
  const { z, targets: t, n, c, ignoreIndex, weight: w, labelSmoothing: eps, lse, perRow } = a;
  let total = 0;
  let totalWeight = 0;
  for (let i = 0; i < n; i++) {
    const o = i * c;
    let m = -Infinity;
    for (let k = 0; k < c; k++) m = Math.max(m, z[o + k] as number);
    if (m === -Infinity) m = 0; // all −∞: keep the arithmetic below NaN-free where it can be
    let s = 0;
    for (let k = 0; k < c; k++) s += exp((z[o + k] as number) - m);
    const l = m + log(s);
    lse[i] = l;
    const y = t[i] as number;
    if (y === ignoreIndex) {
      if (perRow !== null) perRow[i] = 0;
      continue;
    }
    const wy = w !== null ? (w[y] as number) : 1;
    let li = (1 - eps) * wy * (l - (z[o + y] as number));
    if (eps > 0) {
      let smooth = 0;
      for (let k = 0; k < c; k++)
        smooth += (w !== null ? (w[k] as number) : 1) * (l - (z[o + k] as number));
      li += (eps / c) * smooth;
    }
    totalWeight += wy;
    total += li;
    if (perRow !== null) perRow[i] = li;
  }
  a.sums[0] = total;
  a.sums[1] = totalWeight;
}

/**
 * Its VJP (Kernels.crossEntropyBackward): for a non-ignored row with upstream scale s
 * (g[i] when given, else `scale`), dz_k = e^(z_k − lse)·M − (s·ε/c)·w_k with the row's target
 * mass M = s·(1 − ε)·w_y + (s·ε/c)·Σ_k w_k, then dz_y −= s·(1 − ε)·w_y; ignored rows get zeros.
 * @example crossEntropyBackwardJs({ z, targets, n, c, ignoreIndex: -100, weight: null, labelSmoothing: 0, lse, scale: 1 / n, g: null, dz });
 */
export function crossEntropyBackwardJs(a: CrossEntropyBackwardArgs): void {
  const exp: Exp = a.z instanceof Float32Array ? expNonPositive : Math.exp;
  const { z, targets: t, n, c, ignoreIndex, weight: w, labelSmoothing: eps, lse, g, dz } = a;
  let sumW = c;
  if (w !== null) {
    sumW = 0;
    for (let k = 0; k < c; k++) sumW += w[k] as number;
  }
  for (let i = 0; i < n; i++) {
    const o = i * c;
    const y = t[i] as number;
    if (y === ignoreIndex) {
      for (let k = 0; k < c; k++) dz[o + k] = 0;
      continue;
    }
    const s = g !== null ? (g[i] as number) : a.scale;
    const l = lse[i] as number;
    const wy = w !== null ? (w[y] as number) : 1;
    const smoothCoef = (s * eps) / c;
    // Σ_c a_c: the target distribution's total mass (1 for an unweighted row).
    const mass = s * (1 - eps) * wy + smoothCoef * sumW;
    for (let k = 0; k < c; k++) {
      const p = exp((z[o + k] as number) - l);
      dz[o + k] = p * mass - smoothCoef * (w !== null ? (w[k] as number) : 1);
    }
    dz[o + y] = (dz[o + y] as number) - s * (1 - eps) * wy;
  }
}
