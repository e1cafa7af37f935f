import { ConfigError, ShapeError, fmt } from '../errors.js';
import { leafGradBuffer } from '../autograd/leaf-grad.js';
import { record } from '../autograd/tape.js';
import { allocData, type TypedArray } from '../tensor/dtype.js';
import { assertSameDtype, Tensor } from '../tensor/tensor.js';
import { col2im, conv2dBackwardF32, conv2dForwardF32, im2col } from '../kernels/backend.js';
import { convGeometry, isDirectConv, type ConvGeometry } from '../kernels/conv-geometry.js';
import { gemm } from './internal/gemm.js';

/** A size given once for both spatial axes or as [height, width]. */
export type Size2 = number | readonly [number, number];

/** Options of {@link conv2d}. */
export interface Conv2dOptions {
  /** Step between windows (default 1). */
  stride?: Size2;
  /** Zeros added on each side (default 0). */
  padding?: Size2;
  /** 'relu' fuses y ← relu(y) into the op (one tensor and one pass fewer; the same numbers). */
  activation?: 'relu' | null;
}

/** Options of {@link maxPool2d} and {@link avgPool2d}. */
export interface Pool2dOptions {
  /** Window size. */
  kernel: Size2;
  /** Step between windows (default: the kernel size). */
  stride?: Size2;
  /** Implicit padding on each side, at most half the kernel (default 0). */
  padding?: Size2;
}

function pair(
  op: string,
  name: string,
  v: Size2 | undefined,
  dflt: [number, number],
  min: number,
): [number, number] {
  if (v === undefined) return dflt;
  const p: readonly number[] = typeof v === 'number' ? [v, v] : v;
  if (p.length !== 2 || !p.every((d) => Number.isInteger(d) && d >= min)) {
    throw new ConfigError(
      `${op}: ${name} must be an integer >= ${min} or a pair [h, w] of them, got ${fmt(v)}`,
    );
  }
  return [p[0] as number, p[1] as number];
}

function check4d(op: string, x: Tensor): [number, number, number, number] {
  if (x.ndim !== 4)
    throw new ShapeError(`${op}: x must be 4-D [N, C, H, W], got shape ${fmt(x.shape)}`);
  return x.shape as [number, number, number, number];
}

function outSize(
  op: string,
  x: Tensor,
  size: number,
  k: number,
  s: number,
  p: number,
  axis: string,
): number {
  const o = Math.floor((size + 2 * p - k) / s) + 1;
  if (size + 2 * p < k || o < 1) {
    throw new ShapeError(
      `${op}: padded input ${axis} ${size + 2 * p} (x ${fmt(x.shape)}, padding ${p}) is smaller than the kernel ${axis} ${k}`,
    );
  }
  return o;
}

/**
 * 2-D cross-correlation (PyTorch's `F.conv2d`, groups 1, dilation 1) by im2col + GEMM:
 * y[n, o] = W[o] ⋆ x[n] + b[o], x `[N, C, H, W]`, weight `[O, C, kh, kw]`, output
 * `[N, O, ⌊(H + 2ph − kh)/sh⌋ + 1, ⌊(W + 2pw − kw)/sw⌋ + 1]`.
 * Per image, with cols = im2col(x[n]) `[C·kh·kw, P]`: y[n] = W·cols. VJP: dW = Σ_n g[n]·colsᵀ,
 * dx[n] = col2im(Wᵀ·g[n]), db = Σ g over n and positions (cols are recomputed, not stored).
 *
 * @example
 * const y = conv2d(x, weight, bias, { stride: 1, padding: 1 }); // 3×3 "same" convolution
 * @see https://arxiv.org/abs/1410.0759 (cuDNN: convolution lowered to GEMM)
 */
export function conv2d(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  opts: Conv2dOptions = {},
): Tensor {
  const op = 'conv2d';
  const b = bias ?? null;
  assertSameDtype(op, x, weight, ...(b ? [b] : []));
  const [n, c, h, w] = check4d(op, x);
  if (weight.ndim !== 4 || weight.shape[1] !== c) {
    throw new ShapeError(
      `${op}: weight must be [O, ${c}, kh, kw] to match x ${fmt(x.shape)}, got ${fmt(weight.shape)}`,
    );
  }
  const [o, , kh, kw] = weight.shape as [number, number, number, number];
  if (b && (b.ndim !== 1 || b.shape[0] !== o))
    throw new ShapeError(`${op}: bias must have shape [${o}], got ${fmt(b.shape)}`);
  const [sh, sw] = pair(op, 'stride', opts.stride, [1, 1], 1);
  const [ph, pw] = pair(op, 'padding', opts.padding, [0, 0], 0);
  const oh = outSize(op, x, h, kh, sh, ph, 'height');
  const ow = outSize(op, x, w, kw, sw, pw, 'width');
  const p = oh * ow;
  const relu = opts.activation === 'relu';
  if (opts.activation !== undefined && opts.activation !== null && !relu) {
    throw new ConfigError(`${op}: activation must be 'relu' or null, got ${fmt(opts.activation)}`);
  }
  const geom = convGeometry({
    channels: c,
    height: h,
    width: w,
    kernelH: kh,
    kernelW: kw,
    strideH: sh,
    strideW: sw,
    padH: ph,
    padW: pw,
  });
  const y = allocData(x.dtype, n * o * p);
  // float32 runs the whole batch on the wasm kernels in one call when its GEMMs would (the same
  // bits; x, W and y cross into wasm memory once instead of the cols of every image).
  const onWasm =
    y instanceof Float32Array &&
    conv2dForwardF32({
      x: x.data as Float32Array,
      w: weight.data as Float32Array,
      bias: b === null ? null : (b.data as Float32Array),
      relu,
      g: geom,
      n,
      o,
      y,
    });
  const conv: Conv = { x, weight, b, relu, geom, n, o, y };
  if (!onWasm) convForwardJs(conv);
  const out = new Tensor(y, [n, o, oh, ow]);
  const inputs = b ? [x, weight, b] : [x, weight];
  return record(relu ? 'conv2d+relu' : op, out, inputs, (g) => {
    const grads = onWasm ? convBackwardWasm(conv, g) : convBackwardJs(conv, g);
    return b ? grads : grads.slice(0, 2);
  });
}

/** One conv2d call: its operands, geometry and output (see {@link conv2d}). */
interface Conv {
  x: Tensor;
  weight: Tensor;
  b: Tensor | null;
  relu: boolean;
  geom: ConvGeometry;
  n: number;
  o: number;
  y: TypedArray;
}

/** The forward pass image by image: y[i] = W·cols(x[i]) (+ b) (then ReLU). */
function convForwardJs(cv: Conv): void {
  const { x, weight, b, geom: g, n, o, y } = cv;
  const p = g.colCols;
  const k = g.colRows;
  const cols = isDirectConv(g) ? null : allocData(x.dtype, g.colSize);
  for (let i = 0; i < n; i++) {
    if (cols) {
      im2col(x.data, i * g.imageSize, g, cols, 0);
      gemm(false, false, o, p, k, weight.data, 0, cols, 0, y, i * o * p, false);
    } else {
      gemm(false, false, o, p, k, weight.data, 0, x.data, i * g.imageSize, y, i * o * p, false);
    }
  }
  if (b) {
    for (let i = 0; i < n * o; i++) {
      const bv = b.data[i % o] as number;
      const off = i * p;
      for (let j = 0; j < p; j++) y[off + j] = (y[off + j] as number) + bv;
    }
  }
  if (cv.relu) {
    for (let i = 0; i < y.length; i++) {
      const v = y[i] as number;
      y[i] = v < 0 ? 0 : v; // NaN stays NaN, as in relu()
    }
  }
}

/** The VJP image by image: gz = g (·[y > 0]); dW = Σ gz[i]·cols(x[i])ᵀ, dx[i] = col2im(Wᵀ·gz[i]), db. */
function convBackwardJs(cv: Conv, g: Tensor): [Tensor | null, Tensor | null, Tensor | null] {
  const { x, weight, b, geom, n, o, y } = cv;
  const p = geom.colCols;
  const k = geom.colRows;
  const imgSize = geom.imageSize;
  let gd = g.data;
  if (cv.relu) {
    const gz = allocData(g.dtype, gd.length);
    for (let i = 0; i < gz.length; i++) gz[i] = (y[i] as number) > 0 ? (gd[i] as number) : 0;
    gd = gz;
  }
  const cols = isDirectConv(geom) ? null : allocData(x.dtype, geom.colSize);
  let dx: Tensor | null = null;
  let dW: Tensor | null = null;
  let db: Tensor | null = null;
  if (weight.requiresGrad) {
    // Straight into the parameter's gradient buffer when it has one (leafGradBuffer).
    const acc = leafGradBuffer(weight);
    const d = acc ?? allocData(x.dtype, o * k);
    for (let i = 0; i < n; i++) {
      const add = i > 0 || acc !== null;
      if (cols) {
        im2col(x.data, i * imgSize, geom, cols, 0);
        gemm(false, true, o, k, p, gd, i * o * p, cols, 0, d, 0, add);
      } else {
        gemm(false, true, o, k, p, gd, i * o * p, x.data, i * imgSize, d, 0, add);
      }
    }
    if (acc === null) dW = new Tensor(d, weight.shape);
  }
  if (x.requiresGrad) {
    const d = allocData(x.dtype, x.size);
    for (let i = 0; i < n; i++) {
      if (cols) {
        gemm(true, false, k, p, o, weight.data, 0, gd, i * o * p, cols, 0, false);
        col2im(cols, 0, geom, d, i * imgSize);
      } else {
        gemm(true, false, k, p, o, weight.data, 0, gd, i * o * p, d, i * imgSize, false);
      }
    }
    dx = new Tensor(d, x.shape);
  }
  if (b?.requiresGrad) {
    const acc = leafGradBuffer(b);
    const d = acc ?? allocData(x.dtype, o);
    for (let i = 0; i < n * o; i++) {
      let s = 0;
      const off = i * p;
      for (let j = 0; j < p; j++) s += gd[off + j] as number;
      d[i % o] = (d[i % o] as number) + s;
    }
    if (acc === null) db = new Tensor(d, b.shape);
  }
  return [dx, dW, db];
}

/** The VJP on the wasm kernels, one call (see conv2dBackwardF32); gradients of parameters with a
 * gradient buffer go straight into it. */
function convBackwardWasm(cv: Conv, g: Tensor): [Tensor | null, Tensor | null, Tensor | null] {
  const { x, weight, b, geom, n, o } = cv;
  const accW = leafGradBuffer(weight) as Float32Array | null;
  const dW = weight.requiresGrad ? (accW ?? new Float32Array(weight.size)) : null;
  const accB = b === null ? null : (leafGradBuffer(b) as Float32Array | null);
  const db = b?.requiresGrad ? (accB ?? new Float32Array(o)) : null;
  const dx = x.requiresGrad ? new Float32Array(x.size) : null;
  conv2dBackwardF32({
    gy: g.data as Float32Array,
    y: cv.relu ? (cv.y as Float32Array) : null,
    x: x.data as Float32Array,
    w: weight.data as Float32Array,
    g: geom,
    n,
    o,
    dx,
    dW,
    dWAccumulate: accW !== null,
    db,
    dbAccumulate: accB !== null,
  });
  return [
    dx === null ? null : new Tensor(dx, x.shape),
    dW === null || accW !== null ? null : new Tensor(dW, weight.shape),
    db === null || accB !== null || b === null ? null : new Tensor(db, b.shape),
  ];
}

interface PoolGeom {
  n: number;
  c: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  oh: number;
  ow: number;
}

function poolGeom(op: string, x: Tensor, opts: Pool2dOptions): PoolGeom {
  const [n, c, h, w] = check4d(op, x);
  if (opts === undefined || opts.kernel === undefined)
    throw new ConfigError(`${op}: options.kernel is required`);
  const [kh, kw] = pair(op, 'kernel', opts.kernel, [1, 1], 1);
  const [sh, sw] = pair(op, 'stride', opts.stride, [kh, kw], 1);
  const [ph, pw] = pair(op, 'padding', opts.padding, [0, 0], 0);
  if (2 * ph > kh || 2 * pw > kw) {
    throw new ConfigError(
      `${op}: padding must be at most half the kernel, got padding ${fmt([ph, pw])} for kernel ${fmt([kh, kw])}`,
    );
  }
  const oh = outSize(op, x, h, kh, sh, ph, 'height');
  const ow = outSize(op, x, w, kw, sw, pw, 'width');
  return { n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow };
}

/**
 * 2-D max pooling (PyTorch's `F.max_pool2d`, floor mode): y = max over each window, padding
 * counting as −∞. The VJP routes each output gradient to its window's argmax, the FIRST
 * maximum in row-major window order on ties (PyTorch's CPU rule); NaN wins the max.
 *
 * @example
 * const y = maxPool2d(x, { kernel: 2 }); // [N, C, 28, 28] -> [N, C, 14, 14]
 */
export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  const op = 'maxPool2d';
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow } = poolGeom(op, x, opts);
  const xd = x.data;
  const planes = n * c;
  const y = allocData(x.dtype, planes * oh * ow);
  const arg = new Int32Array(planes * oh * ow);
  if (kh === 2 && kw === 2 && sh === 2 && sw === 2 && ph === 0 && pw === 0) {
    maxPool2x2(xd, y, arg, planes, w, h, oh, ow);
  } else {
    maxPoolGeneral(xd, y, arg, planes, h, w, kh, kw, sh, sw, ph, pw, oh, ow);
  }
  const out = new Tensor(y, [n, c, oh, ow]);
  return record(op, out, [x], (g) => {
    const gd = g.data;
    const dx = allocData(x.dtype, x.size);
    for (let i = 0; i < arg.length; i++) {
      const a = arg[i] as number;
      dx[a] = (dx[a] as number) + (gd[i] as number);
    }
    return [new Tensor(dx, x.shape)];
  });
}

/**
 * The common 2×2, stride-2, unpadded window: four loads, same rule as the general loop (row-major
 * scan, the first strict maximum wins ties, the first NaN wins and propagates).
 */
function maxPool2x2(
  xd: TypedArray,
  y: TypedArray,
  arg: Int32Array,
  planes: number,
  w: number,
  h: number,
  oh: number,
  ow: number,
): void {
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
function maxPoolGeneral(
  xd: TypedArray,
  y: TypedArray,
  arg: Int32Array,
  planes: number,
  h: number,
  w: number,
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  ph: number,
  pw: number,
  oh: number,
  ow: number,
): void {
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

/**
 * 2-D average pooling (PyTorch's `F.avg_pool2d` defaults: floor mode, count_include_pad):
 * y = (1/(kh·kw))·Σ over the window, zero padding included in the count. VJP: each output
 * gradient spread as g/(kh·kw) over the in-bounds pixels of its window.
 *
 * @example
 * const y = avgPool2d(x, { kernel: 3, stride: 1, padding: 1 });
 */
export function avgPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  const op = 'avgPool2d';
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow } = poolGeom(op, x, opts);
  // In floor mode a window never passes the padded border, so the count is always kh·kw.
  const inv = 1 / (kh * kw);
  const xd = x.data;
  const planes = n * c;
  const y = allocData(x.dtype, planes * oh * ow);
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * h * w;
    for (let i = 0; i < oh; i++) {
      const h0 = Math.max(i * sh - ph, 0);
      const h1 = Math.min(i * sh - ph + kh, h);
      for (let j = 0; j < ow; j++) {
        const w0 = Math.max(j * sw - pw, 0);
        const w1 = Math.min(j * sw - pw + kw, w);
        let s = 0;
        for (let r = h0; r < h1; r++)
          for (let q = w0; q < w1; q++) s += xd[base + r * w + q] as number;
        y[(pl * oh + i) * ow + j] = s * inv;
      }
    }
  }
  const out = new Tensor(y, [n, c, oh, ow]);
  return record(op, out, [x], (g) => {
    const gd = g.data;
    const dx = allocData(x.dtype, x.size);
    for (let pl = 0; pl < planes; pl++) {
      const base = pl * h * w;
      for (let i = 0; i < oh; i++) {
        const h0 = Math.max(i * sh - ph, 0);
        const h1 = Math.min(i * sh - ph + kh, h);
        for (let j = 0; j < ow; j++) {
          const w0 = Math.max(j * sw - pw, 0);
          const w1 = Math.min(j * sw - pw + kw, w);
          const gv = (gd[(pl * oh + i) * ow + j] as number) * inv;
          for (let r = h0; r < h1; r++)
            for (let q = w0; q < w1; q++)
              dx[base + r * w + q] = (dx[base + r * w + q] as number) + gv;
        }
      }
    }
    return [new Tensor(dx, x.shape)];
  });
}
