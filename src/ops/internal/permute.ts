import type { TypedArray } from '../../tensor/dtype.js';
import { sizeOf, stridesOf, type Shape } from '../../tensor/shape.js';

/**
 * out = x permuted: out axis i is input axis perm[i]. Walks the output in order with an odometer
 * over the permuted input strides; the innermost axis is a strided copy.
 */
export function permuteKernel(
  x: TypedArray,
  shape: Shape,
  perm: readonly number[],
  out: TypedArray,
): void {
  const nd = shape.length;
  const size = sizeOf(shape);
  if (size === 0) return;
  if (nd === 0) {
    out[0] = x[0] as number;
    return;
  }
  const inStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p] as number);
  const st = perm.map((p) => inStrides[p] as number);
  const n = outShape[nd - 1] as number;
  const s = st[nd - 1] as number;
  const idx = new Array<number>(nd).fill(0);
  let xi = 0;
  for (let oi = 0; oi < size; oi += n) {
    for (let k = 0; k < n; k++) out[oi + k] = x[xi + k * s] as number;
    for (let ax = nd - 2; ax >= 0; ax--) {
      const d = outShape[ax] as number;
      idx[ax] = (idx[ax] as number) + 1;
      xi += st[ax] as number;
      if ((idx[ax] as number) < d) break;
      idx[ax] = 0;
      xi -= (st[ax] as number) * d;
    }
  }
}

/** The inverse of a permutation. */
export function invertPerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}
