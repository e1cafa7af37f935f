import type { DType } from '../tensor/dtype.js';
import type { Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { add, div, mul, pow, sub } from './elementwise.js';
import type { TensorLike } from './internal/util.js';
import { matmul } from './matmul.js';
import { max, mean, min, sum, type Axes } from './reduce.js';
import { astype, permute, reshape, transpose } from './shape-ops.js';
import { abs, exp, log, neg, relu, sigmoid, sqrt, tanh } from './unary.js';

declare module '../tensor/tensor.js' {
  // Method sugar (x.add(y).relu().sum()) for the most used ops; each is the function of the
  // same name in ops/, with the same semantics and VJP.
  interface Tensor {
    /** Elementwise `this + b` with broadcasting (ops `add`). */
    add(b: TensorLike): Tensor;
    /** Elementwise `this − b` with broadcasting (ops `sub`). */
    sub(b: TensorLike): Tensor;
    /** Elementwise `this · b` with broadcasting (ops `mul`). */
    mul(b: TensorLike): Tensor;
    /** Elementwise `this / b` with broadcasting (ops `div`). */
    div(b: TensorLike): Tensor;
    /** Elementwise `this ** b` with broadcasting (ops `pow`). */
    pow(b: TensorLike): Tensor;
    /** Elementwise `−this` (ops `neg`). */
    neg(): Tensor;
    /** Elementwise `eˣ` (ops `exp`). */
    exp(): Tensor;
    /** Elementwise natural logarithm (ops `log`). */
    log(): Tensor;
    /** Elementwise square root (ops `sqrt`). */
    sqrt(): Tensor;
    /** Elementwise absolute value (ops `abs`). */
    abs(): Tensor;
    /** Elementwise hyperbolic tangent (ops `tanh`). */
    tanh(): Tensor;
    /** Elementwise logistic sigmoid 1/(1 + e⁻ˣ) (ops `sigmoid`). */
    sigmoid(): Tensor;
    /** Elementwise max(x, 0) (ops `relu`). */
    relu(): Tensor;
    /** Matrix product `this @ b`, batched over leading dimensions (ops `matmul`). */
    matmul(b: Tensor): Tensor;
    /** Sum over `axis` (all axes when omitted) (ops `sum`). */
    sum(axis?: Axes, keepDims?: boolean): Tensor;
    /** Mean over `axis` (all axes when omitted) (ops `mean`). */
    mean(axis?: Axes, keepDims?: boolean): Tensor;
    /** Maximum over `axis` (all axes when omitted) (ops `max`). */
    max(axis?: Axes, keepDims?: boolean): Tensor;
    /** Minimum over `axis` (all axes when omitted) (ops `min`). */
    min(axis?: Axes, keepDims?: boolean): Tensor;
    /** The same data with a new shape of the same size (ops `reshape`). */
    reshape(shape: Shape): Tensor;
    /** Swaps two axes, the last two by default (ops `transpose`). */
    transpose(axis0?: number, axis1?: number): Tensor;
    /** Reorders the axes by `perm` (ops `permute`). */
    permute(perm: readonly number[]): Tensor;
    /** Converts to another dtype; the gradient is converted back (ops `astype`). */
    astype(dtype: DType): Tensor;
  }
}

const proto = Tensor.prototype;
proto.add = function (b) {
  return add(this, b);
};
proto.sub = function (b) {
  return sub(this, b);
};
proto.mul = function (b) {
  return mul(this, b);
};
proto.div = function (b) {
  return div(this, b);
};
proto.pow = function (b) {
  return pow(this, b);
};
proto.neg = function () {
  return neg(this);
};
proto.exp = function () {
  return exp(this);
};
proto.log = function () {
  return log(this);
};
proto.sqrt = function () {
  return sqrt(this);
};
proto.abs = function () {
  return abs(this);
};
proto.tanh = function () {
  return tanh(this);
};
proto.sigmoid = function () {
  return sigmoid(this);
};
proto.relu = function () {
  return relu(this);
};
proto.matmul = function (b) {
  return matmul(this, b);
};
proto.sum = function (axis, keepDims) {
  return sum(this, axis, keepDims);
};
proto.mean = function (axis, keepDims) {
  return mean(this, axis, keepDims);
};
proto.max = function (axis, keepDims) {
  return max(this, axis, keepDims);
};
proto.min = function (axis, keepDims) {
  return min(this, axis, keepDims);
};
proto.reshape = function (shape) {
  return reshape(this, shape);
};
proto.transpose = function (a0, a1) {
  return transpose(this, a0, a1);
};
proto.permute = function (perm) {
  return permute(this, perm);
};
proto.astype = function (dtype) {
  return astype(this, dtype);
};
