import { describe, expect, it } from 'vitest';
import { byGlobalNorm } from '../clip/index.js';
import { addition } from '../data/index.js';
import { orthogonal } from '../init/index.js';
import { Linear, Module, RNN, mse, type RecurrentOutput } from '../nn/index.js';
import { narrow, reshape } from '../ops/index.js';
import { Optimizer, chain, sgd } from '../optim/index.js';
import type { GradientTransformation } from '../optim/types.js';
import { Tensor } from '../tensor/tensor.js';
import { gradientHealth, type GradientHealth } from './gradient-health.js';
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
