import { ShapeError, fmt } from '../errors.js';
import { record } from '../autograd/tape.js';
import { broadcastShapes, sizeOf } from '../tensor/shape.js';
import { Tensor, assertSameDtype } from '../tensor/tensor.js';
import { broadcastStrides, sumToShape } from './internal/broadcast.js';
import { gemm } from '../kernels/backend.js';
import type { GemmCall } from '../kernels/types.js';
import { sumTo } from './internal/graph-vjp.js';
import { newTensor } from './internal/util.js';
import { reshape, transpose } from './shape-ops.js';

/** Offsets of each output batch into a's and b's batch-broadcast storage. */
function batchOffsets(
  batch: readonly number[],
  aBatch: readonly number[],
  bBatch: readonly number[],
  aMat: number,
  bMat: number,
): [Int32Array, Int32Array] {
  const count = sizeOf(batch);
  const sa = broadcastStrides(aBatch, batch);
  const sb = broadcastStrides(bBatch, batch);
  const oa = new Int32Array(count);
  const ob = new Int32Array(count);
  const idx = new Array<number>(batch.length).fill(0);
  for (let i = 0; i < count; i++) {
    let ai = 0;
    let bi = 0;
    for (let k = 0; k < batch.length; k++) {
      ai += (idx[k] as number) * (sa[k] as number);
      bi += (idx[k] as number) * (sb[k] as number);
    }
    oa[i] = ai * aMat;
    ob[i] = bi * bMat;
    for (let k = batch.length - 1; k >= 0; k--) {
      idx[k] = (idx[k] as number) + 1;
      if ((idx[k] as number) < (batch[k] as number)) break;
      idx[k] = 0;
    }
  }
  return [oa, ob];
}

/**
 * Matrix product with NumPy/PyTorch semantics: 2-D × 2-D, batched [..., m, k] × [..., k, n] with
 * broadcast batch axes, and 1-D operands promoted (then the added axis removed).
 * VJPs: ∂/∂A = G·Bᵀ, ∂/∂B = Aᵀ·G (summed over broadcast batch axes) — the transposed products
 * go to the same GEMM kernels without materialising transposes.
 * @example matmul(x, w) // [batch, in] × [in, out]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  assertSameDtype('matmul', a, b);
  if (a.ndim === 0 || b.ndim === 0)
    throw new ShapeError(
      `matmul(): operands must have at least 1 axis, got shapes ${fmt(a.shape)} and ${fmt(b.shape)}`,
    );
  const aShape = a.ndim === 1 ? [1, a.shape[0] as number] : [...a.shape];
  const bShape = b.ndim === 1 ? [b.shape[0] as number, 1] : [...b.shape];
  const m = aShape[aShape.length - 2] as number;
  const k = aShape[aShape.length - 1] as number;
  const k2 = bShape[bShape.length - 2] as number;
  const n = bShape[bShape.length - 1] as number;
  if (k !== k2)
    throw new ShapeError(
      `matmul(): inner sizes differ: a has shape ${fmt(a.shape)} (k = ${k}) and b has shape ${fmt(b.shape)} (k = ${k2})`,
    );
  const aBatch = aShape.slice(0, -2);
  const bBatch = bShape.slice(0, -2);
  const batch = broadcastShapes(aBatch, bBatch);
  const count = sizeOf(batch);
  const [oa, ob] = batchOffsets(batch, aBatch, bBatch, m * k, k * n);
  const outFull = [...batch, m, n];
  const out = newTensor(a.dtype, outFull);
  // One options object for the whole batch: offsets change per matrix, nothing is allocated.
  const call: GemmCall = {
    transA: false,
    transB: false,
    m,
    n,
    k,
    alpha: 1,
    a: a.data,
    aOffset: 0,
    b: b.data,
    bOffset: 0,
    beta: 0,
    c: out.data,
    cOffset: 0,
  };
  for (let i = 0; i < count; i++) {
    call.aOffset = oa[i] as number;
    call.bOffset = ob[i] as number;
    call.cOffset = i * m * n;
    gemm(call);
  }
  let outShape = outFull;
  if (a.ndim === 1) outShape = outShape.filter((_, i) => i !== outFull.length - 2);
  if (b.ndim === 1) outShape = outShape.slice(0, -1);
  const result = outShape.length === outFull.length ? out : new Tensor(out.data, outShape);
  const aBroadcast = sizeOf(aBatch) !== count;
  const bBroadcast = sizeOf(bBatch) !== count;
  return record(
    'matmul',
    result,
    [a, b],
    (g, _s, cg) => {
      if (cg) {
        // The same rule with recorded ops, on the 2-D/batched views ([m, k], [k, n], [m, n]).
        const gFull = reshape(g, outFull);
        return [
          a.requiresGrad
            ? reshape(
                sumTo(matmul(gFull, transpose(reshape(b, [...bBatch, k, n]))), [...aBatch, m, k]),
                a.shape,
              )
            : null,
          b.requiresGrad
            ? reshape(
                sumTo(matmul(transpose(reshape(a, [...aBatch, m, k])), gFull), [...bBatch, k, n]),
                b.shape,
              )
            : null,
        ];
      }
      let ga: Tensor | null = null;
      let gb: Tensor | null = null;
      if (a.requiresGrad) {
        const full = newTensor(a.dtype, [...batch, m, k]);
        const dA: GemmCall = {
          transA: false,
          transB: true,
          m,
          n: k,
          k: n,
          alpha: 1,
          a: g.data,
          aOffset: 0,
          b: b.data,
          bOffset: 0,
          beta: 0,
          c: full.data,
          cOffset: 0,
        };
        for (let i = 0; i < count; i++) {
          dA.aOffset = i * m * n;
          dA.bOffset = ob[i] as number;
          dA.cOffset = i * m * k;
          gemm(dA);
        }
        ga = newTensor(a.dtype, a.shape);
        if (aBroadcast) sumToShape(full.data, full.shape, ga.data, [...aBatch, m, k]);
        else ga.data.set(full.data);
      }
      if (b.requiresGrad) {
        const full = newTensor(b.dtype, [...batch, k, n]);
        const dB: GemmCall = {
          transA: true,
          transB: false,
          m: k,
          n,
          k: m,
          alpha: 1,
          a: a.data,
          aOffset: 0,
          b: g.data,
          bOffset: 0,
          beta: 0,
          c: full.data,
          cOffset: 0,
        };
        for (let i = 0; i < count; i++) {
          dB.aOffset = oa[i] as number;
          dB.bOffset = i * m * n;
          dB.cOffset = i * k * n;
          gemm(dB);
        }
        gb = newTensor(b.dtype, b.shape);
        if (bBroadcast) sumToShape(full.data, full.shape, gb.data, [...bBatch, k, n]);
        else gb.data.set(full.data);
      }
      return [ga, gb];
    },
    true,
  );
}
