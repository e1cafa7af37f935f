import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { byGlobalNorm } from '../clip/index.js';
import { addition } from '../data/index.js';
import { orthogonal } from '../init/index.js';
import { Linear, Module, RNN, mse, type RecurrentOutput } from '../nn/index.js';
import { narrow, reshape } from '../ops/index.js';
import { Optimizer, chain, sgd } from '../optim/index.js';
import type { GradientTransformation, Params } from '../optim/types.js';
import { Rng } from '../tensor/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { gradientHealth, type GradientHealth } from './gradient-health.js';
import { logHealthToJsonl } from './node.js';
import { replay } from './replay.js';
import type { Verdict } from './types.js';

/** A recurrent layer read out by a Linear head at the last time step (the addition task's regression). */
class LastStep extends Module<[Tensor], Tensor> {
  readonly rnn: Module<[Tensor], RecurrentOutput>;
  readonly head: Linear;
  constructor(rnn: Module<[Tensor], RecurrentOutput>, hidden: number, seed: number) {
    super();
    this.rnn = this.registerModule(
      'rnn',
      rnn as unknown as Module<unknown[], unknown>,
    ) as unknown as Module<[Tensor], RecurrentOutput>;
    this.head = this.registerModule('head', new Linear(hidden, 1, { seed }));
  }
  forward(x: Tensor): Tensor {
    const o = this.rnn.forward(x).output;
    const [T, B, H] = o.shape as [number, number, number];
    return this.head.forward(reshape(narrow(o, 0, T - 1, 1), [B, H]));
  }
}

const H = 32;
const T = 50;

/** Tanh RNN whose recurrent matrix is 3·(orthogonal): every eigenvalue has modulus 3, so the spectral radius is exactly 3. */
function explodingRnn(): LastStep {
  const rnn = new RNN(2, H, {
    seed: 21,
    recurrentInit: (shape, rng, dtype) => orthogonal(shape, rng, { dtype, gain: 3 }),
  });
  return new LastStep(rnn, H, 22);
}

function train(
  model: LastStep,
  health: GradientHealth,
  tx: GradientTransformation<unknown>,
  steps: number,
): number[] {
  const opt = new Optimizer(model, tx);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const b = addition(16, T, 100 + s, { jitterLength: false });
    const y = new Tensor(b.y as Float32Array, b.yShape);
    opt.zeroGrad();
    const loss = mse(model.forward(new Tensor(b.x, b.xShape)), y);
    loss.backward();
    health.watch(loss);
    opt.step({ loss: loss.item() });
    losses.push(loss.item());
  }
  return losses;
}

describe('exploding', () => {
  it('tanh RNN with recurrent spectral radius 3 on the addition task: exploding within 20 steps; the suggested clipping trains without a non-finite step', () => {
    const model = explodingRnn();
    const health = gradientHealth({ model, lr: 0.01 });
    // ‖p‖ when the verdict is emitted (after the blow-up, SGD's first huge step makes ‖p‖ ≈ lr·‖g‖,
    // i.e. ‖g‖/100, so the end-of-run ‖p‖ is no reference)
    let paramNormAtVerdict = NaN;
    health.onVerdict((x) => {
      if (x.kind === 'exploding' && Number.isNaN(paramNormAtVerdict))
        paramNormAtVerdict = health.state?.stats.totalParamNorm ?? NaN;
    });
    train(model, health, chain(health, sgd({ lr: 0.01 })), 20);
    const v = health.verdicts.find(
      (x): x is Extract<Verdict, { kind: 'exploding' }> => x.kind === 'exploding',
    );
    expect(v).toBeDefined();
    if (v === undefined) return;
    expect(v.step).toBeLessThan(20);
    // ‖∏ W_hhᵀ diag(1 − h²)‖ can grow like 3^T: the first gradient is already far above 100·‖p‖
    expect(v.evidence.totalNorm).toBeGreaterThan(100 * Math.max(1, paramNormAtVerdict));
    expect(v.layers[0]).toBe('rnn.l0');
    const kinds = v.remedies.map((r) => r.action.action);
    expect(kinds[0]).toBe('clip');
    expect(kinds).toContain('recurrentInit');
    expect(kinds).toContain('architecture');
    expect(v.remedies.find((r) => r.action.action === 'lr')?.action).toEqual({
      action: 'lr',
      factor: 0.1,
      lr: 0.001,
    });

    // one click: apply the ranked-first remedy (global-norm clipping) to a fresh copy of the model
    const clipAction = v.remedies[0]?.action as { action: 'clip'; maxNorm: number };
    const model2 = explodingRnn();
    const health2 = gradientHealth({ model: model2 });
    const norm = (): number =>
      Math.hypot(...model2.parameters().flatMap((t) => Array.from(t.data)));
    const p0 = norm();
    const losses = train(
      model2,
      health2,
      chain(health2, byGlobalNorm(clipAction.maxNorm), sgd({ lr: 0.01 })),
      100,
    );
    expect(losses.every((l) => Number.isFinite(l))).toBe(true);
    expect(health2.verdicts.filter((x) => x.kind === 'nonFinite')).toHaveLength(0);
    // each clipped step moves the parameters by at most lr·maxNorm
    expect(Math.abs(norm() - p0)).toBeLessThanOrEqual(100 * 0.01 * clipAction.maxNorm + 1e-4);
  });
});

/**
 * A synthetic run of two float32 layers of 4 weights (all 1): 40 steps whose gradient norms are
 * ≈ 1.4 (layer 0: 1, layer 1: e^{0.2z}, z ~ N(0, 1)), then one batch whose layer-1 gradient has
 * norm 200 (≈ 140× the running mean, z ≫ 4: the spike rule's conditions on the raw ‖g‖), then 20
 * ordinary steps; the loss stays at 1 throughout (the spike does not raise it). Returns the
 * monitor's verdicts, the largest parameter move of one step and the monitor's record log.
 */
function spikeRun(tx: (health: GradientHealth) => GradientTransformation<unknown>): {
  verdicts: readonly Verdict[];
  maxMove: number;
  log: string;
} {
  const params: Params = {
    '0.weight': new Tensor(new Float32Array(4).fill(1), [4]),
    '1.weight': new Tensor(new Float32Array(4).fill(1), [4]),
  };
  const health = gradientHealth({ lr: 0.01 });
  const opt = new Optimizer(params, tx(health));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gradscope-clip-spike-'));
  const stop = logHealthToJsonl(health, dir);
  const r = new Rng(1);
  let maxMove = 0;
  for (let i = 0; i < 61; i++) {
    const n1 = i === 40 ? 200 : Math.exp(0.2 * r.normal());
    const before = Object.values(params).flatMap((p) => Array.from(p.data));
    (params['0.weight'] as Tensor).grad = new Tensor(new Float32Array(4).fill(0.5), [4]);
    (params['1.weight'] as Tensor).grad = new Tensor(new Float32Array(4).fill(n1 / 2), [4]);
    opt.step({ loss: 1 });
    const after = Object.values(params).flatMap((p) => Array.from(p.data));
    maxMove = Math.max(maxMove, Math.hypot(...after.map((x, k) => x - (before[k] as number))));
  }
  stop();
  const log = readFileSync(path.join(dir, 'monitor.jsonl'), 'utf8');
  rmSync(dir, { recursive: true, force: true });
  return { verdicts: health.verdicts, maxMove, log };
}

describe('exploding: a spike that a clip after the monitor absorbs', () => {
  it('without a clip the spike is `exploding` (rule spike, step 41); SGD moves the parameters by lr·‖g‖ = 2', () => {
    const run = spikeRun((h) => chain(h, sgd({ lr: 0.01 })));
    expect(run.verdicts.map((v) => [v.kind, v.step])).toEqual([['exploding', 41]]);
    const v = run.verdicts[0] as Extract<Verdict, { kind: 'exploding' }>;
    expect(v.evidence.trigger).toBe('spike');
    // ‖g‖ = √(1 + 200²) ≈ 200, lr 0.01
    expect(run.maxMove).toBeGreaterThan(1.9);
  });

  it('clip.byGlobalNorm(2) after the monitor: the optimizer receives ‖g‖ ≤ 2 (1.4× the running mean), so no verdict, and no step moves the parameters by more than lr·2', () => {
    for (const tx of [
      (h: GradientHealth) => chain(h, byGlobalNorm(2), sgd({ lr: 0.01 })),
      // as `gradscope train` builds it: the monitor before the config's chain (clip, optimizer)
      (h: GradientHealth) => chain(h, chain(byGlobalNorm(2), sgd({ lr: 0.01 }))),
    ]) {
      const run = spikeRun(tx);
      expect(run.verdicts).toHaveLength(0);
      expect(run.maxMove).toBeLessThanOrEqual(0.01 * 2 * (1 + 1e-6));
      // the record log's header carries the clip, so a replay gives the same (no) verdict; told
      // there is no clip, the replay calls the same raw spike an explosion
      expect(replay(run.log).verdicts).toHaveLength(0);
      const noClip = replay(run.log, { thresholds: { clipNorm: 0 } }).verdicts;
      expect(noClip.map((v) => [v.kind, v.step])).toEqual([['exploding', 41]]);
    }
  });

  it('a clipped run whose gradients pass the ceiling still gets `exploding`; its remedies lower the clip to the typical norm, or leave clipping out when the clip is already at or below it', () => {
    const remediesWith = (maxNorm: number): string[] => {
      const params: Params = { '0.weight': new Tensor(new Float32Array(4).fill(1), [4]) };
      const health = gradientHealth({ lr: 0.01 });
      const opt = new Optimizer(params, chain(health, byGlobalNorm(maxNorm), sgd({ lr: 0.01 })));
      // ‖g‖ = 1e4 > gradCeiling·max(‖p‖, 1) = 200 at the first step: no healthy median yet, so
      // the typical norm is Pascanu et al.'s 1
      (params['0.weight'] as Tensor).grad = new Tensor(new Float32Array(4).fill(5000), [4]);
      opt.step({ loss: 1 });
      const v = health.verdicts[0] as Extract<Verdict, { kind: 'exploding' }>;
      expect([v.kind, v.evidence.trigger]).toEqual(['exploding', 'ceiling']);
      return v.remedies.map((x) =>
        x.action.action === 'clip' && x.action.kind === 'globalNorm'
          ? `clip ${String(x.action.maxNorm)}`
          : x.action.action,
      );
    };
    expect(remediesWith(100)).toEqual(['clip 1', 'lr', 'schedule']);
    expect(remediesWith(0.5)).toEqual(['lr', 'schedule']);
  });

  it('the chain tells the monitor the clip after it (thresholds.clipNorm); a clip before it, or none, leaves 0; a given clipNorm wins', () => {
    const h = gradientHealth();
    chain(h, byGlobalNorm(2), sgd({ lr: 0.01 }));
    expect(h.thresholds.clipNorm).toBe(2);
    chain(h, chain(byGlobalNorm(0.5), byGlobalNorm(3)), sgd({ lr: 0.01 }));
    expect(h.thresholds.clipNorm).toBe(0.5);
    chain(byGlobalNorm(2), h, sgd({ lr: 0.01 }));
    expect(h.thresholds.clipNorm).toBe(0);
    // the ∞-norm does not bound the 2-norm (‖g‖₂ ≤ √n·‖g‖∞)
    chain(h, byGlobalNorm(2, { normType: 'inf' }), sgd({ lr: 0.01 }));
    expect(h.thresholds.clipNorm).toBe(0);
    const given = gradientHealth({ thresholds: { clipNorm: 7 } });
    chain(given, byGlobalNorm(2), sgd({ lr: 0.01 }));
    expect(given.thresholds.clipNorm).toBe(7);
  });
});
