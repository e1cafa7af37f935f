import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import * as o from './index.js';

/** One gradient-check case: a differentiable function and a builder of its float64 inputs. */
export interface GradcheckCase {
  name: string;
  f: (...x: Tensor[]) => Tensor;
  inputs: () => Tensor[];
}

/**
 * The table that drives the gradient checks of every op (tests and `gradscope check-grad`):
 * broadcasting, non-contiguous axes, permuted and transposed inputs, with inputs kept away from
 * the kinks of relu/abs/max/clamp and inside the domains of log/sqrt/pow so that central finite
 * differences are valid. Inputs are drawn from an Rng seeded with `seed`.
 */
export function gradcheckCases(seed = 1234): GradcheckCase[] {
  const rng = new Rng(seed);
  function r(shape: number[], lo = -2, hi = 2): Tensor {
    const t = new Tensor(new Float64Array(shape.reduce((a, b) => a * b, 1)), shape);
    rng.fillUniform(t.data, lo, hi);
    return t;
  }
  /** Positive inputs for log/sqrt/pow domains. */
  function pos(shape: number[]): Tensor {
    return r(shape, 0.5, 2);
  }
  /** Values bounded away from the kinks of relu/abs/max so finite differences are valid. */
  function awayFromZero(shape: number[]): Tensor {
    const t = r(shape, 0.2, 2);
    for (let i = 0; i < t.size; i++) if (rng.float() < 0.5) t.data[i] = -(t.data[i] as number);
    return t;
  }

  /** Nudges values within 0.05 of a kink to 0.1 away from it. */
  function awayFrom(t: Tensor, kinks: number[]): Tensor {
    for (let i = 0; i < t.size; i++)
      for (const k of kinks) if (Math.abs((t.data[i] as number) - k) < 0.05) t.data[i] = k + 0.1;
    return t;
  }

  // One table drives the gradient checks of every op: name, function, inputs (float64).
  const table: [string, (...x: Tensor[]) => Tensor, () => Tensor[]][] = [
    ['add broadcast', (a, b) => o.add(a!, b!), () => [r([3, 4]), r([4])]],
    ['add broadcast both', (a, b) => o.add(a!, b!), () => [r([3, 1]), r([1, 4])]],
    ['sub broadcast 3-D', (a, b) => o.sub(a!, b!), () => [r([2, 3, 4]), r([3, 1])]],
    ['mul broadcast', (a, b) => o.mul(a!, b!), () => [r([3, 4]), r([3, 1])]],
    ['div broadcast', (a, b) => o.div(a!, b!), () => [r([3, 4]), pos([4])]],
    ['pow scalar exponent', (a) => o.pow(a!, 3), () => [r([3, 4])]],
    ['pow tensor exponent', (a, b) => o.pow(a!, b!), () => [pos([3, 4]), r([4])]],
    ['maximum', (a, b) => o.maximum(a!, b!), () => [r([3, 4]), r([3, 4])]],
    ['minimum broadcast', (a, b) => o.minimum(a!, b!), () => [r([3, 4]), r([4])]],
    [
      'where',
      (a, b) => o.where(o.gt(a!, 0), o.mul(a!, b!), o.neg(b!)),
      () => [awayFromZero([3, 4]), r([3, 4])],
    ],
    ['clamp', (a) => o.clamp(a!, -1, 1), () => [awayFrom(r([3, 4]), [-1, 1])]],
    ['neg', (a) => o.neg(a!), () => [r([5])]],
    ['exp', (a) => o.exp(a!), () => [r([3, 4])]],
    ['log', (a) => o.log(a!), () => [pos([3, 4])]],
    ['sqrt', (a) => o.sqrt(a!), () => [pos([3, 4])]],
    ['square', (a) => o.square(a!), () => [r([3, 4])]],
    ['abs', (a) => o.abs(a!), () => [awayFromZero([3, 4])]],
    ['sin cos', (a) => o.mul(o.sin(a!), o.cos(a!)), () => [r([3, 4])]],
    ['reciprocal', (a) => o.reciprocal(a!), () => [pos([3, 4])]],
    ['tanh', (a) => o.tanh(a!), () => [r([3, 4])]],
    ['sigmoid', (a) => o.sigmoid(a!), () => [r([3, 4], -30, 30)]],
    ['relu', (a) => o.relu(a!), () => [awayFromZero([3, 4])]],
    ['leakyRelu', (a) => o.leakyRelu(a!, 0.1), () => [awayFromZero([3, 4])]],
    ['elu', (a) => o.elu(a!, 1.3), () => [awayFromZero([3, 4])]],
    ['gelu erf', (a) => o.gelu(a!), () => [r([3, 4], -4, 4)]],
    ['gelu tanh', (a) => o.gelu(a!, 'tanh'), () => [r([3, 4], -4, 4)]],
    ['softplus', (a) => o.softplus(a!), () => [r([3, 4], -25, 25)]],
    ['softplus beta', (a) => o.softplus(a!, 2, 20), () => [r([3, 4], -5, 5)]],
    ['softsign', (a) => o.softsign(a!), () => [awayFromZero([3, 4])]],
    ['silu', (a) => o.silu(a!), () => [r([3, 4], -30, 30)]],
    ['sum all', (a) => o.sum(a!), () => [r([3, 4])]],
    ['sum axis keepDims', (a) => o.sum(a!, 1, true), () => [r([3, 4])]],
    ['sum non-contiguous axes', (a) => o.sum(a!, [0, 2]), () => [r([2, 3, 4])]],
    ['mean axis 0', (a) => o.mean(a!, 0), () => [r([3, 4])]],
    ['mean negative axis', (a) => o.mean(a!, -1, true), () => [r([2, 3, 4])]],
    ['max axis', (a) => o.max(a!, 1), () => [r([3, 5])]],
    ['max all', (a) => o.max(a!), () => [r([3, 5])]],
    ['min axes', (a) => o.min(a!, [0, 2]), () => [r([2, 3, 4])]],
    ['variance unbiased', (a) => o.variance(a!, 1), () => [r([3, 5])]],
    ['std population', (a) => o.std(a!, 0, { correction: 0 }), () => [r([4, 3])]],
    ['logsumexp', (a) => o.logsumexp(a!, 1), () => [r([3, 5])]],
    ['logsumexp middle axis', (a) => o.logsumexp(a!, 1, true), () => [r([2, 3, 4])]],
    ['softmax', (a) => o.softmax(a!, 1), () => [r([3, 5])]],
    ['softmax axis 0 of 3-D', (a) => o.softmax(a!, 0), () => [r([3, 2, 4])]],
    ['logSoftmax', (a) => o.logSoftmax(a!, -1), () => [r([3, 5])]],
    ['transpose', (a) => o.transpose(a!), () => [r([3, 4])]],
    [
      'permute then mul',
      (a, b) => o.mul(o.permute(a!, [2, 0, 1]), b!),
      () => [r([2, 3, 4]), r([4, 2, 3])],
    ],
    ['reshape', (a) => o.reshape(a!, [6, 2]), () => [r([3, 4])]],
    [
      'flatten/unsqueeze/squeeze',
      (a) => o.squeeze(o.unsqueeze(o.flatten(a!, 1), 0)),
      () => [r([2, 3, 4])],
    ],
    ['broadcastTo', (a) => o.broadcastTo(a!, [2, 3, 4]), () => [r([3, 1])]],
    ['concat axis 1', (a, b) => o.concat([a!, b!], 1), () => [r([2, 3]), r([2, 2])]],
    ['stack axis 1', (a, b) => o.stack([a!, b!], 1), () => [r([2, 3]), r([2, 3])]],
    ['narrow', (a) => o.narrow(a!, 1, 1, 2), () => [r([3, 4])]],
    ['slice', (a) => o.slice(a!, [1, 0, 1], [2, 2]), () => [r([3, 4, 5])]],
    ['split', (a) => o.mul(o.split(a!, [1, 3], 1)[1]!, 2), () => [r([2, 4])]],
    ['indexSelect with repeats', (a) => o.indexSelect(a!, 0, [2, 0, 2]), () => [r([3, 4])]],
    [
      'gather',
      (a) => o.gather(a!, 1, new Tensor(new Float64Array([0, 2, 1, 1, 0, 0]), [3, 2])),
      () => [r([3, 4])],
    ],
    ['matmul 2-D', (a, b) => o.matmul(a!, b!), () => [r([5, 7]), r([7, 3])]],
    ['matmul batched', (a, b) => o.matmul(a!, b!), () => [r([2, 4, 6]), r([2, 6, 3])]],
    ['matmul broadcast batch', (a, b) => o.matmul(a!, b!), () => [r([2, 1, 3, 4]), r([3, 4, 2])]],
    ['matmul vector', (a, b) => o.matmul(a!, b!), () => [r([4]), r([4, 3])]],
    ['matmul of transposed', (a, b) => o.matmul(o.transpose(a!), b!), () => [r([4, 3]), r([4, 2])]],
    ['rmsNorm', (a, w) => o.rmsNorm(a!, 5, w!, 1e-6), () => [r([3, 5]), r([5])]],
    [
      'scaledDotProductAttention',
      (q, k, v) => o.scaledDotProductAttention(q!, k!, v!),
      () => [r([2, 3, 4]), r([2, 5, 4]), r([2, 5, 2])],
    ],
    [
      'scaledDotProductAttention causal',
      (q, k, v) => o.scaledDotProductAttention(q!, k!, v!, { causal: true, scale: 0.8 }),
      () => [r([2, 2, 4, 3]), r([2, 2, 4, 3]), r([2, 2, 4, 3])],
    ],
    [
      'multiHeadAttention causal',
      (x, wi, bi, wo, bo) =>
        o.multiHeadAttention(x!, wi!, bi!, wo!, bo!, { heads: 2, causal: true }),
      () => [r([2, 3, 4]), r([12, 4], -0.5, 0.5), r([12]), r([4, 4], -0.5, 0.5), r([4])],
    ],
  ];
  return table.map(([name, f, inputs]) => ({ name, f, inputs }));
}
