import type { TypedArray } from '../../tensor/dtype.js';
import type { MaxPool2dBackwardArgs, MaxPool2dForwardArgs, Pool2dGeometry } from '../args.js';

// The max pooling's reference kernels (both dtypes): the forward scans each window in row-major
// order (the first strict maximum wins ties, the first NaN wins and is kept: PyTorch's CPU
// rule), the backward routes each output gradient to its window's arg-max in output order.

/**
 * y = max over each window, arg = the index in x of that max. See Kernels.maxPool2dForward.
 * @example maxPool2dForwardJs({ x, g, y, arg }); // g: a Pool2dGeometry
 */
export function maxPool2dForwardJs(args: MaxPool2dForwardArgs): void {
  const { x, g, y, arg } = args;
  const unpadded2x2 = g.kernelH === 2 && g.kernelW === 2 && g.strideH === 2 && g.strideW === 2;
  if (unpadded2x2 && g.padH === 0 && g.padW === 0) maxPool2x2(x, g, y, arg);
  else maxPoolGeneral(x, g, y, arg);
}

/**
 * The VJP of {@link maxPool2dForwardJs}: dx ← 0, then dx[arg[i]] += gy[i] for every output i in
 * order (overlapping windows add in that order). See Kernels.maxPool2dBackward.
 * @example maxPool2dBackwardJs({ gy, arg, g, dx });
 */
export function maxPool2dBackwardJs(args: MaxPool2dBackwardArgs): void {
  const { gy, arg, g, dx } = args;
  dx.fill(0);
  const n = g.planes * g.outH * g.outW;
  for (let i = 0; i < n; i++) {
    const a = arg[i] as number;
    dx[a] = (dx[a] as number) + (gy[i] as number);
  }
}

/**
 * The common 2×2, stride-2, unpadded window: four loads, same rule as the general loop (row-major
 * scan, the first strict maximum wins ties, the first NaN wins and propagates).
 */
function maxPool2x2(xd: TypedArray, g: Pool2dGeometry, y: TypedArray, arg: Int32Array): void {
  const { planes, height: h, width: w, outH: oh, outW: ow } = g;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * h * w;
    for (let i = 0; i < oh; i++) {
      const row = base + 2 * i * w;
      const o = (pl * oh + i) * ow;
      for (let j = 0; j < ow; j++) {
        const a = row + 2 * j;
        let best = xd[a] as number;
        let bi = a;
        if (best === best) {
          const v1 = xd[a + 1] as number;
          if (v1 > best || v1 !== v1) {
            best = v1;
            bi = a + 1;
          }
        }
        if (best === best) {
          const v2 = xd[a + w] as number;
          if (v2 > best || v2 !== v2) {
            best = v2;
            bi = a + w;
          }
        }
        if (best === best) {
          const v3 = xd[a + w + 1] as number;
          if (v3 > best || v3 !== v3) {
            best = v3;
            bi = a + w + 1;
          }
        }
        y[o + j] = best;
        arg[o + j] = bi;
      }
    }
  }
}

/** Any window, stride and padding (padding never wins: only in-bounds pixels are scanned). */
function maxPoolGeneral(xd: TypedArray, g: Pool2dGeometry, y: TypedArray, arg: Int32Array): void {
  const { planes, height: h, width: w, kernelH: kh, kernelW: kw, strideH: sh, strideW: sw } = g;
  const { padH: ph, padW: pw, outH: oh, outW: ow } = g;
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * h * w;
    for (let i = 0; i < oh; i++) {
      const h0 = Math.max(i * sh - ph, 0);
      const h1 = Math.min(i * sh - ph + kh, h);
      for (let j = 0; j < ow; j++) {
        const w0 = Math.max(j * sw - pw, 0);
        const w1 = Math.min(j * sw - pw + kw, w);
        let best = -Infinity;
        let bi = base + h0 * w + w0;
        for (let r = h0; r < h1; r++) {
          for (let s = w0; s < w1; s++) {
            const v = xd[base + r * w + s] as number;
            if (v > best || Number.isNaN(v)) {
              best = v;
              bi = base + r * w + s;
              if (Number.isNaN(v)) break;
            }
          }
          if (Number.isNaN(best)) break;
        }
        const oi = (pl * oh + i) * ow + j;
        y[oi] = best;
        arg[oi] = bi;
      }
    }
  }
}
