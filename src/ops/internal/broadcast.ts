import type { TypedArray } from '../../tensor/dtype.js';
import { sizeOf, stridesOf, type Shape } from '../../tensor/shape.js';

/** Binary elementwise operations with a specialised inner loop each. */
export const BinOp = {
  Add: 0,
  Sub: 1,
  Mul: 2,
  Div: 3,
  Pow: 4,
  Max: 5,
  Min: 6,
  Eq: 7,
  Ne: 8,
  Lt: 9,
  Le: 10,
  Gt: 11,
  Ge: 12,
} as const;
/** One of the {@link BinOp} codes. */
export type BinOp = (typeof BinOp)[keyof typeof BinOp];

function inner(
  op: BinOp,
  a: TypedArray,
  ai: number,
  sa: number,
  b: TypedArray,
  bi: number,
  sb: number,
  out: TypedArray,
  oi: number,
  n: number,
): void {
  switch (op) {
    case BinOp.Add:
      for (let k = 0; k < n; k++)
        out[oi + k] = (a[ai + k * sa] as number) + (b[bi + k * sb] as number);
      break;
    case BinOp.Sub:
      for (let k = 0; k < n; k++)
        out[oi + k] = (a[ai + k * sa] as number) - (b[bi + k * sb] as number);
      break;
    case BinOp.Mul:
      for (let k = 0; k < n; k++)
        out[oi + k] = (a[ai + k * sa] as number) * (b[bi + k * sb] as number);
      break;
    case BinOp.Div:
      for (let k = 0; k < n; k++)
        out[oi + k] = (a[ai + k * sa] as number) / (b[bi + k * sb] as number);
      break;
    case BinOp.Pow:
      for (let k = 0; k < n; k++)
        out[oi + k] = Math.pow(a[ai + k * sa] as number, b[bi + k * sb] as number);
      break;
    case BinOp.Max:
      for (let k = 0; k < n; k++) {
        const x = a[ai + k * sa] as number;
        const y = b[bi + k * sb] as number;
        out[oi + k] = x >= y || Number.isNaN(x) ? x : y;
      }
      break;
    case BinOp.Min:
      for (let k = 0; k < n; k++) {
        const x = a[ai + k * sa] as number;
        const y = b[bi + k * sb] as number;
        out[oi + k] = x <= y || Number.isNaN(x) ? x : y;
      }
      break;
    case BinOp.Eq:
      for (let k = 0; k < n; k++) out[oi + k] = a[ai + k * sa] === b[bi + k * sb] ? 1 : 0;
      break;
    case BinOp.Ne:
      for (let k = 0; k < n; k++) out[oi + k] = a[ai + k * sa] !== b[bi + k * sb] ? 1 : 0;
      break;
    case BinOp.Lt:
      for (let k = 0; k < n; k++)
        out[oi + k] = (a[ai + k * sa] as number) < (b[bi + k * sb] as number) ? 1 : 0;
      break;
    case BinOp.Le:
      for (let k = 0; k < n; k++)
        out[oi + k] = (a[ai + k * sa] as number) <= (b[bi + k * sb] as number) ? 1 : 0;
      break;
    case BinOp.Gt:
      for (let k = 0; k < n; k++)
        out[oi + k] = (a[ai + k * sa] as number) > (b[bi + k * sb] as number) ? 1 : 0;
      break;
    case BinOp.Ge:
      for (let k = 0; k < n; k++)
        out[oi + k] = (a[ai + k * sa] as number) >= (b[bi + k * sb] as number) ? 1 : 0;
      break;
  }
}

/** Strides of `shape` aligned to an `ndim`-axis output, 0 on broadcast axes. */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const nd = outShape.length;
  const st = stridesOf(shape);
  const res = new Array<number>(nd).fill(0);
  for (let i = 0; i < shape.length; i++) {
    const oi = nd - shape.length + i;
    res[oi] = shape[i] === 1 && outShape[oi] !== 1 ? 0 : (st[i] as number);
  }
  return res;
}

/**
 * An array with its shape: a broadcast operand or output. A Tensor is one, so call sites pass
 * their tensors and nothing is allocated per call.
 */
export interface Operand {
  readonly data: TypedArray;
  readonly shape: Shape;
}

/**
 * out = a (op) b with NumPy broadcasting to `out.shape` (already validated). The innermost axis
 * runs a specialised loop; outer axes advance an odometer, so there is no per-element index math.
 * @example broadcastBinary(BinOp.Add, x, bias, out) // tensors: out = x + bias broadcast
 */
export function broadcastBinary(op: BinOp, x: Operand, y: Operand, z: Operand): void {
  const { data: a, shape: aShape } = x;
  const { data: b, shape: bShape } = y;
  const { data: out, shape: outShape } = z;
  const size = sizeOf(outShape);
  if (size === 0) return;
  const nd = outShape.length;
  if (nd === 0 || (a.length === size && b.length === size)) {
    inner(op, a, 0, 1, b, 0, 1, out, 0, size);
    return;
  }
  if (a.length === 1 || b.length === 1) {
    inner(op, a, 0, a.length === 1 ? 0 : 1, b, 0, b.length === 1 ? 0 : 1, out, 0, size);
    return;
  }
  const sa = broadcastStrides(aShape, outShape);
  const sb = broadcastStrides(bShape, outShape);
  const n = outShape[nd - 1] as number;
  const isa = sa[nd - 1] as number;
  const isb = sb[nd - 1] as number;
  const idx = new Array<number>(nd).fill(0);
  let ai = 0;
  let bi = 0;
  for (let oi = 0; oi < size; oi += n) {
    inner(op, a, ai, isa, b, bi, isb, out, oi, n);
    for (let ax = nd - 2; ax >= 0; ax--) {
      const d = outShape[ax] as number;
      idx[ax] = (idx[ax] as number) + 1;
      ai += sa[ax] as number;
      bi += sb[ax] as number;
      if ((idx[ax] as number) < d) break;
      idx[ax] = 0;
      ai -= (sa[ax] as number) * d;
      bi -= (sb[ax] as number) * d;
    }
  }
}

/**
 * Sums `src` (of `srcShape`) down to `dstShape`, the adjoint of broadcasting `dstShape` to
 * `srcShape`: every source element is added to the destination element it was broadcast from.
 */
export function sumToShape(
  src: TypedArray,
  srcShape: Shape,
  dst: TypedArray,
  dstShape: Shape,
): void {
  dst.fill(0);
  const size = src.length;
  if (size === 0) return;
  if (dst.length === size) {
    dst.set(src);
    return;
  }
  if (dst.length === 1) {
    let s = 0;
    for (let i = 0; i < size; i++) s += src[i] as number;
    dst[0] = s;
    return;
  }
  const nd = srcShape.length;
  const sd = broadcastStrides(dstShape, srcShape);
  const n = srcShape[nd - 1] as number;
  const isd = sd[nd - 1] as number;
  const idx = new Array<number>(nd).fill(0);
  let di = 0;
  for (let si = 0; si < size; si += n) {
    if (isd === 0) {
      let s = 0;
      for (let k = 0; k < n; k++) s += src[si + k] as number;
      dst[di] = (dst[di] as number) + s;
    } else {
      for (let k = 0; k < n; k++) dst[di + k] = (dst[di + k] as number) + (src[si + k] as number);
    }
    for (let ax = nd - 2; ax >= 0; ax--) {
      const d = srcShape[ax] as number;
      idx[ax] = (idx[ax] as number) + 1;
      di += sd[ax] as number;
      if ((idx[ax] as number) < d) break;
      idx[ax] = 0;
      di -= (sd[ax] as number) * d;
    }
  }
}
