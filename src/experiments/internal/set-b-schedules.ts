import type { GradientHealth } from '../../monitor/gradient-health.js';
import { chain } from '../../optim/chain.js';
import type { GradientTransformation } from '../../optim/types.js';
import { constant } from '../../schedule/constant.js';
import { cosine } from '../../schedule/cosine.js';
import { exponential } from '../../schedule/exponential.js';
import { healthAwareDecay } from '../../schedule/health-aware-decay.js';
import { inverseSqrt } from '../../schedule/inverse-sqrt.js';
import { oneCycle } from '../../schedule/one-cycle.js';
import { reduceOnPlateau } from '../../schedule/reduce-on-plateau.js';
import { step } from '../../schedule/step-decay.js';
import type { ScalarOrSchedule, Schedule } from '../../schedule/types.js';
import { warmupCosine } from '../../schedule/warmup-cosine.js';

/** The learning-rate strategies E15 compares. */
export type LrStrategy =
  | 'constant'
  | 'step'
  | 'exponential'
  | 'inverseSqrt'
  | 'cosine'
  | 'warmupCosine'
  | 'oneCycle'
  | 'reduceOnPlateau'
  | 'healthAware';

/** Every strategy, in the order of the tables and charts. */
export const LR_STRATEGIES: readonly LrStrategy[] = [
  'constant',
  'step',
  'exponential',
  'inverseSqrt',
  'cosine',
  'warmupCosine',
  'oneCycle',
  'reduceOnPlateau',
  'healthAware',
];

/** How each strategy is set up, in words (for the story and the run records). */
export const STRATEGY_DESCRIPTIONS: Readonly<Record<LrStrategy, string>> = Object.freeze({
  constant: 'lr = peak',
  step: 'peak · 0.5^⌊4t/T⌋ (four equal stages)',
  exponential: 'peak · γ^t with γ^T = 0.01',
  inverseSqrt: 'peak / √(t + 1)',
  cosine: 'cosine from peak to 0 over T',
  warmupCosine: 'linear warmup over 5% of T from 0, then cosine to 0',
  oneCycle: "PyTorch's OneCycleLR (max = peak, 30% up, cosine, ÷25 start, ÷1e4 end)",
  reduceOnPlateau: 'peak, halved when the windowed mean loss fails to improve for 2 windows',
  healthAware:
    'peak × gradscope health-aware decay (½ per spike/non-finite step, ×1.05 back per healthy step)',
});

/** The scheduled part of a strategy: a pure schedule for the schedule-like ones. */
function schedule(name: LrStrategy, peak: number, total: number): Schedule | null {
  switch (name) {
    case 'constant':
      return constant({ baseLr: peak });
    case 'step':
      return step({ baseLr: peak, stepSize: Math.max(1, Math.round(total / 4)), gamma: 0.5 });
    case 'exponential':
      return exponential({ baseLr: peak, gamma: 0.01 ** (1 / total) });
    case 'inverseSqrt':
      return inverseSqrt({ baseLr: peak });
    case 'cosine':
      return cosine({ baseLr: peak, tMax: total });
    case 'warmupCosine':
      return warmupCosine({ init: 0, peak, warmup: Math.max(1, Math.round(0.05 * total)), total });
    case 'oneCycle':
      return oneCycle({ maxLr: peak, totalSteps: total });
    default:
      return null;
  }
}

/**
 * The transformation of a strategy around an optimizer: chain(health, optimizer(lr)[, decay]),
 * the monitor first so that it sees the raw gradients and raises the events the health-aware
 * decay reads. Reduce-on-plateau watches `ctx.metrics.windowLoss` (reported by the training
 * loop once per window), halving after 2 windows without improvement.
 * @example strategyTx('healthAware', health, 0.1, 1500, (lr) => sgd({ lr }))
 */
export function strategyTx(
  name: LrStrategy,
  health: GradientHealth,
  peak: number,
  total: number,
  makeOptimizer: (lr: ScalarOrSchedule) => GradientTransformation<unknown>,
): GradientTransformation<unknown> {
  if (name === 'reduceOnPlateau')
    return chain(
      health,
      makeOptimizer(peak),
      reduceOnPlateau({ factor: 0.5, patience: 2, metric: 'windowLoss', baseLr: peak }),
    );
  if (name === 'healthAware') return chain(health, makeOptimizer(peak), healthAwareDecay());
  return chain(health, makeOptimizer(schedule(name, peak, total) as Schedule));
}
