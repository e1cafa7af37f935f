import type { LinearForwardArgs, LinearBackwardArgs } from '../args.js';
import { alignBytes as align } from './heap.js';
import type { WasmRuntime } from './runtime.js';

// The fused linear layer family on the wasm runtime: y = act(x·Wᵀ + b) and its backward pass,
// each one call that keeps the intermediate results in wasm memory.

/**
 * y = act(x·Wᵀ + b) on float32 data (x [rows, inF], W [outF, inF], b [outF] or null; act 0
 * none, 1 ReLU, 2 tanh), the fused linear layer of ops/linear.ts in one call: the GEMM, then
 * the bias and the activation on the result while it is in wasm memory. Same bits as that op's
 * JS path on the wasm GEMM (float32 bias add; ReLU `v > 0 ? v : 0`; tanh as tanhF32).
 * @example linearForwardF32(rt, { x, w, bias: b, act: 1, rows: 128, inF: 784, outF: 256, y }); // relu(x·Wᵀ + b)
 * @see https://pytorch.org/docs/stable/generated/torch.nn.functional.linear.html
 */
export function linearForwardF32(rt: WasmRuntime, args: LinearForwardArgs<Float32Array>): void {
  const { x, w, bias, act, rows, inF, outF, y } = args;
  const n = rows * outF;
  const xPtr = rt.scratchTop(rows * outF * inF);
  const wPtr = align(xPtr + rows * inF * 4);
  const bPtr = align(wPtr + outF * inF * 4);
  const yPtr = align(bPtr + outF * 4);
  rt.ensureBytes(align(yPtr + n * 4));
  const xA = rt.input(x, rows * inF, xPtr);
  const wA = rt.input(w, outF * inF, wPtr);
  const ex = rt.ex;
  rt.compute(0, 1, rows, outF, inF, 1, xA, wA, 0, yPtr);
  if (bias !== null) ex.addRowsF32(yPtr, rows, outF, rt.input(bias, outF, bPtr), 0, 0);
  if (act === 1) ex.reluF32(yPtr, n);
  else if (act === 2 && ex.tanhF32(yPtr, n) > 0) rt.finishTanh(yPtr, n);
  rt.take(yPtr, y, n);
}

/**
 * The backward pass of {@link linearForwardF32} from dL/dy (`g`) and the forward's
 * output `y` (unused when act is 0): gz = g·act'(y), then dx = gz·W, dW = gzᵀ·x and db = the
 * column sums of gz (float32, row after row), each written to its array when it is given, and
 * added to its contents instead when the matching accumulate flag is set (a parameter's
 * gradient buffer). Same bits as the op's JS path on the wasm GEMM.
 * @example linearBackwardF32(rt, { g, y, x, w, act: 1, rows, inF, outF, dx: null, dW, dWAccumulate: true, db, dbAccumulate: true });
 */
export function linearBackwardF32(rt: WasmRuntime, args: LinearBackwardArgs<Float32Array>): void {
  const { g, y, x, w, act, rows, inF, outF, dx, dW, dWAccumulate, db, dbAccumulate } = args;
  const n = rows * outF;
  const gPtr = rt.scratchTop(rows * outF * inF);
  const yPtr = align(gPtr + n * 4);
  const xPtr = align(yPtr + (act === 0 ? 0 : n * 4));
  const wPtr = align(xPtr + rows * inF * 4);
  const dxPtr = align(wPtr + outF * inF * 4);
  const dwPtr = align(dxPtr + rows * inF * 4);
  const dbPtr = align(dwPtr + outF * inF * 4);
  rt.ensureBytes(align(dbPtr + outF * 4));
  const ex = rt.ex;
  rt.put(g, gPtr, n);
  if (act !== 0) {
    rt.put(y, yPtr, n);
    ex.actGradF32(gPtr, yPtr, gPtr, n, act);
  }
  if (dx !== null) {
    const wA = rt.input(w, outF * inF, wPtr);
    rt.compute(0, 0, rows, inF, outF, 1, gPtr, wA, 0, dxPtr);
    rt.take(dxPtr, dx, rows * inF);
  }
  if (dW !== null) {
    const xA = rt.input(x, rows * inF, xPtr);
    const dwA = rt.target(dW, outF * inF, dwPtr, dWAccumulate);
    rt.compute(1, 0, outF, inF, rows, 1, gPtr, xA, dWAccumulate ? 1 : 0, dwA);
    rt.output(dwA, dW, outF * inF);
  }
  if (db !== null) {
    const dbA = rt.target(db, outF, dbPtr, dbAccumulate);
    if (!dbAccumulate) rt.heap.fill(0, dbA >> 2, (dbA >> 2) + outF);
    ex.addColSumsF32(gPtr, rows, outF, dbA);
    rt.output(dbA, db, outF);
  }
}
