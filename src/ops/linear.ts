import { ShapeError, fmt } from '../errors.js';
import { record } from '../autograd/tape.js';
import { allocData } from '../tensor/dtype.js';
import { assertSameDtype, Tensor } from '../tensor/tensor.js';
import { gemm } from './internal/gemm.js';

/**
 * Fused affine map y = x·Wᵀ + b over the last axis (PyTorch's `F.linear`, weight `[out, in]`).
 *
 * x has shape `[..., in]` (any number of leading batch axes, flattened into M rows), the result
 * `[..., out]`. One GEMM with a transposed B operand plus a bias pass. VJP:
 * dx = g·W, dW = gᵀ·x, db = Σ_rows g.
 *
 * @example
 * const y = linear(x, weight, bias); // x [32, 784], weight [128, 784], bias [128] -> [32, 128]
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const b = bias ?? null;
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
  gemm(false, true, rows, outF, inF, x.data, 0, weight.data, 0, y, 0, false);
  if (b) {
    const bd = b.data;
    for (let r = 0; r < rows; r++) {
      const o = r * outF;
      for (let j = 0; j < outF; j++) y[o + j] = (y[o + j] as number) + (bd[j] as number);
    }
  }
  const out = new Tensor(y, outShape);
  const inputs = b ? [x, weight, b] : [x, weight];
  return record('linear', out, inputs, (g) => {
    const gd = g.data;
    let dx: Tensor | null = null;
    let dw: Tensor | null = null;
    let db: Tensor | null = null;
    if (x.requiresGrad) {
      const d = allocData(x.dtype, x.size);
      gemm(false, false, rows, inF, outF, gd, 0, weight.data, 0, d, 0, false);
      dx = new Tensor(d, x.shape);
    }
    if (weight.requiresGrad) {
      const d = allocData(x.dtype, weight.size);
      gemm(true, false, outF, inF, rows, gd, 0, x.data, 0, d, 0, false);
      dw = new Tensor(d, weight.shape);
    }
    if (b?.requiresGrad) {
      const d = allocData(x.dtype, outF);
      for (let r = 0; r < rows; r++) {
        const o = r * outF;
        for (let j = 0; j < outF; j++) d[j] = (d[j] as number) + (gd[o + j] as number);
      }
      db = new Tensor(d, b.shape);
    }
    return b ? [dx, dw, db] : [dx, dw];
  });
}
