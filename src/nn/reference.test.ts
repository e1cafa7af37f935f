import { describe, expect, it } from 'vitest';
import { allocData } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { ELU, GELU, LeakyReLU, ReLU, Sigmoid, Softplus, Tanh } from './activations.js';
import { BatchNorm1d } from './batch-norm.js';
import { Conv2d } from './conv2d.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import type { AnyModule } from './module.js';
import { MaxPool2d } from './pooling.js';
import { GRU, LSTM, RNN } from './recurrent.js';
import { readBundledReference } from '../conformance/reference-node.js';

// Conformance of the layers against PyTorch (float64 reference vectors): the reference weights
// are loaded through loadStateDict, the layer runs forward, and backward is seeded with the
// reference cotangent; output, input gradient and parameter gradients must match to 1e-9.

interface RefTensor {
  shape: number[];
  data: number[];
}
interface RefCase {
  name: string;
  op: string;
  args: Record<string, unknown>;
  inputs: RefTensor[];
  output: RefTensor;
  cotangent: RefTensor;
  grads: RefTensor[];
}

const ref = readBundledReference<{ cases: RefCase[] }>('torch-ops-reference.json');

function byName(name: string): RefCase {
  const c = ref.cases.find((k) => k.name === name);
  if (!c) throw new Error(`reference case ${name} missing`);
  return c;
}

function t64(r: RefTensor, requiresGrad = false): Tensor {
  const d = allocData('float64', r.data.length);
  d.set(r.data);
  return new Tensor(d, r.shape, requiresGrad);
}

function expectClose(name: string, actual: Tensor | null, expected: RefTensor): void {
  expect(actual, `${name} missing`).not.toBeNull();
  const a = actual as Tensor;
  expect(a.shape, `${name} shape`).toEqual(expected.shape);
  let worst = '';
  for (let i = 0; i < expected.data.length; i++) {
    const e = expected.data[i] as number;
    const v = a.data[i] as number;
    if (!(Math.abs(v - e) <= 1e-12 + 1e-9 * Math.abs(e))) {
      worst = `${name}[${i}]: got ${v}, expected ${e}`;
      break;
    }
  }
  expect(worst).toBe('');
}

/**
 * Runs `layer` on the case's first input with the other inputs loaded as parameters `names`,
 * backpropagates the cotangent and compares everything. `pick` extracts the output tensor.
 */
function check(
  c: RefCase,
  layer: AnyModule,
  names: readonly string[],
  pick: (out: unknown) => Tensor = (o) => o as Tensor,
): void {
  const sd: Record<string, Tensor> = {};
  names.forEach((n, i) => (sd[n] = t64(c.inputs[i + 1] as RefTensor)));
  layer.loadStateDict(sd, { strict: false });
  const params = layer.namedParameters();
  expect(Object.keys(params).sort()).toEqual([...names].sort());
  const x = t64(c.inputs[0] as RefTensor, true);
  const y = pick(layer.forward(x));
  expectClose(`${c.name} output`, y, c.output);
  y.backward(t64(c.cotangent));
  expectClose(`${c.name} d/dx`, x.grad, c.grads[0] as RefTensor);
  names.forEach((n, i) =>
    expectClose(`${c.name} d/d${n}`, (params[n] as Tensor).grad, c.grads[i + 1] as RefTensor),
  );
}

describe('layers match the PyTorch reference in float64 (rtol 1e-9)', () => {
  it('Linear', () => {
    const c = byName('linear');
    check(c, new Linear(6, 3, { dtype: 'float64', seed: 0 }), ['weight', 'bias']);
  });

  for (const name of ['conv2d_pad1_stride1', 'conv2d_stride2']) {
    it(`Conv2d ${name}`, () => {
      const c = byName(name);
      const [o, ci, kh, kw] = (c.inputs[1] as RefTensor).shape as [number, number, number, number];
      const layer = new Conv2d(ci, o, [kh, kw], {
        stride: c.args['stride'] as number,
        padding: c.args['padding'] as number,
        dtype: 'float64',
        seed: 0,
      });
      check(c, layer, ['weight', 'bias']);
    });
  }

  it('MaxPool2d', () => {
    const c = byName('maxpool2d');
    check(c, new MaxPool2d(c.args['kernel'] as number, { stride: c.args['stride'] as number }), []);
  });

  it('LayerNorm', () => {
    const c = byName('layer_norm');
    check(c, new LayerNorm(5, { eps: c.args['eps'] as number, dtype: 'float64' }), [
      'weight',
      'bias',
    ]);
  });

  it('BatchNorm1d (training mode) and its running statistics', () => {
    const c = byName('batch_norm_train');
    const bn = new BatchNorm1d(4, { eps: c.args['eps'] as number, dtype: 'float64' });
    check(c, bn, ['weight', 'bias']);
    // One update from (0, 1) with momentum 0.1: mean_r = 0.1·μ, var_r = 0.9 + 0.1·s² (unbiased).
    const x = c.inputs[0] as RefTensor;
    const [n, ch] = x.shape as [number, number];
    for (let j = 0; j < ch; j++) {
      let mu = 0;
      for (let i = 0; i < n; i++) mu += (x.data[i * ch + j] as number) / n;
      let ss = 0;
      for (let i = 0; i < n; i++) ss += ((x.data[i * ch + j] as number) - mu) ** 2;
      expect(bn.runningMean?.data[j]).toBeCloseTo(0.1 * mu, 12);
      expect(bn.runningVar?.data[j]).toBeCloseTo(0.9 + (0.1 * ss) / (n - 1), 12);
    }
  });

  const rec: [string, (i: number, h: number) => AnyModule][] = [
    ['rnnTanh', (i, h) => new RNN(i, h, { dtype: 'float64', seed: 0 })],
    ['lstm', (i, h) => new LSTM(i, h, { dtype: 'float64', seed: 0 })],
    ['gru', (i, h) => new GRU(i, h, { dtype: 'float64', seed: 0 })],
  ];
  for (const [name, make] of rec) {
    it(`${name} through the recurrent layer (PyTorch names weightIh_l0 ...)`, () => {
      const c = byName(name);
      const inputSize = (c.inputs[0] as RefTensor).shape[2] as number;
      const layer = make(inputSize, c.args['hidden'] as number);
      check(
        c,
        layer,
        ['weightIh_l0', 'weightHh_l0', 'biasIh_l0', 'biasHh_l0'],
        (o) => (o as { output: Tensor }).output,
      );
    });
  }

  const acts: [string, () => AnyModule][] = [
    ['relu', () => new ReLU()],
    ['tanh', () => new Tanh()],
    ['sigmoid', () => new Sigmoid()],
    ['leaky_relu', () => new LeakyReLU(0.1)],
    ['elu', () => new ELU(1)],
    ['gelu_erf', () => new GELU('none')],
    ['gelu_tanh', () => new GELU('tanh')],
    ['softplus', () => new Softplus()],
  ];
  for (const [name, make] of acts) {
    it(`activation module ${name}`, () => {
      check(byName(name), make(), []);
    });
  }
});
