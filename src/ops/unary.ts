import { ConfigError, fmt } from '../errors.js';
import { record } from '../autograd/tape.js';
import { allocData, type DType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { normalCdf } from '../numeric/normal-distribution.js';
import { tanhGateF32 } from '../kernels/js/gate-math.js';
import { INV_SQRT_2PI, normalCdfF32 } from '../kernels/js/gelu-math.js';
import { pointwiseKernelsFor } from '../kernels/select.js';
import { add, div, mul, sub, where } from './elementwise.js';
import { constant } from './internal/graph-vjp.js';
import { newTensor } from './internal/util.js';
import { tanhF32 } from '../kernels/js/tanh.js';

/** The differentiable VJP of a unary op: g·f'(x) as recorded ops on g, x and the output y. */
type GraphVjp = (g: Tensor, x: Tensor, y: Tensor) => Tensor;

/**
 * Builds a unary op from its scalar forward f(x) and derivative f'(x, y) (y = f(x) given to save
 * recomputation), and the VJP as recorded ops for createGraph. Used for the less hot functions;
 * the hot ones have hand-written loops.
 */
function unary(
  name: string,
  x: Tensor,
  f: (v: number) => number,
  df: (v: number, y: number) => number,
  graph: GraphVjp,
): Tensor {
  const out = newTensor(x.dtype, x.shape);
  const xd = x.data;
  const od = out.data;
  for (let i = 0; i < xd.length; i++) od[i] = f(xd[i] as number);
  return record(
    name,
    out,
    [x],
    (g, _s, cg) => {
      if (cg) return [graph(g, x, out)];
      const gx = newTensor(g.dtype, g.shape);
      for (let i = 0; i < xd.length; i++)
        gx.data[i] = (g.data[i] as number) * df(xd[i] as number, od[i] as number);
      return [gx];
    },
    true,
  );
}

/** g times a constant elementwise factor m(x_i) (a mask or a slope; its own derivative is 0). */
function scaled(g: Tensor, x: Tensor, m: (v: number) => number): Tensor {
  const xd = x.data;
  return mul(
    g,
    constant(x, x.shape, (i) => m(xd[i] as number)),
  );
}

/**
 * f'(x) as a recorded op with derivative f''(x): the createGraph VJP g·f'(x) of an op whose f' is
 * not a composition of other ops. Its own VJP is not differentiable (a third derivative through
 * it throws, naming `name′`).
 */
function derivative(
  name: string,
  x: Tensor,
  df: (v: number) => number,
  d2f: (v: number) => number,
): Tensor {
  const out = newTensor(x.dtype, x.shape);
  const xd = x.data;
  for (let i = 0; i < xd.length; i++) out.data[i] = df(xd[i] as number);
  return record(`${name}′`, out, [x], (g) => {
    const gx = newTensor(g.dtype, g.shape);
    for (let i = 0; i < xd.length; i++) gx.data[i] = (g.data[i] as number) * d2f(xd[i] as number);
    return [gx];
  });
}

/** −x. */
export function neg(x: Tensor): Tensor {
  return unary(
    'neg',
    x,
    (v) => -v,
    () => -1,
    (g) => neg(g),
  );
}

/** eˣ; d/dx = eˣ (reuses the output). */
export function exp(x: Tensor): Tensor {
  const out = newTensor(x.dtype, x.shape);
  const xd = x.data;
  const od = out.data;
  for (let i = 0; i < xd.length; i++) od[i] = Math.exp(xd[i] as number);
  return record(
    'exp',
    out,
    [x],
    (g, _s, cg) => {
      if (cg) return [mul(g, out)];
      const gx = newTensor(g.dtype, g.shape);
      for (let i = 0; i < od.length; i++) gx.data[i] = (g.data[i] as number) * (od[i] as number);
      return [gx];
    },
    true,
  );
}

/** Natural log; log of a negative number is NaN and log 0 = −Inf, as in IEEE (no exception). d/dx = 1/x. */
export function log(x: Tensor): Tensor {
  return unary(
    'log',
    x,
    Math.log,
    (v) => 1 / v,
    (g, xx) => div(g, xx),
  );
}

/** √x (NaN for x < 0, IEEE). d/dx = 1/(2√x). */
export function sqrt(x: Tensor): Tensor {
  return unary(
    'sqrt',
    x,
    Math.sqrt,
    (_v, y) => 0.5 / y,
    (g, _x, y) => div(g, mul(y, 2)),
  );
}

/** x². d/dx = 2x. */
export function square(x: Tensor): Tensor {
  return unary(
    'square',
    x,
    (v) => v * v,
    (v) => 2 * v,
    (g, xx) => mul(g, mul(xx, 2)),
  );
}

/** |x|; d/dx = sign(x) with sign(0) = 0 (PyTorch's subgradient). */
export function abs(x: Tensor): Tensor {
  const sign = (v: number): number => (v > 0 ? 1 : v < 0 ? -1 : 0);
  return unary('abs', x, Math.abs, sign, (g, xx) => scaled(g, xx, sign));
}

/** sin x. */
export function sin(x: Tensor): Tensor {
  return unary('sin', x, Math.sin, Math.cos, (g, xx) => mul(g, cos(xx)));
}

/** cos x. */
export function cos(x: Tensor): Tensor {
  return unary(
    'cos',
    x,
    Math.cos,
    (v) => -Math.sin(v),
    (g, xx) => neg(mul(g, sin(xx))),
  );
}

/** 1/x. d/dx = −1/x². */
export function reciprocal(x: Tensor): Tensor {
  return unary(
    'reciprocal',
    x,
    (v) => 1 / v,
    (_v, y) => -y * y,
    (g, _x, y) => neg(mul(g, square(y))),
  );
}

/** tanh x; d/dx = 1 − tanh² x (from the output). */
export function tanh(x: Tensor): Tensor {
  const out = newTensor(x.dtype, x.shape);
  const xd = x.data;
  const od = out.data;
  // float32 results take the rational approximation (≤ 2 ulp, ~3× faster than Math.tanh).
  if (od instanceof Float32Array) {
    for (let i = 0; i < xd.length; i++) od[i] = tanhF32(xd[i] as number);
  } else {
    for (let i = 0; i < xd.length; i++) od[i] = Math.tanh(xd[i] as number);
  }
  return record(
    'tanh',
    out,
    [x],
    (g, _s, cg) => {
      if (cg) return [mul(g, sub(1, square(out)))];
      const gx = newTensor(g.dtype, g.shape);
      for (let i = 0; i < od.length; i++) {
        const y = od[i] as number;
        gx.data[i] = (g.data[i] as number) * (1 - y * y);
      }
      return [gx];
    },
    true,
  );
}

/**
 * Logistic σ(x) = 1/(1 + e^(−x)), computed as e^x/(1 + e^x) for x < 0 so neither branch overflows;
 * fused rule d/dx = σ(1 − σ).
 */
export function sigmoid(x: Tensor): Tensor {
  const out = newTensor(x.dtype, x.shape);
  const xd = x.data;
  const od = out.data;
  for (let i = 0; i < xd.length; i++) {
    const v = xd[i] as number;
    if (v >= 0) od[i] = 1 / (1 + Math.exp(-v));
    else {
      const e = Math.exp(v);
      od[i] = e / (1 + e);
    }
  }
  return record(
    'sigmoid',
    out,
    [x],
    (g, _s, cg) => {
      if (cg) return [mul(g, mul(out, sub(1, out)))];
      const gx = newTensor(g.dtype, g.shape);
      for (let i = 0; i < od.length; i++) {
        const y = od[i] as number;
        gx.data[i] = (g.data[i] as number) * y * (1 - y);
      }
      return [gx];
    },
    true,
  );
}

/** max(x, 0) (NaN propagates); d/dx = 1 for x > 0 else 0 (0 at x = 0, as PyTorch). */
export function relu(x: Tensor): Tensor {
  const out = newTensor(x.dtype, x.shape);
  const xd = x.data;
  const od = out.data;
  for (let i = 0; i < xd.length; i++) {
    const v = xd[i] as number;
    od[i] = v < 0 ? 0 : v; // NaN stays NaN, as in PyTorch
  }
  return record(
    'relu',
    out,
    [x],
    (g, _s, cg) => {
      if (cg) return [scaled(g, x, (v) => (v > 0 ? 1 : 0))];
      const gx = newTensor(g.dtype, g.shape);
      for (let i = 0; i < xd.length; i++)
        gx.data[i] = (xd[i] as number) > 0 ? (g.data[i] as number) : 0;
      return [gx];
    },
    true,
  );
}

/** x for x > 0, slope·x otherwise (Maas et al. 2013). Default slope 0.01 as PyTorch. */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return unary(
    'leakyRelu',
    x,
    (v) => (v > 0 ? v : negativeSlope * v),
    (v) => (v > 0 ? 1 : negativeSlope),
    (g, xx) => scaled(g, xx, (v) => (v > 0 ? 1 : negativeSlope)),
  );
}

/** x for x > 0, α(eˣ − 1) otherwise (Clevert et al. 2016). d/dx = y + α for x ≤ 0. */
export function elu(x: Tensor, alpha = 1): Tensor {
  return unary(
    'elu',
    x,
    (v) => (v > 0 ? v : alpha * Math.expm1(v)),
    (v, y) => (v > 0 ? 1 : y + alpha),
    (g, xx, y) => {
      const xd = xx.data;
      return mul(
        g,
        where(
          constant(xx, xx.shape, (i) => ((xd[i] as number) > 0 ? 1 : 0)),
          1,
          add(y, alpha),
        ),
      );
    },
  );
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * GELU (Hendrycks & Gimpel 2016): x·Φ(x) ('none'), or the tanh form
 * ½x(1 + tanh(√(2/π)(x + 0.044715x³))) ('tanh', GPT-2's), with their exact derivatives:
 * Φ(x) + x·φ(x) for the exact form; ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²) for the tanh
 * form. One kernel pass each way (Kernels.geluForward/geluBackward, routed by
 * pointwiseKernelsFor: native AVX2 when the addon is loaded); for float32, Φ and tanh are built
 * from IEEE double operations (kernels/js/gelu-math.ts, gate-math.ts), so every backend gives
 * the same bits. PyTorch's `F.gelu`.
 * @example gelu(x, 'tanh')
 */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  if (approximate !== 'none' && approximate !== 'tanh')
    throw new ConfigError(`gelu: approximate must be 'none' or 'tanh', got ${fmt(approximate)}`);
  const n = x.size;
  const ap = approximate === 'tanh' ? 1 : 0;
  const k = pointwiseKernelsFor(x.dtype, n);
  const y = allocData(x.dtype, n);
  k.geluForward({ x: x.data, y, n, approximate: ap });
  const out = new Tensor(y, x.shape);
  return record(
    'gelu',
    out,
    [x],
    (g, _s, cg) => {
      if (cg) return [mul(g, derivative('gelu', x, geluD1(x.dtype, ap), geluD2(x.dtype, ap)))];
      const dx = allocData(x.dtype, n);
      k.geluBackward({ x: x.data, g: g.data, dx, n, approximate: ap });
      return [new Tensor(dx, x.shape)];
    },
    true,
  );
}

/** GELU′ as a scalar function (the createGraph VJP's recorded factor). */
function geluD1(dtype: DType, ap: 0 | 1): (v: number) => number {
  const th = dtype === 'float32' ? tanhGateF32 : Math.tanh;
  const cdf = dtype === 'float32' ? normalCdfF32 : normalCdf;
  if (ap === 1)
    return (v) => {
      const t = th(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v));
      const du = SQRT_2_OVER_PI * (1 + 3 * 0.044715 * v * v);
      return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du;
    };
  // f' = Φ(x) + x·φ(x)
  return (v) => cdf(v) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v);
}

/** GELU″: tanh form (1 − t²)·(u' + ½x·u'' − x·t·u'²), u = √(2/π)(x + 0.044715x³); exact φ(x)·(2 − x²). */
function geluD2(dtype: DType, ap: 0 | 1): (v: number) => number {
  const th = dtype === 'float32' ? tanhGateF32 : Math.tanh;
  if (ap === 1)
    return (v) => {
      const t = th(SQRT_2_OVER_PI * (v + 0.044715 * v * v * v));
      const du = SQRT_2_OVER_PI * (1 + 3 * 0.044715 * v * v);
      const d2u = SQRT_2_OVER_PI * 6 * 0.044715 * v;
      return (1 - t * t) * (du + 0.5 * v * d2u - v * t * du * du);
    };
  return (v) => INV_SQRT_2PI * Math.exp(-0.5 * v * v) * (2 - v * v);
}

/**
 * softplus(x) = (1/β)·log(1 + e^(βx)), linear above `threshold` (PyTorch's β = 1, threshold = 20),
 * computed stably as max(z, 0) + log1p(e^(−|z|)). d/dx = σ(βx).
 */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  return unary(
    'softplus',
    x,
    (v) => {
      const z = beta * v;
      return z > threshold ? v : (Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)))) / beta;
    },
    (v) => {
      const z = beta * v;
      if (z > threshold) return 1;
      return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    },
    (g, xx) => {
      const xd = xx.data;
      const linear = constant(xx, xx.shape, (i) => (beta * (xd[i] as number) > threshold ? 1 : 0));
      return mul(g, where(linear, 1, sigmoid(mul(xx, beta))));
    },
  );
}

/** softsign(x) = x/(1 + |x|); d/dx = 1/(1 + |x|)². */
export function softsign(x: Tensor): Tensor {
  return unary(
    'softsign',
    x,
    (v) => v / (1 + Math.abs(v)),
    (v) => 1 / ((1 + Math.abs(v)) * (1 + Math.abs(v))),
    (g, xx) => div(g, square(add(abs(xx), 1))),
  );
}

/**
 * SiLU (swish with β = 1): silu(x) = x·σ(x); d/dx = σ(x)·(1 + x·(1 − σ(x))). σ in the stable form
 * (e^x/(1 + e^x) for x < 0), so neither side overflows. PyTorch's `F.silu`.
 * @example silu(tensor([-1, 0, 2])) // [−0.2689, 0, 1.7616]
 * @see S. Elfwing, E. Uchibe, K. Doya, "Sigmoid-Weighted Linear Units for Neural Network Function Approximation in Reinforcement Learning", Neural Networks 107, 2018.
 */
export function silu(x: Tensor): Tensor {
  const sig = (v: number): number =>
    v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
  return unary(
    'silu',
    x,
    (v) => v * sig(v),
    (v) => {
      const s = sig(v);
      return s * (1 + v * (1 - s));
    },
    (g, xx) => {
      const s = sigmoid(xx);
      return mul(g, mul(s, add(mul(xx, sub(1, s)), 1)));
    },
  );
}
