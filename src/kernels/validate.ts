import { DtypeError, ShapeError, fmt } from '../errors.js';
import type { TypedArray } from '../tensor/dtype.js';
import type { ConvGeometry } from './conv-geometry.js';
import type { GemmArgs } from './types.js';

function isFloatArray(x: unknown): x is TypedArray {
  return x instanceof Float32Array || x instanceof Float64Array;
}

function describe(x: unknown): string {
  return x === null || typeof x !== 'object' ? fmt(x) : (x.constructor?.name ?? 'object');
}

/**
 * Throws a ShapeError unless `value` is a non-negative integer.
 * @example checkCount('gemm', 'm', m);
 */
export function checkCount(fn: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new ShapeError(`${fn}: ${name} must be a non-negative integer, got ${fmt(value)}`);
  }
}

/**
 * Throws unless `arr` is a float typed array holding `size` elements from `offset`.
 * @example checkSpan('gemm', 'a', a, aOffset, m * k, 'm·k');
 */
export function checkSpan(
  fn: string,
  name: string,
  arr: unknown,
  offset: number,
  size: number,
  what: string,
): void {
  if (!isFloatArray(arr)) {
    throw new DtypeError(
      `${fn}: ${name} must be a Float32Array or Float64Array, got ${describe(arr)}`,
    );
  }
  checkCount(fn, `${name}Offset`, offset);
  if (offset + size > arr.length) {
    throw new ShapeError(
      `${fn}: ${name} needs ${what} = ${size} elements from ${name}Offset ${offset}, but ${name}.length is ${arr.length}`,
    );
  }
}

/**
 * Throws a DtypeError unless all arrays share one element type.
 * @example checkSameDtype('gemm', ['a', 'b', 'c'], [a, b, c]);
 */
export function checkSameDtype(
  fn: string,
  names: readonly string[],
  arrays: readonly TypedArray[],
): void {
  const first = arrays[0];
  for (let i = 1; i < arrays.length; i++) {
    const arr = arrays[i];
    if (first !== undefined && arr !== undefined && arr.constructor !== first.constructor) {
      throw new DtypeError(
        `${fn}: ${names[i]} is a ${arr.constructor.name} but ${names[0]} is a ${first.constructor.name}; expected one dtype`,
      );
    }
  }
}

/**
 * Throws a ShapeError when the written range of `out` overlaps the read range of `input`.
 * @example checkNoOverlap('gemm', 'c', c, cOffset, m * n, 'a', a, aOffset, m * k);
 */
export function checkNoOverlap(
  fn: string,
  outName: string,
  out: TypedArray,
  outOffset: number,
  outSize: number,
  inName: string,
  input: TypedArray,
  inOffset: number,
  inSize: number,
): void {
  if (out.buffer !== input.buffer || outSize === 0 || inSize === 0) return;
  const o0 = out.byteOffset + outOffset * out.BYTES_PER_ELEMENT;
  const o1 = o0 + outSize * out.BYTES_PER_ELEMENT;
  const i0 = input.byteOffset + inOffset * input.BYTES_PER_ELEMENT;
  const i1 = i0 + inSize * input.BYTES_PER_ELEMENT;
  if (o0 < i1 && i0 < o1) {
    throw new ShapeError(
      `${fn}: ${outName} overlaps ${inName} in memory; expected disjoint buffers (the kernel reads ${inName} while writing ${outName})`,
    );
  }
}

/**
 * Validates the arguments of a GEMM call (shapes, spans, dtypes, aliasing).
 * @example checkGemmArgs('gemm', args);
 */
export function checkGemmArgs(fn: string, args: GemmArgs): void {
  const { m, n, k, alpha, a, aOffset, b, bOffset, beta, c, cOffset } = args;
  checkCount(fn, 'm', m);
  checkCount(fn, 'n', n);
  checkCount(fn, 'k', k);
  if (typeof alpha !== 'number')
    throw new ShapeError(`${fn}: alpha must be a number, got ${fmt(alpha)}`);
  if (typeof beta !== 'number')
    throw new ShapeError(`${fn}: beta must be a number, got ${fmt(beta)}`);
  checkSpan(fn, 'a', a, aOffset, m * k, `m·k = ${m}·${k}`);
  checkSpan(fn, 'b', b, bOffset, k * n, `k·n = ${k}·${n}`);
  checkSpan(fn, 'c', c, cOffset, m * n, `m·n = ${m}·${n}`);
  checkSameDtype(fn, ['a', 'b', 'c'], [a, b, c]);
  checkNoOverlap(fn, 'c', c, cOffset, m * n, 'a', a, aOffset, m * k);
  checkNoOverlap(fn, 'c', c, cOffset, m * n, 'b', b, bOffset, k * n);
}

/**
 * Validates an im2col/col2im call: `image` holds batch images, `col` batch column matrices.
 * @example checkConvArgs('im2col', g, x, 'x', xOffset, col, colOffset, batch);
 */
export function checkConvArgs(
  fn: string,
  g: ConvGeometry,
  image: TypedArray,
  imageName: string,
  imageOffset: number,
  col: TypedArray,
  colOffset: number,
  batch: number,
): void {
  if (typeof g !== 'object' || g === null || !Number.isInteger(g.colSize)) {
    throw new ShapeError(`${fn}: geometry must come from convGeometry(...), got ${fmt(g)}`);
  }
  checkCount(fn, 'batch', batch);
  checkSpan(
    fn,
    imageName,
    image,
    imageOffset,
    batch * g.imageSize,
    `batch·C·H·W = ${batch}·${g.imageSize}`,
  );
  checkSpan(
    fn,
    'col',
    col,
    colOffset,
    batch * g.colSize,
    `batch·C·kh·kw·outH·outW = ${batch}·${g.colSize}`,
  );
  checkSameDtype(fn, [imageName, 'col'], [image, col]);
  checkNoOverlap(
    fn,
    'col',
    col,
    colOffset,
    batch * g.colSize,
    imageName,
    image,
    imageOffset,
    batch * g.imageSize,
  );
}
