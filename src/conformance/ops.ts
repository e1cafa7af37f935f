import { ConfigError, DataError, GradscopeError, fmt } from '../errors.js';
import * as o from '../ops/index.js';
import { conv2d, maxPool2d } from '../ops/conv.js';
import { linear } from '../ops/linear.js';
import { bceWithLogits, crossEntropy, mse } from '../ops/losses.js';
import { batchNorm, layerNorm } from '../ops/norm.js';
import { scaledDotProductAttention } from '../ops/attention.js';
import { multiHeadAttention } from '../ops/multi-head-attention.js';
import { rmsNorm } from '../ops/rms-norm.js';
import { gpt } from '../nn/gpt.js';
import type { Module } from '../nn/module.js';
import { TransformerBlock } from '../nn/transformer-block.js';
import { gru, lstm, rnnTanh } from '../ops/recurrent.js';
import type { DType } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { compareArrays, type Comparison } from './compare.js';
import { ReferenceDataError, referenceNumbers } from './reference-error.js';

/** A tensor as stored in a reference file: row-major data and its shape. */
export interface RefTensor {
  /** Sizes per axis. */
  shape: number[];
  /** The elements in row-major order. */
  data: number[];
}

/** One case of a `torch-ops-reference.json`-format file. */
export interface OpsCase {
  name: string;
  op: string;
  args: Record<string, unknown>;
  inputs: RefTensor[];
  output: RefTensor;
  cotangent: RefTensor;
  grads: (RefTensor | null)[];
  targets?: number[];
}

/** The verdict on one op case. */
export interface OpsCaseResult extends Comparison {
  /** The case's name in the reference file. */
  name: string;
  /** The op it exercises. */
  op: string;
  /** Always 'ops'. */
  section: 'ops';
  /** Why the case could not run (unknown op or argument, shape error...), if it failed to run. */
  error?: string;
}

/** Tolerances per dtype: the acceptance thresholds of the engine issue. */
export const OPS_TOLERANCES: Record<DType, { rtol: number; atol: number }> = {
  float64: { rtol: 1e-9, atol: 1e-12 },
  float32: { rtol: 1e-4, atol: 1e-5 },
};

type Args = Record<string, unknown>;

/** Reads argument `key`, marking it used; unknown leftovers are reported after the call. */
class ArgReader {
  private used = new Set<string>();
  constructor(
    private readonly op: string,
    private readonly args: Args,
  ) {}
  num(key: string, dflt?: number): number {
    this.used.add(key);
    const v = this.args[key];
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v !== 'number')
      throw new ConfigError(`${this.op}: argument '${key}' must be a number, got ${fmt(v)}`);
    return v;
  }
  optNum(key: string): number | undefined {
    return this.args[key] === undefined ? (this.used.add(key), undefined) : this.num(key);
  }
  str(key: string, dflt: string): string {
    this.used.add(key);
    const v = this.args[key] ?? dflt;
    if (typeof v !== 'string')
      throw new ConfigError(`${this.op}: argument '${key}' must be a string, got ${fmt(v)}`);
    return v;
  }
  bool(key: string, dflt: boolean): boolean {
    this.used.add(key);
    const v = this.args[key] ?? dflt;
    if (typeof v !== 'boolean')
      throw new ConfigError(`${this.op}: argument '${key}' must be a boolean, got ${fmt(v)}`);
    return v;
  }
  axes(key: string): number | number[] | undefined {
    this.used.add(key);
    const v = this.args[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' || (Array.isArray(v) && v.every((x) => typeof x === 'number')))
      return v as number | number[];
    throw new ConfigError(
      `${this.op}: argument '${key}' must be an axis or a list of axes, got ${fmt(v)}`,
    );
  }
  size2(key: string, dflt?: number): number | [number, number] | undefined {
    this.used.add(key);
    const v = this.args[key];
    if (v === undefined) return dflt;
    if (typeof v === 'number') return v;
    if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number'))
      return [v[0] as number, v[1] as number];
    throw new ConfigError(
      `${this.op}: argument '${key}' must be a number or [h, w], got ${fmt(v)}`,
    );
  }
  raw(key: string): unknown {
    this.used.add(key);
    return this.args[key];
  }
  shape(key: string): number[] | undefined {
    this.used.add(key);
    const v = this.args[key];
    if (v === undefined) return undefined;
    if (Array.isArray(v) && v.every((x) => Number.isInteger(x))) return v as number[];
    throw new ConfigError(
      `${this.op}: argument '${key}' must be a list of integers, got ${fmt(v)}`,
    );
  }
  /** Accepts a documentation-only argument if it has the one value we implement. */
  expect(key: string, allowed: readonly string[]): void {
    this.used.add(key);
    const v = this.args[key];
    if (v !== undefined && !allowed.includes(v as string)) {
      throw new ConfigError(
        `${this.op}: argument '${key}' = ${fmt(v)} is not supported (supported: ${allowed.map((a) => fmt(a)).join(', ')})`,
      );
    }
  }
  finish(): void {
    const unknown = Object.keys(this.args).filter((k) => !this.used.has(k));
    if (unknown.length > 0)
      throw new ConfigError(
        `${this.op}: unknown argument(s) ${unknown.map((k) => fmt(k)).join(', ')}`,
      );
  }
}

function need(op: string, xs: Tensor[], lo: number, hi = lo): void {
  if (xs.length < lo || xs.length > hi) {
    throw new ConfigError(
      `${op}: expected ${lo === hi ? lo : `${lo} to ${hi}`} inputs, got ${xs.length}`,
    );
  }
}

function targetsOf(c: OpsCase): number[] {
  if (!Array.isArray(c.targets))
    throw new DataError(`case ${fmt(c.name)}: op ${c.op} needs 'targets' (class indices)`);
  return c.targets;
}

function recurrentArgs(a: ArgReader, xs: Tensor[], gates: string): void {
  const h = a.num('hidden');
  a.expect('gateOrder', [gates]);
  a.expect('inputLayout', ['[T, B, I]']);
  a.expect('initialState', xs.length > 5 ? ['given'] : ['zeros']);
  const wih = xs[1];
  if (wih && wih.shape[0] !== gates.split(',').length * h) {
    throw new ConfigError(
      `recurrent: weightIh has ${wih.shape[0]} rows, expected ${gates.split(',').length}·hidden = ${gates.split(',').length * h}`,
    );
  }
}

/**
 * What one case computed: the differentiable output and, for module cases (whose parameter
 * inputs are copied into a module), where the gradient of input i ends up.
 */
interface Applied {
  out: Tensor;
  gradOf?: (i: number) => Tensor | null;
}

/**
 * Module cases (`transformerBlock`, `gpt`): copies the inputs named by `args.paramNames` (the
 * reference's parameter names, which must be gradscope's too) into `module`, and reads their
 * gradients back from it. `first` is the index of the first parameter input.
 */
function loadModuleInputs(
  op: string,
  module: Module<never[], unknown>,
  names: readonly string[],
  xs: Tensor[],
  first: number,
): (i: number) => Tensor | null {
  const params = module.namedParameters();
  const ours = Object.keys(params);
  if (names.length !== xs.length - first || ours.length !== names.length)
    throw new ConfigError(
      `${op}: paramNames lists ${names.length} parameters for ${xs.length - first} inputs; the module has ${ours.length} (${ours.join(', ')})`,
    );
  const byInput: Tensor[] = [];
  names.forEach((n, k) => {
    const p = params[n];
    if (p === undefined)
      throw new ConfigError(
        `${op}: the reference's parameter ${fmt(n)} does not exist in gradscope's module (it has ${ours.join(', ')})`,
      );
    const x = xs[first + k] as Tensor;
    if (x.size !== p.size)
      throw new ConfigError(`${op}: parameter ${fmt(n)} has ${p.size} values, the input ${x.size}`);
    p.data.set(x.data);
    byInput[first + k] = p;
  });
  return (i) => {
    const p = byInput[i];
    return p === undefined ? (xs[i]?.grad ?? null) : (p.grad ?? null);
  };
}

function geluArg(a: ArgReader): 'relu' | 'gelu' | 'geluTanh' {
  const v = a.str('activation', 'gelu');
  if (v !== 'relu' && v !== 'gelu' && v !== 'geluTanh')
    throw new ConfigError(
      `argument 'activation' must be 'relu', 'gelu' or 'geluTanh', got ${fmt(v)}`,
    );
  return v;
}

function paramNames(a: ArgReader, op: string): string[] {
  const v = a.raw('paramNames');
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    throw new ConfigError(`${op}: argument 'paramNames' must be a list of strings, got ${fmt(v)}`);
  return v as string[];
}

/** Runs one op with the case's arguments; returns the differentiable output. */
function apply(c: OpsCase, xs: Tensor[]): Applied {
  const a = new ArgReader(c.op, c.args ?? {});
  const x0 = xs[0] as Tensor;
  const x1 = xs[1] as Tensor;
  let out: Tensor;
  switch (c.op) {
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'maximum':
    case 'minimum':
      need(c.op, xs, 2);
      out = o[c.op](x0, x1);
      break;
    case 'neg':
    case 'exp':
    case 'log':
    case 'sqrt':
    case 'abs':
    case 'tanh':
    case 'sigmoid':
    case 'relu':
    case 'softsign':
    case 'square':
      need(c.op, xs, 1);
      out = o[c.op](x0);
      break;
    case 'pow':
      if (xs.length === 2) out = o.pow(x0, x1);
      else {
        need(c.op, xs, 1);
        out = o.pow(x0, a.num('exponent'));
      }
      break;
    case 'leakyRelu':
      need(c.op, xs, 1);
      out = o.leakyRelu(x0, a.num('negativeSlope', 0.01));
      break;
    case 'elu':
      need(c.op, xs, 1);
      out = o.elu(x0, a.num('alpha', 1));
      break;
    case 'gelu': {
      need(c.op, xs, 1);
      const ap = a.str('approximate', 'none');
      if (ap !== 'none' && ap !== 'tanh')
        throw new ConfigError(
          `gelu: argument 'approximate' must be 'none' or 'tanh', got ${fmt(ap)}`,
        );
      out = o.gelu(x0, ap);
      break;
    }
    case 'softplus':
      need(c.op, xs, 1);
      out = o.softplus(x0, a.num('beta', 1), a.num('threshold', 20));
      break;
    case 'sum':
    case 'mean':
    case 'max':
    case 'min':
    case 'logsumexp':
      need(c.op, xs, 1);
      out = o[c.op](x0, a.axes('axis'), a.bool('keepDims', false));
      break;
    case 'variance':
    case 'std':
      need(c.op, xs, 1);
      out = o[c.op](x0, a.axes('axis'), {
        correction: a.num('correction', 1),
        keepDims: a.bool('keepDims', false),
      });
      break;
    case 'softmax':
    case 'logSoftmax':
      need(c.op, xs, 1);
      out = o[c.op](x0, a.num('axis', -1));
      break;
    case 'transpose':
      need(c.op, xs, 1);
      out = o.transpose(x0, a.num('axis0', -2), a.num('axis1', -1));
      break;
    case 'permute':
      need(c.op, xs, 1);
      out = o.permute(x0, a.shape('perm') ?? []);
      break;
    case 'reshape':
      need(c.op, xs, 1);
      out = o.reshape(x0, a.shape('shape') ?? []);
      break;
    case 'matmul':
      need(c.op, xs, 2);
      out = o.matmul(x0, x1);
      break;
    case 'linear': {
      need(c.op, xs, 2, 3);
      const layout = a.str('weightLayout', '[out, in]');
      if (layout !== '[out, in]' && layout !== '[in, out]')
        throw new ConfigError(
          `linear: weightLayout must be '[out, in]' or '[in, out]', got ${fmt(layout)}`,
        );
      out = linear(x0, layout === '[out, in]' ? x1 : o.transpose(x1), xs[2] ?? null);
      break;
    }
    case 'crossEntropy':
      need(c.op, xs, 1);
      out = crossEntropy(x0, targetsOf(c), {
        reduction: a.str('reduction', 'mean') as 'mean',
        labelSmoothing: a.num('labelSmoothing', 0),
      });
      break;
    case 'mse':
      need(c.op, xs, 2);
      out = mse(x0, x1, { reduction: a.str('reduction', 'mean') as 'mean' });
      break;
    case 'bceWithLogits':
      need(c.op, xs, 2);
      out = bceWithLogits(x0, x1, { reduction: a.str('reduction', 'mean') as 'mean' });
      break;
    case 'layerNorm': {
      need(c.op, xs, 1, 3);
      const ns =
        a.shape('normalizedShape') ??
        (xs[1] ? [...(xs[1] as Tensor).shape] : [x0.shape[x0.ndim - 1] as number]);
      out = layerNorm(x0, ns, xs[1] ?? null, xs[2] ?? null, a.num('eps', 1e-5));
      break;
    }
    case 'batchNorm': {
      need(c.op, xs, 1, 3);
      const training = a.bool('training', true);
      if (!training)
        throw new ConfigError(
          'batchNorm: only training mode (batch statistics) can be checked without running statistics in the file',
        );
      out = batchNorm(x0, xs[1] ?? null, xs[2] ?? null, {
        training,
        eps: a.num('eps', 1e-5),
        momentum: a.num('momentum', 0.1),
      });
      break;
    }
    case 'conv2d': {
      need(c.op, xs, 2, 3);
      out = conv2d(x0, x1, xs[2] ?? null, {
        stride: a.size2('stride', 1),
        padding: a.size2('padding', 0),
      });
      break;
    }
    case 'maxPool2d': {
      need(c.op, xs, 1);
      const kernel = a.size2('kernel') ?? a.size2('kernelSize');
      if (kernel === undefined) throw new ConfigError("maxPool2d: argument 'kernel' is required");
      const stride = a.size2('stride');
      out = maxPool2d(x0, {
        kernel,
        padding: a.size2('padding', 0),
        ...(stride !== undefined ? { stride } : {}),
      });
      break;
    }
    case 'rnnTanh':
    case 'lstm':
    case 'gru': {
      const gates = c.op === 'rnnTanh' ? 'h' : c.op === 'lstm' ? 'i,f,g,o' : 'r,z,n';
      need(c.op, xs, 5, c.op === 'lstm' ? 7 : 6);
      recurrentArgs(a, xs, gates);
      const [x, wih, whh, bih, bhh, h0, c0] = xs as [
        Tensor,
        Tensor,
        Tensor,
        Tensor,
        Tensor,
        Tensor?,
        Tensor?,
      ];
      if (c.op === 'lstm') out = lstm(x, wih, whh, bih, bhh, h0 ?? null, c0 ?? null).output;
      else if (c.op === 'gru') out = gru(x, wih, whh, bih, bhh, h0 ?? null).output;
      else out = rnnTanh(x, wih, whh, bih, bhh, h0 ?? null).output;
      break;
    }
    case 'rmsNorm': {
      need(c.op, xs, 1, 2);
      out = rmsNorm(
        x0,
        a.shape('normalizedShape') ?? [x0.shape[x0.ndim - 1] as number],
        xs[1] ?? null,
        a.optNum('eps'),
      );
      break;
    }
    case 'scaledDotProductAttention': {
      need(c.op, xs, 3);
      const m = a.raw('mask');
      const scale = a.optNum('scale');
      out = scaledDotProductAttention(x0, x1, xs[2] as Tensor, {
        causal: a.bool('causal', false),
        mask:
          m === undefined ? null : toTensor(m as RefTensor, x0.dtype, `${c.name}.args.mask`, false),
        ...(scale !== undefined ? { scale } : {}),
      });
      break;
    }
    case 'multiHeadAttention': {
      need(c.op, xs, 3, 5);
      out = multiHeadAttention(x0, x1, xs[2] ?? null, xs[3] as Tensor, xs[4] ?? null, {
        heads: a.num('heads'),
        causal: a.bool('causal', false),
      });
      break;
    }
    case 'transformerBlock': {
      const norm = a.str('norm', 'post');
      const activation = geluArg(a);
      if (norm !== 'pre' && norm !== 'post')
        throw new ConfigError(
          `transformerBlock: unsupported norm ${fmt(norm)} or activation ${fmt(activation)}`,
        );
      const block = new TransformerBlock(x0.shape[x0.ndim - 1] as number, {
        heads: a.num('heads'),
        ffn: a.num('ffn'),
        norm,
        activation,
        dtype: x0.dtype,
      });
      const gradOf = loadModuleInputs(
        c.op,
        block as unknown as Module<never[], unknown>,
        paramNames(a, c.op),
        xs,
        1,
      );
      const y = block.forward(x0, { causal: a.bool('causal', false) });
      a.finish();
      return { out: y, gradOf };
    }
    case 'gpt': {
      const norm = a.str('norm', 'pre');
      if (norm !== 'pre' && norm !== 'post')
        throw new ConfigError(`gpt: unsupported norm ${fmt(norm)}`);
      const tokens = a.raw('tokens');
      if (
        !Array.isArray(tokens) ||
        !tokens.every((r) => Array.isArray(r) && r.every((v) => Number.isInteger(v)))
      )
        throw new ConfigError(
          `gpt: argument 'tokens' must be a [batch][time] list of integers, got ${fmt(tokens)}`,
        );
      const model = gpt({
        vocab: a.num('vocab'),
        context: a.num('context'),
        layers: a.num('layers'),
        heads: a.num('heads'),
        embed: a.num('embed'),
        norm,
        tieWeights: a.bool('tieWeights', true),
        activation: geluArg(a),
        dtype: x0.dtype,
        seed: 0,
      });
      const gradOf = loadModuleInputs(
        c.op,
        model as unknown as Module<never[], unknown>,
        paramNames(a, c.op),
        xs,
        0,
      );
      const y = model.forward(tokens as number[][]);
      a.finish();
      return { out: y, gradOf };
    }
    default:
      throw new ConfigError(`unknown op ${fmt(c.op)} in case ${fmt(c.name)}`);
  }
  a.finish();
  return { out };
}

/**
 * A reference tensor `{shape, data}` as a Tensor of `dtype`; malformed data is a
 * {@link ReferenceDataError} naming `what`.
 */
export function toTensor(r: RefTensor, dtype: DType, what: string, requiresGrad: boolean): Tensor {
  if (!r || !Array.isArray(r.shape) || !Array.isArray(r.data))
    throw new ReferenceDataError(`case ${what}: expected {shape, data}, got ${fmt(r)}`);
  if (!r.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    throw new ReferenceDataError(`case ${what}.shape = ${fmt(r.shape)} is not a shape`);
  const n = r.shape.reduce((p, q) => p * q, 1);
  if (n !== r.data.length)
    throw new ReferenceDataError(
      `case ${what}: shape ${fmt(r.shape)} needs ${n} values, got ${r.data.length}`,
    );
  const values = referenceNumbers(r.data, `case ${what}.data`);
  const data = dtype === 'float32' ? new Float32Array(values) : new Float64Array(values);
  return new Tensor(data, r.shape, requiresGrad);
}

/**
 * Runs one case: forward with the case's inputs (in `dtype`), compare the output; backward seeded
 * with the cotangent, compare every input gradient the file gives.
 */
export function runOpsCase(c: OpsCase, dtype: DType): OpsCaseResult {
  const tol = OPS_TOLERANCES[dtype];
  const base = { name: String(c.name), op: String(c.op), section: 'ops' as const };
  try {
    if (!Array.isArray(c.inputs))
      throw new DataError(`case ${fmt(c.name)}: 'inputs' must be a list`);
    const xs = c.inputs.map((r, i) => toTensor(r, dtype, `${c.name}.inputs[${i}]`, true));
    const { out, gradOf } = apply(c, xs);
    let cmp = compareArrays(
      out.data,
      toTensor(c.output, 'float64', `${c.name}.output`, false),
      out.shape,
      tol,
    );
    if (c.cotangent !== undefined && c.cotangent !== null && Array.isArray(c.grads)) {
      const cot = toTensor(c.cotangent, dtype, `${c.name}.cotangent`, false);
      if (out.requiresGrad) out.backward(cot);
      c.grads.forEach((g, i) => {
        if (g === null || g === undefined) return;
        const x = xs[i];
        if (!x) throw new DataError(`case ${fmt(c.name)}: grads[${i}] given for a missing input`);
        const actual =
          (gradOf ? gradOf(i) : x.grad) ?? new Tensor(new Float64Array(x.size), x.shape);
        const c2 = compareArrays(
          actual.data,
          toTensor(g, 'float64', `${c.name}.grads[${i}]`, false),
          actual.shape,
          tol,
        );
        cmp = {
          pass: cmp.pass && c2.pass,
          maxAbsErr: Math.max(cmp.maxAbsErr, c2.maxAbsErr),
          maxRelErr: Math.max(cmp.maxRelErr, c2.maxRelErr),
          detail: cmp.pass
            ? c2.pass
              ? cmp.detail
              : `grads[${i}]: ${c2.detail ?? ''}`
            : cmp.detail,
        };
      });
    }
    return { ...base, ...cmp };
  } catch (e) {
    // A malformed reference stops the run (invalid input); anything else fails this case.
    if (e instanceof ReferenceDataError) throw e;
    if (!(e instanceof GradscopeError) && !(e instanceof TypeError) && !(e instanceof RangeError))
      throw e;
    return { ...base, pass: false, maxAbsErr: NaN, maxRelErr: NaN, error: e.message };
  }
}

/** Runs every case of a parsed ops reference file (format of torch-ops-reference.json). */
export function runOpsConformance(file: unknown, dtype: DType): OpsCaseResult[] {
  const cases = (file as { cases?: unknown }).cases;
  if (!Array.isArray(cases))
    throw new ReferenceDataError("ops reference file: expected a top-level 'cases' list");
  return cases.map((c) => runOpsCase(c as OpsCase, dtype));
}
