import { allocData, dtypeOf, type TypedArray } from '../../tensor/dtype.js';
import type { LinearBackwardArgs, LinearForwardArgs } from '../args.js';
import { gemm } from '../backend.js';
import { tanhF32 } from './tanh.js';

// The linear layer's reference kernels: one GEMM (through the routed gemm entry point, so a
// float32 layer that stays here gives the bits of the unfused matmul + add + activation ops)
// and branch-free loops for the bias, the activation and its derivative.

/**
 * y = act(x·Wᵀ + b) (act 0 none, 1 ReLU, 2 tanh), both dtypes. See Kernels.linearForward.
 * @example linearForwardJs({ x, w, bias: null, act: 1, rows: 2, inF: 3, outF: 4, y });
 * @see https://pytorch.org/docs/stable/generated/torch.nn.functional.linear.html
 */
export function linearForwardJs(args: LinearForwardArgs): void {
  const { x, w, bias, act, rows, inF, outF, y } = args;
  gemm({
    transA: false,
    transB: true,
    m: rows,
    n: outF,
    k: inF,
    alpha: 1,
    a: x,
    aOffset: 0,
    b: w,
    bOffset: 0,
    beta: 0,
    c: y,
    cOffset: 0,
  });
  if (act === 0) {
    if (bias !== null) addBiasRows(y, rows, outF, bias);
  } else if (act === 1) {
    if (bias !== null) biasReluRows(y, rows, outF, bias);
    else reluInPlace(y);
  } else if (y instanceof Float32Array) {
    if (bias !== null) addBiasRows(y, rows, outF, bias);
    // Round the pre-activation to float32 first, as the unfused ops would (y already holds it).
    for (let i = 0; i < y.length; i++) y[i] = tanhF32(y[i] as number);
  } else {
    if (bias !== null) addBiasRows(y, rows, outF, bias);
    for (let i = 0; i < y.length; i++) y[i] = Math.tanh(y[i] as number);
  }
}

/**
 * The VJP of {@link linearForwardJs}: gz = g ⊙ act'(y), dx = gz·W, dW (+)= gzᵀ·x, db (+)= Σ_rows gz.
 * See Kernels.linearBackward.
 * @example linearBackwardJs({ g, y, x, w, act: 1, rows, inF, outF, dx, dW, dWAccumulate: true, db: null, dbAccumulate: false });
 */
export function linearBackwardJs(args: LinearBackwardArgs): void {
  const { y, x, w, act, rows, inF, outF, dx, dW, db } = args;
  let gd = args.g;
  if (act !== 0) {
    const gz = allocData(dtypeOf(gd), gd.length);
    activationGrad(gz, gd, y, act);
    gd = gz;
  }
  if (dx !== null)
    gemm({
      transA: false,
      transB: false,
      m: rows,
      n: inF,
      k: outF,
      alpha: 1,
      a: gd,
      aOffset: 0,
      b: w,
      bOffset: 0,
      beta: 0,
      c: dx,
      cOffset: 0,
    });
  if (dW !== null) {
    const beta = args.dWAccumulate ? 1 : 0;
    gemm({
      transA: true,
      transB: false,
      m: outF,
      n: inF,
      k: rows,
      alpha: 1,
      a: gd,
      aOffset: 0,
      b: x,
      bOffset: 0,
      beta,
      c: dW,
      cOffset: 0,
    });
  }
  if (db !== null) {
    if (!args.dbAccumulate) db.fill(0);
    sumRowsInto(db, gd, rows, outF);
  }
}

function addBiasRows(y: TypedArray, rows: number, cols: number, bd: TypedArray): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) y[o + j] = (y[o + j] as number) + (bd[j] as number);
  }
}

function biasReluRows(y: TypedArray, rows: number, cols: number, bd: TypedArray): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) {
      const v = (y[o + j] as number) + (bd[j] as number);
      y[o + j] = v < 0 ? 0 : v; // NaN stays NaN, as in relu()
    }
  }
}

function reluInPlace(y: TypedArray): void {
  for (let i = 0; i < y.length; i++) {
    const v = y[i] as number;
    y[i] = v < 0 ? 0 : v;
  }
}

/** gz ← g ⊙ act'(y), from the activation's output y (act 1 ReLU, 2 tanh). */
function activationGrad(gz: TypedArray, g: TypedArray, y: TypedArray, act: 1 | 2): void {
  const n = gz.length;
  if (act === 1) {
    for (let i = 0; i < n; i++) gz[i] = (y[i] as number) > 0 ? (g[i] as number) : 0;
  } else {
    for (let i = 0; i < n; i++) {
      const v = y[i] as number;
      gz[i] = (g[i] as number) * (1 - v * v);
    }
  }
}

/** d[j] += Σ_r g[r·cols + j]. */
function sumRowsInto(d: TypedArray, g: TypedArray, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let j = 0; j < cols; j++) d[j] = (d[j] as number) + (g[o + j] as number);
  }
}
