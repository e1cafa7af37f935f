import { describe, expect, it } from 'vitest';
import { ConfigError, DataError, ShapeError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import {
  Optimizer,
  adam,
  addDecayedWeights,
  applyUpdates,
  chain,
  identity,
  injectHyperparams,
  isDecayed,
  masked,
  multiSteps,
  partition,
  raiseEvent,
  scale,
  scaleByLearningRate,
  sgd,
  skipNonFinite,
  type GradientTransformation,
  type InjectHyperparamsState,
  type Params,
  type StepContext,
} from './index.js';

const t64 = (values: number[], shape = [values.length]): Tensor =>
  new Tensor(Float64Array.from(values), shape);
const vals = (p: Params, k: string): number[] => [...(p[k] as Tensor).data];

/** A transformation that raises an event, and one that records the events it sees. */
function raiser(
  event: 'clipped' | 'spike' | 'nonFinite',
): GradientTransformation<Record<string, never>> {
  return { init: () => ({}), update: (u, s, _p, ctx) => (raiseEvent(ctx, event), [u, s]) };
}
function spy(
  seen: Record<string, boolean | undefined>[],
): GradientTransformation<Record<string, never>> {
  return { init: () => ({}), update: (u, s, _p, ctx) => (seen.push({ ...ctx?.events }), [u, s]) };
}

describe('chain', () => {
  it('composes in order: (g·2 + 1·p)·(−lr)', () => {
    const params = { w: t64([1, 2]) };
    const tx = chain(scale(2), addDecayedWeights(1), scaleByLearningRate(0.5));
    const [u] = tx.update({ w: t64([10, 20]) }, tx.init(params), params);
    expect(vals(u, 'w')).toEqual([-(20 + 1) * 0.5, -(40 + 2) * 0.5]);
  });

  it('creates a context with events, resets them each step, and nested chains keep earlier events', () => {
    const seen: Record<string, boolean | undefined>[] = [];
    const tx = chain(raiser('clipped'), chain(spy(seen), raiser('spike')), spy(seen));
    const params = { w: t64([1]) };
    const s = tx.init(params);
    tx.update({ w: t64([1]) }, s, params);
    expect(seen[0]).toEqual({ clipped: true, spike: false, nonFinite: false });
    expect(seen[1]).toEqual({ clipped: true, spike: true, nonFinite: false });
    // Second step: the events start false again.
    const tx2 = chain(spy(seen));
    const ctx: StepContext = { events: { clipped: true, spike: true } };
    tx2.update({ w: t64([1]) }, tx2.init(params), params, ctx);
    expect(seen[2]).toEqual({ clipped: false, spike: false, nonFinite: false });
    expect(ctx.events).toEqual({ clipped: false, spike: false, nonFinite: false });
  });

  it('identity returns its input; chain rejects non-transformations', () => {
    const u = { w: t64([3]) };
    const tx = identity();
    expect(tx.update(u, tx.init(u), u)[0]).toBe(u);
    expect(() => chain(identity(), 3 as never)).toThrow(
      /chain: argument 1 = 3 is not a GradientTransformation/,
    );
  });

  it('applyUpdates adds in place and checks shapes', () => {
    const p = { w: t64([1, 2]) };
    applyUpdates(p, { w: t64([0.5, -1]) });
    expect(vals(p, 'w')).toEqual([1.5, 1]);
    expect(() => applyUpdates(p, { w: t64([1]) })).toThrow(ShapeError);
  });
});

describe('Optimizer', () => {
  it('reads .grad (missing = zeros), keeps .grad intact, applies updates, exposes lr and events', () => {
    const params = { a: t64([1, 1]), b: t64([5]) };
    (params.a as Tensor).grad = t64([2, -2]);
    const opt = new Optimizer(params, chain(raiser('clipped'), sgd({ lr: (t) => 0.1 / (t + 1) })));
    expect(opt.lr).toBe(0.1);
    const events = opt.step({ loss: 3 });
    expect(vals(params, 'a')).toEqual([1 - 0.2, 1 + 0.2]);
    expect(vals(params, 'b')).toEqual([5]);
    expect([...(params.a.grad as Tensor).data]).toEqual([2, -2]);
    expect(events.clipped).toBe(true);
    expect(opt.lr).toBe(0.05);
    opt.zeroGrad();
    expect([...(params.a.grad as Tensor).data]).toEqual([0, 0]);
    opt.zeroGrad(true);
    expect(params.a.grad).toBeNull();
  });

  it('accepts a module (namedParameters) and validates its inputs', () => {
    const w = t64([1]);
    const module = { namedParameters: (): Params => ({ w }) };
    const opt = new Optimizer(module, sgd({ lr: 1 }));
    w.grad = t64([1]);
    opt.step();
    expect(w.data[0]).toBe(0);
    expect(() => new Optimizer({}, sgd({ lr: 1 }))).toThrow(/empty parameter list/);
    expect(() => new Optimizer({ w: [1] as never }, sgd({ lr: 1 }))).toThrow(
      /parameter "w" = \[1\] is not a Tensor/,
    );
    w.grad = t64([1, 2]);
    expect(() => opt.step()).toThrow(ShapeError);
  });

  it('rejects a checkpoint of another optimizer or other parameters', () => {
    const a = new Optimizer({ w: t64([1, 2]) }, adam());
    const b = new Optimizer({ w: t64([1, 2, 3]) }, adam());
    const c = new Optimizer({ w: t64([1, 2]) }, adam({ amsgrad: true }));
    expect(() => b.loadStateDict(a.stateDict())).toThrow(
      /state\.mu\.w has 2 elements in the checkpoint but 3/,
    );
    expect(() => c.loadStateDict(a.stateDict())).toThrow(
      /state\.nuMax is null in the checkpoint but an object in this optimizer/,
    );
    expect(() => a.loadStateDict({ format: 'x' } as never)).toThrow(DataError);
  });
});

describe('masked and partition', () => {
  const params = (): Params => ({ 'fc.weight': t64([1, 1, 1, 1], [2, 2]), 'fc.bias': t64([1, 1]) });

  it('masked applies the inner transformation only to the selected parameters', () => {
    const p = params();
    const tx = masked(addDecayedWeights(0.5), isDecayed);
    const s = tx.init(p);
    expect(s.names).toEqual(['fc.weight']);
    const [u] = tx.update({ 'fc.weight': t64([0, 0, 0, 0], [2, 2]), 'fc.bias': t64([0, 0]) }, s, p);
    expect(vals(u, 'fc.weight')).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(vals(u, 'fc.bias')).toEqual([0, 0]);
    const byRecord = masked(addDecayedWeights(0.5), { 'fc.bias': true });
    expect(byRecord.init(p).names).toEqual(['fc.bias']);
  });

  it('partition gives each group its own optimizer and lr', () => {
    const p = params();
    for (const t of Object.values(p))
      t.grad = new Tensor(new Float64Array(t.size).fill(1), t.shape);
    const tx = partition({ fast: sgd({ lr: 1 }), slow: sgd({ lr: 0.1 }) }, (name) =>
      name.endsWith('bias') ? 'slow' : 'fast',
    );
    const opt = new Optimizer(p, tx);
    opt.step();
    expect(vals(p, 'fc.weight')).toEqual([0, 0, 0, 0]);
    expect(vals(p, 'fc.bias')).toEqual([0.9, 0.9]);
    expect(opt.lr).toBe(1);
    expect(() => partition({ a: identity() }, () => 'b').init(params())).toThrow(
      /label "b", which has no transformation/,
    );
  });

  it('masked inside a chain over many steps equals per-group optimizers (no stale views)', () => {
    const p = params();
    const q = params();
    const opt = new Optimizer(
      p,
      chain(masked(addDecayedWeights(0.1), isDecayed), sgd({ lr: 0.1 })),
    );
    const optW = new Optimizer({ w: q['fc.weight'] as Tensor }, sgd({ lr: 0.1, weightDecay: 0.1 }));
    const optB = new Optimizer({ b: q['fc.bias'] as Tensor }, sgd({ lr: 0.1 }));
    for (let t = 0; t < 5; t++) {
      for (const x of [...Object.values(p), ...Object.values(q)])
        x.grad = new Tensor(new Float64Array(x.size).fill(t), x.shape);
      opt.step();
      optW.step();
      optB.step();
    }
    expect(vals(p, 'fc.weight')).toEqual(vals(q, 'fc.weight'));
    expect(vals(p, 'fc.bias')).toEqual(vals(q, 'fc.bias'));
  });
});

describe('injectHyperparams', () => {
  it('keeps lr and betas in the state; changing them changes the next steps; scheduled values follow the count', () => {
    const p = { w: t64([0]) };
    const tx = injectHyperparams((h) => sgd({ lr: h.lr, momentum: h.momentum }), {
      lr: 0.5,
      momentum: 0,
    });
    const opt = new Optimizer(p, tx);
    const state = (): InjectHyperparamsState<unknown> => opt.state;
    p.w.grad = t64([1]);
    opt.step();
    expect(p.w.data[0]).toBe(-0.5);
    state().hyperparams.lr = 0.25;
    expect(opt.lr).toBe(0.25);
    opt.step();
    expect(p.w.data[0]).toBe(-0.75);
    const tx2 = injectHyperparams((h) => adam({ lr: h.lr, b1: h.b1 }), {
      lr: (t: number) => 0.1 * 0.5 ** t,
      b1: 0.9,
    });
    const p2 = { w: t64([0]) };
    const opt2 = new Optimizer(p2, tx2);
    p2.w.grad = t64([1]);
    opt2.step();
    expect(p2.w.data[0]).toBeCloseTo(-0.1, 7);
    expect((opt2.state as InjectHyperparamsState<unknown>).hyperparams.lr).toBe(0.1);
    opt2.step();
    expect((opt2.state as InjectHyperparamsState<unknown>).hyperparams.lr).toBe(0.05);
    expect(p2.w.data[0]).toBeCloseTo(-0.15, 7);
    const before = p2.w.data[0] as number;
    (opt2.state as InjectHyperparamsState<unknown>).hyperparams.b1 = 0; // m = g from now on
    opt2.step();
    // b1 = 0: m̂ = g/(1 − 0) = 1 and v̂ = 1, so the step is exactly lr(2) = 0.025 (up to ε).
    expect(before - (p2.w.data[0] as number)).toBeCloseTo(0.025, 7);
    // Survives a checkpoint.
    const text = JSON.stringify(opt2.stateDict());
    expect(JSON.parse(text).state.hyperparams.b1).toBe(0);
  });

  it('validates its inputs', () => {
    expect(() => injectHyperparams((h) => sgd({ lr: h.lr }), { lr: 'x' as never })).toThrow(
      /hyper-parameter lr = "x"/,
    );
    expect(() =>
      injectHyperparams((h) => sgd({ lr: h.lr }), { lr: 1 }, { live: ['b1' as 'lr'] }),
    ).toThrow(/live key "b1"/);
  });
});

describe('skipNonFinite', () => {
  it('zeroes the step, does not advance the inner state, counts and reports the skip', () => {
    const p = { w: t64([1, 1]) };
    const opt = new Optimizer(p, skipNonFinite(adam({ lr: 0.1 })));
    p.w.grad = t64([1, 1]);
    opt.step();
    const after1 = vals(p, 'w');
    const inner1 = JSON.stringify(opt.stateDict().state);
    p.w.grad = t64([NaN, 1]);
    const ev = opt.step();
    expect(ev.nonFinite).toBe(true);
    expect(vals(p, 'w')).toEqual(after1);
    const s = opt.state;
    expect(s.skipped).toBe(1);
    expect(s.lastNonFiniteCount).toBe(1);
    expect(
      JSON.stringify(
        (JSON.parse(JSON.stringify(opt.stateDict().state)) as { inner: unknown }).inner,
      ),
    ).toBe(JSON.stringify((JSON.parse(inner1) as { inner: unknown }).inner));
    p.w.grad = t64([Infinity, -Infinity]);
    opt.step();
    expect(opt.state.skipped).toBe(2);
    p.w.grad = t64([1, 1]);
    expect(opt.step().nonFinite).toBe(false);
    expect(opt.state.inner.count).toBe(2);
    expect(opt.state.consecutive).toBe(0);
  });

  it('maxConsecutive applies the step after that many skips', () => {
    const p = { w: t64([1]) };
    const opt = new Optimizer(p, skipNonFinite(sgd({ lr: 1 }), { maxConsecutive: 1 }));
    p.w.grad = t64([Infinity]);
    opt.step();
    expect(p.w.data[0]).toBe(1);
    opt.step();
    expect(p.w.data[0]).toBe(-Infinity);
  });
});

describe('multiSteps', () => {
  it('accumulates k gradients, emits zeros meanwhile, then one inner step with their mean', () => {
    const p = { w: t64([0, 0]) };
    const opt = new Optimizer(p, multiSteps(sgd({ lr: 1 }), 3));
    const gs = [
      [1, 2],
      [3, 4],
      [5, 9],
    ];
    for (let i = 0; i < 2; i++) {
      p.w.grad = t64(gs[i] as number[]);
      opt.step();
      expect(vals(p, 'w')).toEqual([0, 0]);
    }
    p.w.grad = t64(gs[2] as number[]);
    opt.step();
    expect(vals(p, 'w')).toEqual([-3, -5]);
    expect(opt.state.innerSteps).toBe(1);
    expect(() => multiSteps(sgd({ lr: 1 }), 0)).toThrow(ConfigError);
  });
});
