import { DtypeError, ShapeError, fmt } from '../errors.js';
import type { TypedArray } from '../tensor/dtype.js';
import type { GemmArgs, Im2colArgs } from './types.js';

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
 * A range of a typed array a kernel reads or writes: `size` elements from `offset`, and the
 * argument's name for the error message. Validators keep module-level spans and overwrite their
 * fields per call, so a check allocates nothing.
 */
export interface Span {
  name: string;
  array: TypedArray;
  offset: number;
  size: number;
}

/** A reusable {@link Span} (an empty array). @example const out = createSpan(); */
export function createSpan(): Span {
  return { name: '', array: EMPTY, offset: 0, size: 0 };
}

const EMPTY = new Float64Array(0);

/** Fills a reusable span and returns it. */
function fill(s: Span, name: string, array: TypedArray, offset: number, size: number): Span {
  s.name = name;
  s.array = array;
  s.offset = offset;
  s.size = size;
  return s;
}

/** The spans of {@link checkGemmArgs} and {@link checkConvArgs} (their output and one input). */
const OUT = createSpan();
const IN = createSpan();

/**
 * Throws a ShapeError when the written range `w` overlaps the read range `r`.
 * @example checkNoOverlap('gemm', { name: 'c', array: c, offset: 0, size: m * n }, { name: 'a', array: a, offset: 0, size: m * k });
 */
export function checkNoOverlap(fn: string, w: Span, r: Span): void {
  const { name: outName, array: out, offset: outOffset, size: outSize } = w;
  const { name: inName, array: input, offset: inOffset, size: inSize } = r;
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
  fill(OUT, 'c', c, cOffset, m * n);
  checkNoOverlap(fn, OUT, fill(IN, 'a', a, aOffset, m * k));
  checkNoOverlap(fn, OUT, fill(IN, 'b', b, bOffset, k * n));
}

/**
 * Validates an im2col/col2im call: `x` holds batch images, `col` batch column matrices.
 * @example checkConvArgs('im2col', { x, xOffset: 0, g, col, colOffset: 0, batch });
 */
export function checkConvArgs(fn: string, args: Im2colArgs): void {
  const { g, x: image, xOffset: imageOffset, col, colOffset, batch } = args;
  const imageName = 'x';
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
    fill(OUT, 'col', col, colOffset, batch * g.colSize),
    fill(IN, imageName, image, imageOffset, batch * g.imageSize),
  );
}
