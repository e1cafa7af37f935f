import { allocData, type DType } from '../../tensor/dtype.js';
import { Tensor, assertSameDtype } from '../../tensor/tensor.js';

/** A Tensor operand or a plain number (promoted to a scalar of the other operand's dtype). */
export type TensorLike = Tensor | number;

/** Promotes numbers to scalar tensors of `dtype`. */
export function asTensor(x: TensorLike, dtype: DType): Tensor {
  if (x instanceof Tensor) return x;
  const d = allocData(dtype, 1);
  d[0] = x;
  return new Tensor(d, []);
}

/** Resolves the two operands of a binary op: numbers take the tensor's dtype; mixed dtypes throw. */
export function operands(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  const dtype = a instanceof Tensor ? a.dtype : b instanceof Tensor ? b.dtype : 'float64';
  const ta = asTensor(a, dtype);
  const tb = asTensor(b, dtype);
  assertSameDtype(op, ta, tb);
  return [ta, tb];
}

/** A new zero tensor with this shape and dtype. */
export function newTensor(dtype: DType, shape: readonly number[]): Tensor {
  let n = 1;
  for (const d of shape) n *= d;
  return new Tensor(allocData(dtype, n), shape);
}
