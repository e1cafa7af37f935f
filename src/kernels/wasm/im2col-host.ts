import type { ConvGeometry } from '../conv-geometry.js';
import { alignBytes as align } from './heap.js';
import type { Im2colArgs } from '../types.js';
import type { WasmRuntime } from './runtime.js';

// The im2col family on the wasm runtime: im2col and its adjoint col2im (see im2colJs) on
// addresses in wasm memory, or on Float32Arrays copied in and out.

/**
 * im2col (see {@link im2colJs}) on byte addresses in wasm memory: `batch` images at xPtr,
 * `batch` column matrices written at colPtr.
 * @example wk.im2colF32Ptr(xPtr, g, colPtr, 1);
 */
export function im2colF32Ptr(
  rt: WasmRuntime,
  xPtr: number,
  g: ConvGeometry,
  colPtr: number,
  batch: number,
): void {
  rt.ex.im2colF32(
    xPtr,
    g.channels,
    g.height,
    g.width,
    g.kernelH,
    g.kernelW,
    g.strideH,
    g.strideW,
    g.padH,
    g.padW,
    g.dilationH,
    g.dilationW,
    g.outH,
    g.outW,
    colPtr,
    batch,
  );
}

/**
 * col2im (see {@link col2imJs}) on byte addresses in wasm memory: adds `batch` column matrices
 * at colPtr onto `batch` images at xPtr.
 * @example wk.col2imF32Ptr(colPtr, g, xPtr, 1);
 */
export function col2imF32Ptr(
  rt: WasmRuntime,
  colPtr: number,
  g: ConvGeometry,
  xPtr: number,
  batch: number,
): void {
  rt.ex.col2imF32(
    colPtr,
    g.channels,
    g.height,
    g.width,
    g.kernelH,
    g.kernelW,
    g.strideH,
    g.strideW,
    g.padH,
    g.padW,
    g.dilationH,
    g.dilationW,
    g.outH,
    g.outW,
    xPtr,
    batch,
  );
}

/**
 * {@link WasmKernels.im2colF32} without argument checks.
 * @example wk.im2colF32Unchecked(...args); // after validating args
 */
export function im2colF32Unchecked(rt: WasmRuntime, args: Im2colArgs<Float32Array>): void {
  const { x, xOffset, g, col, colOffset, batch } = args;
  const xs = batch * g.imageSize;
  const cs = batch * g.colSize;
  if (cs === 0) return;
  const xPtr = rt.scratchBase;
  const colPtr = align(xPtr + xs * 4);
  rt.ensureBytes(align(colPtr + cs * 4));
  const heap = rt.heap;
  heap.set(x.subarray(xOffset, xOffset + xs), xPtr >> 2);
  im2colF32Ptr(rt, xPtr, g, colPtr, batch);
  col.set(heap.subarray(colPtr >> 2, (colPtr >> 2) + cs), colOffset);
}

/**
 * {@link WasmKernels.col2imF32} without argument checks.
 * @example wk.col2imF32Unchecked(...args); // after validating args
 */
export function col2imF32Unchecked(rt: WasmRuntime, args: Im2colArgs<Float32Array>): void {
  const { x, xOffset, g, col, colOffset, batch } = args;
  const xs = batch * g.imageSize;
  const cs = batch * g.colSize;
  if (cs === 0) return;
  const xPtr = rt.scratchBase;
  const colPtr = align(xPtr + xs * 4);
  rt.ensureBytes(align(colPtr + cs * 4));
  const heap = rt.heap;
  heap.set(x.subarray(xOffset, xOffset + xs), xPtr >> 2);
  heap.set(col.subarray(colOffset, colOffset + cs), colPtr >> 2);
  col2imF32Ptr(rt, colPtr, g, xPtr, batch);
  x.set(heap.subarray(xPtr >> 2, (xPtr >> 2) + xs), xOffset);
}
