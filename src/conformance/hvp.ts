import { ConfigError, fmt } from '../errors.js';
import { hessianOperator, type ParamMap } from '../autograd/hvp.js';
import * as o from '../ops/index.js';
import type { DType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import type { Comparison } from './compare.js';
import { toTensor, type RefTensor } from './ops.js';
import { ReferenceDataError } from './reference-error.js';

/** The `format` field of a Hessian-vector-product reference file. */
export const HVP_REFERENCE_FORMAT = 'gradscope-hvp-reference/1';

/** One case of a `torch-hvp-reference.json`-format file (see reference/README.md). */
export interface HvpCase {
  name: string;
  fn: string;
  paramOrder: string[];
  params: Record<string, RefTensor>;
  data: Record<string, RefTensor>;
  v: Record<string, RefTensor>;
  value: number;
  grad: Record<string, RefTensor>;
  hvp: Record<string, RefTensor>;
}

/** The verdict on one HVP case: value, gradient and Hv blocks all within tolerance. */
export interface HvpCaseResult extends Comparison {
  name: string;
  /** Always 'hvp'. */
  section: 'hvp';
  /** Why the case could not run (unknown function, malformed data), if it failed to run. */
  error?: string;
}

/**
 * Tolerances per dtype, relative to each block's largest magnitude (the reference's README:
 * float64 about 1e-10, float32 about 1e-4): |a − e| ≤ rtol·max|e_block| for every element.
 */
export const HVP_TOLERANCES: Record<DType, number> = { float64: 1e-10, float32: 1e-4 };

type Fn = (p: ParamMap, d: Record<string, Tensor>) => Tensor;

const get = (m: Record<string, Tensor>, k: string): Tensor => {
  const t = m[k];
  if (!t) throw new ReferenceDataError(`tensor '${k}' is missing`);
  return t;
};

/** The reference's functions, written with gradscope's ops (fused layers where they exist). */
const FUNCTIONS: Record<string, Fn> = {
  rosenbrock: (p) => {
    const x = get(p, 'x');
    const n = x.size;
    const a = o.narrow(x, 0, 0, n - 1);
    const b = o.narrow(x, 0, 1, n - 1);
    return o.sum(o.add(o.mul(o.square(o.sub(b, o.square(a))), 100), o.square(o.sub(1, a))));
  },
  mlp_tanh_mse: (p, d) => {
    const h = o.linear(get(d, 'X'), get(p, 'W1'), get(p, 'b1'), 'tanh');
    return o.mse(o.linear(h, get(p, 'W2'), get(p, 'b2')), get(d, 'Y'));
  },
  mlp_sigmoid_ce: (p, d) => {
    const h = o.sigmoid(o.linear(get(d, 'X'), get(p, 'W1'), get(p, 'b1')));
    const y = Array.from(get(d, 'y').data);
    return o.crossEntropy(o.linear(h, get(p, 'W2'), get(p, 'b2')), y);
  },
  rnn_tanh_sumsq: (p, d) => {
    // Unrolled with primitives (the fused rnnTanh op has no differentiable VJP yet).
    const X = get(d, 'X');
    const [steps, inF] = X.shape as [number, number];
    const wih = get(p, 'W_ih');
    const whh = get(p, 'W_hh');
    const b = get(p, 'b');
    let h: Tensor | null = null;
    for (let t = 0; t < steps; t++) {
      const xt = o.reshape(o.narrow(X, 0, t, 1), [inF]);
      let z = o.add(o.matmul(wih, xt), b);
      if (h !== null) z = o.add(z, o.matmul(whh, h));
      h = o.tanh(z);
    }
    return o.mul(o.sum(o.square(h as Tensor)), 0.5);
  },
  logsumexp_quadratic: (p, d) => {
    const x = get(p, 'x');
    const q = o.sum(o.mul(x, o.matmul(get(d, 'B'), x)));
    return o.add(o.logsumexp(o.matmul(get(d, 'A'), x)), o.mul(q, 0.5));
  },
  attention_weighted_sum: (p, d) => {
    const X = get(d, 'X');
    const q = o.linear(X, get(p, 'Wq'));
    const k = o.linear(X, get(p, 'Wk'));
    const v = o.linear(X, get(p, 'Wv'));
    return o.sum(o.mul(o.scaledDotProductAttention(q, k, v), get(d, 'C')));
  },
  layernorm_tanh_msq: (p, d) => {
    const z = o.linear(get(d, 'X'), get(p, 'W'));
    const n = o.layerNorm(z, z.shape[1] as number, null, null, 1e-5);
    return o.mean(o.square(o.tanh(o.add(o.mul(n, get(p, 'gamma')), get(p, 'beta')))));
  },
};

/** Compares one block against the reference: |a − e| ≤ rtol·max|e| elementwise. */
function compareBlock(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol: number,
  what: string,
): Comparison {
  let scale = 0;
  for (let i = 0; i < expected.length; i++)
    scale = Math.max(scale, Math.abs(expected[i] as number));
  const tol = rtol * Math.max(scale, 1e-300);
  let maxAbs = 0;
  let detail: string | undefined;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs((actual[i] as number) - (expected[i] as number));
    if (!(err <= tol) && detail === undefined)
      detail = `${what}[${i}]: got ${actual[i]}, expected ${expected[i]}`;
    maxAbs = Math.max(maxAbs, Number.isNaN(err) ? Infinity : err);
  }
  const r: Comparison = {
    pass: detail === undefined,
    maxAbsErr: maxAbs,
    maxRelErr: maxAbs / Math.max(scale, 1e-300),
  };
  if (detail !== undefined) r.detail = detail;
  return r;
}

/**
 * Runs one HVP case in `dtype`: f, ∇f and H·v (exact, by {@link hessianOperator}) at the
 * case's parameters, each gradient and Hv block compared with the reference relative to the
 * block's largest magnitude (the value relative to itself).
 */
export function runHvpCase(c: HvpCase, dtype: DType): HvpCaseResult {
  const base = { name: String(c.name), section: 'hvp' as const };
  try {
    const fn = FUNCTIONS[c.fn];
    if (!fn) throw new ConfigError(`case ${fmt(c.name)}: unknown function ${fmt(c.fn)}`);
    if (!Array.isArray(c.paramOrder) || c.paramOrder.length === 0)
      throw new ReferenceDataError(`case ${fmt(c.name)}: paramOrder must be a non-empty list`);
    const params: Record<string, Tensor> = {};
    for (const k of c.paramOrder) {
      const r = c.params?.[k];
      if (!r) throw new ReferenceDataError(`case ${fmt(c.name)}: params.${k} is missing`);
      params[k] = toTensor(r, dtype, `${c.name}.params.${k}`, true);
    }
    const data: Record<string, Tensor> = {};
    for (const [k, r] of Object.entries(c.data ?? {}))
      data[k] = toTensor(r, dtype, `${c.name}.data.${k}`, false);
    const H = hessianOperator((p) => fn(p, data), params);
    const vFlat = new Float64Array(H.n);
    let off = 0;
    for (const k of c.paramOrder) {
      const r = c.v?.[k];
      if (!r) throw new ReferenceDataError(`case ${fmt(c.name)}: v.${k} is missing`);
      const t = toTensor(r, 'float64', `${c.name}.v.${k}`, false);
      vFlat.set(t.data, off);
      off += t.size;
    }
    const hv = new Float64Array(H.n);
    H.matvec(vFlat, hv);
    const rtol = HVP_TOLERANCES[dtype];
    if (typeof c.value !== 'number')
      throw new ReferenceDataError(`case ${fmt(c.name)}: value is not a number`);
    const checks: Comparison[] = [compareBlock([H.value], [c.value], rtol, 'value')];
    off = 0;
    for (const k of c.paramOrder) {
      const n = (params[k] as Tensor).size;
      const g = c.grad?.[k];
      const h = c.hvp?.[k];
      if (!g || !h)
        throw new ReferenceDataError(`case ${fmt(c.name)}: grad.${k} or hvp.${k} is missing`);
      const ge = toTensor(g, 'float64', `${c.name}.grad.${k}`, false).data;
      const he = toTensor(h, 'float64', `${c.name}.hvp.${k}`, false).data;
      checks.push(compareBlock(H.gradient.subarray(off, off + n), ge, rtol, `grad.${k}`));
      checks.push(compareBlock(hv.subarray(off, off + n), he, rtol, `hvp.${k}`));
      off += n;
    }
    const failed = checks.find((x) => !x.pass);
    const res: HvpCaseResult = {
      ...base,
      pass: failed === undefined,
      maxAbsErr: Math.max(...checks.map((x) => x.maxAbsErr)),
      maxRelErr: Math.max(...checks.map((x) => x.maxRelErr)),
    };
    if (failed?.detail !== undefined) res.detail = failed.detail;
    return res;
  } catch (e) {
    if (e instanceof ReferenceDataError) throw e;
    return { ...base, pass: false, maxAbsErr: NaN, maxRelErr: NaN, error: (e as Error).message };
  }
}

/** Runs every case of a parsed HVP reference file (format of torch-hvp-reference.json). */
export function runHvpConformance(file: unknown, dtype: DType): HvpCaseResult[] {
  const cases = (file as { cases?: unknown }).cases;
  if (!Array.isArray(cases))
    throw new ReferenceDataError("HVP reference file: expected a top-level 'cases' list");
  return cases.map((c) => runHvpCase(c as HvpCase, dtype));
}
