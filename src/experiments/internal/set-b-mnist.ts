import { DataLoader } from '../../data/data-loader.js';
import type { MnistSplit } from '../../data/mnist.js';
import { mlp } from '../../nn/mlp.js';
import type { Sequential } from '../../nn/sequential.js';
import { crossEntropy } from '../../ops/index.js';
import { adadelta } from '../../optim/adadelta.js';
import { adagrad } from '../../optim/adagrad.js';
import { adam } from '../../optim/adam.js';
import { Optimizer } from '../../optim/optimizer.js';
import { rmsprop } from '../../optim/rmsprop.js';
import { sgd } from '../../optim/sgd.js';
import type { GradientTransformation } from '../../optim/types.js';
import type { ScalarOrSchedule } from '../../schedule/types.js';
import { Rng } from '../../tensor/rng.js';
import { evaluateClassifier, windowedLoss } from './set-b-common.js';
import { runLoop } from '../../train/loop.js';

/** The optimizers Kingma & Ba compare on MNIST (§6.1–6.2). */
export type MnistOptimizerName = 'sgdNesterov' | 'adagrad' | 'rmsprop' | 'adadelta' | 'adam';

/** Display names of {@link MnistOptimizerName}. */
export const OPTIMIZER_LABELS: Readonly<Record<MnistOptimizerName, string>> = Object.freeze({
  sgdNesterov: 'SGD + Nesterov',
  adagrad: 'AdaGrad',
  rmsprop: 'RMSProp',
  adadelta: 'AdaDelta',
  adam: 'Adam',
});

/**
 * One of the compared optimizers with PyTorch's defaults apart from the learning rate (and
 * momentum 0.9 for Nesterov SGD); `weightDecay` is the L2 penalty λ added to the gradient (λ·p),
 * the same coupled form for all five so they minimise the same objective.
 * @example makeMnistOptimizer('adam', 1e-3)
 */
export function makeMnistOptimizer(
  name: MnistOptimizerName,
  lr: ScalarOrSchedule,
  weightDecay = 0,
): GradientTransformation<unknown> {
  switch (name) {
    case 'sgdNesterov':
      return sgd({ lr, momentum: 0.9, nesterov: true, weightDecay });
    case 'adagrad':
      return adagrad({ lr, weightDecay });
    case 'rmsprop':
      return rmsprop({ lr, weightDecay });
    case 'adadelta':
      return adadelta({ lr, weightDecay });
    case 'adam':
      return adam({ lr, weightDecay });
  }
}

/** The model of an MNIST run: a softmax regression or an MLP with dropout. */
export interface MnistModelSpec {
  /** Hidden widths ([] = logistic regression 784 → 10). */
  hidden: number[];
  /** Dropout after each hidden ReLU (ignored without hidden layers). */
  dropout: number;
}

/**
 * Builds the model of a seed: logistic regression starts from zero weights (a convex problem,
 * every optimizer from the same point); an MLP gets PyTorch's default init from the seed.
 * @example mnistModel({ hidden: [256, 256], dropout: 0.5 }, 0)
 */
export function mnistModel(spec: MnistModelSpec, seed: number): Sequential {
  const sizes = [784, ...spec.hidden, 10];
  if (spec.hidden.length === 0) return mlp({ sizes, init: 'zeros', biasInit: 'zeros', seed });
  return mlp({ sizes, activation: 'relu', dropout: spec.dropout, seed });
}

/** Settings of one MNIST training run. */
export interface MnistRunConfig {
  model: MnistModelSpec;
  seed: number;
  batchSize: number;
  /** Updates to run (batches of a reshuffled epoch stream; the last partial batch of an epoch is dropped). */
  updates: number;
  /** L2 penalty λ: reported objective = cross-entropy + λ/2·Σp² (the optimizer adds λ·p to the gradient). */
  l2: number;
  /** Evaluate the whole training objective (eval mode) every this many updates (0 = never). */
  evalTrainEvery: number;
  /** Report `ctx.metrics.windowLoss` (mean batch loss of the window) every this many updates (default: one epoch). */
  metricWindow?: number;
}

/** What one MNIST training run did. */
export interface MnistRun {
  /** Mini-batch loss (cross-entropy, training mode) of every update; NaN where it was not finite. */
  batchLosses: number[];
  /** (update, objective on all 8000 training digits) at each training evaluation (update 0 included). */
  trainCurve: { step: number; loss: number }[];
  /** Updates whose loss or gradients were not finite. */
  nonFiniteSteps: number;
  /** Updates on which a transformation raised a `spike` event (the monitor, when in the chain). */
  spikeSteps: number;
  testLoss: number;
  testAccuracy: number;
  ms: number;
}

/** λ/2·Σp² over all parameters. */
function l2Penalty(model: Sequential, l2: number): number {
  if (l2 === 0) return 0;
  let s = 0;
  for (const p of Object.values(model.namedParameters()))
    for (let i = 0; i < p.data.length; i++) s += (p.data[i] as number) ** 2;
  return (l2 / 2) * s;
}

/**
 * Trains an MNIST classifier with the transformation `makeTx(model)` returns (so a monitor can
 * be attached to the model). The seed fixes the initial weights, the dropout masks and the
 * batch order, so runs of one seed differ only in the transformation.
 * @example trainMnist(await loadMnist(), { model: { hidden: [], dropout: 0 }, seed: 0, batchSize: 128, updates: 630, l2: 1e-3, evalTrainEvery: 63 }, () => makeMnistOptimizer('adam', 1e-3, 1e-3))
 */
export function trainMnist(
  data: MnistSplit,
  cfg: MnistRunConfig,
  makeTx: (model: Sequential) => GradientTransformation<unknown>,
): MnistRun {
  const t0 = performance.now();
  const model = mnistModel(cfg.model, cfg.seed);
  const opt = new Optimizer(model, makeTx(model));
  const loader = new DataLoader(data.train, {
    batchSize: cfg.batchSize,
    seed: new Rng(cfg.seed).fork(),
    dropLast: true,
  });
  const trainX = data.train.x;
  const trainY = data.train.y as Int32Array;
  const params = Object.values(model.namedParameters());
  const trainCurve: MnistRun['trainCurve'] = [];
  const evalTrain = (step: number): void => {
    trainCurve.push({
      step,
      loss: evaluateClassifier(model, trainX, trainY, 784).loss + l2Penalty(model, cfg.l2),
    });
  };
  if (cfg.evalTrainEvery > 0) evalTrain(0);
  let spikes = 0;
  const losses = windowedLoss(
    params,
    cfg.metricWindow ?? Math.floor(data.train.length / cfg.batchSize),
  );
  runLoop({
    optimizer: opt,
    steps: cfg.updates,
    next: () => loader.nextBatch(),
    loss: (b) => crossEntropy(model.forward(b.x), b.y as Int32Array),
    context: (s) => losses.context(s),
    callbacks: [
      {
        onStep({ step, events }) {
          if (events.spike === true) spikes++;
          if (cfg.evalTrainEvery > 0 && (step % cfg.evalTrainEvery === 0 || step === cfg.updates))
            evalTrain(step);
        },
      },
    ],
  });
  const { batchLosses, nonFiniteSteps: nonFinite } = losses;
  const test = evaluateClassifier(model, data.test.x, data.test.y as Int32Array, 784);
  return {
    batchLosses,
    trainCurve,
    nonFiniteSteps: nonFinite,
    spikeSteps: spikes,
    testLoss: test.loss,
    testAccuracy: test.accuracy,
    ms: performance.now() - t0,
  };
}
