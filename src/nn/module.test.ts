import { describe, expect, it } from 'vitest';
import { DataError, DtypeError, ShapeError } from '../errors.js';
import { mul, sum } from '../ops/index.js';
import { tensor } from '../tensor/creation.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { Tanh } from './activations.js';
import { BatchNorm1d } from './batch-norm.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';
import { mlp } from './mlp.js';
import { Module, type AnyModule } from './module.js';
import { Sequential } from './sequential.js';

function randn(shape: number[], seed: number, requiresGrad = false): Tensor {
  const d = new Float64Array(shape.reduce((a, b) => a * b, 1));
  new Rng(seed).fillNormal(d);
  return new Tensor(d, shape, requiresGrad);
}

function net(seed = 0): Sequential {
  return mlp({ sizes: [3, 4, 2], activation: 'tanh', dtype: 'float64', seed });
}

describe('Module: parameters live in one arena', () => {
  it('every parameter and gradient is a view into the single arena, in namedParameters order', () => {
    const m = net();
    const params = m.namedParameters();
    const a = m.arena();
    expect(Object.keys(params)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    expect(a.offsets.map((s) => s.name)).toEqual(Object.keys(params));
    expect(a.params.length).toBe(4 * 3 + 4 + 2 * 4 + 2);
    expect(m.numParameters()).toBe(a.params.length);
    let expectedOffset = 0;
    for (const slot of a.offsets) {
      const p = params[slot.name] as Tensor;
      expect(slot.offset).toBe(expectedOffset);
      expect(slot.shape).toEqual(p.shape);
      expect(p.data.buffer).toBe(a.params.buffer);
      expect(p.data.byteOffset).toBe(a.params.byteOffset + slot.offset * 8);
      expect(p.grad?.data.buffer).toBe(a.grads.buffer);
      expect(p.grad?.data.byteOffset).toBe(a.grads.byteOffset + slot.offset * 8);
      expect(p.name).toBe(slot.name);
      expectedOffset += slot.size;
    }
    // Writing through the arena is writing the parameter.
    a.params[0] = 42;
    expect((params['0.weight'] as Tensor).data[0]).toBe(42);
  });

  it('packing keeps the values and the layer keeps using the same tensors', () => {
    const m = net(3);
    const first = m.at(0) as Linear;
    const before = Array.from(first.weight.data);
    const x = randn([5, 3], 1);
    const yBefore = Array.from(m.forward(x).data);
    m.arena();
    expect(Array.from(first.weight.data)).toEqual(before);
    expect(m.namedParameters()['0.weight']).toBe(first.weight);
    expect(Array.from(m.forward(x).data)).toEqual(yBefore);
  });

  it('backward accumulates into the gradient arena in place', () => {
    const m = net(1);
    const a = m.arena();
    const x = randn([5, 3], 2);
    const cot = randn([5, 2], 3);
    sum(mul(m.forward(x), cot)).backward();
    const once = Array.from(a.grads);
    expect(once.some((g) => g !== 0)).toBe(true);
    for (const slot of a.offsets) {
      const p = m.namedParameters()[slot.name] as Tensor;
      expect(Array.from(p.grad?.data ?? [])).toEqual(
        once.slice(slot.offset, slot.offset + slot.size),
      );
    }
    // A second identical backward doubles every entry: accumulation, not replacement.
    sum(mul(m.forward(x), cot)).backward();
    a.grads.forEach((g, i) => expect(g).toBeCloseTo(2 * (once[i] as number), 14));
    expect(m.arena()).toBe(a);
    m.zeroGrad();
    expect(a.grads.every((g) => g === 0)).toBe(true);
    expect(m.namedParameters()['0.bias']?.grad?.data.buffer).toBe(a.grads.buffer);
  });

  it('a gradient nulled on the tensor is folded back into the arena', () => {
    const m = net(1);
    const a = m.arena();
    const w = m.namedParameters()['2.weight'] as Tensor;
    w.zeroGrad(true);
    sum(m.forward(randn([2, 3], 4))).backward();
    const g = Array.from(w.grad?.data ?? []);
    expect(w.grad?.data.buffer).not.toBe(a.grads.buffer); // backward created a fresh grad
    m.namedParameters();
    expect(w.grad?.data.buffer).toBe(a.grads.buffer);
    expect(Array.from(w.grad?.data ?? [])).toEqual(g);
  });

  it('repacks when the module tree changes, keeping values', () => {
    const m = net(2);
    const a1 = m.arena();
    const old = Array.from(a1.params);
    m.append(new Linear(2, 1, { dtype: 'float64', seed: 9 }));
    const a2 = m.arena();
    expect(a2).not.toBe(a1);
    expect(a2.version).toBeGreaterThan(a1.version);
    expect(a2.params.length).toBe(old.length + 3);
    expect(Array.from(a2.params.subarray(0, old.length))).toEqual(old);
    expect(m.namedParameters()['3.weight']?.data.buffer).toBe(a2.params.buffer);
  });

  it("a submodule's arena is a window of its parent's (no repack, parent stays valid)", () => {
    const m = net(2);
    const a = m.arena();
    const sub = m.at(2).arena();
    expect(sub.params.buffer).toBe(a.params.buffer);
    expect(sub.params.byteOffset).toBe(a.params.byteOffset + (4 * 3 + 4) * 8);
    expect(sub.offsets.map((s) => [s.name, s.offset])).toEqual([
      ['weight', 0],
      ['bias', 8],
    ]);
    expect(m.arena()).toBe(a);
    m.at(2).zeroGrad(); // zeroes only the window
  });

  it('namedParameters() is reused (frozen) until a repack; replacing .data triggers a repack', () => {
    const m = net(4);
    const p1 = m.namedParameters();
    expect(m.namedParameters()).toBe(p1);
    expect(Object.isFrozen(p1)).toBe(true);
    const a1 = m.arena();
    const w = p1['2.bias'] as Tensor;
    w.data = new Float64Array([5, 6]);
    const a2 = m.arena();
    expect(a2).not.toBe(a1);
    expect(w.data.buffer).toBe(a2.params.buffer);
    expect(Array.from(w.data)).toEqual([5, 6]);
    expect(Array.from(a2.params.subarray(a2.params.length - 2))).toEqual([5, 6]);
  });

  it('mixed dtypes in one model are a DtypeError naming the parameters', () => {
    const m = new Sequential(
      new Linear(2, 2, { dtype: 'float64', seed: 0 }),
      new Linear(2, 2, { dtype: 'float32', seed: 0 }),
    );
    expect(() => m.namedParameters()).toThrow(DtypeError);
    expect(() => m.arena()).toThrow(/1\.weight: float32/);
  });

  it('shared parameters appear once', () => {
    const lin = new Linear(2, 2, { dtype: 'float64', seed: 0 });
    const m = new Sequential(lin, new Tanh(), lin);
    expect(Object.keys(m.namedParameters())).toEqual(['0.weight', '0.bias']);
    expect(m.numParameters()).toBe(6);
  });
});

describe('Module: state dict', () => {
  it('round trips: a model loaded from another computes the same function', () => {
    const a = net(1);
    const b = net(2);
    const x = randn([4, 3], 5);
    expect(Array.from(b.forward(x).data)).not.toEqual(Array.from(a.forward(x).data));
    const sd = a.stateDict();
    expect(Object.keys(sd)).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    const bArena = b.arena();
    b.loadStateDict(sd);
    expect(Array.from(b.forward(x).data)).toEqual(Array.from(a.forward(x).data));
    // Loaded in place: the arena stays the same memory.
    expect(b.arena()).toBe(bArena);
    expect(Array.from(bArena.params)).toEqual(Array.from(a.arena().params));
    // The state dict is a copy: training a afterwards does not change it.
    const w0 = sd['0.weight']?.data[0];
    (a.at(0) as Linear).weight.data[0] = 123;
    expect(sd['0.weight']?.data[0]).toBe(w0);
  });

  it('accepts plain { shape, data } entries (from JSON)', () => {
    const a = net(1);
    const b = net(2);
    const json = JSON.parse(
      JSON.stringify(
        Object.fromEntries(
          Object.entries(a.stateDict()).map(([k, t]) => [
            k,
            { shape: t.shape, data: Array.from(t.data) },
          ]),
        ),
      ),
    ) as Record<string, { shape: number[]; data: number[] }>;
    b.loadStateDict(json);
    expect(Array.from(b.arena().params)).toEqual(Array.from(a.arena().params));
  });

  it('a shape mismatch names the parameter, the expected and the received shape, and loads nothing', () => {
    const m = net(1);
    const before = Array.from(m.arena().params);
    const sd = m.stateDict();
    sd['0.weight'] = randn([3, 4], 1);
    sd['0.bias'] = randn([4], 1);
    expect(() => m.loadStateDict(sd)).toThrow(ShapeError);
    expect(() => m.loadStateDict(sd)).toThrow('"0.weight": expected shape [4, 3], got [3, 4]');
    expect(Array.from(m.arena().params)).toEqual(before);
  });

  it('missing and unexpected keys are listed (strict) or returned (non-strict)', () => {
    const m = net(1);
    const sd = m.stateDict();
    delete sd['2.bias'];
    sd['9.weight'] = randn([1], 0);
    expect(() => m.loadStateDict(sd)).toThrow(DataError);
    expect(() => m.loadStateDict(sd)).toThrow(
      'missing keys ["2.bias"]; unexpected keys ["9.weight"]',
    );
    const res = m.loadStateDict(sd, { strict: false });
    expect(res).toEqual({ missingKeys: ['2.bias'], unexpectedKeys: ['9.weight'] });
  });

  it('a dtype mismatch is a DtypeError, not a silent cast', () => {
    const m = net(1);
    const sd = m.stateDict();
    const w = sd['0.weight'] as Tensor;
    sd['0.weight'] = new Tensor(Float32Array.from(w.data), w.shape);
    expect(() => m.loadStateDict(sd)).toThrow(DtypeError);
  });

  it('buffers (BatchNorm running statistics) are in the state dict but not in the parameters', () => {
    const m = new Sequential(
      new Linear(3, 4, { dtype: 'float64', seed: 0 }),
      new BatchNorm1d(4, { dtype: 'float64' }),
    );
    expect(Object.keys(m.namedParameters())).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    expect(Object.keys(m.stateDict())).toEqual([
      '0.weight',
      '0.bias',
      '1.weight',
      '1.bias',
      '1.runningMean',
      '1.runningVar',
    ]);
    m.forward(randn([8, 3], 1));
    const other = new Sequential(
      new Linear(3, 4, { dtype: 'float64', seed: 5 }),
      new BatchNorm1d(4, { dtype: 'float64' }),
    );
    other.loadStateDict(m.stateDict());
    const bn = other.at(1) as BatchNorm1d;
    expect(Array.from(bn.runningMean?.data ?? [])).toEqual(
      Array.from((m.at(1) as BatchNorm1d).runningMean?.data ?? []),
    );
    expect(bn.runningMean?.data.some((v) => v !== 0)).toBe(true);
  });
});

describe('Module: hooks, modes, registration', () => {
  it('forward hooks fire on every submodule with its dotted name, and remove() detaches them', () => {
    const m = new Sequential(
      new Linear(3, 4, { dtype: 'float64', seed: 0 }),
      new Tanh(),
      new Sequential(new Linear(4, 2, { dtype: 'float64', seed: 1 })),
    );
    const seen: [string, string, Tensor][] = [];
    const h = m.registerForwardHook((mod, name, out) =>
      seen.push([name, mod.constructor.name, out as Tensor]),
    );
    const y = m.forward(randn([2, 3], 0));
    // Children finish before their parents.
    expect(seen.map(([n, c]) => `${n}:${c}`)).toEqual([
      '0:Linear',
      '1:Tanh',
      '2.0:Linear',
      '2:Sequential',
      ':Sequential',
    ]);
    const lin = seen[0]?.[2] as Tensor;
    const act = seen[1]?.[2] as Tensor;
    act.data.forEach((v, i) => expect(v).toBeCloseTo(Math.tanh(lin.data[i] as number), 15));
    expect(seen[4]?.[2]).toBe(y);
    h.remove();
    seen.length = 0;
    m.forward(randn([2, 3], 0));
    expect(seen).toEqual([]);
  });

  it('leavesOnly / includeSelf restrict where hooks fire', () => {
    const m = mlp({ sizes: [2, 3, 1], seed: 0 });
    const names: string[] = [];
    m.registerForwardHook((_m, n) => names.push(n), { leavesOnly: true });
    m.registerForwardHook((_m, n) => names.push(`all:${n}`), { includeSelf: false });
    m.forward(tensor([[1, 2]]));
    expect(names).toEqual(['0', 'all:0', '1', 'all:1', '2', 'all:2']);
  });

  it('train()/eval() propagate to every descendant', () => {
    const m = mlp({ sizes: [2, 3, 3, 1], dropout: 0.5, norm: 'batch', seed: 0 });
    const all = (): boolean[] => m.namedModules().map(([, x]) => x.training);
    expect(all().every((t) => t)).toBe(true);
    expect(m.eval()).toBe(m);
    expect(all().every((t) => !t)).toBe(true);
    m.train();
    expect(all().every((t) => t)).toBe(true);
  });

  it('Dropout switches between inverted dropout and identity', () => {
    const d = new Dropout(0.25, { seed: 1 });
    const x = tensor(new Float64Array(4000).fill(2), { shape: [4000] });
    const y = d.forward(x);
    let zeros = 0;
    for (const v of y.data) {
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo(2 / 0.75, 14);
    }
    // Binomial(4000, 0.25): mean 1000, sd ≈ 27; 5 sd tolerance.
    expect(Math.abs(zeros - 1000)).toBeLessThan(140);
    d.eval();
    expect(d.forward(x)).toBe(x);
  });

  it('BatchNorm eval mode normalises with the running statistics', () => {
    const bn = new BatchNorm1d(3, { dtype: 'float64' });
    const xTrain = randn([10, 3], 1);
    bn.forward(xTrain);
    const rm = Array.from(bn.runningMean?.data ?? []);
    const rv = Array.from(bn.runningVar?.data ?? []);
    bn.eval();
    const x = randn([4, 3], 2);
    const y = bn.forward(x);
    // γ = 1, β = 0: y = (x − μ_r)/√(σ²_r + ε); the running stats do not move in eval mode.
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 3; j++) {
        const e =
          ((x.data[i * 3 + j] as number) - (rm[j] as number)) / Math.sqrt((rv[j] as number) + 1e-5);
        expect(y.data[i * 3 + j]).toBeCloseTo(e, 13);
      }
    }
    expect(Array.from(bn.runningMean?.data ?? [])).toEqual(rm);
  });

  it('custom modules: registration helpers, dotted names, getSubmodule and name checks', () => {
    class Block extends Module {
      readonly fc = this.registerModule('fc', new Linear(2, 2, { dtype: 'float64', seed: 0 }));
      readonly scale = this.registerParameter('scale', tensor([1.5], { dtype: 'float64' }));
      forward(x: Tensor): Tensor {
        return mul(this.fc.forward(x), this.scale);
      }
    }
    class Model extends Module {
      readonly rnnLike = this.registerModule('block', new Block());
      forward(x: Tensor): Tensor {
        return this.rnnLike.forward(x);
      }
    }
    const m = new Model();
    // PyTorch's order: each module's own parameters, then its children's (pre-order).
    expect(Object.keys(m.namedParameters())).toEqual([
      'block.scale',
      'block.fc.weight',
      'block.fc.bias',
    ]);
    expect(m.namedModules().map(([n]) => n)).toEqual(['', 'block', 'block.fc']);
    expect(m.getSubmodule('block.fc')).toBe(m.rnnLike.fc as AnyModule);
    expect(() => m.getSubmodule('block.nope')).toThrow(/no submodule "block.nope"/);
    expect(() => m.registerParameter('a.b', tensor([1]))).toThrow(/without '\.'/);
    expect(() => m.registerBuffer('block', tensor([1]))).toThrow(/already used/);
    expect(() => m.rnnLike.registerModule('loop', m)).toThrow(/cyclic/);
    const names: string[] = [];
    m.registerForwardHook((_x, n) => names.push(n));
    m.forward(tensor([[1, 2]], { dtype: 'float64' }));
    expect(names).toEqual(['block.fc', 'block', '']);
  });
});
