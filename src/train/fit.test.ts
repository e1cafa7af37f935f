import { describe, expect, it } from 'vitest';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { DataLoader } from '../data/data-loader.js';
import { createDataset } from '../data/dataset.js';
import { spiral } from '../data/toy-2d.js';
import { ConfigError, DataError } from '../errors.js';
import { crossEntropy, mlp } from '../nn/index.js';
import { mul } from '../ops/elementwise.js';
import { Optimizer, adam, chain, sgd, type GradientTransformation } from '../optim/index.js';
import { tensor } from '../tensor/creation.js';
import type { StepInfo } from './callback.js';
import { parseCheckpoint } from './checkpoint.js';
import { earlyStopping } from './early-stopping.js';
import { fit } from './fit.js';
import { evaluate } from './evaluate.js';
import { accuracy } from './metrics.js';
import { MemoryRunLog } from './run-log.js';
import { terminateOnNonFinite } from './terminate-on-non-finite.js';

const data = spiral(0, { numSamples: 60 }); // 180 samples, 3 classes
const val = spiral(1, { numSamples: 20 });

function net(seed = 0, dropout = 0) {
  return mlp({ sizes: [2, 16, 3], seed, dropout });
}

function bits(model: ReturnType<typeof net>): string {
  const p = model.arena().params;
  return Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('base64');
}

function collect(): { losses: StepInfo[]; onStep: (s: StepInfo) => void } {
  const losses: StepInfo[] = [];
  return { losses, onStep: (s) => void losses.push({ ...s }) };
}

describe('fit', () => {
  it('is the plain training loop: same bits as zeroGrad / forward / loss / backward / step by hand', async () => {
    const a = net(3, 0.2);
    const optA = new Optimizer(a, adam({ lr: 1e-2 }));
    await fit(a, optA, new DataLoader(data, { batchSize: 32, seed: 5 }), {
      steps: 15,
      silent: true,
    });

    const b = net(3, 0.2);
    const optB = new Optimizer(b, adam({ lr: 1e-2 }));
    const loader = new DataLoader(data, { batchSize: 32, seed: 5 });
    for (let i = 0; i < 15; i++) {
      const batch = loader.nextBatch();
      optB.zeroGrad();
      const loss = crossEntropy(b.forward(batch.x), batch.y);
      loss.backward();
      optB.step({ loss: loss.item() });
    }
    expect(bits(a)).toBe(bits(b));
    expect(bits(a)).not.toBe(bits(net(3, 0.2)));
  });

  it("reuseBuffers: the same bits, losses and metrics (accuracy reads the step's logits)", async () => {
    const runs = [];
    for (const reuseBuffers of [false, true])
      runs.push(
        await (async () => {
          const m = net(3, 0.2);
          const opt = new Optimizer(m, chain(adam({ lr: 1e-2 })));
          const { losses, onStep } = collect();
          const s = await fit(m, opt, new DataLoader(data, { batchSize: 32, seed: 5 }), {
            steps: 15,
            silent: true,
            metrics: ['accuracy'],
            evalData: val,
            evalEvery: 5,
            reuseBuffers,
            callbacks: [{ onStep }],
          });
          return { bits: bits(m), losses: losses.map((l) => l.loss), s };
        })(),
      );
    const [plain, reused] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expect(reused.bits).toBe(plain.bits);
    expect(reused.losses).toEqual(plain.losses);
    expect(reused.s.finalLoss).toBe(plain.s.finalLoss);
    expect(reused.s.metrics).toEqual(plain.s.metrics);
    expect(reused.s.metrics['train.accuracy']).toBeGreaterThan(0);
    expect(reused.s.evalHistory.map((e) => e.metrics)).toEqual(
      plain.s.evalHistory.map((e) => e.metrics),
    );
    const m = net();
    await expect(
      fit(m, new Optimizer(m, sgd({ lr: 0.1 })), new DataLoader(data, { batchSize: 32 }), {
        steps: 1,
        silent: true,
        reuseBuffers: 'yes' as unknown as boolean,
      }),
    ).rejects.toThrow(/reuseBuffers must be true or false, got "yes"/);
  });

  it('trains in training mode with gradients and evaluates in eval mode without', async () => {
    const model = net(1, 0.5);
    const seen: { training: boolean; grad: boolean }[] = [];
    model.registerForwardHook(
      () => void seen.push({ training: model.training, grad: isGradEnabled() }),
      {
        leavesOnly: false,
      },
    );
    const rootCalls = (): { training: boolean; grad: boolean }[] => seen; // one record per module call
    const opt = new Optimizer(model, adam({ lr: 1e-2 }));
    // 180 samples / 60 = 3 steps per epoch, 2 epochs; evaluation of 60 samples in 2 batches of 30 per epoch.
    await fit(model, opt, data, {
      epochs: 2,
      batchSize: 60,
      evalData: val,
      evalBatchSize: 30,
      silent: true,
    });
    const calls = rootCalls();
    const modulesPerForward = model.namedModules().length;
    expect(calls.length).toBe((6 + 4) * modulesPerForward);
    const train = calls.filter((c) => c.training);
    const evals = calls.filter((c) => !c.training);
    expect(train.length).toBe(6 * modulesPerForward);
    expect(train.every((c) => c.grad)).toBe(true);
    expect(evals.length).toBe(4 * modulesPerForward);
    expect(evals.every((c) => !c.grad)).toBe(true);
    expect(model.training).toBe(true);
    expect(isGradEnabled()).toBe(true);
  });

  it('passes every loss to optimizer.step and summarizes the run', async () => {
    const seenByOptimizer: (number | undefined)[] = [];
    const spy: GradientTransformation<null> = {
      init: () => null,
      update: (u, s, _p, ctx) => {
        seenByOptimizer.push(ctx?.loss);
        return [u, s];
      },
    };
    const model = net(2);
    const opt = new Optimizer(model, chain(spy, adam({ lr: 2e-2 })));
    const c = collect();
    // 180 samples, batch 50: batches of 50, 50, 50, 30 per epoch.
    const s = await fit(model, opt, data, {
      epochs: 3,
      batchSize: 50,
      metrics: ['accuracy'],
      evalData: val,
      callbacks: [{ onStep: c.onStep }],
      silent: true,
    });
    expect(seenByOptimizer).toEqual(c.losses.map((l) => l.loss));
    expect(c.losses.map((l) => l.size)).toEqual([50, 50, 50, 30, 50, 50, 50, 30, 50, 50, 50, 30]);
    expect(c.losses.map((l) => l.epoch)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    expect(c.losses.map((l) => l.batch)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
    expect(c.losses.every((l) => l.lr === 2e-2)).toBe(true);
    expect(s.steps).toBe(12);
    expect(s.stepsThisRun).toBe(12);
    expect(s.epochs).toBe(3);
    expect(s.finalLoss).toBe(c.losses[11]?.loss);
    // train.loss is the sample-weighted mean of the last epoch's batch losses.
    const last = c.losses.slice(8);
    const mean = last.reduce((a, l) => a + l.loss * l.size, 0) / 180;
    expect(s.metrics['train.loss']).toBeCloseTo(mean, 12);
    expect(s.metrics['val.accuracy']).toBeGreaterThan(0);
    expect(Object.keys(s.metrics).sort()).toEqual([
      'train.accuracy',
      'train.loss',
      'val.accuracy',
      'val.loss',
    ]);
    expect(s.evalHistory.map((e) => e.step)).toEqual([4, 8, 12]);
    expect(s.stoppedEarly).toBe(false);
    expect(s.stopReason).toBeNull();
    expect(s.nonFiniteSteps).toBe(0);
    expect(s.resumedFromStep).toBeNull();
    // Training made progress on this easy set.
    expect(s.metrics['train.loss']).toBeLessThan(c.losses[0]?.loss ?? 0);
  });

  it('stops at steps or epochs, whichever comes first, and evaluates every N steps', async () => {
    const model = net(4);
    const opt = new Optimizer(model, adam({ lr: 1e-2 }));
    const s = await fit(model, opt, data, {
      epochs: 5,
      steps: 7,
      batchSize: 60,
      evalData: val,
      evalEvery: 2,
      silent: true,
    });
    expect(s.steps).toBe(7);
    expect(s.epochs).toBe(2);
    // every 2 steps, and once more at the end
    expect(s.evalHistory.map((e) => e.step)).toEqual([2, 4, 6, 7]);
  });

  it('earlyStopping stops when the monitored value stops improving', async () => {
    // lr 0: the parameters never change, so with a fixed order every epoch's train.loss is the
    // same: epoch 1 improves on +inf, epochs 2 and 3 do not -> patience 2 stops after epoch 3.
    const model = net(5);
    const opt = new Optimizer(model, sgd({ lr: 0 }));
    const s = await fit(model, opt, data, {
      epochs: 10,
      batchSize: 60,
      shuffle: false,
      callbacks: [earlyStopping({ monitor: 'train.loss', patience: 2 })],
      silent: true,
    });
    expect(s.stoppedEarly).toBe(true);
    expect(s.epochs).toBe(3);
    expect(s.stopReason).toMatch(/train\.loss did not improve for 2 checks/);

    const model2 = net(5);
    const s2 = await fit(model2, new Optimizer(model2, sgd({ lr: 0 })), data, {
      epochs: 10,
      batchSize: 60,
      evalData: val,
      callbacks: [earlyStopping({ patience: 3 })], // val.loss
      silent: true,
    });
    expect(s2.epochs).toBe(4);
    expect(s2.evalHistory.length).toBe(4);
  });

  it('earlyStopping follows mode, minDelta and patience, and can restore the best weights', () => {
    const model = net(6);
    let stop: string | null = null;
    const control = {
      model,
      optimizer: new Optimizer(model, sgd({ lr: 0 })),
      stop: (r: string) => void (stop ??= r),
      get stopped() {
        return stop !== null;
      },
      get stopReason() {
        return stop;
      },
    };
    const es = earlyStopping({
      monitor: 'val.accuracy',
      patience: 2,
      minDelta: 0.01,
      restoreBest: true,
    });
    const w = model.namedParameters()['0.weight'];
    if (!w || !es.onEval || !es.onTrainEnd) throw new Error('setup');
    const feed = (v: number, step: number): void =>
      void es.onEval?.({ step, epoch: 0, metrics: { 'val.accuracy': v } }, control);
    feed(0.5, 1); // best 0.5 (mode auto -> max for accuracy)
    const best = Array.from(w.data);
    w.data.fill(7);
    feed(0.505, 2); // +0.005 < minDelta: no improvement (wait 1)
    expect(stop).toBeNull();
    feed(0.52, 3); // improvement: wait 0, best weights are now the 7s
    const best2 = Array.from(w.data);
    w.data.fill(-1);
    feed(0.4, 4);
    expect(stop).toBeNull();
    feed(NaN, 5); // NaN never improves: wait 2 -> stop
    expect(stop).toMatch(/val\.accuracy did not improve for 2 checks \(best 0\.52 at step 3\)/);
    void es.onTrainEnd({} as never, control);
    expect(Array.from(w.data)).toEqual(best2);
    expect(best2).not.toEqual(best);
    expect(() => earlyStopping({ patience: 0 })).toThrow(ConfigError);
    expect(() => earlyStopping({ monitor: 'loss' })).toThrow(
      /monitor must be "val.<name>" or "train.<name>"/,
    );
    expect(() => earlyStopping({ minDelta: -1 })).toThrow(/minDelta/);
  });

  it('counts non-finite steps, and terminateOnNonFinite stops at the first', async () => {
    // A loss that turns NaN at step 3 (its gradient is then NaN too, and so are the parameters).
    const nanAt = (k: number) => {
      let calls = 0;
      return (out: Parameters<typeof crossEntropy>[0], y: Parameters<typeof crossEntropy>[1]) => {
        calls++;
        const l = crossEntropy(out, y);
        return calls === k ? mul(l, tensor([NaN])) : l;
      };
    };
    const m1 = net(7);
    const s1 = await fit(m1, new Optimizer(m1, sgd({ lr: 0.1 })), data, {
      steps: 10,
      batchSize: 30,
      lossFn: nanAt(3),
      callbacks: [terminateOnNonFinite()],
      silent: true,
    });
    expect(s1.steps).toBe(3);
    expect(s1.stoppedEarly).toBe(true);
    expect(s1.stopReason).toBe('terminateOnNonFinite: loss NaN at step 3');
    expect(s1.nonFiniteSteps).toBe(1);

    const m2 = net(7);
    const s2 = await fit(m2, new Optimizer(m2, sgd({ lr: 0.1 })), data, {
      steps: 10,
      batchSize: 30,
      lossFn: nanAt(3),
      silent: true,
    });
    expect(s2.steps).toBe(10);
    expect(s2.stoppedEarly).toBe(false);
    expect(s2.nonFiniteSteps).toBe(8); // steps 3..10: the NaN parameters keep every later loss NaN
  });

  it('rejects NaN/Inf samples and out-of-range labels with a DataError naming the sample', async () => {
    const x = new Float32Array(40).map((_, i) => i / 40);
    const y = new Int32Array(20).map((_, i) => i % 3);
    const model = net(8);
    const opt = new Optimizer(model, sgd({ lr: 0.1 }));
    const bad = (mutate: (x: Float32Array, y: Int32Array) => void, numClasses?: number) => {
      const xs = x.slice();
      const ys = y.slice();
      mutate(xs, ys);
      return createDataset(xs, ys, { featureShape: [2], ...(numClasses ? { numClasses } : {}) });
    };
    await expect(
      fit(
        model,
        opt,
        bad((xs) => (xs[15] = NaN)),
        { steps: 1, batchSize: 4, silent: true },
      ),
    ).rejects.toThrow(/sample 7: x\[7\] has NaN at feature 1/);
    await expect(
      fit(
        model,
        opt,
        bad((xs) => (xs[6] = -Infinity)),
        { steps: 1, batchSize: 4, silent: true },
      ),
    ).rejects.toThrow(/sample 3: x\[3\] has -Infinity/);
    await expect(
      fit(
        model,
        opt,
        bad((_, ys) => (ys[5] = 9), 3),
        { steps: 1, batchSize: 4, silent: true },
      ),
    ).rejects.toThrow(/sample 5: label 9 of sample 5 is out of range \[0, 3\)/);
    // Without numClasses the dataset cannot check labels; the loss does, and fit names the sample.
    const err = await fit(
      model,
      opt,
      bad((_, ys) => (ys[5] = 9)),
      { steps: 10, batchSize: 4, shuffle: false, silent: true },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(
      /fit: step 2: crossEntropy: targets\[1\] = 9 .*dataset sample 5/,
    );
    expect(opt.stepCount).toBe(1); // the bad batch was never stepped
  });

  it('validates its options', async () => {
    const model = net(9);
    const opt = new Optimizer(model, sgd({ lr: 0.1 }));
    await expect(fit(model, opt, data, { batchSize: 4 })).rejects.toThrow(/give epochs or steps/);
    await expect(fit(model, opt, data, { steps: 3 })).rejects.toThrow(/batchSize is required/);
    await expect(fit(model, opt, data, { steps: 0, batchSize: 4 })).rejects.toThrow(
      /steps must be a positive integer, got 0/,
    );
    await expect(fit(model, opt, data, { steps: 3, batchSize: 4, evalEvery: 1.5 })).rejects.toThrow(
      ConfigError,
    );
    await expect(
      fit(model, opt, data, { steps: 3, batchSize: 4, checkpointEvery: 2 }),
    ).rejects.toThrow(/needs a runDir/);
    await expect(
      fit(model, opt, data, { steps: 3, batchSize: 4, metrics: ['f1' as 'accuracy'] }),
    ).rejects.toThrow(/unknown metric "f1"/);
    const other = net(9);
    await expect(fit(other, opt, data, { steps: 3, batchSize: 4 })).rejects.toThrow(
      /the optimizer's parameters \["0\.weight", "0\.bias", "2\.weight", "2\.bias"\] are not parameters of this model/,
    );
    expect(opt.stepCount).toBe(0);
  });

  it('logs metrics records and resumes from its own checkpoint exactly (in memory)', async () => {
    const straight = net(10, 0.3);
    const c1 = collect();
    const s1 = await fit(straight, new Optimizer(straight, adam({ lr: 1e-2 })), data, {
      steps: 30,
      batchSize: 16,
      seed: 2,
      evalData: val,
      evalEvery: 10,
      metrics: ['accuracy'],
      callbacks: [{ onStep: c1.onStep }],
      silent: true,
    });

    const first = net(10, 0.3);
    const log = new MemoryRunLog();
    const c2 = collect();
    await fit(first, new Optimizer(first, adam({ lr: 1e-2 })), data, {
      steps: 17,
      batchSize: 16,
      seed: 2,
      runDir: log,
      logEvery: 5,
      evalData: val,
      evalEvery: 10,
      metrics: ['accuracy'],
      callbacks: [{ onStep: c2.onStep }],
      silent: true,
    });
    expect(log.records.map((r) => r.step)).toEqual([5, 10, 12, 15, 17]); // every 5, eval at 10, epoch end at 12, last
    expect(log.records[1]?.metrics['val.loss']).toBeGreaterThan(0);
    expect(Object.keys(log.records[2]?.metrics ?? {}).sort()).toEqual([
      'train.accuracy',
      'train.loss',
    ]);
    expect(log.records[0]).toMatchObject({ step: 5, epoch: 0, loss: c2.losses[4]?.loss, lr: 1e-2 });
    expect(log.summary).toMatchObject({ steps: 17 });
    expect(log.config).toMatchObject({
      data: { samples: 180, batchSize: 16, batchesPerEpoch: 12 },
    });
    if (log.checkpoint === null) throw new Error('no checkpoint written');

    const resumed = net(99, 0.3); // other init: everything must come from the checkpoint
    const c3 = collect();
    const s = await fit(resumed, new Optimizer(resumed, adam({ lr: 1e-2 })), data, {
      steps: 30,
      batchSize: 16,
      seed: 2,
      evalData: val,
      evalEvery: 10,
      metrics: ['accuracy'],
      resumeFrom: parseCheckpoint(log.checkpoint),
      callbacks: [{ onStep: c3.onStep }],
      silent: true,
    });
    expect(s.resumedFromStep).toBe(17);
    expect(s.stepsThisRun).toBe(13);
    expect([...c2.losses, ...c3.losses].map((l) => l.loss)).toEqual(c1.losses.map((l) => l.loss));
    expect(bits(resumed)).toBe(bits(straight));
    // The partial third epoch's running sums came through the checkpoint too.
    expect(s.metrics).toEqual(s1.metrics);
    expect(s.evalHistory).toEqual(s1.evalHistory.slice(1));
  });

  it('writes a checkpoint every checkpointEvery steps and at the end', async () => {
    const steps: number[] = [];
    class Spy extends MemoryRunLog {
      override writeCheckpoint(text: string): void {
        steps.push(parseCheckpoint(text).step);
        super.writeCheckpoint(text);
      }
    }
    const model = net(12);
    const opt = new Optimizer(model, adam({ lr: 1e-2 }));
    await fit(model, opt, data, {
      steps: 12,
      batchSize: 30,
      runDir: new Spy(),
      checkpointEvery: 5,
      silent: true,
    });
    expect(steps).toEqual([5, 10, 12]);
    steps.length = 0;
    const model2 = net(12);
    await fit(model2, new Optimizer(model2, adam({ lr: 1e-2 })), data, {
      steps: 10,
      batchSize: 30,
      runDir: new Spy(),
      checkpointEvery: 5,
      saveCheckpoint: false,
      silent: true,
    });
    expect(steps).toEqual([5, 10]);
  });

  it('prints a progress bar on a TTY, lines otherwise, nothing when silent', async () => {
    const run = async (opts: { log?: 'bar' | 'lines'; silent?: boolean }) => {
      let out = '';
      const model = net(11);
      await fit(model, new Optimizer(model, adam({ lr: 1e-2 })), data, {
        steps: 12,
        batchSize: 30,
        logEvery: 4,
        write: (t) => void (out += t),
        ...opts,
      });
      return out;
    };
    const lines = await run({ log: 'lines' });
    expect(lines.split('\n').filter((l) => l.startsWith('step'))).toHaveLength(3);
    expect(lines).toMatch(
      /step  4\/12 {2}epoch 1 {2}loss \d\.\d{4} {2}lr 0\.0100 {2}[\d.]+ steps\/s {2}ETA \d+\.\d s\n/,
    );
    expect(lines).toMatch(/epoch 1 {2}train\.loss \d\.\d{4}/);
    expect(lines).not.toContain('\r');
    const bar = await run({ log: 'bar' });
    expect(bar).toContain('\r');
    expect(bar).toMatch(/step 12\/12 \[=+\] epoch 2 {2}loss/);
    expect(await run({ silent: true })).toBe('');
  });

  it('stops between two steps when its signal aborts: checkpoint and summary written, onTrainEnd not called, and resuming gives the uninterrupted bits and records', async () => {
    const opts = {
      steps: 30,
      batchSize: 16,
      seed: 2,
      logEvery: 4,
      evalData: val,
      evalEvery: 10,
      metrics: ['accuracy' as const],
      silent: true,
    };
    const straight = net(10, 0.3);
    const full = new MemoryRunLog();
    await fit(straight, new Optimizer(straight, adam({ lr: 1e-2 })), data, {
      ...opts,
      runDir: full,
    });

    const first = net(10, 0.3);
    const log = new MemoryRunLog();
    const ctl = new AbortController();
    let ended = false;
    const s = await fit(first, new Optimizer(first, adam({ lr: 1e-2 })), data, {
      ...opts,
      runDir: log,
      signal: ctl.signal,
      callbacks: [
        {
          onStep: (i) => void (i.step === 13 && ctl.abort()),
          onTrainEnd: () => void (ended = true),
        },
      ],
    });
    expect(s).toMatchObject({
      steps: 13,
      interrupted: true,
      stoppedEarly: false,
      stopReason: 'interrupted at step 13',
    });
    expect(ended).toBe(false);
    expect(log.summary).toMatchObject({ steps: 13, interrupted: true });
    // No end-of-run evaluation or record at the interruption: the records are the full run's.
    expect(log.records.map((r) => r.step)).toEqual([4, 8, 10, 12]);
    if (log.checkpoint === null) throw new Error('no checkpoint written');
    const ckpt = parseCheckpoint(log.checkpoint);
    expect(ckpt.step).toBe(13);

    const resumed = net(99, 0.3);
    await fit(resumed, new Optimizer(resumed, adam({ lr: 1e-2 })), data, {
      ...opts,
      runDir: log,
      resumeFrom: ckpt,
    });
    expect(bits(resumed)).toBe(bits(straight));
    const noTime = (r: { time: number }): unknown => ({ ...r, time: 0 });
    expect(log.records.map(noTime)).toEqual(full.records.map(noTime));
    const m = net();
    await expect(
      fit(m, new Optimizer(m, sgd({ lr: 1 })), data, {
        steps: 1,
        batchSize: 4,
        checkpointEverySeconds: -1,
      }),
    ).rejects.toThrow(
      'fit: checkpointEverySeconds must be a non-negative number of seconds, got -1',
    );
  });
});

describe('evaluate', () => {
  it('averages loss and metrics over all samples in eval mode and restores each module mode', () => {
    const model = net(13, 0.5);
    model.getSubmodule('2').eval(); // a deliberately frozen submodule stays in eval mode
    const r = evaluate(model, data, { metrics: ['accuracy'], batchSize: 50 }); // 50, 50, 50, 30
    model.eval();
    const out = model.forward(
      tensor(
        Array.from({ length: 180 }, (_, i) => [
          data.x[2 * i] as number,
          data.x[2 * i + 1] as number,
        ]),
      ),
    );
    const whole = crossEntropy(out, data.y).item();
    expect(r.samples).toBe(180);
    expect(r.loss).toBeCloseTo(whole, 5);
    expect(r.metrics['accuracy']).toBe(accuracy.sum(out, data.y) / 180);
    model.train();
    model.getSubmodule('2').eval();
    evaluate(model, data);
    expect(model.namedModules().map(([n, m]) => [n, m.training])).toEqual(
      model.namedModules().map(([n]) => [n, n !== '2']),
    );
  });
});

describe('accuracy', () => {
  it('counts argmax hits (first maximum on ties) and thresholded single logits', () => {
    const scores = tensor([
      [0.1, 0.7, 0.2], // 1
      [0.5, 0.5, 0.0], // tie -> 0
      [-1, -2, -0.5], // 2
      [NaN, 1, 0], // NaN never wins -> 1
    ]);
    expect(accuracy.sum(scores, new Int32Array([1, 0, 0, 1]))).toBe(3);
    expect(accuracy.sum(tensor([[2], [-1], [0]]), tensor([1, 0, 1]))).toBe(2); // logit 0 -> class 0
    expect(() => accuracy.sum(scores, new Int32Array([1]))).toThrow(/4 targets|1 targets/);
  });
});
