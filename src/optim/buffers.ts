import { ShapeError, fmt } from '../errors.js';
import { allocArray, arrayView, releaseArray } from '../kernels/memory.js';
import type { TypedArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { namesOf } from './names.js';
import type { Params } from './types.js';

/** Per-parameter buffers (optimizer moments), keyed by parameter name, in each parameter's dtype. */
export type Buffers = Record<string, TypedArray>;

/**
 * One buffer per parameter, of the parameter's dtype and size, filled with `value`. The kernels'
 * memory owner places them (allocArray: float32 in the wasm kernels' shared memory when it can,
 * so that a wasm kernel updates them in place); Optimizer.dispose() gives them back.
 * @example const mu = buffersLike(params); // first moments, zeros
 */
export function buffersLike(params: Params, value = 0): Buffers {
  const out: Buffers = {};
  for (const name of namesOf(params)) {
    const p = params[name] as Tensor;
    const b = allocArray(p.dtype, p.size);
    if (value !== 0) b.fill(value);
    out[name] = b;
  }
  return out;
}

/**
 * One long-lived state array of `n` elements placed by the kernels' memory owner (float32 in the
 * wasm kernels' memory when it can, so kernels read it in place), for state that is not one
 * buffer per parameter (the monitor's parameter snapshot). Optimizer.dispose() gives it back
 * like the buffers of {@link buffersLike}.
 * @example const snapshot = stateArray('float32', total);
 */
export function stateArray(dtype: 'float32' | 'float64', n: number): TypedArray {
  return allocArray(dtype, n);
}

/**
 * Elements [start, end) of a {@link stateArray} as a view that keeps its memory alive.
 * @example const q = stateView(snapshot, off, off + size);
 */
export function stateView<T extends TypedArray>(base: T, start: number, end: number): T {
  return arrayView(base, start, end);
}

/**
 * Gives every typed array reachable through the plain objects and arrays of an optimizer state
 * (the buffers init() obtained with {@link buffersLike}) back to the kernels' memory owner; class
 * instances such as tensors are not entered. The arrays are dangling afterwards.
 * @example releaseBuffers(opt.state); // what Optimizer.dispose() does
 */
export function releaseBuffers(state: unknown): void {
  releaseIn(state, new Set());
}

function releaseIn(x: unknown, seen: Set<object>): void {
  if (x === null || typeof x !== 'object' || seen.has(x)) return;
  seen.add(x);
  if (x instanceof Float32Array || x instanceof Float64Array) {
    releaseArray(x);
    return;
  }
  if (Array.isArray(x)) for (const v of x) releaseIn(v, seen);
  else if (isPlain(x)) for (const v of Object.values(x)) releaseIn(v, seen);
}

/**
 * `loaded` (a deserialized optimizer state of the same structure as `current`) with every typed
 * array copied into the matching buffer of `current` instead (same type and length), so that
 * restoring a checkpoint keeps the buffers where the memory owner placed them (Adam's moments
 * stay resident and its wasm step in place); other values are taken from `loaded`.
 * @example opt.state = adoptBuffers(opt.state, deserializeState(json)) as typeof opt.state;
 */
export function adoptBuffers(current: unknown, loaded: unknown): unknown {
  if (
    (current instanceof Float32Array && loaded instanceof Float32Array) ||
    (current instanceof Float64Array && loaded instanceof Float64Array)
  ) {
    if (current.length !== loaded.length) return loaded;
    current.set(loaded);
    return current;
  }
  if (Array.isArray(current) && Array.isArray(loaded)) {
    return loaded.map((v, i) => adoptBuffers(current[i], v));
  }
  if (isPlain(current) && isPlain(loaded)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(loaded)) out[k] = adoptBuffers(current[k], v);
    return out;
  }
  return loaded;
}

function isPlain(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object') return false;
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * The state buffer for `name`, checked against the incoming update's size (a clear error instead
 * of silent NaN reads when a transformation is used with parameters other than those it was
 * initialised with).
 * @example const m = bufferFor('scaleByAdam', state.mu, name, u.length);
 */
export function bufferFor(owner: string, buffers: Buffers, name: string, size: number): TypedArray {
  const b = buffers[name];
  if (b === undefined) {
    throw new ShapeError(
      `${owner}: no state for parameter ${fmt(name)}; init() was called with other parameters (known: ${Object.keys(buffers).join(', ')})`,
    );
  }
  if (b.length !== size) {
    throw new ShapeError(
      `${owner}: state for parameter ${fmt(name)} has ${b.length} elements but its update has ${size}`,
    );
  }
  return b;
}

/**
 * The update tensor for `name` (present by construction; checked for a clear error).
 * @example const u = updateFor('myBlock', updates, 'fc.weight');
 */
export function updateFor(owner: string, updates: Params, name: string): Tensor {
  const u = updates[name];
  if (u === undefined) throw new ShapeError(`${owner}: updates have no entry ${fmt(name)}`);
  return u;
}

/**
 * The parameter tensor for `name`, checked against the update's size.
 * @example const p = paramFor('addDecayedWeights', params, name, u.length).data;
 */
export function paramFor(owner: string, params: Params, name: string, size: number): Tensor {
  const p = params[name];
  if (p === undefined) {
    throw new ShapeError(
      `${owner}: params have no entry ${fmt(name)} (needed by this transformation)`,
    );
  }
  if (p.size !== size) {
    throw new ShapeError(
      `${owner}: parameter ${fmt(name)} has ${p.size} elements but its update has ${size}`,
    );
  }
  return p;
}
