import type { TypedArray } from '../../tensor/dtype.js';

/**
 * Unfolds one image x[C, H, W] (at element offset `xOff`) into the column matrix
 * cols[C·kh·kw, outH·outW] (from offset 0), row (c·kh + i)·kw + j, column oh·outW + ow holding
 * x[c, oh·sh − ph + i, ow·sw − pw + j], or 0 where that falls in the zero padding. A convolution
 * is then W[O, C·kh·kw] · cols.
 *
 * Reference loop; a fast kernel may replace it behind this exact signature.
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
  outH: number,
  outW: number,
  cols: TypedArray,
): void {
  const p = outH * outW;
  for (let c = 0; c < C; c++) {
    const plane = xOff + c * H * W;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const rowOff = ((c * kh + i) * kw + j) * p;
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * sh - ph + i;
          const dst = rowOff + oh * outW;
          if (ih < 0 || ih >= H) {
            cols.fill(0, dst, dst + outW);
            continue;
          }
          const src = plane + ih * W;
          for (let ow = 0; ow < outW; ow++) {
            const iw = ow * sw - pw + j;
            cols[dst + ow] = iw >= 0 && iw < W ? (x[src + iw] as number) : 0;
          }
        }
      }
    }
  }
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
  outH: number,
  outW: number,
  dx: TypedArray,
  dxOff: number,
): void {
  const p = outH * outW;
  for (let c = 0; c < C; c++) {
    const plane = dxOff + c * H * W;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const rowOff = ((c * kh + i) * kw + j) * p;
        for (let oh = 0; oh < outH; oh++) {
          const ih = oh * sh - ph + i;
          if (ih < 0 || ih >= H) continue;
          const src = rowOff + oh * outW;
          const dst = plane + ih * W;
          for (let ow = 0; ow < outW; ow++) {
            const iw = ow * sw - pw + j;
            if (iw >= 0 && iw < W) dx[dst + iw] = (dx[dst + iw] as number) + (cols[src + ow] as number);
          }
        }
      }
    }
  }
}
