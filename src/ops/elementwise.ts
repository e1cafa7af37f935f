import { ConfigError, fmt } from '../errors.js';
import { record } from '../autograd/tape.js';
import { broadcastShapes, shapesEqual } from '../tensor/shape.js';
import { Tensor, assertSameDtype } from '../tensor/tensor.js';
import { BinOp, broadcastBinary, sumToShape } from './internal/broadcast.js';
import { constant, sumTo } from './internal/graph-vjp.js';
import { newTensor, operands, type TensorLike } from './internal/util.js';
import { log, neg } from './unary.js';

function binaryForward(
  op: BinOp,
  name: string,
  a: TensorLike,
  b: TensorLike,
): [Tensor, Tensor, Tensor] {
  const [ta, tb] = operands(name, a, b);
  const shape = shapesEqual(ta.shape, tb.shape) ? ta.shape : broadcastShapes(ta.shape, tb.shape);
  const out = newTensor(ta.dtype, shape);
  broadcastBinary(op, ta.data, ta.shape, tb.data, tb.shape, out.data, shape);
  return [ta, tb, out];
}

/** g (of the output's shape) times `factor` broadcast, reduced to `target`'s shape. */
function reduceGrad(g: Tensor, factor: Tensor | null, target: Tensor, negate = false): Tensor {
  let src = g;
  if (factor) {
    src = newTensor(g.dtype, g.shape);
    broadcastBinary(BinOp.Mul, g.data, g.shape, factor.data, factor.shape, src.data, g.shape);
  }
  const out = newTensor(g.dtype, target.shape);
  sumToShape(src.data, g.shape, out.data, target.shape);
  if (negate) for (let i = 0; i < out.data.length; i++) out.data[i] = -(out.data[i] as number);
  return out;
}

/**
 * a + b with NumPy broadcasting. ∂/∂a = g summed over a's broadcast axes (likewise b).
 * @example add(x, 1); add(matrix, rowVector)
 */
export function add(a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb, out] = binaryForward(BinOp.Add, 'add', a, b);
  return record(
    'add',
    out,
    [ta, tb],
    (g, _s, cg) =>
      cg
        ? [ta.requiresGrad ? sumTo(g, ta.shape) : null, tb.requiresGrad ? sumTo(g, tb.shape) : null]
        : [
            ta.requiresGrad ? reduceGrad(g, null, ta) : null,
            tb.requiresGrad ? reduceGrad(g, null, tb) : null,
          ],
    true,
  );
}

/** a − b with broadcasting. ∂/∂a = g, ∂/∂b = −g (reduced to each shape). */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb, out] = binaryForward(BinOp.Sub, 'sub', a, b);
  return record(
    'sub',
    out,
    [ta, tb],
    (g, _s, cg) =>
      cg
        ? [
            ta.requiresGrad ? sumTo(g, ta.shape) : null,
            tb.requiresGrad ? sumTo(neg(g), tb.shape) : null,
          ]
        : [
            ta.requiresGrad ? reduceGrad(g, null, ta) : null,
            tb.requiresGrad ? reduceGrad(g, null, tb, true) : null,
          ],
    true,
  );
}

/** a ⊙ b with broadcasting. ∂/∂a = g ⊙ b, ∂/∂b = g ⊙ a. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb, out] = binaryForward(BinOp.Mul, 'mul', a, b);
  return record(
    'mul',
    out,
    [ta, tb],
    (g, _s, cg) =>
      cg
        ? [
            ta.requiresGrad ? sumTo(mul(g, tb), ta.shape) : null,
            tb.requiresGrad ? sumTo(mul(g, ta), tb.shape) : null,
          ]
        : [
            ta.requiresGrad ? reduceGrad(g, tb, ta) : null,
            tb.requiresGrad ? reduceGrad(g, ta, tb) : null,
          ],
    true,
  );
}

/** a / b with broadcasting (IEEE: x/0 = ±Inf, 0/0 = NaN). ∂/∂a = g/b, ∂/∂b = −g·a/b². */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb, out] = binaryForward(BinOp.Div, 'div', a, b);
  return record(
    'div',
    out,
    [ta, tb],
    (g, _s, cg) => {
      if (cg)
        return [
          ta.requiresGrad ? sumTo(div(g, tb), ta.shape) : null,
          tb.requiresGrad ? sumTo(neg(div(mul(g, out), tb)), tb.shape) : null,
        ];
      let ga: Tensor | null = null;
      let gb: Tensor | null = null;
      if (ta.requiresGrad) {
        const q = newTensor(g.dtype, g.shape);
        broadcastBinary(BinOp.Div, g.data, g.shape, tb.data, tb.shape, q.data, g.shape);
        ga = reduceGrad(q, null, ta);
      }
      if (tb.requiresGrad) {
        // −g·a/b² = −g·out/b: reuses the forward result.
        const q = newTensor(g.dtype, g.shape);
        broadcastBinary(BinOp.Mul, g.data, g.shape, out.data, out.shape, q.data, g.shape);
        broadcastBinary(BinOp.Div, q.data, g.shape, tb.data, tb.shape, q.data, g.shape);
        gb = reduceGrad(q, null, tb, true);
      }
      return [ga, gb];
    },
    true,
  );
}

/**
 * a^b elementwise. With a number exponent p: ∂/∂a = g·p·a^(p−1). With a tensor exponent:
 * also ∂/∂b = g·a^b·ln a (NaN for a < 0, as in IEEE and PyTorch).
 */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb, out] = binaryForward(BinOp.Pow, 'pow', a, b);
  return record(
    'pow',
    out,
    [ta, tb],
    (g, _s, cg) => {
      if (cg)
        return [
          ta.requiresGrad ? sumTo(mul(g, mul(pow(ta, sub(tb, 1)), tb)), ta.shape) : null,
          tb.requiresGrad ? sumTo(mul(g, mul(out, log(ta))), tb.shape) : null,
        ];
      let ga: Tensor | null = null;
      let gb: Tensor | null = null;
      if (ta.requiresGrad) {
        // p·a^(p−1), computed directly (not out·p/a) so that a = 0 with p ≥ 1 stays finite.
        const pm1 = newTensor(g.dtype, tb.shape);
        for (let i = 0; i < pm1.data.length; i++) pm1.data[i] = (tb.data[i] as number) - 1;
        const d = newTensor(g.dtype, g.shape);
        broadcastBinary(BinOp.Pow, ta.data, ta.shape, pm1.data, pm1.shape, d.data, g.shape);
        broadcastBinary(BinOp.Mul, d.data, g.shape, tb.data, tb.shape, d.data, g.shape);
        ga = reduceGrad(g, d, ta);
      }
      if (tb.requiresGrad) {
        const ln = newTensor(g.dtype, ta.shape);
        for (let i = 0; i < ln.data.length; i++) ln.data[i] = Math.log(ta.data[i] as number);
        const d = newTensor(g.dtype, g.shape);
        broadcastBinary(BinOp.Mul, out.data, out.shape, ln.data, ln.shape, d.data, g.shape);
        gb = reduceGrad(g, d, tb);
      }
      return [ga, gb];
    },
    true,
  );
}

function minMax(op: BinOp, name: string, a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb, out] = binaryForward(op, name, a, b);
  return record(
    name,
    out,
    [ta, tb],
    (g, _s, cg) => {
      // PyTorch splits the gradient evenly between equal operands.
      const wa = newTensor(g.dtype, g.shape);
      const eq = newTensor(g.dtype, g.shape);
      broadcastBinary(
        op === BinOp.Max ? BinOp.Gt : BinOp.Lt,
        ta.data,
        ta.shape,
        tb.data,
        tb.shape,
        wa.data,
        g.shape,
      );
      broadcastBinary(BinOp.Eq, ta.data, ta.shape, tb.data, tb.shape, eq.data, g.shape);
      const wb = newTensor(g.dtype, g.shape);
      for (let i = 0; i < wa.data.length; i++) {
        const e = (eq.data[i] as number) * 0.5;
        wb.data[i] = 1 - (wa.data[i] as number) - e;
        wa.data[i] = (wa.data[i] as number) + e;
      }
      if (cg)
        return [
          ta.requiresGrad ? sumTo(mul(g, wa), ta.shape) : null,
          tb.requiresGrad ? sumTo(mul(g, wb), tb.shape) : null,
        ];
      return [
        ta.requiresGrad ? reduceGrad(g, wa, ta) : null,
        tb.requiresGrad ? reduceGrad(g, wb, tb) : null,
      ];
    },
    true,
  );
}

/** Elementwise maximum with broadcasting; ties share the gradient equally. */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return minMax(BinOp.Max, 'maximum', a, b);
}

/** Elementwise minimum with broadcasting; ties share the gradient equally. */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return minMax(BinOp.Min, 'minimum', a, b);
}

function compare(op: BinOp, name: string, a: TensorLike, b: TensorLike): Tensor {
  return binaryForward(op, name, a, b)[2];
}

/** 1 where a = b else 0 (not differentiable). */
export function eq(a: TensorLike, b: TensorLike): Tensor {
  return compare(BinOp.Eq, 'eq', a, b);
}
/** 1 where a ≠ b else 0. */
export function ne(a: TensorLike, b: TensorLike): Tensor {
  return compare(BinOp.Ne, 'ne', a, b);
}
/** 1 where a < b else 0. */
export function lt(a: TensorLike, b: TensorLike): Tensor {
  return compare(BinOp.Lt, 'lt', a, b);
}
/** 1 where a ≤ b else 0. */
export function le(a: TensorLike, b: TensorLike): Tensor {
  return compare(BinOp.Le, 'le', a, b);
}
/** 1 where a > b else 0. */
export function gt(a: TensorLike, b: TensorLike): Tensor {
  return compare(BinOp.Gt, 'gt', a, b);
}
/** 1 where a ≥ b else 0. */
export function ge(a: TensorLike, b: TensorLike): Tensor {
  return compare(BinOp.Ge, 'ge', a, b);
}

/**
 * Selects a where cond ≠ 0, else b, with broadcasting of all three. Gradients flow to the chosen
 * operand only (cond is not differentiated).
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const [ta, tb] = operands('where', a, b);
  assertSameDtype('where', cond, ta);
  const shape = broadcastShapes(broadcastShapes(cond.shape, ta.shape), tb.shape);
  const c = materialize(cond, shape);
  const av = materialize(ta, shape);
  const bv = materialize(tb, shape);
  const out = newTensor(ta.dtype, shape);
  // Select rather than blend, so Inf/NaN in the unselected branch cannot leak into the result.
  for (let i = 0; i < out.data.length; i++)
    out.data[i] = (c.data[i] as number) !== 0 ? (av.data[i] as number) : (bv.data[i] as number);
  return record(
    'where',
    out,
    [ta, tb],
    (g, _s, cg) => {
      if (cg)
        return [
          ta.requiresGrad ? sumTo(where(c, g, 0), ta.shape) : null,
          tb.requiresGrad ? sumTo(where(c, 0, g), tb.shape) : null,
        ];
      const ga = newTensor(g.dtype, g.shape);
      const gb = newTensor(g.dtype, g.shape);
      for (let i = 0; i < g.data.length; i++) {
        if ((c.data[i] as number) !== 0) ga.data[i] = g.data[i] as number;
        else gb.data[i] = g.data[i] as number;
      }
      return [
        ta.requiresGrad ? reduceGrad(ga, null, ta) : null,
        tb.requiresGrad ? reduceGrad(gb, null, tb) : null,
      ];
    },
    true,
  );
}

/** `t` broadcast to `shape` as a new contiguous tensor (no graph). */
function materialize(t: Tensor, shape: readonly number[]): Tensor {
  const out = newTensor(t.dtype, shape);
  broadcastBinary(BinOp.Add, t.data, t.shape, out.data, shape, out.data, shape);
  return out;
}

/** Clamps into [lo, hi] (either bound optional). Gradient passes where lo ≤ x ≤ hi. */
export function clamp(x: Tensor, lo?: number, hi?: number): Tensor {
  if (lo !== undefined && hi !== undefined && lo > hi)
    throw new ConfigError(`clamp(): lo (${fmt(lo)}) must be <= hi (${fmt(hi)})`);
  const out = newTensor(x.dtype, x.shape);
  const l = lo ?? -Infinity;
  const h = hi ?? Infinity;
  const xd = x.data;
  for (let i = 0; i < xd.length; i++) {
    const v = xd[i] as number;
    out.data[i] = v < l ? l : v > h ? h : v;
  }
  return record(
    'clamp',
    out,
    [x],
    (g, _s, cg) => {
      if (cg) {
        const inside = constant(x, x.shape, (i) => {
          const v = xd[i] as number;
          return v >= l && v <= h ? 1 : 0;
        });
        return [where(inside, g, 0)];
      }
      const gx = newTensor(g.dtype, g.shape);
      for (let i = 0; i < xd.length; i++) {
        const v = xd[i] as number;
        gx.data[i] = v >= l && v <= h ? (g.data[i] as number) : 0;
      }
      return [gx];
    },
    true,
  );
}
