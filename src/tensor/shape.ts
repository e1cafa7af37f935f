import { ShapeError, fmt } from '../errors.js';

/** A tensor shape: sizes per axis, row-major. */
export type Shape = readonly number[];

/** Number of elements of a shape (1 for a scalar shape []). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C-order) strides of a contiguous tensor. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i] as number;
  }
  return s;
}

/** True when two shapes are equal axis by axis. */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Throws a ShapeError unless every entry is a non-negative integer. */
export function assertShape(shape: unknown, argName = 'shape'): asserts shape is Shape {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(
      `${argName}: expected an array of non-negative integers, got ${fmt(shape)}`,
    );
  }
}

/**
 * NumPy broadcasting: shapes are aligned on the right; sizes must be equal or one of them 1.
 * @example broadcastShapes([3, 1], [4]) // [3, 4]
 */
export function broadcastShapes(a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `cannot broadcast shapes ${fmt(a)} and ${fmt(b)} (axis ${i}: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Normalises a possibly negative axis into [0, ndim); throws a ShapeError naming the axis. */
export function normalizeAxis(axis: number, ndim: number, argName = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= Math.max(ndim, 1)) {
    throw new ShapeError(
      `${argName}: expected an integer in [${-ndim}, ${Math.max(ndim, 1) - 1}], got ${fmt(axis)}`,
    );
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Normalises a list of axes (or all axes when undefined), sorted and without duplicates. */
export function normalizeAxes(
  axes: number | readonly number[] | undefined,
  ndim: number,
  argName = 'axis',
): number[] {
  if (axes === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  const out = list.map((a) => normalizeAxis(a, ndim, argName));
  if (new Set(out).size !== out.length)
    throw new ShapeError(`${argName}: repeated axis in ${fmt(list)}`);
  return out.sort((x, y) => x - y);
}
