import { ConfigError, fmt } from '../errors.js';
import { noGrad } from '../autograd/grad-mode.js';
import { byGlobalNorm } from '../clip/by-global-norm.js';
import {
  evalWindows,
  sampleWindows,
  unigramLoss,
  type CharCorpus,
  type TokenBatch,
} from '../data/char-text.js';
import { gradientHealth, type GradientHealthOptions } from '../monitor/gradient-health.js';
import type { Verdict } from '../monitor/types.js';
import { gpt, type GPT, type GptOptions } from '../nn/gpt.js';
import { crossEntropy } from '../ops/losses.js';
import { reshape } from '../ops/shape-ops.js';
import { adamw } from '../optim/adamw.js';
import { chain } from '../optim/chain.js';
import { Optimizer } from '../optim/optimizer.js';
import type { GradientTransformation } from '../optim/types.js';
import { linear as linearSchedule } from '../schedule/linear.js';
import { joinSchedules } from '../schedule/join.js';
import type { Schedule } from '../schedule/types.js';
import { Rng } from '../tensor/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import { runLoop, type LoopCallback } from './loop.js';

/** The recipe of {@link trainCharLm}. */
export interface CharLmOptions {
  /** The model (vocabulary size comes from the corpus). */
  model: Omit<GptOptions, 'vocab' | 'seed' | 'rng'>;
  /** Optimizer steps. */
  steps: number;
  /** Windows per batch. */
  batch: number;
  /**
   * How batches are drawn (default `'random'`): `'random'` takes `batch` windows at uniform random
   * starts ({@link sampleWindows}); `'sequential'` walks the consecutive windows of the training
   * stream (stride = context, as {@link evalWindows}) `batch` at a time and starts over at the
   * end — with `batch` ≥ the number of windows every step is the same full batch (full-batch
   * training, as in edge-of-stability studies).
   */
  order?: 'random' | 'sequential';
  /** Peak learning rate of AdamW. */
  lr: number;
  /** Decoupled weight decay (default 0). */
  weightDecay?: number;
  /** AdamW β₂ (default 0.99, as nanoGPT's character-level recipe). */
  beta2?: number;
  /** Linear warmup from lr/warmup to lr over this many steps (default 0: none). */
  warmup?: number;
  /** Global-norm clipping threshold (default none). */
  clipNorm?: number | null;
  /** Seed of the initial weights; the batches use seed + 1 (default 0). */
  seed?: number;
  /** Validation loss every this many steps (default: only at the start and the end). */
  evalEvery?: number;
  /**
   * A gradient transformation between the clipping and AdamW, e.g. `clip.zClip()` or
   * `clip.spikeClip()` (default none).
   */
  transform?: GradientTransformation<unknown> | null;
  /**
   * Watch the run with the gradient-health monitor (first link of the chain; default false); an
   * object turns it on with these detector switches and thresholds. It is told the corpus's
   * unigram loss (notLearning's input-independent level) and the model's LayerNorm placement.
   */
  monitor?: boolean | Pick<GradientHealthOptions, 'detectors' | 'thresholds'>;
}

/** One evaluation of a {@link trainCharLm} run. */
export interface CharLmEval {
  /** Steps taken when evaluated (0 = at initialisation). */
  step: number;
  /** Mean cross-entropy (nats per character) over every validation window. */
  valLoss: number;
}

/** The result of {@link trainCharLm}. */
export interface CharLmRun {
  /** The trained model. */
  model: GPT;
  /** Training loss of every step. */
  trainLoss: number[];
  /** Validation losses (at step 0, every `evalEvery`, and at the end). */
  evals: CharLmEval[];
  /** Where each step's windows started in the training stream (for replaying the run elsewhere). */
  batchStarts: Int32Array[];
  /** The monitor's verdicts (empty without `monitor`). */
  verdicts: Verdict[];
}

/**
 * Mean next-character cross-entropy (nats) of `model` over every window of `stream`
 * ({@link evalWindows}: consecutive, stride = context), without recording gradients and in
 * evaluation mode (restored after).
 * @example validationLoss(model, corpus.val) // ≈ 2.1 for a trained names model
 */
export function validationLoss(model: GPT, stream: Int32Array, batch = 64): number {
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(() => {
      let total = 0;
      let count = 0;
      for (const b of evalWindows(stream, batch, model.config.context)) {
        const l = batchLoss(model, b);
        total += (l.data[0] as number) * b.y.length;
        count += b.y.length;
      }
      return total / count;
    });
  } finally {
    model.train(wasTraining);
  }
}

function batchLoss(model: GPT, b: TokenBatch): Tensor {
  const logits = model.forward(b.x);
  return crossEntropy(reshape(logits, [b.y.length, model.config.vocab]), b.y);
}

/**
 * Trains a character-level {@link GPT} on a {@link CharCorpus} with AdamW (β₁ 0.9, β₂ 0.99 by
 * default), an optional linear warmup and global-norm clipping, on random windows of the
 * training stream (`sampleWindows`, seeded), through the library's one training loop; returns
 * the model, the losses and the batch positions so the same run can be replayed in another
 * framework (examples/reference/torch_char_gpt.py replays it in PyTorch).
 * @example const run = trainCharLm(charCorpus(await loadFirstNames()), { model: { context: 16, layers: 4, heads: 4, embed: 64 }, steps: 2000, batch: 32, lr: 3e-3 });
 */
export function trainCharLm(
  corpus: CharCorpus,
  options: CharLmOptions,
  callbacks: readonly LoopCallback<TokenBatch>[] = [],
): CharLmRun {
  const op = 'trainCharLm';
  const { steps, batch, lr } = options;
  if (!Number.isInteger(steps) || steps < 1)
    throw new ConfigError(`${op}: steps must be a positive integer, got ${fmt(steps)}`);
  if (!Number.isInteger(batch) || batch < 1)
    throw new ConfigError(`${op}: batch must be a positive integer, got ${fmt(batch)}`);
  if (typeof lr !== 'number' || !(lr > 0) || !Number.isFinite(lr))
    throw new ConfigError(`${op}: lr must be a finite number > 0, got ${fmt(lr)}`);
  const warmup = options.warmup ?? 0;
  if (!Number.isInteger(warmup) || warmup < 0)
    throw new ConfigError(`${op}: warmup must be an integer >= 0, got ${fmt(warmup)}`);
  const order = options.order ?? 'random';
  if (order !== 'random' && order !== 'sequential')
    throw new ConfigError(`${op}: order must be 'random' or 'sequential', got ${fmt(order)}`);
  const evalEvery = options.evalEvery ?? steps;
  if (!Number.isInteger(evalEvery) || evalEvery < 1)
    throw new ConfigError(`${op}: evalEvery must be a positive integer, got ${fmt(evalEvery)}`);
  const seed = options.seed ?? 0;
  const model = gpt({ ...options.model, vocab: corpus.vocab.size, seed });
  const schedule: number | Schedule =
    warmup > 0
      ? joinSchedules(
          [
            linearSchedule({
              baseLr: lr,
              startFactor: 1 / warmup,
              endFactor: 1,
              totalIters: warmup,
            }),
            lr,
          ],
          [warmup],
        )
      : lr;
  const adam = adamw({
    lr: schedule,
    b1: 0.9,
    b2: options.beta2 ?? 0.99,
    weightDecay: options.weightDecay ?? 0,
  }) as GradientTransformation<unknown>;
  const clip = options.clipNorm ?? null;
  const verdicts: Verdict[] = [];
  const watch = options.monitor ?? false;
  const health =
    watch === false
      ? null
      : gradientHealth({
          ...(watch === true ? {} : watch),
          onVerdict: (v) => verdicts.push(v),
          declared: {
            baselineLoss: unigramLoss(corpus),
            baselineName: 'the unigram model',
            transformerNorm: model.config.norm,
          },
        });
  const links: GradientTransformation<unknown>[] = [
    ...(health !== null ? [health as GradientTransformation<unknown>] : []),
    ...(clip !== null ? [byGlobalNorm(clip) as GradientTransformation<unknown>] : []),
    ...(options.transform != null ? [options.transform] : []),
    adam,
  ];
  const tx = links.length === 1 ? adam : (chain(...links) as GradientTransformation<unknown>);
  const optimizer = new Optimizer(model.namedParameters(), tx);
  health?.setLr(() => optimizer.lr);
  const rng = new Rng(seed + 1);
  const context = model.config.context;
  const sequential = order === 'sequential' ? evalWindows(corpus.train, batch, context) : null;
  const trainLoss: number[] = [];
  const batchStarts: Int32Array[] = [];
  const evals: CharLmEval[] = [{ step: 0, valLoss: validationLoss(model, corpus.val) }];
  runLoop<TokenBatch>({
    optimizer,
    steps,
    next: () => {
      const b =
        sequential !== null
          ? (sequential[batchStarts.length % sequential.length] as TokenBatch)
          : sampleWindows(corpus.train, batch, context, rng);
      batchStarts.push(b.starts);
      return b;
    },
    loss: (b) => batchLoss(model, b),
    monitor: health,
    callbacks: [
      ...callbacks,
      {
        onStep(s) {
          trainLoss.push(s.loss);
          if (s.step % evalEvery === 0 || s.step === steps)
            evals.push({ step: s.step, valLoss: validationLoss(model, corpus.val) });
        },
      },
    ],
  });
  return { model, trainLoss, evals, batchStarts, verdicts };
}
