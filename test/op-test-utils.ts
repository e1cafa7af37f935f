import { allocData, type DType, type TypedArray } from '../src/tensor/dtype.js';
import type { Rng } from '../src/tensor/rng.js';
import { sizeOf, type Shape } from '../src/tensor/shape.js';
import { Tensor } from '../src/tensor/tensor.js';
import { noGrad } from '../src/autograd/grad-mode.js';
import '../src/autograd/backward.js';

/**
 * Test support for the op conformance tests (no vitest, no fs: test files load the reference JSON
 * themselves). Not part of the public API.
 */

/** A row-major tensor as stored in the reference JSON files. */
export interface RefTensor {
  shape: number[];
  data: number[];
}

/** One case of torch-ops-reference.json. */
export interface RefCase {
  name: string;
  op: string;
  args: Record<string, unknown>;
  inputs: RefTensor[];
  output: RefTensor;
  cotangent: RefTensor;
  grads: RefTensor[];
  targets?: number[];
}

/** A tensor of the given dtype holding a reference tensor's values. */
export function fromRef(ref: RefTensor, dtype: DType, requiresGrad = false): Tensor {
  const d = allocData(dtype, ref.data.length);
  d.set(ref.data);
  return new Tensor(d, ref.shape, requiresGrad);
}

/**
 * The first element where |actual − expected| > atol + rtol·|expected| (NumPy's allclose), as a
 * message, or null when all are close. Lengths must agree. NaN never matches.
 */
export function closeMismatch(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol: number,
  atol: number,
): string | null {
  if (actual.length !== expected.length)
    return `length ${actual.length} != expected ${expected.length}`;
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    const err = Math.abs(a - e);
    const excess = err - (atol + rtol * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst < 0) return null;
  return `element ${worst}: got ${actual[worst]}, expected ${expected[worst]} (rtol ${rtol}, atol ${atol})`;
}

/** A tensor of N(0, std²) samples. */
export function randomTensor(
  shape: Shape,
  rng: Rng,
  dtype: DType = 'float64',
  requiresGrad = false,
  std = 1,
): Tensor {
  const d = allocData(dtype, sizeOf(shape));
  rng.fillNormal(d, 0, std);
  return new Tensor(d, shape, requiresGrad);
}

/**
 * Central finite differences of L = Σ f()·cot with respect to every element of `x`, perturbing
 * `x.data` in place (restored afterwards): (L(x + εe_i) − L(x − εe_i)) / 2ε.
 */
export function numericVjp(
  f: () => Tensor,
  x: Tensor,
  cot: ArrayLike<number>,
  eps = 1e-6,
): Float64Array {
  const out = new Float64Array(x.size);
  const loss = (): number => {
    const y = noGrad(f);
    let s = 0;
    for (let i = 0; i < y.size; i++) s += (y.data[i] as number) * (cot[i] as number);
    return s;
  };
  for (let i = 0; i < x.size; i++) {
    const orig = x.data[i] as number;
    x.data[i] = orig + eps;
    const lp = loss();
    x.data[i] = orig - eps;
    const lm = loss();
    x.data[i] = orig;
    out[i] = (lp - lm) / (2 * eps);
  }
  return out;
}

/** Σ a·b over two equal-length arrays. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/** A copy of a typed array as float64 (for comparisons). */
export function asF64(a: TypedArray): Float64Array {
  return Float64Array.from(a);
}

/**
 * Runs one reference case: builds its inputs (all requiring grad) in `dtype`, compares the output
 * of `run`, seeds backward with the case's cotangent and compares every input's gradient.
 * Returns the mismatches found (empty when the op conforms).
 */
export function refCaseMismatches(
  c: RefCase,
  dtype: DType,
  rtol: number,
  atol: number,
  run: (inputs: Tensor[]) => Tensor,
): string[] {
  const inputs = c.inputs.map((r) => fromRef(r, dtype, true));
  const out = run(inputs);
  const problems: string[] = [];
  if (out.shape.join(',') !== c.output.shape.join(',')) {
    problems.push(
      `${c.name} output shape [${out.shape.join(', ')}] != [${c.output.shape.join(', ')}]`,
    );
    return problems;
  }
  const m = closeMismatch(out.data, c.output.data, rtol, atol);
  if (m) problems.push(`${c.name} output: ${m}`);
  out.backward(fromRef(c.cotangent, dtype));
  c.grads.forEach((g, i) => {
    const got = inputs[i]?.grad;
    if (!got) {
      problems.push(`${c.name} grad ${i}: missing`);
      return;
    }
    const gm = closeMismatch(got.data, g.data, rtol, atol);
    if (gm) problems.push(`${c.name} grad ${i}: ${gm}`);
  });
  return problems;
}

/**
 * float64 gradient check: seeds backward of `f(inputs)` with a random cotangent and compares the
 * gradient of every input that requires grad with central finite differences (eps 1e-6).
 * Returns the mismatches found (empty when analytic and numeric gradients agree).
 */
export function gradcheckMismatches(
  f: (inputs: Tensor[]) => Tensor,
  inputs: Tensor[],
  rng: Rng,
  opts: { rtol?: number; atol?: number; eps?: number } = {},
): string[] {
  const rtol = opts.rtol ?? 1e-6;
  const atol = opts.atol ?? 1e-8;
  for (const x of inputs) x.grad = null;
  const out = f(inputs);
  const cot = randomTensor(out.shape, rng, out.dtype);
  out.backward(cot);
  const problems: string[] = [];
  inputs.forEach((x, i) => {
    if (!x.requiresGrad) return;
    const num = numericVjp(() => f(inputs), x, cot.data, opts.eps ?? 1e-6);
    if (!x.grad) {
      problems.push(`input ${i}: no gradient`);
      return;
    }
    const m = closeMismatch(x.grad.data, num, rtol, atol);
    if (m) problems.push(`input ${i} (shape [${x.shape.join(', ')}]): ${m}`);
  });
  return problems;
}

/** n float32 draws of N(0, scale²) from `rng` (the kernel tests' operands). */
export function normalF32(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  rng.fillNormal(a);
  for (let i = 0; i < n; i++) a[i] = (a[i] as number) * scale;
  return a;
}
