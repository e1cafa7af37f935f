import { ConfigError, fmt } from '../errors.js';
import { record } from '../autograd/tape.js';
import { normalizeAxes } from '../tensor/shape.js';
import type { TypedArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { permuteKernel, invertPerm } from './internal/permute.js';
import { div, mul, sub } from './elementwise.js';
import { newTensor } from './internal/util.js';
import { broadcastTo, reshape } from './shape-ops.js';
import { exp } from './unary.js';

/** Axes to reduce: one axis, several, or all (undefined). */
export type Axes = number | readonly number[] | undefined;

/**
 * Layout of a reduction: the input viewed as [outer, n] after moving reduced axes last.
 * `perm` is null when they already are contiguous at the end... or in the middle ([outer, n, inner]).
 */
interface Plan {
  axes: number[];
  outShape: number[]; // keepDims = false
  keepShape: number[]; // keepDims = true
  outer: number;
  n: number;
  inner: number;
  perm: number[] | null; // when reduced axes are not one contiguous block
}

function plan(x: Tensor, axisArg: Axes): Plan {
  const axes = normalizeAxes(axisArg, x.ndim);
  const red = new Set(axes);
  const outShape = x.shape.filter((_, i) => !red.has(i));
  const keepShape = x.shape.map((d, i) => (red.has(i) ? 1 : d));
  let n = 1;
  for (const a of axes) n *= x.shape[a] as number;
  const contiguous =
    axes.length === 0 ||
    (axes[axes.length - 1] as number) - (axes[0] as number) === axes.length - 1;
  if (contiguous) {
    let outer = 1;
    let inner = 1;
    const first = axes[0] ?? x.ndim;
    const last = axes[axes.length - 1] ?? x.ndim - 1;
    for (let i = 0; i < first; i++) outer *= x.shape[i] as number;
    for (let i = last + 1; i < x.ndim; i++) inner *= x.shape[i] as number;
    return { axes, outShape, keepShape, outer, n, inner, perm: null };
  }
  const kept = x.shape.map((_, i) => i).filter((i) => !red.has(i));
  let outer = 1;
  for (const i of kept) outer *= x.shape[i] as number;
  return { axes, outShape, keepShape, outer, n, inner: 1, perm: [...kept, ...axes] };
}

/** Input data arranged as [outer, n, inner] for the plan (a permuted copy when needed). */
function arranged(x: Tensor, p: Plan): TypedArray {
  if (!p.perm) return x.data;
  const buf = newTensor(x.dtype, x.shape).data;
  permuteKernel(x.data, x.shape, p.perm, buf);
  return buf;
}

/** Scatters a [outer, n, inner]-arranged gradient back to x's layout. */
function unarranged(x: Tensor, p: Plan, g: TypedArray): Tensor {
  const out = newTensor(x.dtype, x.shape);
  if (!p.perm) {
    out.data.set(g);
    return out;
  }
  const permShape = p.perm.map((i) => x.shape[i] as number);
  permuteKernel(g, permShape, invertPerm(p.perm), out.data);
  return out;
}

/** g (the reduced shape, kept dims or not) broadcast back to x's shape, as recorded ops. */
function spread(g: Tensor, p: Plan, x: Tensor): Tensor {
  return broadcastTo(reshape(g, p.keepShape), x.shape);
}

function finish(p: Plan, keepDims: boolean): number[] {
  return keepDims ? p.keepShape : p.outShape;
}

/**
 * Sum over `axis` (one, several, or all when omitted). ∂/∂x = g broadcast back.
 * @example sum(x) // scalar; sum(x, 1, true) // [rows, 1]
 */
export function sum(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  const p = plan(x, axis);
  const src = arranged(x, p);
  const out = newTensor(x.dtype, finish(p, keepDims));
  const od = out.data;
  const { outer, n, inner } = p;
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    if (inner === 1) {
      let s = 0;
      for (let k = 0; k < n; k++) s += src[base + k] as number;
      od[o] = s;
    } else {
      for (let k = 0; k < n; k++) {
        const row = base + k * inner;
        for (let i = 0; i < inner; i++)
          od[o * inner + i] = (od[o * inner + i] as number) + (src[row + i] as number);
      }
    }
  }
  return record(
    'sum',
    out,
    [x],
    (g, _s, cg) => {
      if (cg) return [spread(g, p, x)];
      const gd = g.data;
      const ga = newTensor(x.dtype, x.shape).data;
      for (let o = 0; o < outer; o++) {
        for (let k = 0; k < n; k++) {
          const row = (o * n + k) * inner;
          for (let i = 0; i < inner; i++) ga[row + i] = gd[o * inner + i] as number;
        }
      }
      return [unarranged(x, p, ga)];
    },
    true,
  );
}

/** Mean over `axis` (all when omitted). ∂/∂x = g/n broadcast back. */
export function mean(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  const p = plan(x, axis);
  const s = sum(x, axis, keepDims);
  const n = p.n;
  const out = newTensor(x.dtype, s.shape);
  for (let i = 0; i < out.data.length; i++) out.data[i] = (s.data[i] as number) / n;
  return record(
    'mean',
    out,
    [s],
    (g, _s, cg) => {
      if (cg) return [mul(g, 1 / n)];
      const gs = newTensor(g.dtype, g.shape);
      for (let i = 0; i < gs.data.length; i++) gs.data[i] = (g.data[i] as number) / n;
      return [gs];
    },
    true,
  );
}

function extremum(name: 'max' | 'min', x: Tensor, axis: Axes, keepDims: boolean): Tensor {
  if (x.size === 0)
    throw new ConfigError(`${name}(): cannot reduce an empty tensor of shape ${fmt(x.shape)}`);
  const p = plan(x, axis);
  const src = arranged(x, p);
  const out = newTensor(x.dtype, finish(p, keepDims));
  const od = out.data;
  const { outer, n, inner } = p;
  const sign = name === 'max' ? 1 : -1;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = src[o * n * inner + i] as number;
      for (let k = 1; k < n; k++) {
        const v = src[(o * n + k) * inner + i] as number;
        if (sign * v > sign * best || Number.isNaN(v)) best = v;
        if (Number.isNaN(best)) break;
      }
      od[o * inner + i] = best;
    }
  }
  return record(
    name,
    out,
    [x],
    (g, _s, cg) => {
      // amax semantics: the gradient is shared evenly among tied extreme elements.
      const ga = newTensor(x.dtype, x.shape).data;
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const best = od[o * inner + i] as number;
          let count = 0;
          for (let k = 0; k < n; k++) if (src[(o * n + k) * inner + i] === best) count++;
          const share = (cg ? 1 : (g.data[o * inner + i] as number)) / Math.max(count, 1);
          for (let k = 0; k < n; k++)
            if (src[(o * n + k) * inner + i] === best) ga[(o * n + k) * inner + i] = share;
        }
      }
      // createGraph: the shares form a constant weight tensor, multiplied by g spread back.
      if (cg) return [mul(spread(g, p, x), unarranged(x, p, ga))];
      return [unarranged(x, p, ga)];
    },
    true,
  );
}

/** Maximum over `axis` (all when omitted); NaN propagates. Ties share the gradient evenly (amax). */
export function max(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  return extremum('max', x, axis, keepDims);
}

/** Minimum over `axis` (all when omitted); NaN propagates. Ties share the gradient evenly. */
export function min(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  return extremum('min', x, axis, keepDims);
}

function argExtremum(x: Tensor, axis: number | undefined, keepDims: boolean, sign: number): Tensor {
  const p = plan(x, axis);
  const src = arranged(x, p);
  const out = newTensor(x.dtype, finish(p, keepDims && axis !== undefined));
  const { outer, n, inner } = p;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let bi = 0;
      let best = src[o * n * inner + i] as number;
      for (let k = 1; k < n; k++) {
        const v = src[(o * n + k) * inner + i] as number;
        if (sign * v > sign * best) {
          best = v;
          bi = k;
        }
      }
      out.data[o * inner + i] = bi;
    }
  }
  return out;
}

/** Index of the maximum along `axis` (first one on ties; flat index when omitted). Not differentiable. */
export function argmax(x: Tensor, axis?: number, keepDims = false): Tensor {
  return argExtremum(x, axis, keepDims, 1);
}

/** Index of the minimum along `axis` (first one on ties). Not differentiable. */
export function argmin(x: Tensor, axis?: number, keepDims = false): Tensor {
  return argExtremum(x, axis, keepDims, -1);
}

/** Options of {@link variance} and {@link std}. */
export interface VarianceOptions {
  /** Bessel's correction: divide by n − correction (1 = unbiased, PyTorch's default; 0 = population). */
  correction?: number;
  keepDims?: boolean;
}

/**
 * Variance over `axis`: Σ(x − x̄)²/(n − correction), two-pass (mean first) for accuracy.
 * ∂/∂x = g·2(x − x̄)/(n − correction).
 */
export function variance(x: Tensor, axis?: Axes, opts: VarianceOptions = {}): Tensor {
  const correction = opts.correction ?? 1;
  const p = plan(x, axis);
  const src = arranged(x, p);
  const { outer, n, inner } = p;
  const denom = n - correction;
  const out = newTensor(x.dtype, finish(p, opts.keepDims ?? false));
  const means = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += src[(o * n + k) * inner + i] as number;
      const m = s / n;
      means[o * inner + i] = m;
      let ss = 0;
      for (let k = 0; k < n; k++) {
        const d = (src[(o * n + k) * inner + i] as number) - m;
        ss += d * d;
      }
      out.data[o * inner + i] = ss / denom;
    }
  }
  return record(
    'variance',
    out,
    [x],
    (g, _s, cg) => {
      if (cg) {
        // 2(x − x̄)/(n − c), with x̄ recorded so that the second derivative includes its −1/n.
        const centered = sub(x, mean(x, p.axes, true));
        return [mul(spread(g, p, x), mul(centered, 2 / denom))];
      }
      const ga = newTensor(x.dtype, x.shape).data;
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const m = means[o * inner + i] as number;
          const gg = (2 * (g.data[o * inner + i] as number)) / denom;
          for (let k = 0; k < n; k++) {
            const idx = (o * n + k) * inner + i;
            ga[idx] = gg * ((src[idx] as number) - m);
          }
        }
      }
      return [unarranged(x, p, ga)];
    },
    true,
  );
}

/** Standard deviation √variance over `axis` (same options). */
export function std(x: Tensor, axis?: Axes, opts: VarianceOptions = {}): Tensor {
  const v = variance(x, axis, opts);
  const out = newTensor(x.dtype, v.shape);
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.sqrt(v.data[i] as number);
  return record(
    'std',
    out,
    [v],
    (g, _s, cg) => {
      if (cg) return [div(g, mul(out, 2))];
      const gv = newTensor(g.dtype, g.shape);
      for (let i = 0; i < gv.data.length; i++)
        gv.data[i] = (g.data[i] as number) / (2 * (out.data[i] as number));
      return [gv];
    },
    true,
  );
}

/**
 * log Σ exp(x) over `axis`, stable: m + log Σ exp(x − m) with m the maximum (m = 0 when m is
 * ±Inf, so all-−Inf rows give −Inf, not NaN). ∂/∂x = g·softmax(x).
 */
export function logsumexp(x: Tensor, axis?: Axes, keepDims = false): Tensor {
  const p = plan(x, axis);
  const src = arranged(x, p);
  const { outer, n, inner } = p;
  const out = newTensor(x.dtype, finish(p, keepDims));
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let m = -Infinity;
      for (let k = 0; k < n; k++) m = Math.max(m, src[(o * n + k) * inner + i] as number);
      if (!Number.isFinite(m)) m = Number.isNaN(m) ? m : 0;
      let s = 0;
      for (let k = 0; k < n; k++) s += Math.exp((src[(o * n + k) * inner + i] as number) - m);
      out.data[o * inner + i] = m + Math.log(s);
    }
  }
  return record(
    'logsumexp',
    out,
    [x],
    (g, _s, cg) => {
      if (cg) return [mul(spread(g, p, x), exp(sub(x, reshape(out, p.keepShape))))];
      const ga = newTensor(x.dtype, x.shape).data;
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const lse = out.data[o * inner + i] as number;
          const gg = g.data[o * inner + i] as number;
          for (let k = 0; k < n; k++) {
            const idx = (o * n + k) * inner + i;
            ga[idx] = gg * Math.exp((src[idx] as number) - lse);
          }
        }
      }
      return [unarranged(x, p, ga)];
    },
    true,
  );
}
