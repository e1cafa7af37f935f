import { allocData, dtypeOf } from '../../tensor/dtype.js';
import type { Conv2dBackwardArgs, Conv2dForwardArgs } from '../args.js';
import { col2im, gemm, im2col } from '../backend.js';
import type { GemmCall, Im2colCall } from '../types.js';
import { isDirectConv } from '../conv-geometry.js';

// The 2-D convolution's reference kernels, image by image over the routed im2col/gemm/col2im
// entry points (so a float32 convolution that stays here gives the bits of the unfused ops), a
// 1×1 stride-1 unpadded convolution reading the image as its own column matrix.

/**
 * y[i] = W·cols(x[i]) (+ b) (then ReLU) for every image i. See Kernels.conv2dForward.
 * @example conv2dForwardJs({ x, w, bias: null, relu: false, g, n: 2, o: 8, y });
 * @see K. Chellapilla, S. Puri, P. Simard, "High Performance Convolutional Neural Networks for Document Processing" (2006).
 */
export function conv2dForwardJs(args: Conv2dForwardArgs): void {
  const { x, w, bias, g, n, o, y } = args;
  const p = g.colCols;
  const k = g.colRows;
  const cols = isDirectConv(g) ? null : allocData(dtypeOf(x), g.colSize);
  // y[i] = W·cols(x[i]): one options object for every image (no allocation per image).
  const call: GemmCall = {
    transA: false,
    transB: false,
    m: o,
    n: p,
    k,
    alpha: 1,
    a: w,
    aOffset: 0,
    b: cols ?? x,
    bOffset: 0,
    beta: 0,
    c: y,
    cOffset: 0,
  };
  const unfold: Im2colCall | null =
    cols === null ? null : { x, xOffset: 0, g, col: cols, colOffset: 0, batch: 1 };
  for (let i = 0; i < n; i++) {
    if (unfold !== null) {
      unfold.xOffset = i * g.imageSize;
      im2col(unfold);
    } else call.bOffset = i * g.imageSize;
    call.cOffset = i * o * p;
    gemm(call);
  }
  if (bias) {
    for (let i = 0; i < n * o; i++) {
      const bv = bias[i % o] as number;
      const off = i * p;
      for (let j = 0; j < p; j++) y[off + j] = (y[off + j] as number) + bv;
    }
  }
  if (args.relu) {
    for (let i = 0; i < y.length; i++) {
      const v = y[i] as number;
      y[i] = v < 0 ? 0 : v; // NaN stays NaN, as in relu()
    }
  }
}

/**
 * The VJP of {@link conv2dForwardJs}: gz = gy (·[y > 0] when y is given); dW (+)= Σ gz[i]·cols(x[i])ᵀ,
 * dx[i] = col2im(Wᵀ·gz[i]), db (+)= Σ gz. See Kernels.conv2dBackward.
 * @example conv2dBackwardJs({ gy, y: null, x, w, g, n, o, dx, dW, dWAccumulate: true, db: null, dbAccumulate: false });
 */
export function conv2dBackwardJs(args: Conv2dBackwardArgs): void {
  const { x, w, g: geom, n, o, y, dx, dW, db } = args;
  const p = geom.colCols;
  const k = geom.colRows;
  const imgSize = geom.imageSize;
  let gd = args.gy;
  if (y !== null) {
    const gz = allocData(dtypeOf(gd), gd.length);
    for (let i = 0; i < gz.length; i++) gz[i] = (y[i] as number) > 0 ? (gd[i] as number) : 0;
    gd = gz;
  }
  const cols = isDirectConv(geom) ? null : allocData(dtypeOf(x), geom.colSize);
  const unfold: Im2colCall | null =
    cols === null ? null : { x, xOffset: 0, g: geom, col: cols, colOffset: 0, batch: 1 };
  if (dW !== null) {
    // dW (+)= gz[i]·cols(x[i])ᵀ: one options object for every image.
    const call: GemmCall = {
      transA: false,
      transB: true,
      m: o,
      n: k,
      k: p,
      alpha: 1,
      a: gd,
      aOffset: 0,
      b: cols ?? x,
      bOffset: 0,
      beta: args.dWAccumulate ? 1 : 0,
      c: dW,
      cOffset: 0,
    };
    for (let i = 0; i < n; i++) {
      if (unfold !== null) {
        unfold.xOffset = i * imgSize;
        im2col(unfold);
      } else call.bOffset = i * imgSize;
      call.aOffset = i * o * p;
      if (i > 0) call.beta = 1;
      gemm(call);
    }
  }
  if (dx !== null) {
    if (cols) dx.fill(0);
    // Wᵀ·gz[i], into the column matrix (then col2im) or straight into dx[i].
    const call: GemmCall = {
      transA: true,
      transB: false,
      m: k,
      n: p,
      k: o,
      alpha: 1,
      a: w,
      aOffset: 0,
      b: gd,
      bOffset: 0,
      beta: 0,
      c: cols ?? dx,
      cOffset: 0,
    };
    const fold: Im2colCall | null =
      cols === null ? null : { x: dx, xOffset: 0, g: geom, col: cols, colOffset: 0, batch: 1 };
    for (let i = 0; i < n; i++) {
      call.bOffset = i * o * p;
      if (fold !== null) {
        gemm(call);
        fold.xOffset = i * imgSize;
        col2im(fold);
      } else {
        call.cOffset = i * imgSize;
        gemm(call);
      }
    }
  }
  if (db !== null) {
    if (!args.dbAccumulate) db.fill(0);
    for (let i = 0; i < n * o; i++) {
      let s = 0;
      const off = i * p;
      for (let j = 0; j < p; j++) s += gd[off + j] as number;
      db[i % o] = (db[i % o] as number) + s;
    }
  }
}
