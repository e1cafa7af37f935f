import { ConfigError, ShapeError, fmt } from '../errors.js';
import { record } from '../autograd/tape.js';
import { allocData, allocDataUninit } from '../tensor/dtype.js';
import { assertSameDtype, Tensor } from '../tensor/tensor.js';
import { kernelsFor } from '../kernels/select.js';
import type { LinearAct } from '../kernels/types.js';
import { mul, sub } from './elementwise.js';
import { constant } from './internal/graph-vjp.js';
import { matmul } from './matmul.js';
import { sum } from './reduce.js';
import { reshape, transpose } from './shape-ops.js';
import { square } from './unary.js';

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
 * the gradient sink): no allocation, no second pass.
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
  const y = allocDataUninit(x.dtype, rows * outF); // the GEMM writes every element (β = 0)
  const code: LinearAct = act === null ? 0 : act === 'relu' ? 1 : 2;
  // One backend for the forward and the VJP, chosen by dtype and the GEMM's size.
  const k = kernelsFor(x.dtype, rows, outF, inF);
  k.linearForward({
    x: x.data,
    w: weight.data,
    bias: b === null ? null : b.data,
    act: code,
    rows,
    inF,
    outF,
    y,
  });
  const out = new Tensor(y, outShape);
  const inputs = b ? [x, weight, b] : [x, weight];
  return record(
    act === null ? 'linear' : `linear+${act}`,
    out,
    inputs,
    (g, sink, cg) => {
      if (cg) return linearGraphVjp(g, x, weight, b, act, out);
      // dW and db go straight into a parameter's gradient buffer when it has one (then null).
      const dx = x.requiresGrad ? allocDataUninit(x.dtype, x.size) : null; // β = 0
      // After zeroGrad() the buffer is a pending zero: written (β = 0), not added into.
      const newW = sink.bufferToWrite(weight);
      const accW = newW ?? sink.buffer(weight);
      const dW = weight.requiresGrad ? (accW ?? allocData(x.dtype, weight.size)) : null;
      const newB = b === null ? null : sink.bufferToWrite(b);
      const accB = b === null ? null : (newB ?? sink.buffer(b));
      const db = b?.requiresGrad ? (accB ?? allocData(x.dtype, outF)) : null;
      k.linearBackward({
        g: g.data,
        y,
        x: x.data,
        w: weight.data,
        act: code,
        rows,
        inF,
        outF,
        dx,
        dW,
        dWAccumulate: accW !== null && newW === null,
        db,
        dbAccumulate: accB !== null && newB === null,
      });
      const res = [
        dx === null ? null : new Tensor(dx, x.shape),
        dW === null || accW !== null ? null : new Tensor(dW, weight.shape),
      ];
      if (b !== null) res.push(db === null || accB !== null ? null : new Tensor(db, b.shape));
      return res;
    },
    true,
  );
}

/**
 * The VJP of {@link linear} as recorded ops (createGraph): gz = g ⊙ act'(y) (relu: a constant
 * mask; tanh: 1 − y² of the recorded output), dx = gz·W, dW = gzᵀ·x, db = Σ_rows gz.
 */
function linearGraphVjp(
  g: Tensor,
  x: Tensor,
  weight: Tensor,
  b: Tensor | null,
  act: LinearActivation | null,
  y: Tensor,
): (Tensor | null)[] {
  const [outF, inF] = weight.shape as [number, number];
  let gz = g;
  if (act === 'relu') {
    const yd = y.data;
    gz = mul(
      g,
      constant(y, y.shape, (i) => ((yd[i] as number) > 0 ? 1 : 0)),
    );
  } else if (act === 'tanh') gz = mul(g, sub(1, square(y)));
  const gz2 = reshape(gz, [-1, outF]);
  const res: (Tensor | null)[] = [
    x.requiresGrad ? matmul(gz, weight) : null,
    weight.requiresGrad ? matmul(transpose(gz2), reshape(x, [-1, inF])) : null,
  ];
  if (b !== null) res.push(b.requiresGrad ? sum(gz2, 0) : null);
  return res;
}
