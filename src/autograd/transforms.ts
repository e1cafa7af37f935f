// vjp, jvp, jacobian and hessian of functions of one tensor (JAX's and
// torch.autograd.functional's), built on gradients() and the recorded backward.
import { ConfigError, DtypeError, ShapeError, fmt } from '../errors.js';
import { allocData } from '../tensor/dtype.js';
import { shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { gradients } from './backward.js';
import { type TensorFn, variableFor, zerosLike } from './functional.js';
import { enableGrad } from './grad-mode.js';
import { dotConst } from './taped.js';

/** The most elements {@link jacobian} and {@link hessian} will allocate (2²⁶ ≈ 67M, 512 MiB in float64). */
export const MAX_DENSE_ELEMENTS = 2 ** 26;

function like(name: string, what: string, ref: Tensor, t: Tensor): void {
  if (!shapesEqual(ref.shape, t.shape))
    throw new ShapeError(
      `${name}(): ${what} has shape ${fmt(t.shape)}; expected ${fmt(ref.shape)}`,
    );
  if (ref.dtype !== t.dtype)
    throw new DtypeError(`${name}(): ${what} is ${t.dtype}; expected ${ref.dtype}`);
}

/**
 * Vector-Jacobian product: y = f(x) and uᵀJ (= ∇ₓ⟨u, f(x)⟩), shaped like x. One forward and one
 * backward; memory: the graph of f.
 * @example const [y, g] = vjp((x) => mul(x, x), x, u) // g = 2x⊙u
 */
export function vjp(f: TensorFn, x: Tensor, u: Tensor): [Tensor, Tensor] {
  const xl = variableFor(x, false);
  return enableGrad((): [Tensor, Tensor] => {
    const y = f(xl);
    like('vjp', 'u', y, u);
    if (!y.requiresGrad) return [y.detach(), zerosLike(x)];
    const [g] = gradients(y, [xl], { seed: u }) as [Tensor];
    return [y.detach(), new Tensor(g.data, x.shape)];
  });
}

/**
 * Jacobian-vector product (forward mode's directional derivative): y = f(x) and J·v, shaped like
 * y, by the double-VJP trick (no forward-mode AD here): g(u) = Jᵀu is computed with a recorded
 * backward from a variable cotangent u; it is linear in u, so ∇ᵤ⟨g(u), v⟩ = Jv exactly.
 *
 * Cost: one forward, one recorded backward and one backward through it (≈ 3–4 gradients, vs one
 * forward pass for true forward mode). Memory: the graph of f and of its backward. Every op of f
 * needs a differentiable VJP (one without throws, naming it).
 * @example const [y, t] = jvp((x) => mul(x, x), x, v) // t = 2x⊙v
 */
export function jvp(f: TensorFn, x: Tensor, v: Tensor): [Tensor, Tensor] {
  like('jvp', 'v', x, v);
  const xl = variableFor(x, false);
  return enableGrad((): [Tensor, Tensor] => {
    const y = f(xl);
    if (!y.requiresGrad) return [y.detach(), zerosLike(y)];
    const u = new Tensor(allocData(y.dtype, y.size), y.shape, true);
    const [g] = gradients(y, [xl], { seed: u, createGraph: true }) as [Tensor];
    if (!g.requiresGrad) return [y.detach(), zerosLike(y)];
    const [jv] = gradients(dotConst(g, v), [u]) as [Tensor];
    return [y.detach(), new Tensor(jv.data, y.shape)];
  });
}

/**
 * The full Jacobian ∂f(x)/∂x, shaped [...y.shape, ...x.shape], by one backward per output element
 * over the retained graph (row i = e_iᵀJ). Cost: one forward and m = y.size backwards; memory:
 * m·n elements. Meant for small functions: throws before allocating beyond
 * {@link MAX_DENSE_ELEMENTS}.
 * @example jacobian((x) => mul(x, x), x) // diag(2x)
 */
export function jacobian(f: TensorFn, x: Tensor): Tensor {
  const xl = variableFor(x, false);
  return enableGrad(() => {
    const y = f(xl);
    const m = y.size;
    const n = x.size;
    if (m * n > MAX_DENSE_ELEMENTS)
      throw new ConfigError(
        `jacobian(): output size ${m} × input size ${n} = ${m * n} elements exceeds ${MAX_DENSE_ELEMENTS}; use vjp/jvp instead`,
      );
    const out = new Tensor(allocData(x.dtype, m * n), [...y.shape, ...x.shape]);
    if (!y.requiresGrad) return out;
    const seed = new Tensor(allocData(y.dtype, m), y.shape);
    for (let i = 0; i < m; i++) {
      seed.data.fill(0);
      seed.data[i] = 1;
      const [g] = gradients(y, [xl], { seed, retainGraph: true }) as [Tensor];
      out.data.set(g.data, i * n);
    }
    return out;
  });
}

/**
 * The full Hessian ∇²f(x) of a scalar f, shaped [...x.shape, ...x.shape]: ∇f recorded once
 * (`createGraph`), then one backward per row, ∇ₓ⟨∇f, e_i⟩ (exact). Cost: one forward, one recorded
 * backward and n backwards through it; memory: n² elements plus the double graph. For small n:
 * throws before allocating beyond {@link MAX_DENSE_ELEMENTS}; for large models use
 * {@link hvp}, {@link hessianEigs} or {@link hutchinsonTrace}.
 * @example hessian((x) => sum(mul(mul(x, x), x)), x) // diag(6x)
 */
export function hessian(f: TensorFn, x: Tensor): Tensor {
  const n = x.size;
  if (n * n > MAX_DENSE_ELEMENTS)
    throw new ConfigError(
      `hessian(): x has ${n} elements, so the Hessian would have ${n * n} > ${MAX_DENSE_ELEMENTS}; use hvp, hessianEigs or hutchinsonTrace`,
    );
  const xl = variableFor(x, false);
  return enableGrad(() => {
    const y = f(xl);
    if (y.size !== 1)
      throw new ShapeError(`hessian(): f must return a scalar, got shape ${fmt(y.shape)}`);
    const out = new Tensor(allocData(x.dtype, n * n), [...x.shape, ...x.shape]);
    if (!y.requiresGrad) return out;
    const [g] = gradients(y, [xl], { createGraph: true }) as [Tensor];
    if (!g.requiresGrad) return out;
    const e = new Tensor(allocData(x.dtype, n), x.shape);
    for (let i = 0; i < n; i++) {
      e.data.fill(0);
      e.data[i] = 1;
      const [row] = gradients(dotConst(g, e), [xl], { retainGraph: true }) as [Tensor];
      out.data.set(row.data, i * n);
    }
    return out;
  });
}
