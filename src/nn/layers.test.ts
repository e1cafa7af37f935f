import { describe, expect, it } from 'vitest';
import { ConfigError, DataError, ShapeError } from '../errors.js';
import { mul, narrow, reshape, sum } from '../ops/index.js';
import { tensor } from '../tensor/creation.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { Identity, ReLU, Tanh, activation } from './activations.js';
import { BatchNorm1d, BatchNorm2d } from './batch-norm.js';
import { Conv2d } from './conv2d.js';
import { Dropout } from './dropout.js';
import { Embedding } from './embedding.js';
import { Flatten } from './flatten.js';
import { LayerNorm } from './layer-norm.js';
import { manualSeed } from './layer-options.js';
import { Linear } from './linear.js';
import { mlp } from './mlp.js';
import { AvgPool2d } from './pooling.js';
import { GRU, LSTM, RNN } from './recurrent.js';
import { Residual } from './residual.js';
import { Sequential } from './sequential.js';

function randn(shape: number[], seed: number, requiresGrad = false): Tensor {
  const d = new Float64Array(shape.reduce((a, b) => a * b, 1));
  new Rng(seed).fillNormal(d);
  return new Tensor(d, shape, requiresGrad);
}

function stats(d: ArrayLike<number>): { mean: number; std: number; maxAbs: number } {
  let s = 0;
  let m = 0;
  for (let i = 0; i < d.length; i++) {
    s += d[i] as number;
    m = Math.max(m, Math.abs(d[i] as number));
  }
  const mean = s / d.length;
  let v = 0;
  for (let i = 0; i < d.length; i++) v += ((d[i] as number) - mean) ** 2;
  return { mean, std: Math.sqrt(v / d.length), maxAbs: m };
}

describe('default initialisation (PyTorch)', () => {
  it('Linear: weight and bias ~ U(±1/√fanIn), std 1/√(3·fanIn)', () => {
    const fanIn = 1000;
    const lin = new Linear(fanIn, 300, { seed: 0, dtype: 'float64' });
    const bound = 1 / Math.sqrt(fanIn);
    const w = stats(lin.weight.data);
    // 300k samples: the sample std of a uniform is within ~0.2% of bound/√3; allow 2%.
    expect(Math.abs(w.std / (bound / Math.sqrt(3)) - 1)).toBeLessThan(0.02);
    expect(Math.abs(w.mean)).toBeLessThan(bound * 0.01);
    expect(w.maxAbs).toBeLessThanOrEqual(bound);
    expect(w.maxAbs).toBeGreaterThan(bound * 0.99);
    const b = stats(lin.bias?.data ?? []);
    expect(b.maxAbs).toBeLessThanOrEqual(bound);
    // 300 samples: std within ~8% (4 sd of the sample std's relative error ≈ 4·0.036).
    expect(Math.abs(b.std / (bound / Math.sqrt(3)) - 1)).toBeLessThan(0.15);
  });

  it('Conv2d: U(±1/√(C·kh·kw)); RNN/LSTM/GRU: U(±1/√H); LayerNorm ones/zeros; Embedding N(0, 1)', () => {
    const conv = new Conv2d(8, 16, 3, { seed: 1, dtype: 'float64' });
    const cb = 1 / Math.sqrt(8 * 9);
    const cw = stats(conv.weight.data);
    expect(cw.maxAbs).toBeLessThanOrEqual(cb);
    expect(Math.abs(cw.std / (cb / Math.sqrt(3)) - 1)).toBeLessThan(0.06); // 1152 samples
    for (const R of [RNN, LSTM, GRU]) {
      const r = new R(10, 64, { seed: 2, dtype: 'float64' });
      const hb = 1 / 8;
      for (const p of r.parameters()) expect(stats(p.data).maxAbs).toBeLessThanOrEqual(hb);
      const whh = stats(r.layer(0).weightHh.data);
      expect(Math.abs(whh.std / (hb / Math.sqrt(3)) - 1)).toBeLessThan(0.05);
    }
    const ln = new LayerNorm([2, 3]);
    expect(Array.from(ln.weight?.data ?? [])).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(ln.bias?.data ?? [])).toEqual([0, 0, 0, 0, 0, 0]);
    const e = stats(new Embedding(200, 50, { seed: 3, dtype: 'float64' }).weight.data);
    expect(Math.abs(e.std - 1)).toBeLessThan(0.03);
  });

  it('init / biasInit options take names, configs and functions', () => {
    const a = new Linear(4, 3, {
      init: 'zeros',
      biasInit: { name: 'constant', value: 0.5 },
      seed: 0,
    });
    expect(Array.from(a.weight.data).every((v) => v === 0)).toBe(true);
    expect(Array.from(a.bias?.data ?? [])).toEqual([0.5, 0.5, 0.5]);
    const b = new Linear(400, 300, {
      init: { name: 'heNormal', nonlinearity: 'relu' },
      seed: 0,
      dtype: 'float64',
    });
    expect(Math.abs(stats(b.weight.data).std / Math.sqrt(2 / 400) - 1)).toBeLessThan(0.02);
    const c = new Linear(2, 2, {
      init: (shape, _rng, dtype) =>
        dtype === 'float64' ? new Float64Array(4).fill(7) : new Float32Array(4).fill(7),
      seed: 0,
    });
    expect(Array.from(c.weight.data)).toEqual([7, 7, 7, 7]);
    expect(() => new Linear(2, 2, { init: () => new Float32Array(3) })).toThrow(ConfigError);
    expect(() => new Linear(2, 2, { init: 'nope' as 'zeros' })).toThrow(ConfigError);
    const r = new RNN(3, 4, {
      recurrentInit: 'orthogonal',
      init: 'zeros',
      seed: 0,
      dtype: 'float64',
    });
    expect(Array.from(r.layer(0).weightIh.data).every((v) => v === 0)).toBe(true);
    // W_hh orthogonal: W Wᵀ = I.
    const w = r.layer(0).weightHh.data;
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        let s = 0;
        for (let k = 0; k < 4; k++) s += (w[i * 4 + k] as number) * (w[j * 4 + k] as number);
        expect(s).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
  });
});

describe('determinism', () => {
  it('same seed, same weights; different seed, different weights', () => {
    const a = new Linear(5, 3, { seed: 7 });
    const b = new Linear(5, 3, { seed: 7 });
    const c = new Linear(5, 3, { seed: 8 });
    expect(Array.from(a.weight.data)).toEqual(Array.from(b.weight.data));
    expect(Array.from(a.bias?.data ?? [])).toEqual(Array.from(b.bias?.data ?? []));
    expect(Array.from(a.weight.data)).not.toEqual(Array.from(c.weight.data));
    const m1 = mlp({ sizes: [3, 8, 8, 2], dropout: 0.5, seed: 11 });
    const m2 = mlp({ sizes: [3, 8, 8, 2], dropout: 0.5, seed: 11 });
    expect(Array.from(m1.arena().params)).toEqual(Array.from(m2.arena().params));
    const x = tensor([[1, 2, 3]]);
    expect(Array.from(m1.forward(x).data)).toEqual(Array.from(m2.forward(x).data)); // same dropout masks
    const l1 = new LSTM(3, 4, { numLayers: 2, seed: 5 });
    const l2 = new LSTM(3, 4, { numLayers: 2, seed: 5 });
    expect(l1.stateDict()).toEqual(l2.stateDict());
  });

  it('a shared rng is consumed in order; manualSeed fixes layers built without seed', () => {
    const rng = new Rng(3);
    const a = new Linear(4, 4, { rng });
    const b = new Linear(4, 4, { rng });
    expect(Array.from(a.weight.data)).not.toEqual(Array.from(b.weight.data));
    manualSeed(42);
    const u = new Linear(3, 2);
    const v = new Linear(3, 2);
    manualSeed(42);
    const u2 = new Linear(3, 2);
    const v2 = new Linear(3, 2);
    expect(Array.from(u.weight.data)).toEqual(Array.from(u2.weight.data));
    expect(Array.from(v.weight.data)).toEqual(Array.from(v2.weight.data));
    expect(Array.from(u.weight.data)).not.toEqual(Array.from(v.weight.data));
  });

  it('Dropout masks repeat with the seed', () => {
    const x = tensor(new Float64Array(64).fill(1), { shape: [64] });
    expect(Array.from(new Dropout(0.5, { seed: 4 }).forward(x).data)).toEqual(
      Array.from(new Dropout(0.5, { seed: 4 }).forward(x).data),
    );
  });
});

describe('mlp naming', () => {
  it('plain: Linear layers are "0", "2", ... as in nn.Sequential', () => {
    const m = mlp({ sizes: [4, 8, 8, 2], seed: 0 });
    expect(Object.keys(m.namedParameters())).toEqual([
      '0.weight',
      '0.bias',
      '2.weight',
      '2.bias',
      '4.weight',
      '4.bias',
    ]);
    expect(m.namedChildren().map(([n, c]) => `${n}:${c.constructor.name}`)).toEqual([
      '0:Linear',
      '1:ReLU',
      '2:Linear',
      '3:ReLU',
      '4:Linear',
    ]);
    expect(m.forward(tensor([[1, 2, 3, 4]])).shape).toEqual([1, 2]);
  });

  it('norm and dropout shift the indices; residual blocks nest under "k.fn"', () => {
    const ln = mlp({ sizes: [4, 8, 2], norm: 'layer', activation: 'tanh', dropout: 0.1, seed: 0 });
    expect(ln.namedChildren().map(([n, c]) => `${n}:${c.constructor.name}`)).toEqual([
      '0:Linear',
      '1:LayerNorm',
      '2:Tanh',
      '3:Dropout',
      '4:Linear',
    ]);
    expect(Object.keys(ln.namedParameters())).toEqual([
      '0.weight',
      '0.bias',
      '1.weight',
      '1.bias',
      '4.weight',
      '4.bias',
    ]);
    const bn = mlp({ sizes: [4, 8, 2], norm: 'batch', seed: 0 });
    expect(Object.keys(bn.stateDict())).toContain('1.runningVar');
    const res = mlp({ sizes: [4, 8, 8, 8, 2], residual: true, seed: 0 });
    expect(Object.keys(res.namedParameters())).toEqual([
      '0.weight',
      '0.bias',
      '2.fn.0.weight',
      '2.fn.0.bias',
      '3.fn.0.weight',
      '3.fn.0.bias',
      '4.weight',
      '4.bias',
    ]);
    expect(res.forward(tensor([[1, 2, 3, 4]])).shape).toEqual([1, 2]);
    const custom = mlp({ sizes: [2, 3, 1], activation: () => new Identity(), seed: 0 });
    expect(custom.at(1)).toBeInstanceOf(Identity);
  });

  it('invalid options throw ConfigError naming the option', () => {
    expect(() => mlp({ sizes: [4] })).toThrow(/sizes/);
    expect(() => mlp({ sizes: [4, 0, 2] })).toThrow(/sizes\[1\]/);
    expect(() => mlp({ sizes: [4, 2], norm: 'group' as 'layer' })).toThrow(/norm/);
    expect(() => mlp({ sizes: [4, 2], dropout: 1 })).toThrow(/dropout/);
    expect(() => mlp({ sizes: [4, 2], activation: 'swish' as 'relu' })).toThrow(ConfigError);
  });
});

describe('layers', () => {
  it('Sequential chains children named "0", "1", ...; at() and length', () => {
    const s = new Sequential(new Linear(2, 3, { seed: 0 }), new ReLU());
    expect(s.length).toBe(2);
    expect(s.at(-1)).toBeInstanceOf(ReLU);
    expect(() => s.at(5)).toThrow(ConfigError);
    const x = tensor([[1, -2]]);
    const y = s.forward(x);
    const h = (s.at(0) as Linear).forward(x);
    expect(Array.from(y.data)).toEqual(Array.from(h.data).map((v) => Math.max(0, v)));
  });

  it('Residual: y = x + f(x) with a shape check', () => {
    const f = new Linear(3, 3, { seed: 0, dtype: 'float64' });
    const r = new Residual(f);
    const x = randn([2, 3], 1);
    const y = r.forward(x);
    const fx = f.forward(x);
    y.data.forEach((v, i) => expect(v).toBe((x.data[i] as number) + (fx.data[i] as number)));
    expect(Object.keys(r.namedParameters())).toEqual(['fn.weight', 'fn.bias']);
    expect(() => new Residual(new Linear(3, 2, { seed: 0, dtype: 'float64' })).forward(x)).toThrow(
      ShapeError,
    );
  });

  it('Embedding gathers rows and scatter-adds gradients (repeats accumulate)', () => {
    const emb = new Embedding(5, 2, { seed: 0, dtype: 'float64' });
    const idx = tensor(
      [
        [1, 3],
        [1, 0],
      ],
      { dtype: 'float64' },
    );
    const y = emb.forward(idx);
    expect(y.shape).toEqual([2, 2, 2]);
    const w = emb.weight.data;
    expect(Array.from(y.data)).toEqual([w[2], w[3], w[6], w[7], w[2], w[3], w[0], w[1]]);
    const cot = tensor(
      [
        [
          [1, 2],
          [3, 4],
        ],
        [
          [5, 6],
          [7, 8],
        ],
      ],
      { dtype: 'float64' },
    );
    sum(mul(y, cot)).backward();
    // Row 1 receives cot[0,0] + cot[1,0], row 3 cot[0,1], row 0 cot[1,1], rows 2 and 4 nothing.
    expect(Array.from(emb.weight.grad?.data ?? [])).toEqual([7, 8, 6, 8, 0, 0, 3, 4, 0, 0]);
    expect(emb.forward([4]).shape).toEqual([1, 2]);
    expect(() => emb.forward([5])).toThrow(DataError);
    expect(() => emb.forward([-1])).toThrow(DataError);
    expect(() => emb.forward([1.5])).toThrow(DataError);
  });

  it('Flatten keeps the batch axis; AvgPool2d averages windows', () => {
    const x = randn([2, 3, 4, 4], 0);
    expect(new Flatten().forward(x).shape).toEqual([2, 48]);
    const p = new AvgPool2d(2).forward(x);
    expect(p.shape).toEqual([2, 3, 2, 2]);
    const d = x.data;
    expect(p.data[0]).toBeCloseTo(
      ((d[0] as number) + (d[1] as number) + (d[4] as number) + (d[5] as number)) / 4,
      15,
    );
  });

  it('BatchNorm2d normalises each channel over N, H, W; wrong ranks are ShapeErrors', () => {
    const bn = new BatchNorm2d(2, { dtype: 'float64' });
    const x = randn([3, 2, 2, 2], 5);
    const y = bn.forward(x);
    for (let c = 0; c < 2; c++) {
      const vals: number[] = [];
      for (let n = 0; n < 3; n++)
        for (let k = 0; k < 4; k++) vals.push(y.data[(n * 2 + c) * 4 + k] as number);
      const s = stats(vals);
      expect(s.mean).toBeCloseTo(0, 12);
      expect(s.std).toBeCloseTo(
        Math.sqrt(
          1 /
            (1 +
              1e-5 /
                stats(
                  vals.map((_, i) => x.data[(Math.floor(i / 4) * 2 + c) * 4 + (i % 4)] as number),
                ).std **
                  2),
        ),
        10,
      );
    }
    expect(() => bn.forward(randn([3, 2], 0))).toThrow(ShapeError);
    expect(() => new BatchNorm1d(3).forward(tensor([[1, 2]]))).toThrow(/3 channels/);
    expect(() => new BatchNorm1d(3, { momentum: 2 })).toThrow(ConfigError);
  });

  it('multi-layer RNN equals two single-layer RNNs chained; h0 per layer; hLast is [L, B, H]', () => {
    const deep = new RNN(3, 4, { numLayers: 2, seed: 0, dtype: 'float64' });
    expect(Object.keys(deep.namedParameters())).toEqual([
      'weightIh_l0',
      'weightHh_l0',
      'biasIh_l0',
      'biasHh_l0',
      'weightIh_l1',
      'weightHh_l1',
      'biasIh_l1',
      'biasHh_l1',
    ]);
    const sd = deep.stateDict();
    const l0 = new RNN(3, 4, { seed: 1, dtype: 'float64' });
    const l1 = new RNN(4, 4, { seed: 2, dtype: 'float64' });
    const take = (k: number): Record<string, Tensor> =>
      Object.fromEntries(
        ['weightIh', 'weightHh', 'biasIh', 'biasHh'].map((n) => [
          `${n}_l0`,
          sd[`${n}_l${k}`] as Tensor,
        ]),
      );
    l0.loadStateDict(take(0));
    l1.loadStateDict(take(1));
    const x = randn([5, 2, 3], 3);
    const h0 = randn([2, 2, 4], 4);
    const out = deep.forward(x, { h0 });
    const a = l0.forward(x, { h0: narrow(h0, 0, 0, 1) });
    const b = l1.forward(a.output, { h0: reshape(narrow(h0, 0, 1, 1), [2, 4]) });
    expect(Array.from(out.output.data)).toEqual(Array.from(b.output.data));
    expect(out.hLast.shape).toEqual([2, 2, 4]);
    expect(Array.from(out.hLast.data)).toEqual([
      ...Array.from(a.hLast.data),
      ...Array.from(b.hLast.data),
    ]);
    expect(() => deep.forward(x, { h0: randn([2, 4], 0) })).toThrow(/\[2, 2, 4\]/);
    expect(() => deep.forward(randn([5, 2, 4], 0))).toThrow(ShapeError);
    expect(() => deep.forward(x, { c0: h0 })).toThrow(/only used by LSTM/);
  });

  it('LSTM returns cLast; batchFirst transposes input and output; gradients reach h0', () => {
    const lstm = new LSTM(3, 4, { seed: 0, dtype: 'float64' });
    const bf = new LSTM(3, 4, { seed: 0, dtype: 'float64', batchFirst: true });
    const x = randn([5, 2, 3], 1);
    const h0 = randn([1, 2, 4], 2, true);
    const c0 = randn([1, 2, 4], 3);
    const r = lstm.forward(x, { h0, c0 });
    expect(r.cLast?.shape).toEqual([1, 2, 4]);
    const xb = new Tensor(new Float64Array(30), [2, 5, 3]);
    for (let t = 0; t < 5; t++)
      for (let b = 0; b < 2; b++)
        for (let i = 0; i < 3; i++)
          xb.data[(b * 5 + t) * 3 + i] = x.data[(t * 2 + b) * 3 + i] as number;
    const rb = bf.forward(xb, { h0, c0 });
    expect(rb.output.shape).toEqual([2, 5, 4]);
    for (let t = 0; t < 5; t++)
      for (let b = 0; b < 2; b++)
        for (let j = 0; j < 4; j++)
          expect(rb.output.data[(b * 5 + t) * 4 + j]).toBe(r.output.data[(t * 2 + b) * 4 + j]);
    sum(r.hLast).backward();
    expect(h0.grad?.shape).toEqual([1, 2, 4]);
    expect(h0.grad?.data.some((v) => v !== 0)).toBe(true);
  });

  it('GRU with dropout between layers uses its own seeded masks only in training mode', () => {
    const g = new GRU(3, 4, { numLayers: 2, dropout: 0.5, seed: 0, dtype: 'float64' });
    const x = randn([4, 2, 3], 1);
    const train1 = Array.from(g.forward(x).output.data);
    const train2 = Array.from(g.forward(x).output.data);
    expect(train1).not.toEqual(train2); // a fresh mask per call
    g.eval();
    const e1 = Array.from(g.forward(x).output.data);
    expect(Array.from(g.forward(x).output.data)).toEqual(e1);
  });

  it('activation() builds modules by name; constructors validate options', () => {
    expect(activation('tanh')).toBeInstanceOf(Tanh);
    expect(() => activation('nope' as 'relu')).toThrow(/unknown activation name/);
    expect(() => new Linear(-1, 2)).toThrow(/inFeatures/);
    expect(() => new Conv2d(1, 1, [3, 0])).toThrow(/kernelSize/);
    expect(() => new Dropout(1)).toThrow(/p must be/);
    expect(() => new LayerNorm(0)).toThrow(/normalizedShape/);
    expect(() => new RNN(3, 4, { numLayers: 0 })).toThrow(/numLayers/);
    expect(() => new Linear(2, 2, { seed: Number.NaN })).toThrow(/seed/);
  });
});
