import { DataError, ShapeError, fmt } from '../errors.js';
import { record } from '../autograd/tape.js';
import { allocData, assertDtype, type DType, type TypedArray } from '../tensor/dtype.js';
import {
  broadcastShapes,
  normalizeAxis,
  shapesEqual,
  sizeOf,
  stridesOf,
  type Shape,
} from '../tensor/shape.js';
import { Tensor, assertSameDtype } from '../tensor/tensor.js';
import { BinOp, broadcastBinary, sumToShape } from './internal/broadcast.js';
import { invertPerm, permuteKernel } from './internal/permute.js';
import { linearMap, sumTo } from './internal/graph-vjp.js';
import { newTensor } from './internal/util.js';

/**
 * Same data, new shape (one entry may be −1, inferred). The result shares storage with `x`
 * (a view, as in PyTorch); ∂/∂x = g reshaped back.
 * @example reshape(x, [-1, 28 * 28])
 */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const s = [...shape];
  const neg = s.filter((d) => d === -1).length;
  if (neg > 1 || s.some((d) => !Number.isInteger(d) || d < -1)) {
    throw new ShapeError(
      `reshape(): shape must hold non-negative integers and at most one -1, got ${fmt(shape)}`,
    );
  }
  if (neg === 1) {
    const known = s.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const i = s.indexOf(-1);
    if (known === 0 || x.size % known !== 0)
      throw new ShapeError(
        `reshape(): cannot infer -1 in ${fmt(shape)} for ${x.size} elements (shape ${fmt(x.shape)})`,
      );
    s[i] = x.size / known;
  }
  if (sizeOf(s) !== x.size)
    throw new ShapeError(
      `reshape(): shape ${fmt(shape)} has ${sizeOf(s)} elements but x of shape ${fmt(x.shape)} has ${x.size}`,
    );
  const out = new Tensor(x.data, s);
  return record(
    'reshape',
    out,
    [x],
    (g, _s, cg) => [cg ? reshape(g, x.shape) : new Tensor(g.data, x.shape)],
    true,
  );
}

/** Flattens axes start..end (inclusive) into one. */
export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeAxis(startAxis, x.ndim, 'startAxis');
  const e = normalizeAxis(endAxis, x.ndim, 'endAxis');
  if (e < s)
    throw new ShapeError(`flatten(): endAxis (${endAxis}) comes before startAxis (${startAxis})`);
  const mid = x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
  return reshape(x, [...x.shape.slice(0, s), mid, ...x.shape.slice(e + 1)]);
}

/** Inserts a size-1 axis at `axis`. */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis(axis, x.ndim + 1);
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/** Removes size-1 axes (all of them, or the given one). */
export function squeeze(x: Tensor, axis?: number): Tensor {
  if (axis === undefined)
    return reshape(
      x,
      x.shape.filter((d) => d !== 1),
    );
  const a = normalizeAxis(axis, x.ndim);
  if (x.shape[a] !== 1)
    throw new ShapeError(`squeeze(): axis ${axis} has size ${x.shape[a]}, expected 1`);
  return reshape(
    x,
    x.shape.filter((_, i) => i !== a),
  );
}

/**
 * Reorders axes: output axis i is input axis perm[i] (a contiguous copy). ∂/∂x = g permuted by
 * the inverse permutation.
 */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  if (perm.length !== x.ndim)
    throw new ShapeError(
      `permute(): perm ${fmt(perm)} must list all ${x.ndim} axes of shape ${fmt(x.shape)}`,
    );
  const p = perm.map((a) => normalizeAxis(a, x.ndim, 'perm'));
  if (new Set(p).size !== p.length)
    throw new ShapeError(`permute(): perm ${fmt(perm)} repeats an axis`);
  const outShape = p.map((a) => x.shape[a] as number);
  const out = newTensor(x.dtype, outShape);
  permuteKernel(x.data, x.shape, p, out.data);
  const inv = invertPerm(p);
  return record(
    'permute',
    out,
    [x],
    (g, _s, cg) => {
      if (cg) return [permute(g, inv)];
      const gx = newTensor(g.dtype, x.shape);
      permuteKernel(g.data, outShape, inv, gx.data);
      return [gx];
    },
    true,
  );
}

/** Swaps two axes (default: the last two, i.e. the matrix transpose). */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  if (x.ndim < 2) return reshape(x, x.shape);
  const a = normalizeAxis(axis0, x.ndim, 'axis0');
  const b = normalizeAxis(axis1, x.ndim, 'axis1');
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/** Broadcasts to `shape` (NumPy rules) as a copy; ∂/∂x = g summed over broadcast axes. */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  const target = broadcastShapes(x.shape, shape);
  if (!shapesEqual(target, shape))
    throw new ShapeError(`broadcastTo(): cannot broadcast ${fmt(x.shape)} to ${fmt(shape)}`);
  const out = newTensor(x.dtype, shape);
  broadcastBinary(BinOp.Add, x.data, x.shape, out.data, shape, out.data, shape);
  return record(
    'broadcastTo',
    out,
    [x],
    (g, _s, cg) => {
      if (cg) return [sumTo(g, x.shape)];
      const gx = newTensor(g.dtype, x.shape);
      sumToShape(g.data, shape, gx.data, x.shape);
      return [gx];
    },
    true,
  );
}

/** Concatenates along an existing axis; all other sizes must match. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  const first = tensors[0];
  if (!first) throw new ShapeError('concat(): expected at least one tensor');
  assertSameDtype('concat', ...tensors);
  const a = normalizeAxis(axis, first.ndim);
  tensors.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((d, k) => k !== a && d !== first.shape[k])) {
      throw new ShapeError(
        `concat(): tensor ${i} has shape ${fmt(t.shape)}, incompatible with ${fmt(first.shape)} along axis ${a}`,
      );
    }
  });
  const outShape = [...first.shape];
  outShape[a] = tensors.reduce((s, t) => s + (t.shape[a] as number), 0);
  const out = newTensor(first.dtype, outShape);
  const outer = first.shape.slice(0, a).reduce((x, y) => x * y, 1);
  const inner = first.shape.slice(a + 1).reduce((x, y) => x * y, 1);
  const rowOut = (outShape[a] as number) * inner;
  let off = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    const chunk = (t.shape[a] as number) * inner;
    offsets.push(off);
    for (let o = 0; o < outer; o++)
      out.data.set(t.data.subarray(o * chunk, (o + 1) * chunk), o * rowOut + off);
    off += chunk;
  }
  return record(
    'concat',
    out,
    tensors,
    (g, _s, cg) =>
      tensors.map((t, i) => {
        if (!t.requiresGrad) return null;
        if (cg) return narrow(g, a, (offsets[i] as number) / inner, t.shape[a] as number);
        const chunk = (t.shape[a] as number) * inner;
        const gt = newTensor(g.dtype, t.shape);
        const o0 = offsets[i] as number;
        for (let o = 0; o < outer; o++)
          gt.data.set(g.data.subarray(o * rowOut + o0, o * rowOut + o0 + chunk), o * chunk);
        return gt;
      }),
    true,
  );
}

/** Stacks equal-shaped tensors along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  const first = tensors[0];
  if (!first) throw new ShapeError('stack(): expected at least one tensor');
  tensors.forEach((t, i) => {
    if (!shapesEqual(t.shape, first.shape))
      throw new ShapeError(
        `stack(): tensor ${i} has shape ${fmt(t.shape)}, expected ${fmt(first.shape)}`,
      );
  });
  const a = normalizeAxis(axis, first.ndim + 1);
  return concat(
    tensors.map((t) => unsqueeze(t, a)),
    a,
  );
}

/**
 * Slice along one axis: elements start..start+length−1 (PyTorch's narrow). ∂/∂x scatters g back
 * into zeros.
 */
export function narrow(x: Tensor, axis: number, start: number, length: number): Tensor {
  const a = normalizeAxis(axis, x.ndim);
  const d = x.shape[a] as number;
  if (start < 0) start += d;
  if (
    !Number.isInteger(start) ||
    !Number.isInteger(length) ||
    start < 0 ||
    length < 0 ||
    start + length > d
  ) {
    throw new ShapeError(
      `narrow(): start ${fmt(start)} and length ${fmt(length)} out of range for axis ${a} of size ${d} (shape ${fmt(x.shape)})`,
    );
  }
  const outShape = [...x.shape];
  outShape[a] = length;
  const outer = x.shape.slice(0, a).reduce((p, q) => p * q, 1);
  const inner = x.shape.slice(a + 1).reduce((p, q) => p * q, 1);
  const out = newTensor(x.dtype, outShape);
  const chunk = length * inner;
  for (let o = 0; o < outer; o++)
    out.data.set(
      x.data.subarray(o * d * inner + start * inner, o * d * inner + start * inner + chunk),
      o * chunk,
    );
  const place = (src: TypedArray, dst: TypedArray): void => {
    for (let o = 0; o < outer; o++)
      dst.set(src.subarray(o * chunk, (o + 1) * chunk), o * d * inner + start * inner);
  };
  const take = (src: TypedArray, dst: TypedArray): void => {
    for (let o = 0; o < outer; o++)
      dst.set(
        src.subarray(o * d * inner + start * inner, o * d * inner + start * inner + chunk),
        o * chunk,
      );
  };
  return record(
    'narrow',
    out,
    [x],
    (g, _s, cg) => {
      if (cg) return [linearMap('narrowBackward', g, x.shape, place, take)];
      const gx = newTensor(g.dtype, x.shape);
      place(g.data, gx.data);
      return [gx];
    },
    true,
  );
}

/**
 * Multi-axis slice: for each axis, [start, end) (negative indices count from the end; missing
 * entries take the whole axis).
 * @example slice(x, [0, 1], [2, 3]) // x[0:2, 1:3]
 */
export function slice(
  x: Tensor,
  starts: readonly number[],
  ends?: readonly (number | undefined)[],
): Tensor {
  let out = x;
  for (let a = 0; a < starts.length; a++) {
    const d = x.shape[a];
    if (d === undefined)
      throw new ShapeError(
        `slice(): ${starts.length} starts given for a tensor of shape ${fmt(x.shape)}`,
      );
    let s = starts[a] as number;
    let e = ends?.[a] ?? d;
    if (s < 0) s += d;
    if (e < 0) e += d;
    e = Math.min(e, d);
    if (s > e || s < 0)
      throw new ShapeError(
        `slice(): axis ${a}: start ${starts[a]} / end ${ends?.[a]} out of range for size ${d}`,
      );
    if (s !== 0 || e !== d) out = narrow(out, a, s, e - s);
  }
  return out;
}

/** Splits into pieces of `sizes` (or `n` equal pieces) along `axis`. */
export function split(x: Tensor, sizesOrCount: number | readonly number[], axis = 0): Tensor[] {
  const a = normalizeAxis(axis, x.ndim);
  const d = x.shape[a] as number;
  let sizes: number[];
  if (typeof sizesOrCount === 'number') {
    if (!Number.isInteger(sizesOrCount) || sizesOrCount <= 0 || d % sizesOrCount !== 0) {
      throw new ShapeError(
        `split(): cannot split axis ${a} of size ${d} into ${fmt(sizesOrCount)} equal pieces`,
      );
    }
    sizes = new Array<number>(sizesOrCount).fill(d / sizesOrCount);
  } else sizes = [...sizesOrCount];
  if (sizes.reduce((p, q) => p + q, 0) !== d)
    throw new ShapeError(`split(): sizes ${fmt(sizes)} do not add up to axis ${a}'s size ${d}`);
  let start = 0;
  return sizes.map((s) => {
    const t = narrow(x, a, start, s);
    start += s;
    return t;
  });
}

function toIndexArray(
  indices: Tensor | Int32Array | readonly number[],
  bound: number,
  argName: string,
): Int32Array {
  const src = indices instanceof Tensor ? indices.data : indices;
  const out = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i] as number;
    if (!Number.isInteger(v) || v < -bound || v >= bound)
      throw new DataError(`${argName}[${i}] = ${fmt(v)} is out of range for a size-${bound} axis`);
    out[i] = v < 0 ? v + bound : v;
  }
  return out;
}

/** Selects entries `indices` along `axis` (repeats allowed); ∂/∂x scatter-adds g back. */
export function indexSelect(
  x: Tensor,
  axis: number,
  indices: Tensor | Int32Array | readonly number[],
): Tensor {
  const a = normalizeAxis(axis, x.ndim);
  const d = x.shape[a] as number;
  const idx = toIndexArray(indices, d, 'indices');
  const outer = x.shape.slice(0, a).reduce((p, q) => p * q, 1);
  const inner = x.shape.slice(a + 1).reduce((p, q) => p * q, 1);
  const outShape = [...x.shape];
  outShape[a] = idx.length;
  const out = newTensor(x.dtype, outShape);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < idx.length; j++) {
      const src = (o * d + (idx[j] as number)) * inner;
      out.data.set(x.data.subarray(src, src + inner), (o * idx.length + j) * inner);
    }
  }
  const scatter = (gd: TypedArray, gxd: TypedArray): void => {
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < idx.length; j++) {
        const dst = (o * d + (idx[j] as number)) * inner;
        const src = (o * idx.length + j) * inner;
        for (let i = 0; i < inner; i++)
          gxd[dst + i] = (gxd[dst + i] as number) + (gd[src + i] as number);
      }
    }
  };
  const select = (xd: TypedArray, od: TypedArray): void => {
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < idx.length; j++) {
        const src = (o * d + (idx[j] as number)) * inner;
        od.set(xd.subarray(src, src + inner), (o * idx.length + j) * inner);
      }
  };
  return record(
    'indexSelect',
    out,
    [x],
    (g, _s, cg) => {
      if (cg) return [linearMap('indexSelectBackward', g, x.shape, scatter, select)];
      const gx = newTensor(g.dtype, x.shape);
      scatter(g.data, gx.data);
      return [gx];
    },
    true,
  );
}

/**
 * PyTorch's gather: out[i][j][k] = x[index[i][j][k]][j][k] for axis 0 (likewise for other axes);
 * `index` has x's rank and sizes ≤ x's on the other axes. ∂/∂x scatter-adds g.
 */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  const a = normalizeAxis(axis, x.ndim);
  if (index.ndim !== x.ndim)
    throw new ShapeError(`gather(): index has rank ${index.ndim} but x has rank ${x.ndim}`);
  index.shape.forEach((s, k) => {
    if (k !== a && s > (x.shape[k] as number))
      throw new ShapeError(
        `gather(): index shape ${fmt(index.shape)} exceeds x shape ${fmt(x.shape)} on axis ${k}`,
      );
  });
  const d = x.shape[a] as number;
  const idx = toIndexArray(index, d, 'index');
  const xs = stridesOf(x.shape);
  const is = stridesOf(index.shape);
  const src = new Int32Array(idx.length);
  for (let flat = 0; flat < idx.length; flat++) {
    let rem = flat;
    let off = 0;
    for (let k = 0; k < index.ndim; k++) {
      const c = Math.floor(rem / (is[k] as number));
      rem -= c * (is[k] as number);
      off += (k === a ? (idx[flat] as number) : c) * (xs[k] as number);
    }
    src[flat] = off;
  }
  const out = newTensor(x.dtype, index.shape);
  for (let i = 0; i < src.length; i++) out.data[i] = x.data[src[i] as number] as number;
  const scatter = (gd: TypedArray, gxd: TypedArray): void => {
    for (let i = 0; i < src.length; i++)
      gxd[src[i] as number] = (gxd[src[i] as number] as number) + (gd[i] as number);
  };
  const pick = (xd: TypedArray, od: TypedArray): void => {
    for (let i = 0; i < src.length; i++) od[i] = xd[src[i] as number] as number;
  };
  return record(
    'gather',
    out,
    [x],
    (g, _s, cg) => {
      if (cg) return [linearMap('gatherBackward', g, x.shape, scatter, pick)];
      const gx = newTensor(g.dtype, x.shape);
      scatter(g.data, gx.data);
      return [gx];
    },
    true,
  );
}

/** Converts to another dtype (differentiable: the gradient is converted back). */
export function astype(x: Tensor, dtype: DType): Tensor {
  assertDtype(dtype, 'dtype');
  if (x.dtype === dtype) return x;
  const data = allocData(dtype, x.size);
  data.set(x.data);
  const out = new Tensor(data, x.shape);
  return record(
    'astype',
    out,
    [x],
    (g, _s, cg) => {
      if (cg) return [astype(g, x.dtype)];
      const gd = allocData(x.dtype, g.size);
      gd.set(g.data);
      return [new Tensor(gd, x.shape)];
    },
    true,
  );
}
