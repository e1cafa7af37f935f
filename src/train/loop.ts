import type { StepArena } from '../autograd/step-arena.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { StepContext, StepEvents } from '../optim/types.js';
import type { Tensor } from '../tensor/tensor.js';

/** What a loop's callbacks get to stop it. */
export interface LoopControl {
  /** Asks the loop to stop after the current step; the first reason is kept. */
  stop(reason: string): void;
  /** Whether a stop was requested. */
  readonly stopped: boolean;
  /** The first stop reason, or null. */
  readonly stopReason: string | null;
}

/** One optimization step of {@link trainLoop}, as its callbacks and its generator see it. */
export interface LoopStep<B> {
  /** Steps taken so far, this one included: the first optimizer step is step 1. */
  step: number;
  /** The batch this step trained on. */
  batch: B;
  /** The loss as a number (NaN or ±Infinity on a non-finite step). */
  loss: number;
  /**
   * The loss tensor (its tape is still there: `traceNonFinite(lossTensor)` works); null for a
   * step with hand-written gradients ({@link TrainLoopOptions.gradients}).
   */
  lossTensor: Tensor | null;
  /** The learning rate this step used (read before the step), undefined without one. */
  lr: number | undefined;
  /** The optimizer's events of this step (clipped, spike, nonFinite). */
  events: Readonly<StepEvents>;
  /** True when the loss was not finite or the optimizer reported non-finite gradients. */
  nonFinite: boolean;
}

/** A step before the optimizer took it: the batch, its loss, and gradients in every `.grad`. */
export type PendingStep<B> = Omit<LoopStep<B>, 'events' | 'nonFinite'>;

/** A synchronous hook of {@link trainLoop} (hooks are called in order). */
export interface LoopCallback<B = unknown> {
  /**
   * After backward (the loss is known), before the optimizer step. Stopping here abandons the
   * step: the optimizer does not take it and the loop ends with the steps taken before (for
   * loops that measure first and update after, e.g. "stop once the loss is below a target").
   */
  beforeStep?(step: PendingStep<B>, control: LoopControl): void;
  /** After every step; may stop the loop with `control.stop(reason)`. */
  onStep?(step: LoopStep<B>, control: LoopControl): void;
}

/** What {@link trainLoop} needs: the optimizer, where batches come from and how the loss is made. */
export interface TrainLoopOptions<B> {
  /** The optimizer over the trained parameters. */
  optimizer: Optimizer<unknown>;
  /** The batch of the coming step (`step` is the number it will have, 1-based). */
  next(step: number): B;
  /** Forward pass and loss of a batch: a scalar tensor (backward is the loop's). */
  loss?(batch: NoInfer<B>, step: number): Tensor;
  /**
   * Instead of `loss`: hand-written (analytic) gradients. Writes every parameter's `.grad` and
   * returns the loss if it is known (undefined: the optimizer gets no loss); the loop does not
   * zero the gradients or run backward then.
   */
  gradients?(batch: NoInfer<B>, step: number): number | void;
  /** Train until this many steps are taken (counted from the start of the run). */
  steps: number;
  /** Steps already taken (a resumed run; default 0). */
  startStep?: number;
  /**
   * The gradient-health monitor (or anything with `watch`): given each loss tensor before the
   * optimizer step, so that a non-finite step is traced back to the op that made it.
   */
  monitor?: {
    /** Called with each step's loss tensor after backward (traces a non-finite loss to its op). */
    watch(loss: Tensor): void;
  } | null;
  /**
   * Extra step context, called between backward and the optimizer step (e.g. metrics for
   * reduce-on-plateau). The loss is always passed as `ctx.loss`.
   */
  context?(step: PendingStep<B>): StepContext | undefined;
  /** Hooks after every step, in order (divergence stops, recording, progress). */
  callbacks?: readonly LoopCallback<NoInfer<B>>[];
  /** A control shared with the caller (default: a fresh one, see {@link loopControl}). */
  control?: LoopControl;
  /**
   * Buffer reuse (issue 22): each step (loss, backward, `beforeStep` callbacks, optimizer step)
   * runs in `arena.step`, so a steady-state step allocates almost nothing. The step's tensors
   * (`lossTensor`, outputs a callback reads) stay valid until the next step starts; a tensor made
   * by a recorded op that must live longer has to be kept (`arena.keep`). Default: none.
   */
  arena?: StepArena | null;
}

/** How a loop ended. */
export interface LoopEnd {
  /** Steps taken so far (counts across resumes). */
  steps: number;
  /** Why a callback stopped the loop, or null when it ran all its steps. */
  stopReason: string | null;
}

/**
 * A fresh {@link LoopControl}: `stop(reason)` records the first reason.
 * @example const control = loopControl(); control.stop('enough'); control.stopReason // 'enough'
 */
export function loopControl(): LoopControl {
  let reason: string | null = null;
  return {
    stop(r: string) {
      if (reason === null) reason = String(r);
    },
    get stopped() {
      return reason !== null;
    },
    get stopReason() {
      return reason;
    },
  };
}

/**
 * The first half of a step: reads the learning rate, zeroes the gradients, forward and loss
 * (`loss(batch)`), backward, and hands the loss tensor to the monitor (so that a NaN is traced
 * to the op that made it) — or, with `gradients`, lets it write the gradients by hand.
 * @example const pending = computeGradients(opts, batch, 1); pending.loss
 */
export function computeGradients<B>(
  options: TrainLoopOptions<B>,
  batch: B,
  step: number,
): PendingStep<B> {
  const { optimizer } = options;
  const lr = optimizer.lr;
  if (options.gradients !== undefined) {
    const loss = options.gradients(batch, step);
    const known = typeof loss === 'number';
    const pending = { step, batch, loss: known ? loss : NaN, lossTensor: null, lr };
    if (!known) withoutLoss.add(pending);
    return pending;
  }
  if (options.loss === undefined)
    throw new TypeError('trainLoop: give loss (forward + loss) or gradients (by hand)');
  optimizer.zeroGrad();
  const lossTensor = options.loss(batch, step);
  const loss = lossTensor.item();
  lossTensor.backward();
  options.monitor?.watch(lossTensor);
  return { step, batch, loss, lossTensor, lr };
}

/** Hand-gradient steps whose loss is unknown: the optimizer gets no loss for them. */
const withoutLoss = new WeakSet<object>();

/**
 * The second half of a step: `optimizer.step({ ...context, loss })`.
 * @example const s = applyStep(opts, computeGradients(opts, batch, 1)); s.events
 */
export function applyStep<B>(options: TrainLoopOptions<B>, pending: PendingStep<B>): LoopStep<B> {
  const known = !withoutLoss.has(pending);
  const extra = options.context?.(pending);
  const events = options.optimizer.step(known ? { ...extra, loss: pending.loss } : extra);
  const nonFinite = (known && !Number.isFinite(pending.loss)) || events.nonFinite === true;
  return { ...pending, events, nonFinite };
}

/**
 * One optimization step, the one every training loop of gradscope takes: reads the learning
 * rate, zeroes the gradients, forward and loss (`loss(batch)`), backward, hands the loss tensor
 * to the monitor (so a NaN is traced to the op that made it), then `optimizer.step({ loss })`.
 * Callbacks are the caller's business (see {@link trainLoop}). `step` is the number this step
 * gets (1 for the first).
 * @example const s = trainStep(opts, opts.next(1), 1); s.loss
 */
export function trainStep<B>(options: TrainLoopOptions<B>, batch: B, step: number): LoopStep<B> {
  return applyStep(options, computeGradients(options, batch, step));
}

/**
 * The training loop as a generator: each `next()` takes one step ({@link trainStep}), calls the
 * callbacks and yields the step; it returns when `steps` are taken or a callback (or the caller,
 * through `control`) stopped it. UIs step it from requestAnimationFrame; {@link runLoop} drives
 * it to the end. Synchronous and deterministic: the same options give the same bits.
 * @example
 * const loop = trainLoop({ optimizer: opt, steps: 100, next: () => loader.nextBatch(),
 *   loss: (b) => crossEntropy(model.forward(b.x), b.y) });
 * for (const s of loop) if (s.step % 10 === 0) console.log(s.step, s.loss);
 */
export function* trainLoop<B>(options: TrainLoopOptions<B>): Generator<LoopStep<B>, LoopEnd> {
  const control = options.control ?? loopControl();
  const callbacks = options.callbacks ?? [];
  let step = options.startStep ?? 0;
  const arena = options.arena ?? null;
  const body = (): LoopStep<B> | null => {
    const pending = computeGradients(options, options.next(step + 1), step + 1);
    for (const c of callbacks) c.beforeStep?.(pending, control);
    if (control.stopped) return null;
    return applyStep(options, pending);
  };
  while (!control.stopped && step < options.steps) {
    const s = arena === null ? body() : arena.step(body);
    if (s === null) break;
    step = s.step;
    for (const c of callbacks) c.onStep?.(s, control);
    yield s;
  }
  return { steps: step, stopReason: control.stopReason };
}

/**
 * Runs {@link trainLoop} to its end and says how it ended.
 * @example const { steps, stopReason } = runLoop({ optimizer, steps: 500, next, loss, callbacks: [stopOnNonFinite({ after: 20 })] });
 */
export function runLoop<B>(options: TrainLoopOptions<B>): LoopEnd {
  const it = trainLoop(options);
  for (;;) {
    const r = it.next();
    if (r.done === true) return r.value;
  }
}

/**
 * Batches from an iterable, restarted whenever it is exhausted (epoch after epoch of a
 * DataLoader, which reshuffles at each new iteration).
 * @example trainLoop({ ..., next: cycle(loader) })
 */
export function cycle<B>(source: Iterable<B>): () => B {
  let it = source[Symbol.iterator]();
  return () => {
    let r = it.next();
    if (r.done === true) {
      it = source[Symbol.iterator]();
      r = it.next();
      if (r.done === true) throw new RangeError('cycle: the source yields no batches');
    }
    return r.value;
  };
}
