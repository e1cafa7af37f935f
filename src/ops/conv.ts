import { ConfigError, ShapeError, fmt } from '../errors.js';
import { record } from '../autograd/tape.js';
import { allocData, allocDataUninit } from '../tensor/dtype.js';
import { assertSameDtype, Tensor } from '../tensor/tensor.js';
import { kernelsFor, poolKernelsFor } from '../kernels/select.js';
import type { Pool2dGeometry } from '../kernels/args.js';
import { convGeometry } from '../kernels/conv-geometry.js';

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
  const y = allocDataUninit(x.dtype, n * o * p); // each image's GEMM writes it (β = 0)
  // One backend for the forward and the VJP, chosen by dtype and the per-image GEMM's size (on
  // wasm, x, W and y cross into wasm memory once instead of the cols of every image).
  const k = kernelsFor(x.dtype, o, geom.colCols, geom.colRows);
  const bd = b === null ? null : b.data;
  k.conv2dForward({ x: x.data, w: weight.data, bias: bd, relu, g: geom, n, o, y });
  const out = new Tensor(y, [n, o, oh, ow]);
  const inputs = b ? [x, weight, b] : [x, weight];
  return record(relu ? 'conv2d+relu' : op, out, inputs, (g, sink) => {
    // dW and db go straight into a parameter's gradient buffer when it has one (then null).
    // After zeroGrad() the buffer is a pending zero: written (β = 0), not added into.
    const newW = sink.bufferToWrite(weight);
    const accW = newW ?? sink.buffer(weight);
    const dW = weight.requiresGrad ? (accW ?? allocData(x.dtype, weight.size)) : null;
    const newB = b === null ? null : sink.bufferToWrite(b);
    const accB = b === null ? null : (newB ?? sink.buffer(b));
    const db = b?.requiresGrad ? (accB ?? allocData(x.dtype, o)) : null;
    // every backend writes dx in full (zeroed before col2im, or a β = 0 GEMM)
    const dx = x.requiresGrad ? allocDataUninit(x.dtype, x.size) : null;
    k.conv2dBackward({
      gy: g.data,
      y: relu ? y : null,
      x: x.data,
      w: weight.data,
      g: geom,
      n,
      o,
      dx,
      dW,
      dWAccumulate: accW !== null && newW === null,
      db,
      dbAccumulate: accB !== null && newB === null,
    });
    const grads = [
      dx === null ? null : new Tensor(dx, x.shape),
      dW === null || accW !== null ? null : new Tensor(dW, weight.shape),
    ];
    if (b !== null) grads.push(db === null || accB !== null ? null : new Tensor(db, b.shape));
    return grads;
  });
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
 * maximum in row-major window order on ties (PyTorch's CPU rule); NaN wins the max. Both run on
 * `Kernels.maxPool2dForward/Backward` (native C split over planes when the addon is loaded, else
 * the JS reference; the same bits).
 *
 * @example
 * const y = maxPool2d(x, { kernel: 2 }); // [N, C, 28, 28] -> [N, C, 14, 14]
 */
export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  const op = 'maxPool2d';
  const { n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow } = poolGeom(op, x, opts);
  const planes = n * c;
  if (x.size > 0x7fffffff) {
    throw new ShapeError(`${op}: x must hold at most 2^31 − 1 elements, got ${x.size}`);
  }
  const g: Pool2dGeometry = {
    planes,
    height: h,
    width: w,
    kernelH: kh,
    kernelW: kw,
    strideH: sh,
    strideW: sw,
    padH: ph,
    padW: pw,
    outH: oh,
    outW: ow,
  };
  const y = allocDataUninit(x.dtype, planes * oh * ow); // every window writes its maximum
  const arg = new Int32Array(planes * oh * ow);
  const k = poolKernelsFor(x.size);
  k.maxPool2dForward({ x: x.data, g, y, arg });
  const out = new Tensor(y, [n, c, oh, ow]);
  return record(op, out, [x], (gy) => {
    const dx = allocDataUninit(x.dtype, x.size); // the kernel zeroes dx, then scatters
    k.maxPool2dBackward({ gy: gy.data, arg, g, dx });
    return [new Tensor(dx, x.shape)];
  });
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
