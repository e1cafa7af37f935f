import type { Im2colArgs } from '../types.js';
import { checkConvArgs } from '../validate.js';

// Output columns ox in [lo, hi) read inside the image for kernel column offset off = j·dw − pw
// (ix = ox·sw + off must lie in [0, W)); outside that range they read the zero padding.
function colLo(off: number, sw: number, outW: number): number {
  return Math.min(outW, off >= 0 ? 0 : Math.ceil(-off / sw));
}
function colHi(lo: number, off: number, sw: number, width: number, outW: number): number {
  const last = width - 1 - off;
  return last < 0 ? lo : Math.max(lo, Math.min(outW, Math.floor(last / sw) + 1));
}

/**
 * {@link im2colJs} without argument checks.
 * @example im2colJsUnchecked({ x, xOffset: 0, g, col, colOffset: 0, batch: 1 });
 */
export function im2colJsUnchecked(args: Im2colArgs): void {
  const { x, xOffset, g, col, colOffset, batch } = args;
  const {
    channels,
    height,
    width,
    kernelH,
    kernelW,
    strideH,
    strideW,
    padH,
    padW,
    dilationH,
    dilationW,
    outH,
    outW,
  } = g;
  const plane = outH * outW;
  for (let bi = 0; bi < batch; bi++) {
    const xImg = xOffset + bi * g.imageSize;
    let d = colOffset + bi * g.colSize;
    for (let ch = 0; ch < channels; ch++) {
      const xc = xImg + ch * height * width;
      for (let i = 0; i < kernelH; i++) {
        for (let j = 0; j < kernelW; j++) {
          const off = j * dilationW - padW;
          const lo = colLo(off, strideW, outW);
          const hi = colHi(lo, off, strideW, width, outW);
          for (let oy = 0; oy < outH; oy++) {
            const iy = oy * strideH - padH + i * dilationH;
            const dr = d + oy * outW;
            if (iy < 0 || iy >= height) {
              col.fill(0, dr, dr + outW);
              continue;
            }
            for (let ox = 0; ox < lo; ox++) col[dr + ox] = 0;
            let s = xc + iy * width + lo * strideW + off;
            for (let ox = lo; ox < hi; ox++) {
              col[dr + ox] = x[s] as number;
              s += strideW;
            }
            for (let ox = hi; ox < outW; ox++) col[dr + ox] = 0;
          }
          d += plane;
        }
      }
    }
  }
}

/**
 * {@link col2imJs} without argument checks.
 * @example col2imJsUnchecked({ x: dx, xOffset: 0, g, col, colOffset: 0, batch: 1 });
 */
export function col2imJsUnchecked(args: Im2colArgs): void {
  const { x, xOffset, g, col, colOffset, batch } = args;
  const {
    channels,
    height,
    width,
    kernelH,
    kernelW,
    strideH,
    strideW,
    padH,
    padW,
    dilationH,
    dilationW,
    outH,
    outW,
  } = g;
  const plane = outH * outW;
  for (let bi = 0; bi < batch; bi++) {
    const xImg = xOffset + bi * g.imageSize;
    let s = colOffset + bi * g.colSize;
    for (let ch = 0; ch < channels; ch++) {
      const xc = xImg + ch * height * width;
      for (let i = 0; i < kernelH; i++) {
        for (let j = 0; j < kernelW; j++) {
          const off = j * dilationW - padW;
          const lo = colLo(off, strideW, outW);
          const hi = colHi(lo, off, strideW, width, outW);
          for (let oy = 0; oy < outH; oy++) {
            const iy = oy * strideH - padH + i * dilationH;
            if (iy < 0 || iy >= height) continue;
            const sr = s + oy * outW;
            let dst = xc + iy * width + lo * strideW + off;
            for (let ox = lo; ox < hi; ox++) {
              x[dst] = (x[dst] as number) + (col[sr + ox] as number);
              dst += strideW;
            }
          }
          s += plane;
        }
      }
    }
  }
}

/**
 * Unfolds `batch` NCHW images into column matrices, the layout that makes conv2d a GEMM with a
 * weight of shape [outChannels, C·kh·kw]:
 * col[b][(c·kh + i)·kw + j][oy·outW + ox] = x[b][c][oy·sh − ph + i·dh][ox·sw − pw + j·dw]
 * (0 in the padding). Image b is read at xOffset + b·C·H·W, its matrix written at
 * colOffset + b·colSize.
 *
 * @example
 * const g = convGeometry({ channels: 1, height: 3, width: 3, kernelH: 2, kernelW: 2 });
 * const col = new Float32Array(g.colSize); // 4 × 4
 * im2colJs({ x: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), xOffset: 0, g, col, colOffset: 0, batch: 1 }); // row 0 = [1, 2, 4, 5]
 * @see K. Chellapilla, S. Puri, P. Simard, "High Performance Convolutional Neural Networks for Document Processing" (2006).
 */
export function im2colJs(args: Im2colArgs): void {
  const { x, xOffset, g, col, colOffset, batch } = args;
  checkConvArgs('im2colJs', g, x, 'x', xOffset, col, colOffset, batch);
  im2colJsUnchecked(args);
}

/**
 * The adjoint of {@link im2colJs}: ADDS every column-matrix entry onto the pixel it was read from
 * (overlapping windows accumulate, padding entries are dropped), so that
 * ⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩. Zero `x` first for a plain scatter. Used for ∂L/∂x of conv2d.
 *
 * @example
 * const g = convGeometry({ channels: 1, height: 3, width: 3, kernelH: 2, kernelW: 2 });
 * const dx = new Float64Array(9);
 * col2imJs({ x: dx, xOffset: 0, g, col: new Float64Array(g.colSize).fill(1), colOffset: 0, batch: 1 }); // dx = [1, 2, 1, 2, 4, 2, 1, 2, 1]
 * @see K. Chellapilla, S. Puri, P. Simard, "High Performance Convolutional Neural Networks for Document Processing" (2006).
 */
export function col2imJs(args: Im2colArgs): void {
  const { x, xOffset, g, col, colOffset, batch } = args;
  checkConvArgs('col2imJs', g, x, 'x', xOffset, col, colOffset, batch);
  col2imJsUnchecked(args);
}
