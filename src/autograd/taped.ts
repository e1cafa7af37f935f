// The few recorded (differentiable) operations autograd needs itself, without importing ops/:
// a sum of two gradients, and the linear forms ⟨y, u⟩ and s·u with a constant u that turn a
// gradient into a scalar and back (Hessian-vector products, JVPs, gradgradcheck).
import { allocData } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { record } from './tape.js';

/**
 * a + b (same shape and dtype) recorded with the VJP g ↦ (g, g), differentiable to any order: how
 * a createGraph backward sums the gradients of a tensor used twice.
 */
export function tapedAdd(a: Tensor, b: Tensor): Tensor {
  const d = a.data.slice();
  const bd = b.data;
  for (let i = 0; i < d.length; i++) d[i] = (d[i] as number) + (bd[i] as number);
  return record('add', new Tensor(d, a.shape), [a, b], (g) => [g, g], true);
}

/**
 * ⟨y, u⟩ as a recorded scalar (shape []), u a constant of y's size; VJP gs ↦ gs·u. Its VJP is
 * {@link scaleConst} and vice versa, so both are differentiable to any order.
 */
export function dotConst(y: Tensor, u: Tensor): Tensor {
  let s = 0;
  const yd = y.data;
  const ud = u.data;
  for (let i = 0; i < yd.length; i++) s += (yd[i] as number) * (ud[i] as number);
  const out = new Tensor(allocData(y.dtype, 1), []);
  out.data[0] = s;
  return record('dot', out, [y], (gs) => [scaleConst(gs, u, y)], true);
}

/** s·u with s a recorded scalar of shape [] and u a constant, shaped and typed like `like`; VJP h ↦ ⟨h, u⟩. */
export function scaleConst(s: Tensor, u: Tensor, like: Tensor): Tensor {
  const k = s.data[0] as number;
  const d = allocData(like.dtype, like.size);
  const ud = u.data;
  for (let i = 0; i < d.length; i++) d[i] = k * (ud[i] as number);
  return record('scale', new Tensor(d, like.shape), [s], (h) => [dotConst(h, u)], true);
}
