import { record } from '../autograd/tape.js';
import { normalizeAxis } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { mul, sub } from './elementwise.js';
import { newTensor } from './internal/util.js';
import { sum } from './reduce.js';
import { exp } from './unary.js';

function layout(x: Tensor, axis: number): [number, number, number] {
  const a = normalizeAxis(axis, x.ndim);
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < a; i++) outer *= x.shape[i] as number;
  for (let i = a + 1; i < x.ndim; i++) inner *= x.shape[i] as number;
  return [outer, x.shape[a] as number, inner];
}

/**
 * softmax(x)_i = exp(x_i − m)/Σ_j exp(x_j − m) along `axis` (m = max, for stability), with the
 * fused VJP ∂/∂x = y ⊙ (g − Σ g ⊙ y).
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  const [outer, n, inner] = layout(x, axis);
  const out = newTensor(x.dtype, x.shape);
  const xd = x.data;
  const y = out.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let m = -Infinity;
      for (let k = 0; k < n; k++) m = Math.max(m, xd[base + k * inner] as number);
      let s = 0;
      for (let k = 0; k < n; k++) {
        const e = Math.exp((xd[base + k * inner] as number) - m);
        y[base + k * inner] = e;
        s += e;
      }
      for (let k = 0; k < n; k++) y[base + k * inner] = (y[base + k * inner] as number) / s;
    }
  }
  return record(
    'softmax',
    out,
    [x],
    (g, _s, cg) => {
      // y ⊙ (g − Σ g⊙y), with the output y recorded.
      if (cg) return [mul(out, sub(g, sum(mul(g, out), axis, true)))];
      const gx = newTensor(g.dtype, g.shape);
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const base = o * n * inner + i;
          let dot = 0;
          for (let k = 0; k < n; k++)
            dot += (g.data[base + k * inner] as number) * (y[base + k * inner] as number);
          for (let k = 0; k < n; k++)
            gx.data[base + k * inner] =
              (y[base + k * inner] as number) * ((g.data[base + k * inner] as number) - dot);
        }
      }
      return [gx];
    },
    true,
  );
}

/**
 * log softmax(x) = x − logsumexp(x) along `axis`, stable; fused VJP ∂/∂x = g − softmax ⊙ Σ g.
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const [outer, n, inner] = layout(x, axis);
  const out = newTensor(x.dtype, x.shape);
  const xd = x.data;
  const y = out.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let m = -Infinity;
      for (let k = 0; k < n; k++) m = Math.max(m, xd[base + k * inner] as number);
      if (!Number.isFinite(m)) m = Number.isNaN(m) ? m : 0;
      let s = 0;
      for (let k = 0; k < n; k++) s += Math.exp((xd[base + k * inner] as number) - m);
      const lse = m + Math.log(s);
      for (let k = 0; k < n; k++) y[base + k * inner] = (xd[base + k * inner] as number) - lse;
    }
  }
  return record(
    'logSoftmax',
    out,
    [x],
    (g, _s, cg) => {
      // g − exp(y)·Σ g, with the output y recorded.
      if (cg) return [sub(g, mul(exp(out), sum(g, axis, true)))];
      const gx = newTensor(g.dtype, g.shape);
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const base = o * n * inner + i;
          let sg = 0;
          for (let k = 0; k < n; k++) sg += g.data[base + k * inner] as number;
          for (let k = 0; k < n; k++)
            gx.data[base + k * inner] =
              (g.data[base + k * inner] as number) - Math.exp(y[base + k * inner] as number) * sg;
        }
      }
      return [gx];
    },
    true,
  );
}
