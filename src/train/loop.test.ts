import { describe, expect, it } from 'vitest';
import { DataLoader, type Batch } from '../data/data-loader.js';
import { spiral } from '../data/toy-2d.js';
import { crossEntropy, mlp } from '../nn/index.js';
import { gradientHealth } from '../monitor/gradient-health.js';
import type { Verdict } from '../monitor/types.js';
import { mul } from '../ops/elementwise.js';
import { log } from '../ops/unary.js';
import { mean } from '../ops/reduce.js';
import { Optimizer, adam, chain, sgd } from '../optim/index.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { cycle, loopControl, runLoop, trainLoop, type TrainLoopOptions } from './loop.js';
import { terminateOnNonFinite } from './terminate-on-non-finite.js';
import { StepArena } from '../autograd/step-arena.js';
import { allocationCounts } from '../tensor/buffer-pool.js';

const data = spiral(0, { numSamples: 60 }); // 180 samples, 3 classes

function bits(p: Float32Array | Float64Array): string {
  return Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('base64');
}

function setup(seed = 3): TrainLoopOptions<Batch> & { params: () => string } {
  const model = mlp({ sizes: [2, 16, 3], seed, dropout: 0.2 });
  const optimizer = new Optimizer(model, adam({ lr: 1e-2 }));
  const loader = new DataLoader(data, { batchSize: 32, seed: 5 });
  model.train();
  return {
    optimizer,
    steps: 15,
    next: cycle(loader),
    loss: (b) => crossEntropy(model.forward(b.x), b.y),
    params: () => bits(model.arena().params),
  };
}

describe('trainLoop', () => {
  it('with a StepArena: the same bits, lossTensor readable in callbacks, and buffers reused', () => {
    const plain = setup();
    const seen: number[] = [];
    const b0 = allocationCounts().bytes;
    runLoop({ ...plain, callbacks: [{ onStep: (s) => seen.push(s.lossTensor?.item() ?? NaN) }] });
    const plainBytes = allocationCounts().bytes - b0;
    const a = setup();
    const arena = new StepArena();
    const seenA: number[] = [];
    const b1 = allocationCounts().bytes;
    runLoop({
      ...a,
      arena,
      callbacks: [{ onStep: (s) => seenA.push(s.lossTensor?.item() ?? NaN) }],
    });
    const arenaBytes = allocationCounts().bytes - b1;
    expect(a.params()).toBe(plain.params());
    expect(seenA).toEqual(seen);
    expect(arena.stats().steps).toBe(15);
    // What stays: the batches (made in the step, never on a tape), the scalars, the dropout masks
    // the forward keeps without declaring them, and the first step's fill of the pool.
    expect(arenaBytes).toBeLessThan(plainBytes / 2);
  });

  it('takes the plain step: same bits as zeroGrad / forward / loss / backward / step by hand', () => {
    const a = setup();
    const end = runLoop(a);
    expect(end).toEqual({ steps: 15, stopReason: null });

    // bb16516's hand loops, e.g. flagship-mlp.ts: for (const b of loader) { ... }.
    const model = mlp({ sizes: [2, 16, 3], seed: 3, dropout: 0.2 });
    const opt = new Optimizer(model, adam({ lr: 1e-2 }));
    const loader = new DataLoader(data, { batchSize: 32, seed: 5 });
    model.train();
    let step = 0;
    outer: for (;;) {
      for (const b of loader) {
        if (step >= 15) break outer;
        opt.zeroGrad();
        const loss = crossEntropy(model.forward(b.x), b.y);
        loss.backward();
        opt.step({ loss: loss.item() });
        step++;
      }
    }
    expect(a.params()).toBe(bits(model.arena().params));
  });

  it('is a generator: one step per next(), numbered from 1, resumable from startStep', () => {
    const a = setup();
    const it = trainLoop({ ...a, steps: 4 });
    const seen: number[] = [];
    for (let r = it.next(); r.done !== true; r = it.next()) {
      seen.push(r.value.step);
      expect(Number.isFinite(r.value.loss)).toBe(true);
      expect(r.value.lr).toBe(1e-2);
      expect(r.value.lossTensor?.size).toBe(1);
    }
    expect(seen).toEqual([1, 2, 3, 4]);
    // Continue the same objects from step 4 to 15: the same bits as 15 straight steps.
    runLoop({ ...a, startStep: 4 });
    const b = setup();
    runLoop(b);
    expect(a.params()).toBe(b.params());
  });

  it('stops when a callback (or the caller, through a shared control) asks; the first reason is kept', () => {
    const a = setup();
    const end = runLoop({
      ...a,
      callbacks: [
        {
          onStep(s, c) {
            if (s.step === 6) c.stop('six');
          },
        },
        { onStep: (s, c) => void (s.step >= 6 && c.stop('later')) },
      ],
    });
    expect(end).toEqual({ steps: 6, stopReason: 'six' });
    const control = loopControl();
    const it = trainLoop({ ...setup(), control });
    it.next();
    it.next();
    control.stop('user');
    const r = it.next();
    expect(r.done).toBe(true);
    expect(r.value).toEqual({ steps: 2, stopReason: 'user' });
  });

  it('passes the loss and the context to the optimizer step', () => {
    const seen: (number | undefined)[] = [];
    const spy = {
      init: () => null,
      update: (
        u: Record<string, Tensor>,
        s: null,
        _p: unknown,
        ctx?: { loss?: number; metrics?: Record<string, number> },
      ) => {
        seen.push(ctx?.loss, ctx?.metrics?.['m']);
        return [u, s] as [Record<string, Tensor>, null];
      },
    };
    const w = tensor([1, 2], { requiresGrad: true });
    const optimizer = new Optimizer({ w }, chain(spy, sgd({ lr: 0.1 })));
    runLoop({
      optimizer,
      steps: 1,
      next: () => null,
      loss: () => mean(mul(w, w)),
      context: () => ({ metrics: { m: 7 } }),
    });
    // loss = (1 + 4) / 2
    expect(seen).toEqual([2.5, 7]);
  });
});

describe('trainLoop: hand-written gradients and measure-first loops', () => {
  it('gradients: the function writes .grad (no zeroGrad, no backward), the optimizer gets the loss it returns, if any', () => {
    // f(x) = x²/2 by hand: g = x; SGD lr 0.5: x ← x/2 each step.
    const x = tensor([8]);
    const g = tensor([0]);
    x.grad = g;
    const xs: number[] = [];
    const end = runLoop({
      optimizer: new Optimizer({ x }, sgd({ lr: 0.5 })),
      steps: 3,
      next: () => null,
      gradients: () => void (g.data[0] = x.data[0] as number),
      callbacks: [
        {
          onStep(s) {
            xs.push(x.data[0] as number);
            expect(s.lossTensor).toBeNull();
            expect(s.nonFinite).toBe(false); // no loss given: nothing to call non-finite
          },
        },
      ],
    });
    expect(xs).toEqual([4, 2, 1]);
    expect(end.steps).toBe(3);
  });

  it('beforeStep: stopping there abandons the step, so a measure-first loop stops without updating', () => {
    // Same descent, measured before each update: stop once f(x) = x²/2 < 1 (x = 1 after 3 steps).
    const x = tensor([8], { requiresGrad: true });
    const fs: number[] = [];
    const end = runLoop({
      optimizer: new Optimizer({ x }, sgd({ lr: 0.5 })),
      steps: 100,
      next: () => null,
      loss: () => mul(mean(mul(x, x)), tensor(0.5)),
      callbacks: [
        {
          beforeStep(s, c) {
            fs.push(s.loss);
            if (s.loss < 1) c.stop('below 1');
          },
        },
      ],
    });
    expect(fs).toEqual([32, 8, 2, 0.5]);
    expect(end).toEqual({ steps: 3, stopReason: 'below 1' });
    expect(x.data[0]).toBe(1);
  });
});

describe('divergence stops as a callback', () => {
  // A loss that turns NaN from step 3 on: log of a negative number.
  function diverging(): TrainLoopOptions<number> {
    const w = tensor([1], { requiresGrad: true });
    return {
      optimizer: new Optimizer({ w }, sgd({ lr: 0 })),
      steps: 10,
      next: (step) => (step >= 3 ? -1 : 1),
      loss: (x) => mean(log(mul(w, tensor([x])))),
    };
  }

  it('terminateOnNonFinite stops at the first non-finite step, or after n in a row', () => {
    expect(runLoop({ ...diverging(), callbacks: [terminateOnNonFinite()] })).toEqual({
      steps: 3,
      stopReason: 'terminateOnNonFinite: loss NaN at step 3',
    });
    expect(
      runLoop({ ...diverging(), callbacks: [terminateOnNonFinite({ after: 4, on: 'loss' })] }),
    ).toEqual({
      steps: 6,
      stopReason: 'terminateOnNonFinite: 4 non-finite steps in a row (loss NaN at step 6)',
    });
    expect(() => terminateOnNonFinite({ after: 0 })).toThrow(
      'terminateOnNonFinite: option after = 0 is invalid; expected an integer >= 1',
    );
  });

  it('the run length survives a checkpoint (state / loadState)', () => {
    const a = terminateOnNonFinite({ after: 4 });
    const b = terminateOnNonFinite({ after: 4 });
    const stops: string[] = [];
    const control = { stop: (r: string) => void stops.push(r) };
    const nan = { step: 1, loss: NaN, nonFinite: true };
    a.onStep?.({ ...nan, step: 1 } as never, control as never);
    a.onStep?.({ ...nan, step: 2 } as never, control as never);
    b.loadState?.(a.state?.() ?? null);
    b.onStep?.({ ...nan, step: 3 } as never, control as never);
    b.onStep?.({ ...nan, step: 4 } as never, control as never);
    expect(stops).toEqual([
      'terminateOnNonFinite: 4 non-finite steps in a row (loss NaN at step 4)',
    ]);
  });

  it('hands the loss tensor to the monitor: the non-finite verdict names the op that made the NaN', () => {
    const w = tensor([1], { requiresGrad: true });
    const verdicts: Verdict[] = [];
    const health = gradientHealth({ onVerdict: (v) => void verdicts.push(v) });
    runLoop<number>({
      optimizer: new Optimizer({ w }, chain(health, sgd({ lr: 0 }))),
      monitor: health,
      steps: 3,
      next: (step) => (step >= 2 ? -1 : 1),
      loss: (x) => mean(log(mul(w, tensor([x])))),
      callbacks: [terminateOnNonFinite()],
    });
    const v = verdicts.find((x) => x.kind === 'nonFinite');
    expect(v?.message).toMatch(/first produced by op 'log'/);
  });
});
