import { namesOf } from '../optim/names.js';
import type { Params } from '../optim/types.js';

/** A norm order: a positive number p (1, 2, …) or 'inf' (max |x|). */
export type NormType = number | 'inf';

/**
 * The p-norm of one array: (Σ|x|^p)^{1/p}, max|x| for 'inf'; accumulated in float64.
 * @example vectorNorm(new Float64Array([3, 4]), 2) // 5
 */
export function vectorNorm(x: Float32Array | Float64Array, p: NormType, start = 0, end = x.length): number {
  if (p === 'inf') {
    let m = 0;
    for (let i = start; i < end; i++) {
      const a = Math.abs(x[i] as number);
      // NaN must win, as in torch.max.
      if (a > m || a !== a) m = a;
    }
    return m;
  }
  if (p === 2) {
    let s = 0;
    for (let i = start; i < end; i++) {
      const v = x[i] as number;
      s += v * v;
    }
    return Math.sqrt(s);
  }
  if (p === 1) {
    let s = 0;
    for (let i = start; i < end; i++) s += Math.abs(x[i] as number);
    return s;
  }
  let s = 0;
  for (let i = start; i < end; i++) s += Math.abs(x[i] as number) ** p;
  return s ** (1 / p);
}

/**
 * The norm of all updates together, as torch.nn.utils.clip_grad_norm_ computes it: the p-norm of
 * the per-tensor p-norms (their maximum for 'inf').
 * @example globalNorm(grads, 2)
 */
export function globalNorm(updates: Params, p: NormType): number {
  const names = namesOf(updates);
  let acc = 0;
  for (let k = 0; k < names.length; k++) {
    const n = vectorNorm((updates[names[k] as string] as { data: Float32Array | Float64Array }).data, p);
    if (p === 'inf') {
      if (n > acc || n !== n) acc = n;
    } else if (p === 2) acc += n * n;
    else if (p === 1) acc += n;
    else acc += n ** p;
  }
  if (p === 'inf' || p === 1) return acc;
  if (p === 2) return Math.sqrt(acc);
  return acc ** (1 / p);
}

/** Multiplies every update by `factor` in place. */
export function scaleAll(updates: Params, factor: number): void {
  const names = namesOf(updates);
  for (let k = 0; k < names.length; k++) {
    const d = (updates[names[k] as string] as { data: Float32Array | Float64Array }).data;
    for (let i = 0; i < d.length; i++) d[i] = (d[i] as number) * factor;
  }
}

/**
 * PyTorch's clipping coefficient: maxNorm/(total + 1e-6), capped at 1 (the 1e-6 keeps the division
 * finite for zero gradients; the clipped norm is then slightly below maxNorm).
 */
export function torchClipCoef(total: number, maxNorm: number): number {
  const coef = maxNorm / (total + 1e-6);
  // Math.min would turn a NaN coefficient (NaN total) into NaN as torch.clamp does; keep that.
  return coef < 1 || coef !== coef ? coef : 1;
}
