import { ConfigError, fmt } from '../errors.js';
import {
  allocData,
  assertDtype,
  dtypeOf,
  getDefaultDtype,
  type DType,
  type TypedArray,
} from '../tensor/dtype.js';
import { assertShape, sizeOf, type Shape } from '../tensor/shape.js';

/** Options every initializer takes: where the values go. */
export interface InitOutputOptions {
  /** dtype of the returned array (default: the global default dtype, float32 unless changed). */
  dtype?: DType;
  /** Fill this array in place (e.g. a parameter's view into the arena) instead of allocating. */
  out?: TypedArray;
}

/** @internal Validates the shape and returns the array to fill (allocated or `options.out`). */
export function prepareOutput(fn: string, shape: Shape, options: InitOutputOptions): TypedArray {
  assertShape(shape, `${fn}: shape`);
  const size = sizeOf(shape);
  if (options.out !== undefined) {
    const out = options.out;
    if (!(out instanceof Float32Array || out instanceof Float64Array)) {
      throw new ConfigError(`${fn}: out must be a Float32Array or Float64Array, got ${fmt(out)}`);
    }
    if (out.length !== size) {
      throw new ConfigError(
        `${fn}: out has ${out.length} elements but shape ${fmt(shape)} needs ${size}`,
      );
    }
    if (options.dtype !== undefined && options.dtype !== dtypeOf(out)) {
      throw new ConfigError(
        `${fn}: dtype ${fmt(options.dtype)} does not match out (${dtypeOf(out)})`,
      );
    }
    return out;
  }
  const dtype = options.dtype ?? getDefaultDtype();
  assertDtype(dtype, `${fn}: dtype`);
  return allocData(dtype, size);
}

/** @internal Throws a ConfigError unless `value` is a finite number (> 0 when `positive`). */
export function checkNumber(fn: string, name: string, value: number, positive = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || (positive && !(value > 0))) {
    throw new ConfigError(
      `${fn}: ${name} must be a ${positive ? 'positive' : 'finite'} number, got ${fmt(value)}`,
    );
  }
  return value;
}
