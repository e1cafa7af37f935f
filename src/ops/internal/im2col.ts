import {
  col2im as kernelCol2im,
  convGeometry,
  im2col as kernelIm2col,
  type ConvGeometry,
} from '../../kernels/index.js';
import type { TypedArray } from '../../tensor/dtype.js';

let cached: ConvGeometry | null = null;

/** The kernel geometry for these sizes, reused while a layer keeps calling with the same ones. */
function geometry(
  C: number,
  H: number,
  W: number,
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  ph: number,
  pw: number,
): ConvGeometry {
  const g = cached;
  if (
    g &&
    g.channels === C &&
    g.height === H &&
    g.width === W &&
    g.kernelH === kh &&
    g.kernelW === kw &&
    g.strideH === sh &&
    g.strideW === sw &&
    g.padH === ph &&
    g.padW === pw
  )
    return g;
  cached = convGeometry({
    channels: C,
    height: H,
    width: W,
    kernelH: kh,
    kernelW: kw,
    strideH: sh,
    strideW: sw,
    padH: ph,
    padW: pw,
  });
  return cached;
}

/**
 * Unfolds one image x[C, H, W] (at element offset `xOff`) into the column matrix
 * cols[C·kh·kw, outH·outW] (from offset 0), row (c·kh + i)·kw + j, column oh·outW + ow holding
 * x[c, oh·sh − ph + i, ow·sw − pw + j], or 0 where that falls in the zero padding. A convolution
 * is then W[O, C·kh·kw] · cols. Routed to the JS or WebAssembly kernel by the kernel backend.
 */
export function im2col(
  x: TypedArray,
  xOff: number,
  C: number,
  H: number,
  W: number,
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  ph: number,
  pw: number,
  _outH: number,
  _outW: number,
  cols: TypedArray,
): void {
  kernelIm2col(x, xOff, geometry(C, H, W, kh, kw, sh, sw, ph, pw), cols, 0);
}

/**
 * The adjoint of {@link im2col}: scatters cols[C·kh·kw, outH·outW] back onto the image
 * dx[C, H, W] at offset `dxOff`, ADDING every column entry to the pixel it was read from
 * (overlapping windows accumulate; padding entries are dropped). Used for ∂L/∂x of a convolution.
 */
export function col2im(
  cols: TypedArray,
  C: number,
  H: number,
  W: number,
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  ph: number,
  pw: number,
  _outH: number,
  _outW: number,
  dx: TypedArray,
  dxOff: number,
): void {
  kernelCol2im(cols, 0, geometry(C, H, W, kh, kw, sh, sw, ph, pw), dx, dxOff);
}
