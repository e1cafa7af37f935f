import type { TypedArray } from '../tensor/dtype.js';

// Hot loops live in small top-level functions rather than inside `update` closures: V8 then
// optimizes each as a whole function with stable type feedback, instead of on-stack-replacing a
// loop inside a large function and deoptimizing at its tail on every call (which measured 4–5×
// slower on a 1M-parameter Adam step).

/**
 * d ← c·d.
 * @example scaleInPlace(u.data, -lr)
 */
export function scaleInPlace(d: TypedArray, c: number): void {
  for (let i = 0; i < d.length; i++) d[i] = c * (d[i] as number);
}

/**
 * d ← k[at]·d, the factor read from a Float64Array: a per-step factor passed as a number argument
 * to a call V8 does not inline would be boxed (an allocation per call).
 * @example coef[0] = -lr; scaleInPlaceAt(u.data, coef, 0);
 */
export function scaleInPlaceAt(d: TypedArray, k: Float64Array, at: number): void {
  const c = k[at] as number;
  for (let i = 0; i < d.length; i++) d[i] = c * (d[i] as number);
}

/**
 * Multiplies d by k[at] in place, with the factor rounded to float32 first when d is float32
 * (the product of two float32 numbers, rounded once: the bits of a float32 multiply, hence of a
 * fused kernel that folds the factor in — see GradientTransformation.scaleOf; PyTorch's
 * clip_grad_norm_ also multiplies by a float32 coefficient).
 * @example k[0] = coef; scaleInPlaceRounded(g.data, k, 0);
 */
export function scaleInPlaceRounded(d: TypedArray, k: Float64Array, at: number): void {
  const c = d instanceof Float32Array ? Math.fround(k[at] as number) : (k[at] as number);
  for (let i = 0; i < d.length; i++) d[i] = c * (d[i] as number);
}

/**
 * u ← u + a·p.
 * @example addScaledInPlace(u.data, weightDecay, p.data) // u += λ·p
 */
export function addScaledInPlace(u: TypedArray, a: number, p: TypedArray): void {
  for (let i = 0; i < u.length; i++) u[i] = (u[i] as number) + a * (p[i] as number);
}

/**
 * p ← p + u.
 * @example addInPlace(p.data, u.data) // p += u
 */
export function addInPlace(p: TypedArray, u: TypedArray): void {
  for (let i = 0; i < p.length; i++) p[i] = (p[i] as number) + (u[i] as number);
}

/**
 * Number of NaN and ±Inf elements.
 * @example countNonFiniteIn(new Float32Array([1, NaN, Infinity])) // 2
 */
export function countNonFiniteIn(d: TypedArray): number {
  let bad = 0;
  for (let i = 0; i < d.length; i++) {
    const x = d[i] as number;
    // x − x is 0 for finite x and NaN for NaN and ±Inf: one test for both.
    if (x - x !== 0) bad++;
  }
  return bad;
}
