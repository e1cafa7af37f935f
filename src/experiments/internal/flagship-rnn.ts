import { noGrad } from '../../autograd/grad-mode.js';
import { autoClip } from '../../clip/auto-clip.js';
import { byGlobalNorm } from '../../clip/by-global-norm.js';
import { zClip } from '../../clip/z-clip.js';
import { addition } from '../../data/addition.js';
import type { SequenceBatch } from '../../data/sequence-task.js';
import { DataError } from '../../errors.js';
import { orthogonal } from '../../init/orthogonal.js';
import { gradientHealth, type GradientHealth } from '../../monitor/gradient-health.js';
import type { Verdict } from '../../monitor/types.js';
import { mse } from '../../nn/losses.js';
import { Linear } from '../../nn/linear.js';
import { Module } from '../../nn/module.js';
import { GRU, LSTM, RNN } from '../../nn/recurrent.js';
import { narrow, reshape } from '../../ops/shape-ops.js';
import { chain } from '../../optim/chain.js';
import { Optimizer } from '../../optim/optimizer.js';
import { adam } from '../../optim/adam.js';
import { sgd } from '../../optim/sgd.js';
import type { GradientTransformation } from '../../optim/types.js';
import { healthAwareDecay } from '../../schedule/health-aware-decay.js';
import { Rng } from '../../tensor/rng.js';
import { Tensor } from '../../tensor/tensor.js';
import { spectralRadius } from './spectral-radius.js';
import type { FlagshipHooks } from './flagship-common.js';
import type { ArmRole } from './flagship-mlp.js';
import { runLoop } from '../../train/loop.js';
import { terminateOnNonFinite } from '../../train/terminate-on-non-finite.js';

/**
 * E13's training runs: a one-layer recurrent net read out at the last step, on the addition
 * task, with plain SGD and the gradient-health monitor first in the chain; one configuration
 * ("arm") at a time — the exploding baseline, the remedies and the controls.
 */

/** One configuration of E13's model and update chain. */
export interface RnnArm {
  id: string;
  label: string;
  /** Chart label ("clip 1"): legends and axes have little room. */
  short: string;
  role: ArmRole;
  cell: 'rnn' | 'lstm' | 'gru';
  /** Recurrent init of the tanh RNN: W_hh = gain·Q with Q orthogonal (spectral radius exactly `gain`). */
  recurrentGain?: number;
  /** The transformation between the monitor and SGD (clipping), if any. */
  clip?: 'globalNorm' | 'autoClip' | 'zClip';
  /** The health-aware decay after SGD, if used: factor per flagged step and floor of the scale; the cut is held for the rest of the run. */
  decay?: { factor: number; minScale: number };
  /**
   * The arm's own optimizer, where the remedy's standard recipe calls for one (gated cells: Adam,
   * Kingma & Ba 2015); default plain SGD at the mode's lr. Identical in the PyTorch calibration.
   */
  optimizer?: { name: 'adam'; lr: number };
  /**
   * LSTM only: b_ih's forget-gate slice set to this and b_hh's to 0 (Gers, Schmidhuber & Cummins
   * 2000; Jozefowicz, Zaremba & Sutskever 2015: a forget bias of 1 keeps the cell's memory open
   * at init). Default: PyTorch's U(±1/√H) like every other bias.
   */
  forgetBias?: number;
  /** The monitor remedy this arm carries out, if any. */
  remedy?: string;
  /**
   * What E13 claims for the arm (calibrated in gradscope and PyTorch, see exploding.ts):
   * 'learns' — its gradient norm stays bounded and its final error is within the learning
   * margin in every seed; 'bounded' — its gradient norm stays bounded, learning is not claimed;
   * 'none' — shown for comparison only.
   */
  claim: 'learns' | 'bounded' | 'none';
  note: string;
}

/** Spectral radius of the baseline's recurrent matrix. */
export const EXPLODING_RADIUS = 1.3;

/** The gated cells' recipe (and the Adam control's): Adam at lr 0.01, Kingma & Ba 2015. */
const GATED_RECIPE = Object.freeze({ name: 'adam', lr: 0.01 } as const);

/** E13's arms. The baseline is a tanh RNN whose W_hh has spectral radius {@link EXPLODING_RADIUS}. */
export const RNN_ARMS: readonly RnnArm[] = Object.freeze([
  {
    id: 'tanh-rnn',
    label: `tanh RNN, ρ(W_hh) = ${EXPLODING_RADIUS}`,
    short: `ρ = ${EXPLODING_RADIUS}`,
    role: 'baseline',
    cell: 'rnn',
    recurrentGain: EXPLODING_RADIUS,
    claim: 'none',
    note: '‖∏ W_hhᵀ diag(1 − h²)‖ can grow like ρ^T: one large gradient throws the weights into the saturated region, then the read-out diverges',
  },
  {
    id: 'clip-global-norm',
    label: '+ clip.byGlobalNorm(1)',
    short: 'clip 1',
    role: 'remedy',
    cell: 'rnn',
    recurrentGain: EXPLODING_RADIUS,
    clip: 'globalNorm',
    remedy: 'clip',
    claim: 'learns',
    note: 'rescales g to norm ≤ 1, keeping its direction (Pascanu et al. 2013)',
  },
  {
    id: 'auto-clip',
    label: '+ AutoClip (p10)',
    short: 'AutoClip',
    role: 'remedy',
    cell: 'rnn',
    recurrentGain: EXPLODING_RADIUS,
    clip: 'autoClip',
    remedy: 'clip',
    claim: 'learns',
    note: 'clips to the 10th percentile of the norms seen so far (Seetharaman et al. 2020): no threshold to choose, but its first steps go through unclipped (the history holds only the large early norms; in PyTorch seed 2 ρ(W_hh) went 1.3 → 2.6 in 5 updates) and later it clips almost every step to a small norm, so it learns more slowly than a fixed clip at 1 (PyTorch seed 2: 0.53× the mean predictor after 3000 updates, 0.27× after 10,000)',
  },
  {
    id: 'health-aware-decay',
    label: '+ health-aware decay',
    short: 'decay',
    role: 'control',
    cell: 'rnn',
    recurrentGain: EXPLODING_RADIUS,
    decay: { factor: 0.1, minScale: 0.01 },
    remedy: 'schedule',
    claim: 'none',
    note: 'cuts the lr 10× on each step the monitor flags (down to 0.01×) and holds it for the rest of the run: it stops the explosion (max ‖g‖ 6–427× its start) but at 0.01× the lr the run hardly learns (0.43–1.01× the mean predictor at 10,000 updates), so it is a control here (E15 weighs it)',
  },
  {
    id: 'orthogonal-init',
    label: 'orthogonal W_hh (ρ = 1)',
    short: 'orthogonal',
    role: 'remedy',
    cell: 'rnn',
    recurrentGain: 1,
    remedy: 'recurrentInit',
    claim: 'learns',
    note: 'eigenvalues of modulus 1: the product of Jacobians neither explodes nor, at first, vanishes (Saxe et al. 2014)',
  },
  {
    id: 'lstm',
    label: 'LSTM (Adam 0.01, forget bias 1)',
    short: 'LSTM',
    role: 'remedy',
    cell: 'lstm',
    optimizer: GATED_RECIPE,
    forgetBias: 1,
    remedy: 'architecture',
    claim: 'learns',
    note: 'gated, additive cell path (Hochreiter & Schmidhuber 1997) with its usual recipe: Adam and a forget bias of 1 (Jozefowicz et al. 2015); with plain SGD at lr 0.1 it stays on the mean-predictor plateau for 2000 updates (gradscope and PyTorch), at lr 0.5–1 it diverges',
  },
  {
    id: 'gru',
    label: 'GRU (Adam 0.01)',
    short: 'GRU',
    role: 'remedy',
    cell: 'gru',
    optimizer: GATED_RECIPE,
    remedy: 'architecture',
    claim: 'learns',
    note: 'gated update z·h + (1 − z)·n (Cho et al. 2014) with Adam, its usual optimizer; with plain SGD at lr 0.1 it stays on the mean-predictor plateau for 2000 updates (gradscope and PyTorch)',
  },
  {
    id: 'tanh-rnn-adam',
    label: '+ Adam 0.01 (no clipping)',
    short: 'Adam',
    role: 'control',
    cell: 'rnn',
    recurrentGain: EXPLODING_RADIUS,
    optimizer: GATED_RECIPE,
    claim: 'none',
    note: "the baseline with the gated cells' recipe: how much of their fix is the optimizer (Adam's per-parameter normalisation bounds every step)",
  },
  {
    id: 'z-clip',
    label: '+ ZClip (defaults)',
    short: 'ZClip',
    role: 'control',
    cell: 'rnn',
    recurrentGain: EXPLODING_RADIUS,
    clip: 'zClip',
    claim: 'none',
    note: 'a spike detector: it learns its mean from the first 25 (unclipped) steps and follows a sustained growth, so it does not stop this explosion',
  },
]) as readonly RnnArm[];

/** Sizes of one E13 mode. */
export interface RnnSize {
  /** Sequence length T (fixed; no length jitter). */
  T: number;
  hidden: number;
  batchSize: number;
  steps: number;
  /** Plain SGD learning rate. */
  lr: number;
  /** Fixed evaluation sequences. */
  evalSize: number;
  /** Evaluate every this many updates (and at the end). */
  evalEvery: number;
  arms: readonly string[];
}

/** The recurrent layer read out by a Linear head at the last time step: ŷ = head(h_T). */
export class LastStepRegressor extends Module<[Tensor], Tensor> {
  readonly rnn: RNN | LSTM | GRU;
  readonly head: Linear;
  constructor(rnn: RNN | LSTM | GRU, seed: number) {
    super();
    this.rnn = this.registerModule('rnn', rnn);
    this.head = this.registerModule('head', new Linear(rnn.hiddenSize, 1, { seed }));
  }
  /** x [T, B, I] -> ŷ [B, 1]. */
  forward(x: Tensor): Tensor {
    const o = this.rnn.forward(x).output;
    const [T, B, H] = o.shape as [number, number, number];
    return this.head.forward(reshape(narrow(o, 0, T - 1, 1), [B, H]));
  }
}

/** What one run of one arm did. */
export interface RnnRun {
  arm: RnnArm;
  seed: number;
  /** ρ(W_hh) at init (tanh RNN only; NaN for gated cells). */
  radius: number;
  /** Eval MSE at the end (NaN if the weights are NaN). */
  finalEval: number;
  /** Global gradient norm ‖g‖ (before clipping) of every update, as the monitor measured it; NaN/∞ kept. */
  gradNorms: Float64Array;
  /** Steps of the evaluations and their MSE. */
  evalSteps: number[];
  evals: number[];
  /** Training loss of every update. */
  losses: Float64Array;
  /** Largest finite training loss. */
  maxLoss: number;
  nonFiniteSteps: number;
  /** First update with a non-finite loss, counted from 1 like the monitor's verdict steps (−1 if none). */
  firstNonFinite: number;
  steps: number;
  checkedSteps: number[];
  layers: { name: string; gradNorm: number[] }[];
  totalGradNorm: number[];
  verdicts: Verdict[];
  timeMs: number;
}

/** The run's name in verdict records and charts. */
export function rnnRunName(arm: RnnArm, seed: number): string {
  return `${arm.label} (seed ${seed})`;
}

/** Seed of the fixed evaluation sequences (shared by every run). */
const EVAL_SEED = 19_970_501;

/** The fixed evaluation batch of a mode, and the MSE of the best constant predictor on it (the targets' variance). */
export function additionEvalSet(size: RnnSize): { x: Tensor; y: Tensor; meanPredictorMse: number } {
  const b = addition(size.evalSize, size.T, EVAL_SEED, { jitterLength: false });
  const y = b.y;
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += y[i] as number;
  mean /= y.length;
  let v = 0;
  for (let i = 0; i < y.length; i++) v += ((y[i] as number) - mean) ** 2;
  return { x: new Tensor(b.x, b.xShape), y: targets(b), meanPredictorMse: v / y.length };
}

/** The regression targets of an addition batch as a tensor [B, 1]. */
function targets(b: SequenceBatch): Tensor {
  if (b.y instanceof Int32Array)
    throw new DataError(
      `addition: expected float regression targets, got class labels (Int32Array of ${b.y.length})`,
    );
  return new Tensor(b.y, b.yShape);
}

/**
 * An arm's model at a seed: the tanh RNN with W_hh = gain·Q, or the gated cell (LSTM with its
 * forget bias, if set), read out by a Linear head.
 * @example const model = buildRnnModel(RNN_ARMS[0], size, 0);
 */
export function buildRnnModel(arm: RnnArm, size: RnnSize, seed: number): LastStepRegressor {
  const H = size.hidden;
  const opts = { seed: 3000 + seed };
  let rnn: RNN | LSTM | GRU;
  if (arm.cell === 'lstm') {
    rnn = new LSTM(2, H, opts);
    if (arm.forgetBias !== undefined) {
      // Gates i, f, g, o stacked in rows (as PyTorch): the forget gate is rows H..2H−1.
      const { biasIh, biasHh } = rnn.layer(0);
      biasIh?.data.fill(arm.forgetBias, H, 2 * H);
      biasHh?.data.fill(0, H, 2 * H);
    }
  } else if (arm.cell === 'gru') rnn = new GRU(2, H, opts);
  else {
    const gain = arm.recurrentGain ?? 1;
    rnn = new RNN(2, H, {
      ...opts,
      recurrentInit: (shape, rng, dtype) => orthogonal(shape, rng, { dtype, gain }),
    });
  }
  return new LastStepRegressor(rnn, 4000 + seed);
}

/** The arm's learning rate: its own optimizer's, else the mode's. */
export function armLr(arm: RnnArm, size: RnnSize): number {
  return arm.optimizer?.lr ?? size.lr;
}

function transformations(
  arm: RnnArm,
  health: GradientHealth,
  size: RnnSize,
): GradientTransformation<unknown>[] {
  const links: GradientTransformation<unknown>[] = [health as GradientTransformation<unknown>];
  if (arm.clip === 'globalNorm') links.push(byGlobalNorm(1) as GradientTransformation<unknown>);
  if (arm.clip === 'autoClip')
    links.push(autoClip({ percentile: 10 }) as GradientTransformation<unknown>);
  if (arm.clip === 'zClip') links.push(zClip() as GradientTransformation<unknown>);
  links.push(
    (arm.optimizer === undefined
      ? sgd({ lr: size.lr })
      : adam({ lr: arm.optimizer.lr })) as GradientTransformation<unknown>,
  );
  // The growth of an explosion outpaces a halving per step; ×0.1 per flagged step does not, and
  // giving the lr back would bring the instability back (calibration: re-explosions every ~150 steps).
  if (arm.decay !== undefined)
    links.push(
      healthAwareDecay({ ...arm.decay, cooldown: size.steps }) as GradientTransformation<unknown>,
    );
  return links;
}

/**
 * Trains one arm on fresh addition batches (the same stream for every arm of a seed) with plain
 * SGD, evaluating the MSE on the fixed set every `evalEvery` updates.
 * @example const run = trainRnnArm(RNN_ARMS[0], size, additionEvalSet(size), 0);
 */
export function trainRnnArm(
  arm: RnnArm,
  size: RnnSize,
  evalSet: { x: Tensor; y: Tensor },
  seed: number,
  hooks: FlagshipHooks = {},
): RnnRun {
  const t0 = performance.now();
  const run = rnnRunName(arm, seed);
  const model = buildRnnModel(arm, size, seed);
  const radius =
    arm.cell === 'rnn' ? spectralRadius(model.rnn.layer(0).weightHh.data, size.hidden) : NaN;
  const verdicts: Verdict[] = [];
  const health = gradientHealth({
    model,
    lr: armLr(arm, size),
    historyLength: 400,
    onVerdict: (v) => {
      if (v.status !== 'started') return;
      verdicts.push(v);
      hooks.onVerdict?.(v, run);
    },
  });
  const opt = new Optimizer(model, chain(...transformations(arm, health, size)));
  const data = new Rng(5000 + seed);
  const losses = new Float64Array(size.steps);
  const gradNorms = new Float64Array(size.steps);
  const evalSteps: number[] = [];
  const evals: number[] = [];
  const every = hooks.every ?? 10;
  const evaluateNow = (): number => noGrad(() => mse(model.forward(evalSet.x), evalSet.y).item());
  let nonFinite = 0;
  let firstNonFinite = -1;
  let maxLoss = -Infinity;
  let shown = 0;
  const { steps: step } = runLoop({
    optimizer: opt,
    monitor: health,
    steps: size.steps,
    next: () => addition(size.batchSize, size.T, data, { jitterLength: false }),
    loss: (b) => mse(model.forward(new Tensor(b.x, b.xShape)), targets(b)),
    callbacks: [
      {
        onStep({ step, loss: l }) {
          losses[step - 1] = l;
          gradNorms[step - 1] = health.state?.stats.totalGradNorm ?? NaN;
          if (Number.isFinite(l)) maxLoss = Math.max(maxLoss, l);
          else {
            nonFinite++;
            if (firstNonFinite < 0) firstNonFinite = step;
          }
          if (step % size.evalEvery === 0 || step === size.steps) {
            evalSteps.push(step);
            evals.push(evaluateNow());
          }
          if (hooks.onMonitor !== undefined && step % every === 0) {
            hooks.onMonitor(health, run, step, size.steps);
            shown = step;
          }
        },
      },
      // NaN weights stay NaN: stop after 20 non-finite updates in a row.
      terminateOnNonFinite({ after: 20, on: 'loss' }),
    ],
  });
  if (hooks.onMonitor !== undefined && shown !== step)
    hooks.onMonitor(health, run, step, size.steps);
  health.detach();
  const finalEval = evaluateNow();
  if (evalSteps[evalSteps.length - 1] !== step) {
    evalSteps.push(step);
    evals.push(finalEval);
  }
  const s = health.summary();
  return {
    arm,
    seed,
    radius,
    finalEval,
    gradNorms: gradNorms.subarray(0, step),
    evalSteps,
    evals,
    losses: losses.subarray(0, step),
    maxLoss,
    nonFiniteSteps: nonFinite,
    firstNonFinite,
    steps: step,
    checkedSteps: s.checkedSteps,
    layers: s.layers.map((l) => ({ name: l.name, gradNorm: l.gradNorm })),
    totalGradNorm: s.totalGradNorm,
    verdicts,
    timeMs: performance.now() - t0,
  };
}
