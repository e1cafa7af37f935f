import { createDataset, type Dataset } from '../../data/dataset.js';
import { DataLoader, type Batch } from '../../data/data-loader.js';
import type { InitSpec } from '../../init/initializer.js';
import { gradientHealth } from '../../monitor/gradient-health.js';
import type { Verdict } from '../../monitor/types.js';
import { crossEntropy } from '../../nn/losses.js';
import { mlp } from '../../nn/mlp.js';
import { adam } from '../../optim/adam.js';
import { chain } from '../../optim/chain.js';
import { Optimizer } from '../../optim/optimizer.js';
import { sgd } from '../../optim/sgd.js';
import { evaluate } from '../../train/evaluate.js';
import { cycle, runLoop } from '../../train/loop.js';
import { terminateOnNonFinite } from '../../train/terminate-on-non-finite.js';
import type { FlagshipHooks } from './flagship-common.js';

/**
 * E12's training runs: a deep MLP on MNIST with the gradient-health monitor first in the chain,
 * one configuration ("arm") at a time — the failing baseline, the remedies and the controls.
 */

/** What an arm is for: the failing setup, a fix, or a check that something is not a fix. */
export type ArmRole = 'baseline' | 'remedy' | 'control';

/** One configuration of E12's network and optimizer. */
export interface MlpArm {
  /** Stable id ("tanh-xavier"), used in run names and chart ids. */
  id: string;
  /** Human label ("tanh + Xavier"). */
  label: string;
  /** Chart label ("tanh+Xavier"): legends and axes have little room. */
  short: string;
  role: ArmRole;
  activation: 'sigmoid' | 'tanh' | 'relu';
  /** Weight init of every Linear; undefined = PyTorch's default U(±1/√fanIn) ("standard init"). */
  init?: InitSpec;
  norm: 'none' | 'layer' | 'batch';
  residual: boolean;
  optimizer: 'sgd' | 'adam';
  /** The monitor remedy this arm carries out (action and, for architecture/normalization, kind), if any. */
  remedy?: string;
  /** Why it is run, one sentence (for the report). */
  note: string;
}

/** E12's arms. The baseline is Glorot & Bengio's sigmoid net with the standard init. */
export const MLP_ARMS: readonly MlpArm[] = Object.freeze([
  {
    id: 'sigmoid-standard',
    label: 'sigmoid + standard init',
    short: 'sigmoid',
    role: 'baseline',
    activation: 'sigmoid',
    norm: 'none',
    residual: false,
    optimizer: 'sgd',
    note: "σ' ≤ 1/4 and weights of scale 1/√(3n) shrink the gradient at every layer",
  },
  {
    id: 'tanh-xavier',
    label: 'tanh + Xavier',
    short: 'tanh+Xavier',
    role: 'remedy',
    activation: 'tanh',
    init: 'xavierNormal',
    norm: 'none',
    residual: false,
    optimizer: 'sgd',
    remedy: 'activation',
    note: "tanh' = 1 at 0 and Var(w) = 2/(fanIn + fanOut) keep the backward variance (Glorot & Bengio 2010)",
  },
  {
    id: 'relu-he',
    label: 'ReLU + He',
    short: 'ReLU+He',
    role: 'remedy',
    activation: 'relu',
    init: 'heNormal',
    norm: 'none',
    residual: false,
    optimizer: 'sgd',
    remedy: 'init',
    note: 'Var(w) = 2/fanIn keeps the scale through ReLU layers (He et al. 2015)',
  },
  {
    id: 'sigmoid-batchnorm',
    label: 'sigmoid + BatchNorm',
    short: 'sigmoid+BN',
    role: 'remedy',
    activation: 'sigmoid',
    norm: 'batch',
    residual: false,
    optimizer: 'sgd',
    remedy: 'normalization',
    note: 'per-unit batch normalization rescales each pre-activation to unit variance over the batch (Ioffe & Szegedy 2015)',
  },
  {
    id: 'sigmoid-residual',
    label: 'sigmoid + residual',
    short: 'sigmoid+res',
    role: 'remedy',
    activation: 'sigmoid',
    norm: 'none',
    residual: true,
    optimizer: 'sgd',
    remedy: 'architecture:residual',
    note: 'identity paths carry the gradient past every block (He et al. 2016)',
  },
  {
    id: 'sigmoid-xavier',
    label: 'sigmoid + Xavier',
    short: 'sig+Xavier',
    role: 'control',
    activation: 'sigmoid',
    init: 'xavierNormal',
    norm: 'none',
    residual: false,
    optimizer: 'sgd',
    note: "a better init alone does not fix σ' ≤ 1/4 (PyTorch calibration: 0.101)",
  },
  {
    id: 'sigmoid-adam',
    label: 'sigmoid + standard init, Adam',
    short: 'sigmoid Adam',
    role: 'control',
    activation: 'sigmoid',
    norm: 'none',
    residual: false,
    optimizer: 'adam',
    note: 'per-parameter step sizes do not rescue the sigmoid net (PyTorch calibration: 0.109)',
  },
  {
    id: 'sigmoid-layernorm',
    label: 'sigmoid + LayerNorm',
    short: 'sigmoid+LN',
    role: 'control',
    activation: 'sigmoid',
    norm: 'layer',
    residual: false,
    optimizer: 'sgd',
    remedy: 'normalization',
    note: "LayerNorm fixes the pre-activations' scale per sample, where σ' averages ≈ 0.2, so ≈ 0.4 of the gradient survives each layer",
  },
]) as readonly MlpArm[];

/** Sizes and optimizer settings of one E12 mode. */
export interface MlpSize {
  /** Hidden width (E12: 128–256). */
  width: number;
  /** Hidden layers (9 → 10 Linear layers). */
  hidden: number;
  /** Training and test samples used (prefixes of the class-interleaved MNIST splits). */
  trainSize: number;
  testSize: number;
  batchSize: number;
  /** Updates per run. */
  steps: number;
  /** SGD (momentum 0.9) learning rate, and Adam's for the Adam control. */
  lr: number;
  adamLr: number;
  /** Arm ids run in this mode. */
  arms: readonly string[];
}

/** What one run of one arm did. */
export interface MlpRun {
  arm: MlpArm;
  seed: number;
  /** Test accuracy at the end (NaN-free: a diverged net scores what its argmax gives). */
  testAccuracy: number;
  /** Mean training loss over the last 10% of the updates. */
  finalLoss: number;
  /** Training loss of every update. */
  losses: Float64Array;
  /** Updates whose loss was NaN/Inf. */
  nonFiniteSteps: number;
  /** Updates made (fewer than planned only if training diverged for 20 updates in a row). */
  steps: number;
  /** Median over the checks of ‖g‖ of the first layer / ‖g‖ of the last layer. */
  medianRatio: number;
  /** Layer names in depth order and their gradient norms at the stored checks. */
  checkedSteps: number[];
  layers: { name: string; gradNorm: number[] }[];
  /** Started verdicts, in order. */
  verdicts: Verdict[];
  /** Wall time of the run in ms. */
  timeMs: number;
}

/** MNIST's splits cut to the mode's sizes (the splits are class-interleaved, so prefixes stay balanced). */
export function mnistSubset(
  train: Dataset,
  test: Dataset,
  size: MlpSize,
): { train: Dataset; test: Dataset } {
  const cut = (d: Dataset, n: number): Dataset => {
    if (n >= d.length) return d;
    const f = d.x.length / d.length;
    return createDataset(d.x.subarray(0, n * f), (d.y as Int32Array).subarray(0, n), {
      featureShape: d.featureShape,
      numClasses: d.numClasses ?? 10,
    });
  };
  return { train: cut(train, size.trainSize), test: cut(test, size.testSize) };
}

/** The run's name in verdict records and charts. */
export function mlpRunName(arm: MlpArm, seed: number): string {
  return `${arm.label} (seed ${seed})`;
}

/**
 * Trains one arm: MLP [784, width × hidden, 10] with the arm's activation, init, norm and
 * residual blocks (biases zero when an init is named, PyTorch's default otherwise), cross-entropy,
 * chain(gradientHealth, sgd(momentum 0.9) | adam), batches from a seeded DataLoader; then the
 * test accuracy in eval mode.
 * @example const run = trainMlpArm(MLP_ARMS[0], size, data, 0);
 */
export function trainMlpArm(
  arm: MlpArm,
  size: MlpSize,
  data: { train: Dataset; test: Dataset },
  seed: number,
  hooks: FlagshipHooks = {},
): MlpRun {
  const t0 = performance.now();
  const run = mlpRunName(arm, seed);
  const net = mlp({
    sizes: [784, ...Array<number>(size.hidden).fill(size.width), 10],
    activation: arm.activation,
    ...(arm.init !== undefined ? { init: arm.init, biasInit: 'zeros' as const } : {}),
    norm: arm.norm,
    residual: arm.residual,
    seed: 1000 + seed,
  });
  const lr = arm.optimizer === 'adam' ? size.adamLr : size.lr;
  const verdicts: Verdict[] = [];
  const health = gradientHealth({
    model: net,
    lr,
    historyLength: 400,
    onVerdict: (v) => {
      if (v.status !== 'started') return;
      verdicts.push(v);
      hooks.onVerdict?.(v, run);
    },
  });
  const opt = new Optimizer(
    net,
    chain(health, arm.optimizer === 'adam' ? adam({ lr }) : sgd({ lr, momentum: 0.9 })),
  );
  const loader = new DataLoader(data.train, {
    batchSize: size.batchSize,
    seed: 2000 + seed,
    dropLast: true,
  });
  const losses = new Float64Array(size.steps);
  const every = hooks.every ?? 10;
  let nonFinite = 0;
  let shown = 0;
  net.train();
  const { steps: step } = runLoop<Batch>({
    optimizer: opt,
    steps: size.steps,
    next: cycle(loader),
    loss: (b) => crossEntropy(net.forward(b.x), b.y as Int32Array),
    callbacks: [
      {
        onStep(s) {
          losses[s.step - 1] = s.loss;
          if (!Number.isFinite(s.loss)) nonFinite++;
        },
      },
      // A diverged net stays diverged; the rest of the budget would only repeat NaN.
      terminateOnNonFinite({ after: 20, on: 'loss' }),
      {
        onStep(s, control) {
          if (control.stopped || hooks.onMonitor === undefined || s.step % every !== 0) return;
          hooks.onMonitor(health, run, s.step, size.steps);
          shown = s.step;
        },
      },
    ],
  });
  if (hooks.onMonitor !== undefined && shown !== step)
    hooks.onMonitor(health, run, step, size.steps);
  health.detach();
  const acc =
    evaluate(net, data.test, { metrics: ['accuracy'], batchSize: 1000 }).metrics['accuracy'] ?? NaN;
  const s = health.summary();
  const ratios = s.firstLastRatio.filter((r) => Number.isFinite(r)).sort((a, b) => a - b);
  const tail = Math.max(1, Math.floor(step / 10));
  let sum = 0;
  for (let i = step - tail; i < step; i++) sum += losses[i] as number;
  return {
    arm,
    seed,
    testAccuracy: acc,
    finalLoss: sum / tail,
    losses: losses.subarray(0, step),
    nonFiniteSteps: nonFinite,
    steps: step,
    medianRatio: ratios.length > 0 ? (ratios[Math.floor(ratios.length / 2)] as number) : NaN,
    checkedSteps: s.checkedSteps,
    layers: s.layers.map((l) => ({ name: l.name, gradNorm: l.gradNorm })),
    verdicts,
    timeMs: performance.now() - t0,
  };
}
