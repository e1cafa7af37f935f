import type { Conv2dForwardArgs, Conv2dBackwardArgs } from '../args.js';
import { isDirectConv } from '../conv-geometry.js';
import { alignBytes as align } from './heap.js';
import { im2colF32Ptr, col2imF32Ptr } from './im2col-host.js';
import type { WasmRuntime } from './runtime.js';

// The 2-D convolution family on the wasm runtime: forward and backward over a whole batch, x, W
// and y crossing into wasm memory once (im2col + GEMM per image inside).

/**
 * The forward pass of a float32 2-D convolution over `n` images in one call (see conv2d in
 * ops/conv.ts): per image, cols = im2col(x[i]) (skipped for a 1×1, stride-1, unpadded kernel,
 * whose image is its own cols) and y[i] = W·cols (W [O, C·kh·kw]), then y[i, o] += b[o] when
 * `bias` is given; x, W and y cross into wasm memory once, not once per image. Same bits as
 * the op's per-image path on the wasm kernels. `relu` fuses y ← max(y, 0) (NaN kept) after it.
 * @example conv2dForwardF32(rt, { x, w, bias: b, relu: true, g, n: 64, o: 32, y });
 * @see K. Chellapilla, S. Puri, P. Simard, "High Performance Convolutional Neural Networks for Document Processing" (2006).
 */
export function conv2dForwardF32(rt: WasmRuntime, args: Conv2dForwardArgs<Float32Array>): void {
  const { x, w, bias, relu, g, n, o, y } = args;
  const k = g.colRows;
  const p = g.colCols;
  const direct = isDirectConv(g);
  const xPtr = rt.scratchTop(o * p * k);
  const wPtr = align(xPtr + n * g.imageSize * 4);
  const bPtr = align(wPtr + o * k * 4);
  const colPtr = align(bPtr + o * 4);
  const yPtr = align(colPtr + (direct ? 0 : g.colSize * 4));
  rt.ensureBytes(align(yPtr + n * o * p * 4));
  const xA = rt.input(x, n * g.imageSize, xPtr);
  const wA = rt.input(w, o * k, wPtr);
  for (let i = 0; i < n; i++) {
    const img = xA + i * g.imageSize * 4;
    if (!direct) im2colF32Ptr(rt, img, g, colPtr, 1);
    rt.compute(0, 0, o, p, k, 1, wA, direct ? img : colPtr, 0, yPtr + i * o * p * 4);
  }
  if (bias !== null) {
    rt.ex.addChannelBiasF32(yPtr, n * o, p, rt.input(bias, o, bPtr), o);
  }
  if (relu) rt.ex.reluF32(yPtr, n * o * p);
  rt.take(yPtr, y, n * o * p);
}

/**
 * The backward pass of {@link conv2dForwardF32} from dL/dy (`gy`, [N, O, P]): with
 * `y` (the fused ReLU's output) given, gz = gy·[y > 0], else gz = gy; then dW = Σ_i
 * gz[i]·cols(x[i])ᵀ, dx[i] = col2im(Wᵀ·gz[i]) and db[o] = Σ gz[·, o, ·] (each row summed in
 * doubles), each written to its array when given, dW and db added to it instead when their
 * accumulate flag is set. The cols are recomputed per image. Same bits as the op's per-image
 * path on the wasm kernels.
 * @example conv2dBackwardF32(rt, { gy, y: null, x, w, g, n: 64, o: 32, dx, dW, dWAccumulate: true, db, dbAccumulate: true });
 */
export function conv2dBackwardF32(rt: WasmRuntime, args: Conv2dBackwardArgs<Float32Array>): void {
  const { gy, y, x, w, g, n, o, dx, dW, dWAccumulate, db, dbAccumulate } = args;
  const k = g.colRows;
  const p = g.colCols;
  const direct = isDirectConv(g);
  const gPtr = rt.scratchTop(o * p * k);
  const yPtr = align(gPtr + n * o * p * 4);
  const xPtr = align(yPtr + (y === null ? 0 : n * o * p * 4));
  const wPtr = align(xPtr + (dW === null ? 0 : n * g.imageSize * 4));
  const dwPtr = align(wPtr + o * k * 4);
  const dbPtr = align(dwPtr + o * k * 4);
  const colPtr = align(dbPtr + o * 4);
  const dxPtr = align(colPtr + (direct ? 0 : g.colSize * 4));
  rt.ensureBytes(align(dxPtr + (dx === null ? 0 : n * g.imageSize * 4)));
  const ex = rt.ex;
  rt.put(gy, gPtr, n * o * p);
  if (y !== null) {
    rt.put(y, yPtr, n * o * p);
    ex.actGradF32(gPtr, yPtr, gPtr, n * o * p, 1);
  }
  const wA = rt.input(w, o * k, wPtr);
  if (dW !== null) {
    const xA = rt.input(x, n * g.imageSize, xPtr);
    const dwA = rt.target(dW, o * k, dwPtr, dWAccumulate);
    for (let i = 0; i < n; i++) {
      const img = xA + i * g.imageSize * 4;
      if (!direct) im2colF32Ptr(rt, img, g, colPtr, 1);
      const beta = i > 0 || dWAccumulate ? 1 : 0;
      rt.compute(0, 1, o, k, p, 1, gPtr + i * o * p * 4, direct ? img : colPtr, beta, dwA);
    }
    rt.output(dwA, dW, o * k);
  }
  if (dx !== null) {
    rt.heap.fill(0, dxPtr >> 2, (dxPtr >> 2) + n * g.imageSize);
    for (let i = 0; i < n; i++) {
      const img = dxPtr + i * g.imageSize * 4;
      const gi = gPtr + i * o * p * 4;
      if (direct) rt.compute(1, 0, k, p, o, 1, wA, gi, 0, img);
      else {
        rt.compute(1, 0, k, p, o, 1, wA, gi, 0, colPtr);
        col2imF32Ptr(rt, colPtr, g, img, 1);
      }
    }
    rt.take(dxPtr, dx, n * g.imageSize);
  }
  if (db !== null) {
    const dbA = rt.target(db, o, dbPtr, dbAccumulate);
    if (!dbAccumulate) rt.heap.fill(0, dbA >> 2, (dbA >> 2) + o);
    ex.addChannelSumsF32(gPtr, n * o, p, dbA, o);
    rt.output(dbA, db, o);
  }
}
