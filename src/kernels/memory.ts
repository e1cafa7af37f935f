import type { DType, TypedArray } from '../tensor/dtype.js';
import { residentKernels } from './backend.js';
import type { WasmKernels } from './wasm/wasm-kernels.js';

// The memory owner: every long-lived buffer of a model or an optimizer (parameter and gradient
// arenas, optimizer moments) is obtained here, and the owner decides where it lives. float32
// buffers are placed in the WebAssembly kernels' shared memory when it can hold them (resident:
// the kernels read and update them in place), everything else is an ordinary typed array.
//
// Lifetime. A resident block is freed by releaseArray() (Module.dispose, Optimizer.dispose), or,
// as a backstop, once the block's base array and every view made of it with arrayView() are
// unreachable (FinalizationRegistry). A view made with arrayView() keeps its base alive (a
// WeakMap ephemeron), so a parameter tensor that outlives its module keeps its memory; a
// subarray a user makes of a tensor's `.data` does not (hold the tensor instead).

interface Held {
  readonly wk: WasmKernels;
  readonly base: number;
}

const backstop = new FinalizationRegistry<Held>((held) => {
  held.wk.freeResidentAt(held.base);
});
// view → its base array: an entry keeps the base reachable for as long as the view is.
const baseOf = new WeakMap<TypedArray, TypedArray>();
// base array → the kernels it lives in, for release.
const residentBases = new WeakMap<TypedArray, WasmKernels>();

/**
 * A zeroed typed array of `n` elements for a long-lived buffer (an arena, optimizer moments):
 * float32 ones live in the wasm kernels' shared memory when possible (see
 * WasmKernels.allocResident), the rest are ordinary arrays. Give it back with
 * {@link releaseArray} when its owner is disposed.
 * @example const moments = allocArray('float32', p.size);
 */
export function allocArray(dtype: DType, n: number): TypedArray {
  if (dtype === 'float32') {
    const wk = residentKernels();
    const r = wk?.allocResident(n) ?? null;
    if (wk !== undefined && r !== null) {
      residentBases.set(r, wk);
      backstop.register(r, { wk, base: r.byteOffset }, r);
      return r;
    }
    return new Float32Array(n);
  }
  return new Float64Array(n);
}

/**
 * Elements [start, end) of `base` (an {@link allocArray} result or a view of one) as a view that
 * keeps the base's memory alive for as long as the view itself is reachable.
 * @example const w = arrayView(arena, off, off + size); // a parameter's `.data`
 */
export function arrayView<T extends TypedArray>(base: T, start: number, end: number): T {
  const view = base.subarray(start, end) as T;
  baseOf.set(view, baseOf.get(base) ?? base);
  return view;
}

/**
 * Frees an {@link allocArray} result now and returns true (resident arrays; an ordinary array is
 * left to the garbage collector and gives false, as does anything else). After it, the array and
 * every view of it are dangling: the memory may be handed to the next allocation.
 * @example releaseArray(arena.params);
 */
export function releaseArray(arr: TypedArray): boolean {
  const wk = arr instanceof Float32Array ? residentBases.get(arr) : undefined;
  if (wk === undefined) return false;
  residentBases.delete(arr);
  backstop.unregister(arr);
  return wk.freeResident(arr as Float32Array);
}

/**
 * Whether `arr` lives in the wasm kernels' shared memory: a live {@link allocArray} block, a view
 * of one, or any other window of that memory.
 * @example isResident(model.arena().params) // true in Node under 'auto'
 */
export function isResident(arr: TypedArray): boolean {
  const wk = residentBases.get(baseOf.get(arr) ?? arr);
  return wk !== undefined || residentKernels()?.holds(arr) === true;
}
