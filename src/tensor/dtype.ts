import { DtypeError } from '../errors.js';
import { activeBufferPool, freshData } from './buffer-pool.js';

/** Element type of a tensor. float64 exists so gradcheck and numerical studies are exact. */
export type DType = 'float32' | 'float64';

/** The typed array behind a tensor of either dtype. */
export type TypedArray = Float32Array | Float64Array;

let defaultDtype: DType = 'float32';

/** The dtype used when a creation function is not given one (float32 unless changed). */
export function getDefaultDtype(): DType {
  return defaultDtype;
}

/**
 * Sets the dtype used by creation functions that are not given one.
 * @example setDefaultDtype('float64') // for gradcheck-heavy numerical work
 */
export function setDefaultDtype(dtype: DType): void {
  assertDtype(dtype, 'dtype');
  defaultDtype = dtype;
}

/** Throws a DtypeError unless `dtype` is 'float32' or 'float64'. */
export function assertDtype(dtype: unknown, argName: string): asserts dtype is DType {
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new DtypeError(`${argName}: expected 'float32' or 'float64', got ${String(dtype)}`);
  }
}

/**
 * Allocates a zero-filled typed array of the given dtype: every op's output and gradient buffers
 * come from here. Inside a step arena's step (autograd's StepArena, or `withBufferPool`) the buffer comes
 * from that pool's free list when one of this size is free (zero-filled again, so results are
 * bit-identical with and without a pool).
 */
export function allocData(dtype: DType, size: number): TypedArray {
  const pool = activeBufferPool();
  return pool !== null ? pool.take(dtype, size) : freshData(dtype, size);
}

/**
 * Like {@link allocData}, but a buffer reused from a step arena's pool keeps its old contents
 * (PyTorch's `torch.empty`; a fresh buffer is zeros anyway): for an op's output or gradient that
 * its kernel writes in full before anything reads it — a GEMM with β = 0, a loss gradient written
 * row by row — so that the pool does not zero-fill what is about to be overwritten. Every element
 * must be written: a kernel that adds into its output, or skips elements, needs `allocData`.
 */
export function allocDataUninit(dtype: DType, size: number): TypedArray {
  const pool = activeBufferPool();
  return pool !== null ? pool.take(dtype, size, false) : freshData(dtype, size);
}

/** The dtype of a typed array. */
export function dtypeOf(data: TypedArray): DType {
  return data instanceof Float32Array ? 'float32' : 'float64';
}
