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
    add(b: TensorLike): Tensor;
    sub(b: TensorLike): Tensor;
    mul(b: TensorLike): Tensor;
    div(b: TensorLike): Tensor;
    pow(b: TensorLike): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    abs(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    matmul(b: Tensor): Tensor;
    sum(axis?: Axes, keepDims?: boolean): Tensor;
    mean(axis?: Axes, keepDims?: boolean): Tensor;
    max(axis?: Axes, keepDims?: boolean): Tensor;
    min(axis?: Axes, keepDims?: boolean): Tensor;
    reshape(shape: Shape): Tensor;
    transpose(axis0?: number, axis1?: number): Tensor;
    permute(perm: readonly number[]): Tensor;
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
