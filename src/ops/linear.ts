import { ConfigError, ShapeError, fmt } from '../errors.js';
import { record } from '../autograd/tape.js';
import { leafGradBuffer } from '../autograd/leaf-grad.js';
import { allocData, type TypedArray } from '../tensor/dtype.js';
import { assertSameDtype, Tensor } from '../tensor/tensor.js';
import { gemm } from './internal/gemm.js';
import { tanhF32 } from '../kernels/js/tanh.js';
import { linearBackwardF32, linearForwardF32 } from '../kernels/backend.js';
import type { LinearAct } from '../kernels/types.js';

/**
 * Activations {@link linear} can fuse into its output pass.
 * @inline
 */
export type LinearActivation = 'relu' | 'tanh';

/**
 * Fused affine map y = act(x·Wᵀ + b) over the last axis (PyTorch's `F.linear`, weight `[out, in]`,
 * optionally followed by ReLU or tanh in the same pass).
 *
 * x has shape `[..., in]` (any number of leading batch axes, flattened into M rows), the result
 * `[..., out]`. One GEMM with a transposed B operand plus one bias(+activation) pass. VJP, with
 * gz = g ⊙ act'(y) (relu: [y > 0]; tanh: 1 − y²; none: g): dx = gz·W, dW = gzᵀ·x, db = Σ_rows gz.
 * dW and db go straight into a parameter's existing gradient buffer when there is one (see
 * leafGradBuffer): no allocation, no second pass.
 *
 * @example
 * const y = linear(x, weight, bias); // x [32, 784], weight [128, 784], bias [128] -> [32, 128]
 * const h = linear(x, weight, bias, 'relu'); // = relu(linear(x, weight, bias)), one op
 */
export function linear(
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  activation?: LinearActivation | null,
): Tensor {
  const b = bias ?? null;
  const act = activation ?? null;
  if (act !== null && act !== 'relu' && act !== 'tanh') {
    throw new ConfigError(
      `linear: activation must be 'relu', 'tanh' or null, got ${fmt(activation)}`,
    );
  }
  if (b) assertSameDtype('linear', x, weight, b);
  else assertSameDtype('linear', x, weight);
  if (weight.ndim !== 2) {
    throw new ShapeError(`linear: weight must be 2-D [out, in], got shape ${fmt(weight.shape)}`);
  }
  const [outF, inF] = weight.shape as [number, number];
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== inF) {
    throw new ShapeError(
      `linear: x must have shape [..., ${inF}] to match weight ${fmt(weight.shape)}, got ${fmt(x.shape)}`,
    );
  }
  if (b && (b.ndim !== 1 || b.shape[0] !== outF)) {
    throw new ShapeError(
      `linear: bias must have shape [${outF}] to match weight ${fmt(weight.shape)}, got ${fmt(b.shape)}`,
    );
  }
  const rows = x.size / inF;
  const outShape = [...x.shape.slice(0, -1), outF];
  const y = allocData(x.dtype, rows * outF);
  // float32 runs on the wasm kernels in one call when its GEMM would (the same bits).
  const f32 = y instanceof Float32Array;
  const code: LinearAct = act === null ? 0 : act === 'relu' ? 1 : 2;
  const onWasm =
    f32 &&
    linearForwardF32({
      x: x.data as Float32Array,
      w: weight.data as Float32Array,
      bias: b === null ? null : (b.data as Float32Array),
      act: code,
      rows,
      inF,
      outF,
      y,
    });
  if (!onWasm) {
    gemm(false, true, rows, outF, inF, x.data, 0, weight.data, 0, y, 0, false);
    epilogue(y, rows, outF, b === null ? null : b.data, act);
  }
  const out = new Tensor(y, outShape);
  const inputs = b ? [x, weight, b] : [x, weight];
  return record(act === null ? 'linear' : `linear+${act}`, out, inputs, (g) => {
    if (onWasm)
      return linearBackwardWasm(g, y as Float32Array, x, weight, b, code, rows, inF, outF);
    let gd = g.data;
    if (act !== null) {
      const gz = allocData(g.dtype, gd.length);
      activationGrad(gz, gd, y, act);
      gd = gz;
    }
    let dx: Tensor | null = null;
    let dw: Tensor | null = null;
    let db: Tensor | null = null;
    if (x.requiresGrad) {
      const d = allocData(x.dtype, x.size);
      gemm(false, false, rows, inF, outF, gd, 0, weight.data, 0, d, 0, false);
      dx = new Tensor(d, x.shape);
    }
    if (weight.requiresGrad) {
      const acc = leafGradBuffer(weight);
      if (acc !== null) {
        gemm(true, false, outF, inF, rows, gd, 0, x.data, 0, acc, 0, true);
      } else {
        const d = allocData(x.dtype, weight.size);
        gemm(true, false, outF, inF, rows, gd, 0, x.data, 0, d, 0, false);
        dw = new Tensor(d, weight.shape);
      }
    }
    if (b?.requiresGrad) {
      const acc = leafGradBuffer(b);
      if (acc !== null) sumRowsInto(acc, gd, rows, outF);
      else {
        const d = allocData(x.dtype, outF);
        sumRowsInto(d, gd, rows, outF);
        db = new Tensor(d, b.shape);
      }
    }
    return b ? [dx, dw, db] : [dx, dw];
  });
}

/** The VJP of {@link linear} on the wasm kernels (one call; see linearBackwardF32). */
function linearBackwardWasm(
  g: Tensor,
  y: Float32Array,
  x: Tensor,
  weight: Tensor,
  b: Tensor | null,
  act: LinearAct,
  rows: number,
  inF: number,
  outF: number,
): (Tensor | null)[] {
  const dx = x.requiresGrad ? new Float32Array(x.size) : null;
  const accW = leafGradBuffer(weight) as Float32Array | null;
  const dW = weight.requiresGrad ? (accW ?? new Float32Array(weight.size)) : null;
  const accB = b === null ? null : (leafGradBuffer(b) as Float32Array | null);
  const db = b?.requiresGrad ? (accB ?? new Float32Array(outF)) : null;
  linearBackwardF32({
    g: g.data as Float32Array,
    y,
    x: x.data as Float32Array,
    w: weight.data as Float32Array,
    act,
    rows,
    inF,
    outF,
    dx,
    dW,
    dWAccumulate: accW !== null,
    db,
    dbAccumulate: accB !== null,
  });
  const res = [
    dx === null ? null : new Tensor(dx, x.shape),
    dW === null || accW !== null ? null : new Tensor(dW, weight.shape),
  ];
  if (b !== null) res.push(db === null || accB !== null ? null : new Tensor(db, b.shape));
  return res;
}

/** y ← act(y + b) row by row (b may be null, act may be null); one branch-free loop per case. */
function epilogue(
  y: TypedArray,
  rows: number,
  cols: number,
  bd: TypedArray | null,
  act: LinearActivation | null,
): void {
  if (act === null) {
    if (bd !== null) addBiasRows(y, rows, cols, bd);
  } else if (act === 'relu') {
    if (bd !== null) biasReluRows(y, rows, cols, bd);
    else reluInPlace(y);
  } else if (y instanceof Float32Array) {
    if (bd !== null) addBiasRows(y, rows, cols, bd);
    // Round the pre-activation to float32 first, as the unfused ops would (y already holds it).
    for (let i = 0; i < y.length; i++) y[i] = tanhF32(y[i] as number);
  } else {
    if (bd !== null) addBiasRows(y, rows, cols, bd);
    for (let i = 0; i < y.length; i++) y[i] = Math.tanh(y[i] as number);
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

/** gz ← g ⊙ act'(y), from the activation's output y. */
function activationGrad(gz: TypedArray, g: TypedArray, y: TypedArray, act: LinearActivation): void {
  const n = gz.length;
  if (act === 'relu') {
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
